"""The one channel interface: SMS over SMPP 3.4, SMS and WhatsApp over an HTTP gateway, e-mail
over SMTP. A worker hands a channel one ``OutgoingMessage`` at a time; the channel either returns
a ``SendResult`` or raises one of the three errors below, which decide what the outbox does next.

- ``TemporaryFailure``: nothing was sent (gateway down, throttled, connection refused before the
  message went out): retried later with exponential backoff.
- ``PermanentFailure``: this channel will never deliver it (invalid number, refused content): the
  outbox falls back to the citizen's next channel, or marks the message failed.
- ``OutcomeUnknown``: the message may have gone out (the connection died after the request was
  sent, the worker was killed mid-send). Never sent again on a channel that cannot de-duplicate:
  resending could make the same person get the same message twice.

``OutgoingMessage.id`` is unique per message and stable across attempts: channels that can pass an
idempotency key or a client reference to the gateway do so, and the test gateways use it to count
duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ChannelError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TemporaryFailure(ChannelError):
    """Nothing was sent; try again later."""


class PermanentFailure(ChannelError):
    """This channel cannot deliver this message; do not retry it here."""


class OutcomeUnknown(ChannelError):
    """The message may have been sent; do not send it again automatically."""


@dataclass(frozen=True)
class OutgoingMessage:
    id: str  # e.g. "loket-ntf-123": unique, stable across attempts
    channel: str  # "sms" | "whatsapp" | "email"
    to: str  # E.164 without "+" for sms/whatsapp ("6281234567890"), an address for e-mail
    text: str
    subject: str = ""  # e-mail only


@dataclass(frozen=True)
class SendResult:
    provider_id: str  # the gateway's id of the message, to match delivery receipts
    segments: int = 1  # SMS parts billed


class Channel(Protocol):
    name: str  # "sms" | "whatsapp" | "email"
    dedupes: bool  # True when the gateway de-duplicates by OutgoingMessage.id (safe to resend)

    def send(self, message: OutgoingMessage) -> SendResult: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt from a gateway (SMPP deliver_sm, an HTTP webhook)."""

    provider_id: str
    delivered: bool
    error: str = ""
