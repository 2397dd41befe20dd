"""The notification outbox: messages to citizens (SMS, WhatsApp, e-mail), written with the event.

- ``Notification`` is one message to one person for one event. It is written by
  ``services.enqueue`` inside the transaction of the event that causes it (a booking, a status
  change), so a message exists exactly when its event committed. Workers (``services/delivery.py``) send it.
  The same event never creates the same person's message twice: ``(event_key, recipient_key,
  template)`` is unique.
- ``DeliveryAttempt`` is every try on a channel, written and committed *before* the channel is
  called, so a worker that dies mid-send leaves evidence that the message may have gone out.
- ``ContactPreference`` is a citizen's channel order and which phone number they proved is theirs.
- ``MessageTemplate`` is the admin-editable Indonesian text of each kind of message
  (``templating.py``: variables only, defaults shipped in code).
- ``PendingReceipt`` holds a delivery receipt that arrived before its send was recorded.
- ``OneTimeCode`` is a login or phone-verification code, stored only as a keyed hash (``services/otp.py``).

Statuses of a notification (``services/delivery.py`` explains the moves)::

    pending ──claim──> sending ──sent──> sent ──receipt──> delivered
       ^                 │  │                 └──receipt (failed, no next channel)──> failed
       └──retry/fallback─┘  ├──no channel left──> failed
                            └──may have been sent, cannot resend safely──> uncertain

``uncertain`` and ``failed`` are final: staff see them in the admin; nothing resends them
automatically.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("Email")


PHONE_CHANNELS = (Channel.SMS.value, Channel.WHATSAPP.value)


class Status(models.TextChoices):
    PENDING = "pending", pgettext_lazy("notification status", "Waiting to be sent")
    SENDING = "sending", pgettext_lazy("notification status", "Being sent")
    SENT = "sent", pgettext_lazy("notification status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("notification status", "Delivered")
    FAILED = "failed", pgettext_lazy("notification status", "Failed")
    UNCERTAIN = "uncertain", pgettext_lazy("notification status", "Uncertain (may have been sent)")


FINAL_STATUSES = (Status.SENT, Status.DELIVERED, Status.FAILED, Status.UNCERTAIN)


class TemplateKey(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed")
    BOOKING_REMINDER = "booking_reminder", _("Reminder the day before")
    TURN_NEAR = "turn_near", _("Your number is near")
    CALLED = "called", _("Called to the counter")
    REQUEST_RETURNED = "request_returned", _("Request returned for correction")
    REQUEST_REJECTED = "request_rejected", _("Request rejected")
    DOCUMENT_READY = "document_ready", _("Document ready")
    DOCUMENT_SIGNED = "document_signed", _("Document signed (to download)")
    OTP_LOGIN = "otp_login", _("Login code")
    OTP_PHONE = "otp_phone", _("Phone verification code")
    EMAIL_VERIFY = "email_verify", _("Email verification link")


class Notification(models.Model):
    """One message to one person for one event (the outbox row)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # "user:42", or "phone:+62812…" / "email:…" when the message goes to an address without an
    # account (a walk-in visitor): the person part of the uniqueness rule.
    recipient_key = models.CharField(_("recipient key"), max_length=270)
    to_phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    to_email = models.EmailField(_("email"), blank=True)
    template = models.CharField(_("template"), max_length=40, choices=TemplateKey.choices)
    event_key = models.CharField(
        _("event"), max_length=200, help_text=_("What caused the message, e.g. queueing.booked:ticket:42.")
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    # For a message holding a one-time code: the same text with the code replaced by "******".
    # It becomes ``text`` once the message is sent, final, expired or the code is used (scrubbed).
    redacted_text = models.TextField(_("text without secrets"), blank=True)
    scrubbed_at = models.DateTimeField(_("secrets removed at"), null=True, blank=True)
    channels = models.JSONField(_("channels to try"), default=list)
    channel = models.CharField(_("current channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    channel_attempts = models.PositiveIntegerField(_("attempts on this channel"), default=0)
    possibly_sent = models.BooleanField(
        _("may have been sent"),
        default=False,
        help_text=_("An attempt on the current channel ended without a known outcome: never moved to another channel."),
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Not sent after this time (one-time codes).")
    )
    claimed_by = models.CharField(_("claimed by worker"), max_length=100, blank=True)
    claimed_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient_key", "template"], name="notification_once_per_event_person"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.get_template_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        """The id handed to the channel: unique per message and channel, stable across attempts.

        The channel is part of it so that SMS and WhatsApp sent through one de-duplicating
        gateway are never mistaken for each other after a fall-back.
        """
        return f"loket-ntf-{self.pk}-{self.channel}"

    @property
    def shown_text(self) -> str:
        """The text staff may see: never a one-time code that has not been scrubbed yet."""
        return self.redacted_text or self.text


class Outcome(models.TextChoices):
    SENT = "sent", pgettext_lazy("delivery outcome", "Sent")
    TEMPORARY = "temporary", pgettext_lazy("delivery outcome", "Temporary failure")
    PERMANENT = "permanent", pgettext_lazy("delivery outcome", "Permanent failure")
    UNKNOWN = "unknown", pgettext_lazy("delivery outcome", "Unknown outcome")


class DeliveryAttempt(models.Model):
    """One try of one notification on one channel. ``outcome`` is empty while the channel is
    being asked; a row left empty by a dead worker means "may have been sent"."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts", verbose_name=_("notification")
    )
    number = models.PositiveIntegerField(_("attempt number"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    error = models.TextField(_("error"), blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True, db_index=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        constraints = [
            models.UniqueConstraint(fields=["notification", "number"], name="delivery_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.notification_id}/{self.number} {self.channel} {self.outcome or '…'}"


class PendingReceipt(models.Model):
    """A delivery receipt that came before the send was recorded (an SMSC can answer within
    milliseconds, before the worker commits the provider id). Applied when the worker records
    the send; forgotten after a week if no message ever matches it."""

    provider_id = models.CharField(_("provider message id"), max_length=100, db_index=True)
    delivered = models.BooleanField(_("delivered"))
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("early delivery receipt")
        verbose_name_plural = _("early delivery receipts")

    def __str__(self) -> str:
        return self.provider_id


class ContactPreference(models.Model):
    """A citizen's channel order and the phone number they proved is theirs.

    ``verified_phone`` holds the number that was verified (E.164), not a flag: when the account's
    number changes, it no longer matches and the new number counts as unverified.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_preference", verbose_name=_("user")
    )
    channels = models.JSONField(_("channel order"), default=list)
    verified_phone = models.CharField(_("verified phone (E.164)"), max_length=20, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    verified_email = models.EmailField(_("verified email"), blank=True)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")

    def __str__(self) -> str:
        return f"{self.user} – {', '.join(self.channels)}"

    def phone_is_verified(self, phone: str) -> bool:
        return bool(phone) and self.verified_phone == phone and self.phone_verified_at is not None

    def email_is_verified(self, email: str) -> bool:
        """The citizen proved this address (a changed address must be proved again)."""
        return bool(email) and self.verified_email.lower() == email.lower() and self.email_verified_at is not None


class MessageTemplate(models.Model):
    """The Indonesian text of one kind of message; edited by an admin through the validation of
    ``templating.validate_text`` (variables only). The defaults live in ``templating.DEFAULTS``."""

    key = models.CharField(_("kind of message"), max_length=40, choices=TemplateKey.choices, unique=True)
    text = models.TextField(_("text"))
    subject = models.CharField(_("email subject"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True, help_text=_("Inactive: this kind of message is not sent."))
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.get_key_display()


class CodePurpose(models.TextChoices):
    LOGIN = "login", pgettext_lazy("code purpose", "Login")
    PHONE = "phone", _("Phone verification")


class OneTimeCode(models.Model):
    """A 6-digit code sent to a phone. Only its HMAC (keyed with SECRET_KEY) is stored."""

    purpose = models.CharField(_("purpose"), max_length=10, choices=CodePurpose.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_codes", verbose_name=_("user")
    )
    phone = models.CharField(_("phone (E.164)"), max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("message")
    )

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["phone", "created_at"], name="otp_phone_created")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"
