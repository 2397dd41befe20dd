"""Delivery receipts: a gateway says a message was delivered, or that it failed on its channel.

Receipts are the system's, part of a message's delivery: they change the outbox row, whose
attempts (``DeliveryAttempt``) and status are the trail, and are not audited.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils.translation import gettext as _

from loket.core import clock
from loket.notifications.channels.base import Receipt
from loket.notifications.models import Notification, PendingReceipt, Status
from loket.notifications.services.outbox import next_channel

logger = logging.getLogger(__name__)


def apply_receipt(receipt: Receipt) -> Notification | None:
    """A gateway's delivery receipt: the message with that ``provider_id`` is delivered, or it
    failed on its channel (then the next channel is tried, as for a permanent failure; with none
    left it is failed). Idempotent: a receipt repeated, or one for a message that has moved on
    (already delivered, failed, or on its next channel), changes nothing.

    A receipt can come before the worker has recorded the send (an SMSC answers within
    milliseconds): it is kept (``PendingReceipt``) and applied when the send is recorded. Returns
    the message, or None when none matches (yet)."""
    if not receipt.provider_id:
        return None
    now = clock.now()
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(provider_id=receipt.provider_id).order_by("pk").first()
        if row is None:
            PendingReceipt.objects.create(
                provider_id=receipt.provider_id[:100],
                delivered=receipt.delivered,
                error=(receipt.error or "")[:1000],
                received_at=now,
            )
            logger.info("delivery receipt for provider id %s kept until its send is recorded", receipt.provider_id)
            return None
        return _apply(row, receipt.delivered, receipt.error, now)


def apply_pending_receipts(row: Notification, now: dt.datetime) -> Notification:
    """Apply the receipts that came before ``row``'s send was recorded (inside that transaction)."""
    early = list(PendingReceipt.objects.filter(provider_id=row.provider_id).order_by("received_at", "pk"))
    for receipt in early:
        row = _apply(row, receipt.delivered, receipt.error, now)
    if early:
        PendingReceipt.objects.filter(pk__in=[r.pk for r in early]).delete()
    return row


def retry_pending_receipts(limit: int = 500) -> int:
    """Apply kept receipts whose message has been recorded since (the worker loop runs this: a
    receipt and its send recorded at the same instant can each miss the other). Returns how many."""
    provider_ids = list(
        PendingReceipt.objects.filter(provider_id__in=Notification.objects.values("provider_id"))
        .values_list("provider_id", flat=True)
        .distinct()[:limit]
    )
    now = clock.now()
    for provider_id in provider_ids:
        with transaction.atomic():
            row = Notification.objects.select_for_update().filter(provider_id=provider_id).order_by("pk").first()
            if row is not None:
                apply_pending_receipts(row, now)
    return len(provider_ids)


def handle_receipt(receipt: Receipt) -> None:
    """``apply_receipt`` for a channel's own thread (SMPP's ``on_receipt``: set it to
    ``"loket.notifications.services.handle_receipt"``). The thread's database connection is then
    handled as Django does after a request: kept for the next receipt within
    ``DATABASE_CONN_MAX_AGE`` (a new PostgreSQL session per receipt cost more than the receipt),
    closed when older or after an error. An error propagates, so that the SMSC delivers the
    receipt again later."""
    try:
        apply_receipt(receipt)
    finally:
        connection = transaction.get_connection()
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def _apply(row: Notification, delivered: bool, error_text: str, now: dt.datetime) -> Notification:
    if delivered:
        if row.status == Status.DELIVERED:
            return row
        # A delivered receipt is definite: it also wins over an earlier failed one (receipts can
        # arrive out of order) and stops a fall-back that has not been sent yet.
        row.status = Status.DELIVERED
        row.delivered_at = now
        row.last_error = ""
        row.claimed_by, row.claimed_until = "", None
        row.save(update_fields=["status", "delivered_at", "last_error", "claimed_by", "claimed_until"])
        return row
    if row.status != Status.SENT:
        return row
    error = _("Not delivered (%(channel)s): %(error)s") % {
        "channel": row.get_channel_display(),
        "error": error_text or _("the gateway gave no reason"),
    }
    # A message whose one-time code was scrubbed at sending cannot go out again elsewhere.
    following = next_channel(row) if row.scrubbed_at is None else None
    if following is not None:
        row.channel, row.channel_attempts, row.possibly_sent = following, 0, False
        row.status, row.next_attempt_at = Status.PENDING, now
    else:
        row.status = Status.FAILED
    row.last_error = error
    row.save(update_fields=["channel", "channel_attempts", "possibly_sent", "status", "next_attempt_at", "last_error"])
    return row
