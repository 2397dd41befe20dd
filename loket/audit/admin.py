"""The audit trail in the Django admin, and the audit rows of changes made in the admin.

``AuditEntryAdmin`` shows the trail strictly read-only, for everyone, superusers included.

Every state change is audited, including the ones a system admin makes in the Django admin,
which bypasses the services. Mix ``AuditedAdminMixin`` into a ``ModelAdmin`` (before
``admin.ModelAdmin``) and each add, change and delete of the object and of its inline rows
writes one row through ``loket.audit.services.record``. The other apps' admin modules import
it from here (the one import of another app's admin the contracts allow, see .importlinter).

The audit app is the bottom layer: nothing here imports another loket app except loket.core.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction

from loket.audit.models import AuditEntry
from loket.audit.services import record

ADD = "admin.add"
CHANGE = "admin.change"
DELETE = "admin.delete"


class AuditedAdminMixin:
    """Records ``admin.add`` / ``admin.change`` / ``admin.delete`` for objects and inline rows.

    Override ``audit_details`` to add ``from_state``, ``to_state``, ``reason`` or ``office_id``
    to the rows of one model; by default ``office_id`` is taken from an ``office_id`` attribute.
    """

    def audit_details(self, request, obj: models.Model, action: str) -> dict[str, Any]:
        office_id = getattr(obj, "office_id", None)
        return {"office_id": office_id} if isinstance(office_id, int) else {}

    def _audit(self, request, obj: models.Model, action: str, changed, **data) -> None:
        record(
            actor=request.user,
            action=action,
            obj=obj,
            data={"changed": sorted(changed), **data},
            **self.audit_details(request, obj, action),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, obj, CHANGE if change else ADD, form.changed_data)

    def delete_model(self, request, obj):
        # Written first (after the delete the object has no primary key), in one transaction with
        # the delete so a refused delete (e.g. a protected relation) leaves no row behind.
        with transaction.atomic():
            self._audit(request, obj, DELETE, [])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The list's "delete selected" action runs outside the admin's change-form transaction.
        with transaction.atomic():
            for obj in queryset:
                self._audit(request, obj, DELETE, [])
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        parent = {"parent": f"{form.instance._meta.label_lower}#{form.instance.pk}"}
        for deleted in getattr(formset, "deleted_forms", []):
            if deleted.instance.pk is not None:
                self._audit(request, deleted.instance, DELETE, [], **parent)
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "new_objects", []):
            self._audit(request, obj, ADD, _changed_fields(formset, obj), **parent)
        for obj, fields in getattr(formset, "changed_objects", []):
            self._audit(request, obj, CHANGE, fields, **parent)


def _changed_fields(formset, obj) -> list[str]:
    for inline_form in formset.forms:
        if inline_form.instance is obj:
            return list(inline_form.changed_data)
    return []


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
