"""The outbox: put a message in it, and send one again that staff have checked.

``enqueue`` is the one way other apps send a message. Call it **inside the transaction of the
event** (the booking, the status change): the outbox row is written with that transaction, so a
message exists exactly when its event committed — none is lost if the process dies right after
the commit, none is sent for a change that rolled back. The workers (``delivery.py``) send it
later. It is idempotent: the same ``event_key`` for the same person and template gives back the
row already written (a unique constraint, safe under concurrency).

``enqueue`` is part of its event and is not audited itself (the event is); a resend is a staff
decision and is.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loket.accounts.services import clean_phone
from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.notifications import selectors, templating
from loket.notifications.models import Channel, ContactPreference, Notification, Status

logger = logging.getLogger(__name__)


def enqueue(
    *,
    event_key: str,
    template: str,
    recipient=None,
    to_phone: str = "",
    to_email: str = "",
    context: Mapping[str, object],
    only_channels: Iterable[str] | None = None,
    expires_at: dt.datetime | None = None,
) -> Notification | None:
    """Write the message of ``template`` about ``event_key`` for ``recipient`` (a user) or for an
    address (``to_phone`` in E.164, ``to_email``) into the outbox, in the caller's transaction.

    The text is rendered now, from ``context`` (every variable of the template, ``templating``):
    it says what was true at the event. Any NIK-like number (16+ digits) is replaced by ``***``.
    The channels to try come from the citizen's preference (or the default order), keeping those
    that can reach them: SMS and WhatsApp need a mobile number (``to_phone`` or the account's),
    e-mail needs ``to_email`` or an account address the citizen verified. ``only_channels``
    restricts them (one-time codes go to the phone only); ``expires_at``: not sent after it.

    Returns the row (the existing one when this event was already enqueued for this person), or
    None when nothing is written: an inactive user, no channel that can reach them, or a kind of
    message the admin switched off.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notifications.enqueue must be called inside the transaction of its event")
    spec = templating.kind(template)
    if recipient is not None and not recipient.is_active:
        return None
    to = _addresses(recipient, to_phone, to_email)
    if to is None:
        return None
    existing = selectors.outbox_message(event_key=event_key, recipient_key=to.key, template=template)
    if existing is not None:
        return existing
    order = selectors.channel_order(recipient, to.preference) if recipient is not None else selectors.default_channels()
    channels = selectors.usable_channels(order, phone=to.phone, email=to.email, only=only_channels)
    if not channels:
        logger.info("notification %s for %s not written: no channel can reach the recipient", template, event_key)
        return None
    text, subject, active = selectors.template_texts(template)
    if not active:
        return None
    rendered = templating.render(template, text=text, subject=subject or spec.subject, context=context)
    return _insert(_message(recipient, to, channels, template, event_key, rendered, expires_at))


@dataclass(frozen=True)
class _Addresses:
    key: str  # whom the message is for: with the event and the template, what makes it unique
    phone: str
    email: str
    preference: ContactPreference | None


def _addresses(recipient, to_phone: str, to_email: str) -> _Addresses | None:
    """Where a message can go: the addresses given, else the account's (an e-mail address only
    once the citizen verified it). None for an address-only message to a number that cannot be
    valid: there is nobody to reach."""
    preference = selectors.preference_for(recipient)
    if recipient is None and not to_email and to_phone and not _normal_phone(to_phone):
        return None
    to_phone = _normal_phone(to_phone)
    phone = to_phone or (getattr(recipient, "phone", "") if recipient is not None else "")
    email = to_email
    if not email and recipient is not None and preference is not None and preference.email_is_verified(recipient.email):
        email = recipient.email
    return _Addresses(_recipient_key(recipient, to_phone, to_email), phone, email, preference)


def _recipient_key(recipient, phone: str, email: str) -> str:
    if recipient is not None:
        return f"user:{recipient.pk}"
    if phone:
        return f"phone:{phone}"
    if email:
        return f"email:{email.lower()}"
    raise ValueError("enqueue needs a recipient, a phone or an e-mail address")


def _normal_phone(raw: str) -> str:
    """E.164 for a number written any common way; "" for one that is not a valid Indonesian number."""
    if not raw:
        return ""
    try:
        return clean_phone(raw)
    except DomainError:
        logger.info("notification: a phone number that is not a valid Indonesian number was ignored")
        return ""


def _message(recipient, to: _Addresses, channels: list[str], template: str, event_key: str, rendered, expires_at):
    """The outbox row (not saved yet), due now, on the first channel of ``channels``."""
    now = clock.now()
    return Notification(
        recipient=recipient,
        recipient_key=to.key,
        to_phone=to.phone if any(c != Channel.EMAIL for c in channels) else "",
        to_email=to.email if Channel.EMAIL in channels else "",
        template=template,
        event_key=event_key,
        subject=rendered.subject[:200],
        text=rendered.text,
        redacted_text=rendered.redacted_text,
        channels=channels,
        channel=channels[0],
        status=Status.PENDING,
        next_attempt_at=now,
        expires_at=expires_at,
        created_at=now,
    )


def _insert(row: Notification) -> Notification:
    try:
        with transaction.atomic():  # a savepoint: a concurrent enqueue of the same event may win
            row.save(force_insert=True)
    except IntegrityError:
        # The other transaction committed first (PostgreSQL made this insert wait for it).
        return Notification.objects.get(event_key=row.event_key, recipient_key=row.recipient_key, template=row.template)
    return row


# --- a message's channels and text ------------------------------------------------------------


def next_channel(notification: Notification) -> str | None:
    """The channel after the current one in the message's order, if any."""
    order = list(notification.channels or [])
    if notification.channel not in order:
        return order[0] if order else None
    index = order.index(notification.channel)
    return order[index + 1] if index + 1 < len(order) else None


def scrub(notification: Notification, now: dt.datetime) -> list[str]:
    """Replace a text holding a one-time code by its redacted form (in memory); the fields changed."""
    if not notification.redacted_text:
        return []
    notification.text = notification.redacted_text
    notification.redacted_text = ""
    notification.scrubbed_at = now
    return ["text", "redacted_text", "scrubbed_at"]


# --- staff decisions ----------------------------------------------------------------------------


@transaction.atomic
def resend(*, actor, notification: Notification) -> Notification:
    """Send a failed or uncertain message again, after staff checked it (for an uncertain one:
    that it did not arrive). Never for a message whose one-time code is gone or that expired."""
    if not policy.manages_system(actor):
        raise NotAllowed(_("Only a system admin may send a notification again."))
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.status not in (Status.FAILED, Status.UNCERTAIN):
        raise DomainError(_("Only failed or uncertain messages can be sent again."), code="status")
    now = clock.now()
    if row.scrubbed_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise DomainError(_("This message held a one-time code that is no longer valid: it cannot be sent again."))
    before = row.status
    if row.status == Status.FAILED and row.channels:
        row.channel = row.channels[0]
    row.status, row.next_attempt_at = Status.PENDING, now
    row.channel_attempts, row.possibly_sent = 0, False
    row.claimed_by, row.claimed_until = "", None
    row.save(
        update_fields=[
            "status",
            "next_attempt_at",
            "channel",
            "channel_attempts",
            "possibly_sent",
            "claimed_by",
            "claimed_until",
        ]
    )
    record(
        actor=actor,
        action="notifications.resend",
        obj=row,
        from_state=before,
        to_state=Status.PENDING,
        data={"channel": row.channel, "template": row.template},
    )
    return row
