"""Keeping personal data no longer than needed: scrub the text of expired one-time codes, drop
receipts no send matched, delete old messages and codes. The workers run these every so often
(``management/worker.py``).

System housekeeping, not audited: the rows are dropped by age under fixed rules (settings), and
what each run removed is logged.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from loket.core import clock
from loket.notifications.models import (
    FINAL_STATUSES,
    DeliveryAttempt,
    Notification,
    OneTimeCode,
    PendingReceipt,
    Status,
)
from loket.notifications.services.outbox import scrub

logger = logging.getLogger(__name__)

PENDING_RECEIPT_DAYS = 7


def forget_old_receipts() -> int:
    """Receipts no send ever matched (not ours, or the send was never recorded) are dropped."""
    cutoff = clock.now() - dt.timedelta(days=PENDING_RECEIPT_DAYS)
    return PendingReceipt.objects.filter(received_at__lt=cutoff).delete()[0]


def scrub_expired() -> int:
    """Messages whose one-time code expired: not sent any more (failed), their text scrubbed."""
    now = clock.now()
    done = 0
    rows = Notification.objects.filter(expires_at__lte=now).exclude(redacted_text="").exclude(status=Status.SENDING)
    for pk in rows.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            row = Notification.objects.select_for_update().filter(pk=pk).exclude(status=Status.SENDING).first()
            if row is None or not row.redacted_text:
                continue
            fields = scrub(row, now)
            if row.status == Status.PENDING:
                row.status, row.last_error = Status.FAILED, _("Not sent: it expired before it could be sent.")
                fields += ["status", "last_error"]
            row.save(update_fields=fields)
            done += 1
    return done


# One-time codes are kept two days after they expire: the daily rate limit counts the last 24 hours.
CODE_KEEP_DAYS = 2
PURGE_CHUNK = 1000


def purge_old() -> tuple[int, int]:
    """Personal data kept no longer than needed: messages in a final state created more than
    ``NOTIFY_RETENTION_DAYS`` ago (0: kept for ever), with their attempts, and one-time codes two
    days after they expired. Messages still waiting or being sent are never touched. Deletes in
    chunks, so that a first run on a large outbox does not hold one long transaction. Returns
    (messages, codes) deleted."""
    now = clock.now()
    messages = 0
    days = int(getattr(settings, "NOTIFY_RETENTION_DAYS", 180))
    if days > 0:
        old = Notification.objects.filter(status__in=FINAL_STATUSES, created_at__lt=now - dt.timedelta(days=days))
        while chunk := list(old.values_list("pk", flat=True)[:PURGE_CHUNK]):
            with transaction.atomic():
                DeliveryAttempt.objects.filter(notification_id__in=chunk).delete()
                messages += (
                    Notification.objects.filter(pk__in=chunk, status__in=FINAL_STATUSES)
                    .delete()[1]
                    .get(Notification._meta.label, 0)
                )
    codes = OneTimeCode.objects.filter(expires_at__lt=now - dt.timedelta(days=CODE_KEEP_DAYS)).delete()[0]
    if messages or codes:
        logger.info("notifications: purged %s old messages and %s expired one-time codes", messages, codes)
    return messages, codes
