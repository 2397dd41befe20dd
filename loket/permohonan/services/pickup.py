"""Where a finished document is collected, and handing it over when the citizen shows its QR code."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices.models import Office
from loket.permohonan import selectors
from loket.permohonan.models import Permohonan, Status
from loket.permohonan.services.common import locked, move, require_staff


@transaction.atomic
def set_pickup(*, actor, permohonan: Permohonan, office: Office, note: str = "") -> Permohonan:
    """Where the citizen collects the document (the handling office or a kelurahan of its area)."""
    p = locked(permohonan)
    require_staff(actor, p)
    if office.pk not in {o.pk for o in selectors.pickup_offices(p)}:
        raise DomainError(_("Choose one of the listed offices for the pickup."), code="bad_pickup")
    before = p.pickup_office.name if p.pickup_office else ""
    p.pickup_office, p.pickup_note = office, (note or "")[:200]
    p.save(update_fields=["pickup_office", "pickup_note"])
    record(
        actor=actor,
        action="permohonan.pickup_set",
        obj=p,
        from_state=before,
        to_state=office.name,
        office_id=p.office_id,
    )
    return p


def _token_of(scanned: str) -> str:
    """The pickup token in what the scanner typed: the token itself or the whole URL of the QR code."""
    text = (scanned or "").strip()
    if "/" in text:
        text = next((part for part in reversed(text.split("?")[0].split("/")) if part), "")
    return text


@transaction.atomic
def hand_over(*, actor, office: Office, token: str) -> Permohonan:
    """The petugas scanned the citizen's pickup QR code at ``office``: the document is handed over."""
    if (
        actor is None
        or not getattr(actor, "is_officer", False)
        or not policy.allows(actor, policy.HANDLE_REQUESTS, office)
    ):
        raise NotAllowed(_("Only the staff of this office can hand documents over."))
    text = _token_of(token)
    found = selectors.permohonan_by_pickup_token(text) if text else None
    if found is None:
        raise DomainError(
            _("This QR code belongs to no request. Ask the citizen to open the request's page."), code="not_found"
        )
    p = locked(found)
    where = p.pickup_office or p.office
    if where.pk != office.pk:
        raise DomainError(
            _("This document is collected at %(office)s, not here.") % {"office": where.name}, code="other_office"
        )
    if p.status != Status.SIAP_DIAMBIL:
        raise DomainError(
            _("Request %(code)s is not ready for pickup (status: %(status)s).")
            % {"code": p.code, "status": p.get_status_display()},
            code="not_ready",
        )
    p.collected_at, p.collected_by = clock.now(), actor
    move(actor, p, Status.DIAMBIL, fields=["collected_at", "collected_by"], action="hand_over")
    return p
