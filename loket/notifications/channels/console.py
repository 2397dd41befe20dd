"""The demo phone: SMS and WhatsApp messages written to the worker's terminal instead of a gateway.

For ``make run`` only (``NOTIFY_CONSOLE=true``, see the settings), like Django's console e-mail
backend: the demo has no SMSC and no WhatsApp account, yet a visitor must see the message a citizen
would get — the code that verifies their phone, "Nomor antrean A-012 …". The message goes through the
real outbox and worker (templates, channel choice, attempts, the SMS segment count); only the last
step, the gateway, is the terminal. It can never be used in production: building it there fails.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from loket.notifications.channels import gsm
from loket.notifications.channels.base import OutgoingMessage, SendResult

LABELS = {"sms": "SMS", "whatsapp": "WhatsApp", "email": "E-mail"}


class ConsoleChannel:
    dedupes = True  # nothing leaves the machine: a repeat is only a second block on the screen

    def __init__(self, *, name: str, stream: TextIO | None = None):
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured("The console channel is for development (make run) only.")
        self.name = name
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        segments = gsm.segments(message.text) if self.name == "sms" else 1
        to = f"+{message.to}" if message.to.isdigit() else message.to
        parts = f", {segments} SMS" if self.name == "sms" else ""
        header = f"--- Loket demo: {LABELS.get(self.name, self.name)} to {to} ({message.id}{parts}) ---"
        body = message.text
        if self.name == "email" and message.subject:
            body = f"Subject: {message.subject}\n\n{body}"
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(f"\n{header}\n{body}\n{'-' * len(header)}\n")
            stream.flush()
        return SendResult(provider_id=f"console-{message.id}", segments=segments)

    def close(self) -> None:
        """Nothing to close: the terminal stays."""
