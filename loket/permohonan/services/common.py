"""What the verbs of a request share: the row lock, the status change with its audit row and
message, who may act (the citizen who owns it, the staff of its office), and its deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices import selectors as office_selectors
from loket.permohonan import selectors
from loket.permohonan.models import Permohonan
from loket.permohonan.services.notify import status_changed
from loket.permohonan.workflow import require_transition


class FormErrors(DomainError):
    """Several fields are wrong: ``errors`` maps a field key to its message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(_("Some fields need your attention; see the messages beside them."), code="form")
        self.errors = dict(errors)


def locked(permohonan: Permohonan) -> Permohonan:
    """The request read again with its row locked until commit: the caller's copy may be stale."""
    return Permohonan.objects.select_for_update().select_related("service", "office", "citizen").get(pk=permohonan.pk)


def move(actor, p: Permohonan, target: str, *, fields: list[str], action: str, reason: str = "", data=None) -> None:
    """Change the status of ``p`` (a locked row) to ``target`` if the workflow allows it, saving
    ``fields`` with it; the audit row ``permohonan.<action>`` and the citizen's message go in the
    same transaction."""
    before = p.status
    require_transition(before, target)
    p.status = target
    p.save(update_fields=["status", *fields])
    record(
        actor=actor,
        action=f"permohonan.{action}",
        obj=p,
        from_state=before,
        to_state=target,
        reason=reason,
        office_id=p.office_id,
        data=data or {},
    )
    status_changed(p)


def require_owner(actor, p: Permohonan) -> None:
    if actor is None or not getattr(actor, "is_citizen", False) or p.citizen_id != actor.pk:
        raise NotAllowed(_("This is not your request."))


def require_staff(actor, p: Permohonan) -> None:
    if (
        actor is None
        or not getattr(actor, "is_officer", False)
        or not policy.allows(actor, policy.HANDLE_REQUESTS, p.office)
    ):
        raise NotAllowed(_("Only the staff of %(office)s can handle this request.") % {"office": p.office.name})


def set_due_date(p: Permohonan, now: dt.datetime) -> None:
    """The deadline of the service standard, counted in the office's working days from today
    (its own zone), plus the days the request already spent back with the citizen."""
    today = office_selectors.local_today(p.office, now)
    p.due_date = selectors.add_working_days(p.office, today, p.service.completion_days + p.paused_working_days)
