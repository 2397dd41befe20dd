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


def _message(p: Permohonan) -> tuple[str, str, dict[str, str]] | None:
    """(event key, template, context beyond the request's code and service) for the status of
    ``p``, or None when that status sends nothing. The outbox writes one message per event key,
    however often the same event is enqueued."""
    if p.status == Status.DIKEMBALIKAN:
        stamp = p.returned_at.isoformat() if p.returned_at else ""  # each return is its own event
        return f"permohonan.returned:{p.pk}:{stamp}", "request_returned", {"alasan": p.return_reason.rstrip(". ")}
    if p.status == Status.DITOLAK:
        return f"permohonan.rejected:{p.pk}", "request_rejected", {"alasan": p.reject_reason.rstrip(". ")}
    if p.status == Status.SIAP_DIAMBIL:
        return f"permohonan.ready:{p.pk}", "document_ready", {"tempat": _place(p)}
    if p.status == Status.SELESAI:
        return f"permohonan.signed:{p.pk}", "document_signed", {}
    return None


def status_changed(p: Permohonan) -> None:
    """Called by the services right after a status change, inside its transaction."""
    if p.parent_id is not None:
        return
    message = _message(p)
    if message is None:
        return
    event_key, template, extra = message
    notifications.enqueue(
        event_key=event_key,
        template=template,
        recipient=p.citizen,
        context={"kode_permohonan": p.code, "layanan": p.service.name, **extra},
    )
