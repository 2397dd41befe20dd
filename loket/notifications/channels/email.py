"""E-mail over SMTP to a server of its own (not Django's ``EMAIL_*`` settings): Django's
``EmailMessage`` sent through an explicit SMTP connection (``get_connection`` with the SMTP backend),
one connection per message.

Options: ``host``, ``port``, ``username`` / ``password`` (AUTH when a username is given),
``use_tls`` (STARTTLS) or ``use_ssl`` (SMTPS, port 465), ``from_email`` (default
``DEFAULT_FROM_EMAIL``), ``timeout``, ``message_id_domain`` (default: the domain of
``from_email``), ``name`` (``"email"``).

``Message-ID`` is ``<our OutgoingMessage.id@domain>``, the same on every attempt, so a receiving
side that de-duplicates by Message-ID can drop a second copy; SMTP itself does not de-duplicate,
so ``dedupes`` is False. ``SendResult.provider_id`` is that Message-ID.

Errors (``channels.base``):

- the server cannot be reached, refuses the connection, its greeting, EHLO, STARTTLS or our login
  fails → nothing sent → ``TemporaryFailure``;
- the recipient refused: 5xx (550 no such user, 553 bad address) → ``PermanentFailure``; 4xx
  (greylisting, mailbox busy) → ``TemporaryFailure``;
- our sender refused (MAIL FROM) → ``TemporaryFailure`` (our configuration; the citizen's address
  is not at fault), except 552 (too large) → ``PermanentFailure``;
- the message refused after DATA with a reply code: 5xx → ``PermanentFailure``, 4xx →
  ``TemporaryFailure`` (the server did not take it);
- the connection lost or timed out after the DATA command was sent, before the server's reply →
  ``OutcomeUnknown`` (it may have taken the message); lost before DATA → ``TemporaryFailure``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from loket.notifications.channels.base import (
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
)

logger = logging.getLogger(__name__)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_NOT_ATOM = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")


def mask_address(address: str) -> str:
    local, _, domain = str(address).partition("@")
    return (local[:2] + "***@" + domain) if domain else "***"


def message_id_for(reference: str, domain: str) -> str:
    """``<reference@domain>`` with anything outside RFC 5322's dot-atom replaced."""
    left = _NOT_ATOM.sub("-", reference).strip(".") or "loket"
    return f"<{left}@{domain}>"


class _Phase:
    """Where smtplib's sendmail got to: after the DATA command, a lost connection is an unknown outcome."""

    def __init__(self):
        self.data_sent = False

    def watch(self, smtp: smtplib.SMTP) -> None:
        original = smtp.data

        def data(msg):
            self.data_sent = True
            return original(msg)

        smtp.data = data


class EmailChannel:
    """E-mail over SMTP. See the module's documentation."""

    dedupes = False

    def __init__(
        self,
        host: str,
        port: int = 25,
        username: str = "",
        password: str = "",
        use_tls: bool = False,
        use_ssl: bool = False,
        from_email: str = "",
        timeout: float = 10,
        *,
        name: str = "email",
        message_id_domain: str = "",
    ):
        if use_tls and use_ssl:
            raise ValueError("use_tls (STARTTLS) and use_ssl (SMTPS) are mutually exclusive")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.name = name
        self.host = host
        self.port = int(port)
        self.username = username
        self._password = password
        self.use_tls = use_tls
        self.use_ssl = use_ssl
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL
        self.timeout = float(timeout)
        address = self.from_email.rpartition("<")[2].rstrip(">")
        self.message_id_domain = message_id_domain or address.rpartition("@")[2] or "loket.invalid"

    def __repr__(self) -> str:
        return f"<EmailChannel {self.name} {self.host}:{self.port}>"

    def _connection(self):
        return get_connection(
            SMTP_BACKEND,
            fail_silently=False,
            host=self.host,
            port=self.port,
            username=self.username or None,
            password=self._password or None,
            use_tls=self.use_tls,
            use_ssl=self.use_ssl,
            timeout=self.timeout,
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        message_id = message_id_for(message.id, self.message_id_domain)
        connection = self._connection()
        mail = EmailMessage(
            subject=message.subject or "Loket",
            body=message.text,
            from_email=self.from_email,
            to=[message.to],
            headers={"Message-ID": message_id},
            connection=connection,
        )
        where = f"SMTP {self.host}:{self.port}"
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            with contextlib.suppress(Exception):
                connection.close()
            raise TemporaryFailure(f"{where}: cannot open a session ({_describe(exc)}); nothing sent") from None
        phase = _Phase()
        phase.watch(connection.connection)
        try:
            connection.send_messages([mail])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            detail = "; ".join(f"{code} {_decode(text)}" for code, text in exc.recipients.values())
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"{where}: recipient {mask_address(message.to)} refused: {detail}") from None
            raise TemporaryFailure(f"{where}: recipient {mask_address(message.to)} deferred: {detail}") from None
        except smtplib.SMTPSenderRefused as exc:
            detail = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
            if exc.smtp_code == 552:
                raise PermanentFailure(f"{where}: message refused as too large: {detail}") from None
            logger.error("email %s: our sender %s was refused: %s", self.name, self.from_email, detail)
            raise TemporaryFailure(f"{where}: sender {self.from_email} refused: {detail}; nothing sent") from None
        except smtplib.SMTPResponseException as exc:  # SMTPDataError and other answered refusals
            detail = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
            if phase.data_sent and exc.smtp_code >= 500:
                raise PermanentFailure(f"{where}: message refused: {detail}") from None
            raise TemporaryFailure(f"{where}: refused for now: {detail}") from None
        except (OSError, smtplib.SMTPException) as exc:  # disconnected, timed out, reset
            if phase.data_sent:
                logger.error(
                    "email %s: connection lost after DATA for %s: outcome unknown, not resent", self.name, message.id
                )
                raise OutcomeUnknown(
                    f"{where}: connection lost after the message was sent ({_describe(exc)}); "
                    "the server may have taken it: not sent again automatically"
                ) from None
            raise TemporaryFailure(f"{where}: connection lost before the message was sent ({_describe(exc)})") from None
        finally:
            with contextlib.suppress(Exception):
                connection.close()
        logger.info("email %s: %s to %s accepted, %s", self.name, message.id, mask_address(message.to), message_id)
        return SendResult(provider_id=message_id, segments=1)

    def close(self) -> None:
        """Nothing to close: every message opens its own connection."""


def _decode(text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return re.sub(r"\s+", " ", str(text)).strip()[:200]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code} {_decode(exc.smtp_error)}"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
