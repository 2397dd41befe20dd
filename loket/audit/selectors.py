"""Reading the audit trail."""

from django.db.models import Model, QuerySet

from loket.audit.models import AuditEntry


def audit_trail_for_object(obj: Model) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("at", "id")


def audit_trail_for_offices(office_ids) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(office_id__in=list(office_ids)).order_by("-at", "-id")
