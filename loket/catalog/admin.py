"""Django admin for the catalogue. Saving a service goes through the catalogue's rules and is audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loket.audit.admin import AuditedAdminMixin
from loket.catalog.models import OfficeService, Prerequisite, Requirement, Service, ServiceField
from loket.catalog.services import INTERNAL_STANDARD_FIELDS


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 1
    fields = ("order", "name", "description", "needs_upload", "is_mandatory")


class ServiceFieldInline(admin.TabularInline):
    model = ServiceField
    extra = 0
    fields = ("order", "key", "label", "kind", "required", "choices", "help_text")


class PrerequisiteInline(admin.TabularInline):
    model = Prerequisite
    fk_name = "service"
    extra = 0
    fields = ("order", "required_service", "at_office_kind")
    autocomplete_fields = ("required_service",)


@admin.register(Service)
class ServiceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "category", "is_adminduk", "fee", "completion_days", "is_active")
    list_filter = ("category", "is_adminduk", "is_active")
    search_fields = ("name", "code", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [RequirementInline, ServiceFieldInline, PrerequisiteInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "code", "category", "summary", "is_active")}),
        (
            _("Where and who"),
            {"fields": ("office_kinds", "signer_role", "allows_online_request", "allows_queue_booking")},
        ),
        (
            _("Published service standard"),
            {
                "fields": (
                    "is_adminduk",
                    "fee",
                    "completion_days",
                    "product",
                    "procedure",
                    "complaint_channel",
                    "legal_basis",
                )
            },
        ),
        (
            _("Internal service standard"),
            {
                "classes": ("collapse",),
                "fields": INTERNAL_STANDARD_FIELDS,
            },
        ),
    )

    def has_delete_permission(self, request, obj=None):
        # Services are switched off (is_active), never deleted: requests and letters refer to them.
        return False

    def audit_details(self, request, obj, action):
        # Saving goes through AuditedAdminMixin (admin.add/admin.change, also for the inline rows).
        details = super().audit_details(request, obj, action)
        if isinstance(obj, Service):
            details.update(to_state="active" if obj.is_active else "inactive", reason=_("Changed in the admin"))
        return details


@admin.register(OfficeService)
class OfficeServiceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("office", "service", "is_offered", "note")
    list_filter = ("is_offered",)
    autocomplete_fields = ("service",)
    raw_id_fields = ("office",)

    def audit_details(self, request, obj, action):
        # Saving and deleting go through AuditedAdminMixin (admin.add/change/delete).
        return {
            "to_state": "offered" if obj.is_offered else "not_offered",
            "reason": obj.note,
            "office_id": obj.office_id,
        }
