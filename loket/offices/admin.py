"""Django admin for configuring offices, counters, opening hours, date exceptions and holidays.

The admin is for system configuration by trusted staff; everyday hour changes go through the
staff pages (``views.staff.manage_hours``, ``views.staff.manage_weekly_hours``), which use the
services. Changes made here are audited too (``AuditedAdminMixin``: admin.add/change/delete rows).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loket.audit.admin import AuditedAdminMixin
from loket.offices.models import Counter, ExceptionSession, Holiday, Office, OpeningRule, ScheduleException


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0


class OpeningRuleInline(admin.TabularInline):
    model = OpeningRule
    extra = 0
    fields = ["day", "opens", "closes", "label", "valid_from", "valid_until"]


class ScheduleExceptionInline(admin.TabularInline):
    model = ScheduleException
    extra = 0
    fields = ["date", "is_closed", "reason"]
    show_change_link = True  # sessions are edited on the exception's own page
    ordering = ["-date"]


@admin.register(Office)
class OfficeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "region", "timezone", "is_active", "closed_on_cuti_bersama"]
    list_filter = ["kind", "timezone", "is_active", "closed_on_cuti_bersama"]
    search_fields = ["name", "slug", "region__name", "region__code", "address"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["region"]
    list_select_related = ["region"]
    inlines = [CounterInline, OpeningRuleInline, ScheduleExceptionInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "region", "is_active"]}),
        (
            _("Contact"),
            {"fields": ["address", "postal_code", "phone", "email", "latitude", "longitude", "description"]},
        ),
        (_("Schedule"), {"fields": ["timezone", "closed_on_cuti_bersama", "active_from", "active_until"]}),
    ]

    def audit_details(self, request, obj, action):
        if isinstance(obj, Office):
            return {"office_id": obj.pk}
        return super().audit_details(request, obj, action)


class ExceptionSessionInline(admin.TabularInline):
    model = ExceptionSession
    extra = 1


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["date", "office", "is_closed", "reason"]
    list_filter = ["is_closed"]
    search_fields = ["office__name", "reason"]
    date_hierarchy = "date"
    raw_id_fields = ["office"]
    list_select_related = ["office"]
    inlines = [ExceptionSessionInline]

    def audit_details(self, request, obj, action):
        if isinstance(obj, ExceptionSession):
            return {"office_id": obj.exception.office_id}
        return super().audit_details(request, obj, action)


@admin.register(Holiday)
class HolidayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["date", "name", "kind", "region", "cancelled"]
    list_filter = ["kind", "cancelled"]
    search_fields = ["name", "region__name", "region__code"]
    date_hierarchy = "date"
    raw_id_fields = ["region"]
    list_select_related = ["region"]
