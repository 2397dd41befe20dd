"""The audit trail in the Django admin: strictly read-only, for everyone, superusers included."""

from django.contrib import admin

from loket.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_repr", "from_state", "to_state")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "action", "object_type", "object_id", "object_repr", "reason")
    date_hierarchy = "at"
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
