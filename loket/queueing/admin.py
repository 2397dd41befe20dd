from django.contrib import admin

from loket.audit.admin import AuditedAdminMixin
from loket.queueing.models import Quota, ServiceGroup, Ticket


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0


@admin.register(ServiceGroup)
class ServiceGroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("letter", "name", "office")
    list_filter = ("office",)
    filter_horizontal = ("services",)
    inlines = [QuotaInline]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change only through the queue services (audited)."""

    list_display = ("code", "local_date", "office", "service", "kind", "priority", "status")
    list_filter = ("status", "kind", "office")
    search_fields = ("code",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
