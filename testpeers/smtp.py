"""An SMTP server on 127.0.0.1 for tests (aiosmtpd in a thread). Never for production.

::

    with SmtpServer(username="loket", password="rahasia") as smtp:   # an ephemeral port
        smtp.reject_recipient("tidakada@contoh.go.id")            # RCPT TO answered 550
        smtp.reject_recipient("sibuk@contoh.go.id", code=450)      # or a 4xx
        smtp.drop_after_data()          # take the next message, close without answering
        smtp.refuse_data(554)           # answer the next DATA with 554 (not taken)
        smtp.messages                   # every message taken: envelope, raw bytes, parsed
        smtp.stop(); smtp.start()       # the same port again

AUTH PLAIN/LOGIN is offered without TLS (a test server on the loopback) when a username is set;
a wrong login is refused with 535, and ``ReceivedMail.login`` says who sent each message.
"""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: str | None
    dropped: bool = False

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)


class _Controller(Controller):
    def _trigger_server(self):
        # Bound to port 0: learn the port the system gave before connecting to it.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, username: str = "", password: str = ""):
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self._lock = threading.Lock()
        self._rejected: dict[str, int] = {}
        self._drops = 0
        self._data_refusals: list[int] = []
        self._controller: _Controller | None = None
        self.messages: list[ReceivedMail] = []
        self.sessions = 0

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        if self._controller is not None:
            return self
        options = {}
        if self.username:
            # Offered without TLS on the loopback; not required (the login is recorded per message).
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        controller = _Controller(_Handler(self), hostname=self.host, port=self.port, ready_timeout=5, **options)
        controller.start()
        self.port = controller.port
        self._controller = controller
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- faults --------------------------------------------------------------------------------

    def reject_recipient(self, address: str, code: int = 550) -> None:
        with self._lock:
            self._rejected[address.lower()] = code

    def drop_after_data(self, count: int = 1) -> None:
        """Take the next ``count`` messages, then close the connection instead of answering 250."""
        with self._lock:
            self._drops += count

    def refuse_data(self, code: int = 554, count: int = 1) -> None:
        """Answer the next ``count`` messages' end of DATA with ``code`` (the message is not taken)."""
        with self._lock:
            self._data_refusals += [code] * count

    def reset(self) -> None:
        with self._lock:
            self._rejected.clear()
            self._drops = 0
            self._data_refusals.clear()
            self.messages.clear()
            self.sessions = 0

    # -- aiosmtpd ------------------------------------------------------------------------------

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


class _Handler:
    def __init__(self, app: SmtpServer):
        self.app = app

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's name
        with self.app._lock:
            self.app.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.app._lock:
            code = self.app._rejected.get(address.lower())
        if code is not None:
            if code >= 500:
                return f"{code} 5.1.1 <{address}>: Recipient address rejected: User unknown"
            return f"{code} 4.2.1 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        app = self.app
        with app._lock:
            refusal = app._data_refusals.pop(0) if app._data_refusals else None
            drop = app._drops > 0
            if drop and refusal is None:
                app._drops -= 1
        if refusal is not None:
            return f"{refusal} 5.7.1 Message rejected" if refusal >= 500 else f"{refusal} 4.3.0 Try again later"
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        received = ReceivedMail(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            bytes(envelope.original_content or envelope.content),
            login,
            drop,
        )
        with app._lock:
            app.messages.append(received)
        if drop:
            server.transport.abort()  # taken, never answered
        return "250 2.0.0 OK queued"
