"""The staff's verbs on a request: assign it, verify it, return it to the citizen, reject it and
start processing it. Sending the letter is in ``letter``; the pickup in ``pickup``."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError
from loket.permohonan.models import Permohonan, Status
from loket.permohonan.services.common import locked, move, require_staff
from loket.permohonan.services.form import clean_reason


@transaction.atomic
def assign(*, actor, permohonan: Permohonan, officer) -> Permohonan:
    """Give the request to ``officer`` (a staff member of its office), or to nobody (None)."""
    p = locked(permohonan)
    require_staff(actor, p)
    if officer is not None and (
        not getattr(officer, "is_officer", False) or not policy.allows(officer, policy.HANDLE_REQUESTS, p.office)
    ):
        raise DomainError(_("Choose an officer of this office."), code="bad_officer")
    before = p.assigned_to.username if p.assigned_to else ""
    p.assigned_to = officer
    p.save(update_fields=["assigned_to"])
    record(
        actor=actor,
        action="permohonan.assign",
        obj=p,
        from_state=before,
        to_state=officer.username if officer else "",
        office_id=p.office_id,
    )
    return p


@transaction.atomic
def verify(*, actor, permohonan: Permohonan) -> Permohonan:
    """The documents are complete and correct; an unassigned request becomes the verifier's."""
    p = locked(permohonan)
    require_staff(actor, p)
    if p.assigned_to_id is None:
        p.assigned_to = actor
    move(actor, p, Status.DIVERIFIKASI, fields=["assigned_to"], action="verify")
    return p


@transaction.atomic
def return_to_citizen(*, actor, permohonan: Permohonan, reason: str) -> Permohonan:
    """Send the request back to the citizen to fix, with the reason; the countdown pauses."""
    p = locked(permohonan)
    require_staff(actor, p)
    p.return_reason = clean_reason(reason)
    p.returned_at = clock.now()
    move(
        actor, p, Status.DIKEMBALIKAN, fields=["return_reason", "returned_at"], action="return", reason=p.return_reason
    )
    return p


@transaction.atomic
def reject(*, actor, permohonan: Permohonan, reason: str) -> Permohonan:
    """Refuse the request, with the reason; a main request waiting for this step is refused too."""
    p = locked(permohonan)
    require_staff(actor, p)
    p.reject_reason = clean_reason(reason)
    p.finished_at = clock.now()
    move(actor, p, Status.DITOLAK, fields=["reject_reason", "finished_at"], action="reject", reason=p.reject_reason)
    if p.parent_id:
        parent = locked(p.parent)
        if parent.status == Status.MENUNGGU_PENGANTAR:
            parent.reject_reason = _("The surat pengantar (%(code)s) was refused: %(reason)s") % {
                "code": p.code,
                "reason": p.reject_reason,
            }
            parent.finished_at = p.finished_at
            # The system refuses the main request: no officer of its own office decided it.
            move(
                None,
                parent,
                Status.DITOLAK,
                fields=["reject_reason", "finished_at"],
                action="reject",
                reason=parent.reject_reason,
            )
    return p


@transaction.atomic
def start_processing(*, actor, permohonan: Permohonan) -> Permohonan:
    p = locked(permohonan)
    require_staff(actor, p)
    move(actor, p, Status.DIPROSES, fields=[], action="process")
    return p
