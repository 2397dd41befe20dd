"""The citizen's messages about their request, written to the outbox (loket.notifications) in the
transaction that changes its status: returned (with what to fix), rejected (with the reason), ready
to collect (where), or signed electronically (to download). Texts are Indonesian whatever the
language of the page that caused the change (the outbox renders them). A surat pengantar step sends nothing of its
own: the main request moves on by itself and its citizen hears about that one."""

from __future__ import annotations

from loket.notifications import services as notifications
from loket.permohonan.models import Permohonan, Status


def _place(p: Permohonan) -> str:
    office = p.pickup_office or p.office
    place = f"{office.name}, {office.address}"
    return f"{place} ({p.pickup_note})" if p.pickup_note else place


def status_changed(p: Permohonan) -> None:
    """Called by ``services`` right after a status change, inside its transaction."""
    if p.parent_id is not None:
        return
    base = {"kode_permohonan": p.code, "layanan": p.service.name}
    if p.status == Status.DIKEMBALIKAN:
        stamp = p.returned_at.isoformat() if p.returned_at else ""  # each return is its own event
        notifications.enqueue(
            event_key=f"permohonan.returned:{p.pk}:{stamp}",
            template="request_returned",
            recipient=p.citizen,
            context={**base, "alasan": p.return_reason.rstrip(". ")},
        )
    elif p.status == Status.DITOLAK:
        notifications.enqueue(
            event_key=f"permohonan.rejected:{p.pk}",
            template="request_rejected",
            recipient=p.citizen,
            context={**base, "alasan": p.reject_reason.rstrip(". ")},
        )
    elif p.status == Status.SIAP_DIAMBIL:
        notifications.enqueue(
            event_key=f"permohonan.ready:{p.pk}",
            template="document_ready",
            recipient=p.citizen,
            context={**base, "tempat": _place(p)},
        )
    elif p.status == Status.SELESAI:
        notifications.enqueue(
            event_key=f"permohonan.signed:{p.pk}", template="document_signed", recipient=p.citizen, context=base
        )
