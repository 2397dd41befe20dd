"""Delivery: claim due messages, send each on its channel, record what happened (the workers' loop
that calls these is ``management/worker.py``).

Several workers may run at once (one process each: ``manage.py notifications_worker``); each
message is still sent at most once, and a worker that dies mid-send never makes anybody get the
same message twice.

Claiming (``claim_batch``)
    In one transaction, the due rows — *pending* with ``next_attempt_at`` passed, or *sending*
    with an expired lease (their worker died) — are selected and set to *sending* with a lease
    (``claimed_by`` + ``claimed_until``, ``NOTIFY_LEASE_SECONDS``). On PostgreSQL the select is
    ``SELECT … FOR UPDATE SKIP LOCKED``: concurrent workers each take different rows without
    waiting for each other. On SQLite (the embedded default, no server) the same query runs
    without the lock clause: the project opens every SQLite transaction with ``BEGIN IMMEDIATE``
    (``transaction_mode`` in settings.py), so only one writer at a time gets into the claim
    transaction; a second worker waits (busy timeout) and then sees the rows already claimed.

Sending (``process``), one message at a time
    1. Start, in its own committed transaction: check the lease is still ours (and renew it), and
       write a ``DeliveryAttempt`` with no outcome. The attempt is committed *before* the channel
       is asked, so if the worker is killed during the send, the evidence stays.
    2. Ask the channel (outside any transaction), with ``Notification.message_id``, which is
       stable across attempts: a de-duplicating gateway recognises a resend.
    3. Finish, in one transaction: the attempt's outcome, and the message's next state —
       only if the lease is still ours (else another worker took over and decides).

What an outcome does (``channels/base.py`` defines them)
    - sent: *sent*, with the gateway's ``provider_id`` (receipts find the message by it).
    - ``TemporaryFailure`` (nothing went out): retried on the same channel after a backoff of
      ``NOTIFY_BACKOFF_SECONDS`` × 2^(n-1), at most ``NOTIFY_BACKOFF_MAX_SECONDS``, plus up to
      ``NOTIFY_BACKOFF_JITTER`` × that at random (workers do not retry in step); after
      ``NOTIFY_MAX_ATTEMPTS`` attempts on the channel, the next channel of the citizen's order.
    - ``PermanentFailure``: the next channel at once.
    - ``OutcomeUnknown`` (or any unexpected error during the send): the message may have gone out.
      On a channel that ``dedupes`` it is retried later with the same message id (the gateway
      drops the copy); on any other channel it becomes *uncertain*, a final state shown to staff,
      never resent automatically.
    - No channel left: *failed*, ``last_error`` saying what each channel answered.

    Once a send may have happened (``possibly_sent``), the message never moves to another
    channel: that could deliver it twice. It ends *sent* (a resend on a de-duplicating channel
    was accepted) or *uncertain*.

A worker killed mid-send
    Its lease expires and another worker claims the row. Step 1 finds the last attempt without
    an outcome: the send may have happened, exactly like ``OutcomeUnknown``. The attempt is
    closed as "unknown"; the message is resent (same id) only when the channel de-duplicates,
    else it is *uncertain*. A worker killed after claiming but before writing an attempt left no
    attempt open, and the message is simply sent.

Channels not configured (absent from ``NOTIFY_CHANNELS``) are skipped like a permanent failure.
One-time codes: a message past ``expires_at`` is not sent (failed, "expired"); the text of a
message holding a code is scrubbed once it is sent, final or expired (``retention.scrub_expired``
runs every few seconds in ``run_worker``).

A ``DeliveryAttempt`` row is the audit trail of a send (who — the worker —, when, on which channel,
what the gateway answered), written before the send and never deleted while its message is kept:
sends are not audited a second time in the audit table.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from loket.core import clock
from loket.notifications.channels.base import (
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)
from loket.notifications.channels.registry import Registry
from loket.notifications.models import Channel, DeliveryAttempt, Notification, Outcome, Status
from loket.notifications.phones import gateway_msisdn
from loket.notifications.services.outbox import next_channel, scrub
from loket.notifications.services.receipts import apply_pending_receipts

logger = logging.getLogger(__name__)

# What ``process`` did, for logs and tests.
SENT = "sent"
RETRY = "retry"
FALLBACK = "fallback"
FAILED = "failed"
UNCERTAIN = "uncertain"
EXPIRED = "expired"
LOST = "lost"  # the lease was no longer ours: another worker has the message

_RANDOM = secrets.SystemRandom()
_DIGITS = re.compile(r"\d{4,}")


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


def backoff(attempt: int) -> dt.timedelta:
    """The wait after the ``attempt``-th failed attempt on a channel (1, 2, …)."""
    base = settings.NOTIFY_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0)
    delay = min(base, settings.NOTIFY_BACKOFF_MAX_SECONDS)
    jitter = settings.NOTIFY_BACKOFF_JITTER
    if jitter > 0:
        delay += _RANDOM.uniform(0, jitter * delay)
    return dt.timedelta(seconds=delay)


# --- claiming ---------------------------------------------------------------------------------


def claim_batch(worker_id: str, limit: int = 10) -> list[Notification]:
    """Claim up to ``limit`` due messages for ``worker_id`` (module docstring)."""
    now = clock.now()
    with transaction.atomic():
        due = Notification.objects.filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.SENDING, claimed_until__lt=now)
        ).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(
            status=Status.SENDING, claimed_by=worker_id, claimed_until=now + lease()
        )
        return list(Notification.objects.filter(pk__in=ids).order_by("next_attempt_at", "pk"))


def release(notification: Notification) -> bool:
    """Give a claimed message back untouched (a worker stopping before it started the send)."""
    return bool(
        Notification.objects.filter(
            pk=notification.pk,
            status=Status.SENDING,
            claimed_by=notification.claimed_by,
            attempts=notification.attempts,
        ).update(status=Status.PENDING, claimed_by="", claimed_until=None)
    )


# --- sending ----------------------------------------------------------------------------------


def _label(channel: str) -> str:
    return str(Channel(channel).label) if channel in Channel.values else channel


def _address(row: Notification) -> str:
    return row.to_email if row.channel == Channel.EMAIL else gateway_msisdn(row.to_phone)


def _not_configured() -> str:
    return _("not configured on this server")


def _safe_error(text: str, row: Notification) -> str:
    """An error text fit to store: no digits of a one-time code that is still in the message."""
    text = (text or "").strip()[:1000]
    return _DIGITS.sub("****", text) if row.redacted_text else text


def _save(row: Notification, fields: list[str]) -> None:
    """Save ``fields`` and give up the lease: the message is no longer being sent."""
    row.claimed_by, row.claimed_until = "", None
    row.save(update_fields=sorted({*fields, "claimed_by", "claimed_until"}))


def _failure_summary(row: Notification, registry: Registry) -> str:
    """ "No channel delivered it — SMS: …; Email: …": the last answer of every channel tried."""
    parts = []
    last_by_channel = {a.channel: a for a in row.delivery_attempts.order_by("number")}
    for name in row.channels:
        attempt = last_by_channel.get(name)
        if attempt is not None:
            parts.append(f"{_label(name)}: {attempt.error or attempt.get_outcome_display()}")
        elif registry.get(name) is None:
            parts.append(f"{_label(name)}: {_not_configured()}")
    return _("No channel could deliver the message — %(reasons)s.") % {"reasons": "; ".join(parts) or "-"}


def _final(row: Notification, status: str, error: str, now: dt.datetime) -> None:
    row.status, row.last_error = status, error
    _save(row, ["status", "last_error", "possibly_sent", "channel", "channel_attempts", *scrub(row, now)])


def _fall_back(row: Notification, now: dt.datetime, registry: Registry) -> str:
    """After the current channel gave up: the next channel, or a final state."""
    if row.possibly_sent:
        _final(
            row,
            Status.UNCERTAIN,
            _("%(error)s It may have been sent, so it is not tried on another channel.") % {"error": row.last_error},
            now,
        )
        return UNCERTAIN
    following = next_channel(row)
    if following is None:
        _final(row, Status.FAILED, _failure_summary(row, registry), now)
        return FAILED
    row.channel, row.channel_attempts = following, 0
    row.status, row.next_attempt_at = Status.PENDING, now
    _save(row, ["channel", "channel_attempts", "status", "next_attempt_at", "last_error"])
    return FALLBACK


def _start(notification: Notification, registry: Registry):
    """Step 1: (row, attempt, channel) with the attempt committed, or what happened instead."""
    now = clock.now()
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update()
            .filter(
                pk=notification.pk,
                status=Status.SENDING,
                claimed_by=notification.claimed_by,
                attempts=notification.attempts,
                claimed_until__gte=now,
            )
            .first()
        )
        if row is None:
            return LOST
        if row.expires_at is not None and row.expires_at <= now:
            _final(row, Status.FAILED, _("Not sent: it expired before it could be sent."), now)
            return EXPIRED
        if not _close_orphan(row, registry, now):
            _final(row, Status.UNCERTAIN, row.last_error, now)
            return UNCERTAIN
        while True:
            if registry.get(row.channel) is None:
                reason = _not_configured()
            else:
                try:
                    address = _address(row)
                    break
                except ValueError:
                    reason = _("no valid address")
            row.last_error = f"{_label(row.channel)}: {reason}"
            if row.possibly_sent or next_channel(row) is None:
                return _fall_back(row, now, registry)
            row.channel, row.channel_attempts = next_channel(row), 0
        row.attempts += 1
        row.channel_attempts += 1
        row.claimed_until = now + lease()
        row.save(
            update_fields=["attempts", "channel_attempts", "claimed_until", "channel", "possibly_sent", "last_error"]
        )
        attempt = DeliveryAttempt.objects.create(
            notification=row, number=row.attempts, channel=row.channel, worker=row.claimed_by, started_at=now
        )
    return row, attempt, registry.get(row.channel), address


def _close_orphan(row: Notification, registry: Registry, now: dt.datetime) -> bool:
    """Close the attempt a dead worker left open (outcome unknown); False when the message must not
    be sent again because of it: it may have gone out, and its channel does not de-duplicate."""
    orphan = row.delivery_attempts.filter(outcome="").order_by("-number").first()
    if orphan is None:
        return True
    # Its worker died (or lost its lease) during the send: the message may have gone out.
    orphan.outcome, orphan.finished_at = Outcome.UNKNOWN, now
    orphan.error = _("The worker stopped during this attempt (its lease expired): the message may have been sent.")
    orphan.save(update_fields=["outcome", "finished_at", "error"])
    row.possibly_sent = True
    row.last_error = f"{_label(orphan.channel)}: {orphan.error}"
    channel = registry.get(orphan.channel)
    return not (channel is None or not channel.dedupes or row.channel_attempts >= settings.NOTIFY_MAX_ATTEMPTS)


def _finish(row, attempt, channel, outcome: str, error: str, provider_id: str, registry: Registry) -> str:
    """Step 3: record the outcome, then move the message on (only if it is still ours)."""
    now = clock.now()
    error = _safe_error(error, row)
    with transaction.atomic():
        current = (
            Notification.objects.select_for_update()
            .filter(pk=row.pk, status=Status.SENDING, claimed_by=row.claimed_by, attempts=row.attempts)
            .first()
        )
        if current is None:
            note = _("finished after another worker took the message over")
            error = f"{error} ({note})".strip()
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=now, outcome=outcome, error=error, provider_id=provider_id[:100]
        )
        if current is None:
            logger.warning("notification %s: lease lost during attempt %s (%s)", row.pk, attempt.number, outcome)
            return LOST
        row = current
        if outcome == Outcome.SENT:
            row.status, row.provider_id, row.sent_at, row.last_error = Status.SENT, provider_id[:100], now, ""
            _save(row, ["status", "provider_id", "sent_at", "last_error", *scrub(row, now)])
            apply_pending_receipts(row, now)
            return SENT
        row.last_error = f"{_label(row.channel)}: {error}"
        if outcome == Outcome.PERMANENT:
            return _fall_back(row, now, registry)
        if outcome == Outcome.UNKNOWN:
            row.possibly_sent = True
            if not channel.dedupes:
                _final(row, Status.UNCERTAIN, row.last_error, now)
                return UNCERTAIN
        if row.channel_attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            return _fall_back(row, now, registry)
        row.status, row.next_attempt_at = Status.PENDING, now + backoff(row.channel_attempts)
        _save(row, ["status", "next_attempt_at", "last_error", "possibly_sent"])
        return RETRY


def process(notification: Notification, channel_registry: Registry) -> str:
    """Send one claimed message (``claim_batch``) and record the outcome; returns what happened."""
    started = _start(notification, channel_registry)
    if isinstance(started, str):
        return started
    row, attempt, channel, address = started
    message = OutgoingMessage(id=row.message_id, channel=row.channel, to=address, text=row.text, subject=row.subject)
    provider_id = ""
    try:
        result = channel.send(message)
    except TemporaryFailure as exc:
        outcome, error = Outcome.TEMPORARY, exc.message
    except PermanentFailure as exc:
        outcome, error = Outcome.PERMANENT, exc.message
    except OutcomeUnknown as exc:
        outcome, error = Outcome.UNKNOWN, exc.message
    except Exception as exc:  # a bug or a library error mid-send: the message may have gone out
        logger.error("notification %s: channel %s raised %s", row.pk, row.channel, exc.__class__.__name__)
        outcome, error = Outcome.UNKNOWN, f"{exc.__class__.__name__}: {exc}"
    else:
        outcome, error, provider_id = Outcome.SENT, "", result.provider_id or ""
    return _finish(row, attempt, channel, outcome, error, provider_id, channel_registry)
