"""Writing the audit trail. Every state-changing service calls ``record`` inside its transaction."""

from typing import Any

from django.db import models
from django.utils import timezone

from loket.audit.models import AuditEntry


def _label(actor) -> str:
    if actor is None:
        return "sistem"
    return (getattr(actor, "full_name", "") or str(actor))[:150]


def record(
    *,
    actor,
    action: str,
    obj: models.Model,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    office_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row: who (``actor``, None for the system) did ``action`` to ``obj``."""
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        from_state=str(from_state)[:200],
        to_state=str(to_state)[:200],
        reason=reason,
        office_id=office_id,
        data=data or {},
    )
