"""E-mail through Django's own e-mail backend (``EMAIL_BACKEND``, ``EMAIL_HOST`` …): the default
e-mail channel, needing no extra server in development (the console or locmem backend).

How the errors map to the channel interface (``base.py``): a connection that cannot be opened has
sent nothing (temporary); recipients or sender refused, or a 5xx answer, will not get better
(permanent); a 4xx answer is temporary; anything else once the message is on its way (a dropped
connection, a timeout) may have delivered it (outcome unknown). SMTP cannot de-duplicate, so
``dedupes`` is False; the ``Message-ID`` is still derived from the outbox id, so that a mail
client can recognise a copy.
"""

from __future__ import annotations

import contextlib
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


class DjangoMailChannel:
    name = "email"
    dedupes = False

    def __init__(self, *, from_email: str = "", domain: str = "loket.invalid"):
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL
        self.domain = domain

    def send(self, message: OutgoingMessage) -> SendResult:
        message_id = f"<{message.id}@{self.domain}>"
        mail = EmailMessage(
            subject=message.subject or "Loket",
            body=message.text,
            from_email=self.from_email,
            to=[message.to],
            headers={"Message-ID": message_id},
        )
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"e-mail server unreachable: {exc.__class__.__name__}") from exc
        try:
            sent = connection.send_messages([mail])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise PermanentFailure(f"refused by the e-mail server: {exc.__class__.__name__}") from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(f"e-mail server answered {exc.smtp_code}") from exc
            raise PermanentFailure(f"e-mail server answered {exc.smtp_code}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise OutcomeUnknown(f"connection lost while sending: {exc.__class__.__name__}") from exc
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                connection.close()
        if not sent:
            raise TemporaryFailure("the e-mail backend sent nothing")
        return SendResult(provider_id=message_id)

    def close(self) -> None:
        return None
