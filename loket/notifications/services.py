"""The verbs of notifications: put a message in the outbox, apply a delivery receipt, set a
citizen's channel order, edit the texts, resend a message staff have checked.

``enqueue`` is the one way other apps send a message. Call it **inside the transaction of the
event** (the booking, the status change): the outbox row is written with that transaction, so a
message exists exactly when its event committed — none is lost if the process dies right after
the commit, none is sent for a change that rolled back. The workers (``worker.py``) send it later.
It is idempotent: the same ``event_key`` for the same person and template gives back the row
already written (a unique constraint, safe under concurrency).

State changes a person makes (preferences, template edits, a resend) are audited; ``enqueue`` and
receipts are part of their event and of the system and are not.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loket.accounts.services import clean_phone
from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.notifications import selectors, templating
from loket.notifications.channels.base import Receipt
from loket.notifications.models import (
    Channel,
    ContactPreference,
    MessageTemplate,
    Notification,
    PendingReceipt,
    Status,
)

logger = logging.getLogger(__name__)


def _is_system_admin(actor) -> bool:
    return policy.manages_system(actor)


# --- the outbox -----------------------------------------------------------------------------


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


def _template_texts(key: str) -> tuple[str, str, bool]:
    """(text, subject, active) of ``key``: the admin's row, or the default shipped in code."""
    row = MessageTemplate.objects.filter(key=key).first()
    spec = templating.kind(key)
    if row is None:
        return spec.text, spec.subject, True
    return row.text, row.subject, row.active or key in templating.ALWAYS_ACTIVE


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
    preference = selectors.preference_for(recipient)
    if recipient is None and not to_email and to_phone and not _normal_phone(to_phone):
        return None  # an address-only message to a number that cannot be valid: nobody to reach
    to_phone = _normal_phone(to_phone)
    phone = to_phone or (getattr(recipient, "phone", "") if recipient is not None else "")
    email = to_email
    if not email and recipient is not None and preference is not None and preference.email_is_verified(recipient.email):
        email = recipient.email
    key = _recipient_key(recipient, to_phone, to_email)
    existing = Notification.objects.filter(event_key=event_key, recipient_key=key, template=template).first()
    if existing is not None:
        return existing
    order = selectors.channel_order(recipient, preference) if recipient is not None else selectors.default_channels()
    channels = selectors.usable_channels(order, phone=phone, email=email, only=only_channels)
    if not channels:
        logger.info("notification %s for %s not written: no channel can reach the recipient", template, event_key)
        return None
    text, subject, active = _template_texts(template)
    if not active:
        return None
    rendered = templating.render(template, text=text, subject=subject or spec.subject, context=context)
    now = clock.now()
    row = Notification(
        recipient=recipient,
        recipient_key=key,
        to_phone=phone if any(c != Channel.EMAIL for c in channels) else "",
        to_email=email if Channel.EMAIL in channels else "",
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
    try:
        with transaction.atomic():  # a savepoint: a concurrent enqueue of the same event may win
            row.save(force_insert=True)
    except IntegrityError:
        # The other transaction committed first (PostgreSQL made this insert wait for it).
        return Notification.objects.get(event_key=event_key, recipient_key=key, template=template)
    return row


# --- delivery receipts ----------------------------------------------------------------------


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


# --- preferences ----------------------------------------------------------------------------


def clean_channels(channels: Iterable[str]) -> list[str]:
    chosen = [c for c in channels if c]
    if not chosen:
        raise DomainError(_("Choose at least one way to reach you."), code="channels")
    if any(c not in selectors.CHANNELS for c in chosen):
        raise DomainError(_("Choose SMS, WhatsApp or email."), code="channels")
    if len(set(chosen)) != len(chosen):
        raise DomainError(_("Choose each way to reach you only once."), code="channels")
    return chosen


@transaction.atomic
def set_preference(*, actor, user, channels: Iterable[str]):
    """Set the order in which ``user`` is reached (e.g. ["whatsapp", "sms", "email"]).
    The citizen sets their own; a system admin may set anyone's."""
    if actor is None or (actor.pk != user.pk and not _is_system_admin(actor)):
        raise NotAllowed(_("You may only change your own notification settings."))
    chosen = clean_channels(channels)
    preference, _created = ContactPreference.objects.select_for_update().get_or_create(user=user)
    before = list(preference.channels)
    preference.channels = chosen
    preference.updated_at = clock.now()
    preference.save(update_fields=["channels", "updated_at"])
    record(
        actor=actor,
        action="notifications.preference.set",
        obj=preference,
        from_state=",".join(before),
        to_state=",".join(chosen),
    )
    return preference


# --- the texts ----------------------------------------------------------------------------------


def ensure_default_templates() -> int:
    """Create the rows of the kinds of message that have none yet, with the default texts; never
    touches a text an admin edited. Runs after every ``migrate`` (apps.py). Returns how many."""
    existing = set(MessageTemplate.objects.values_list("key", flat=True))
    now = clock.now()
    missing = [
        MessageTemplate(key=key, text=spec.text, subject=spec.subject, active=True, updated_at=now)
        for key, spec in templating.KINDS.items()
        if key not in existing
    ]
    MessageTemplate.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def _require_template_admin(actor) -> None:
    if not _is_system_admin(actor):
        raise NotAllowed(_("Only a system admin may change the texts of notifications."))


def check_template(*, actor, key: str, text: str, subject: str, active: bool) -> dict:
    """The cleaned values of a template edit, or DomainError / NotAllowed saying what is wrong."""
    _require_template_admin(actor)
    if key not in templating.KINDS:
        raise DomainError(_("Choose one of the listed kinds of message."), code="key")
    if not active and key in templating.ALWAYS_ACTIVE:
        raise DomainError(
            _("This message cannot be switched off: citizens need it to log in or to verify their phone."),
            code="active",
        )
    return {
        "text": templating.validate_text(key, text),
        "subject": templating.validate_subject(key, subject),
        "active": bool(active),
    }


@transaction.atomic
def save_template(*, actor, key: str, text: str, subject: str = "", active: bool = True) -> MessageTemplate:
    """Save the text of one kind of message (validated: variables only, see ``templating``)."""
    cleaned = check_template(actor=actor, key=key, text=text, subject=subject, active=active)
    row = MessageTemplate.objects.select_for_update().filter(key=key).first()
    before = {"text": row.text, "subject": row.subject, "active": row.active} if row else {}
    if row is None:
        row = MessageTemplate(key=key)
    row.text, row.subject, row.active = cleaned["text"], cleaned["subject"], cleaned["active"]
    row.updated_at, row.updated_by = clock.now(), actor
    row.save()
    record(
        actor=actor,
        action="notifications.template.save",
        obj=row,
        from_state="active" if before.get("active", True) else "inactive",
        to_state="active" if row.active else "inactive",
        data={"key": key, "before": before, "after": cleaned},
    )
    return row


def reset_template(*, actor, key: str) -> MessageTemplate:
    """Put the default text of ``key`` back."""
    spec = templating.kind(key)
    return save_template(actor=actor, key=key, text=spec.text, subject=spec.subject, active=True)


# --- staff decisions ----------------------------------------------------------------------------


@transaction.atomic
def resend(*, actor, notification: Notification) -> Notification:
    """Send a failed or uncertain message again, after staff checked it (for an uncertain one:
    that it did not arrive). Never for a message whose one-time code is gone or that expired."""
    if not _is_system_admin(actor):
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
