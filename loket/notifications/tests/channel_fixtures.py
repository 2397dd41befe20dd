"""Fixtures of the channel tests (imported by the test_channel_* modules): the protocol peers on
127.0.0.1, started once per module, reset before each test, and helpers.

The SMSC is the npm ``smpp`` package's server run by ``node``: when node or its npm packages are
missing the fixture raises (the tests fail with what to run, ``make node-deps``); they are not
skipped."""

from __future__ import annotations

import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loket.notifications.channels.base import OutgoingMessage
from testpeers.http_gateway import GatewayServer
from testpeers.smsc import SmscServer
from testpeers.smtp import SmtpServer

SYSTEM_ID = "loket"
SMPP_PASSWORD = "rahasia1"  # SMPP 3.4: at most 8 characters
SMTP_USER = "notifikasi@loket.test"
SMTP_PASSWORD = "sandi-smtp-uji"

_ids = itertools.count(1)

# 400 characters of an Indonesian notice, GSM-7 only.
LONG_TEXT = (
    "Yth. Bapak/Ibu Siti Rahayu, permohonan Surat Keterangan Domisili Anda nomor 474/123/Kel.Cpt/2026 "
    "di Kelurahan Ciputat telah selesai diproses dan dapat diambil di loket pelayanan pada hari kerja "
    "pukul 08.00-15.00 WIB dengan membawa KTP-el asli dan bukti pendaftaran. Bila berhalangan, "
    "Anda dapat memberi kuasa tertulis kepada anggota keluarga. Terima kasih atas kepercayaan Anda. "
    "Salam, Pemerintah Kota Tangerang Selatan."
)[:400]
assert len(LONG_TEXT) == 400


def new_id() -> str:
    return f"loket-ntf-{int(time.time() * 1000) % 10**9}-{next(_ids)}"


def sms(text: str, to: str = "6281234567890", **kwargs) -> OutgoingMessage:
    return OutgoingMessage(id=kwargs.pop("id", None) or new_id(), channel="sms", to=to, text=text, **kwargs)


def wait_until(condition, timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


# --- SMPP -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smsc_server():
    server = SmscServer(accounts={SYSTEM_ID: SMPP_PASSWORD}, receipt_delay_ms=20)
    with server:
        yield server


@pytest.fixture
def smsc(smsc_server):
    """The module's SMSC running, without faults, with an empty record."""
    if not smsc_server.running:
        smsc_server.start()
    smsc_server.reset()
    yield smsc_server
    if smsc_server.running:
        smsc_server.reset()


@pytest.fixture
def make_smpp(smsc):
    from loket.notifications.channels.smpp import SmppChannel

    channels = []

    def _make(**kwargs) -> SmppChannel:
        options = {
            "host": smsc.host,
            "port": smsc.port,
            "system_id": SYSTEM_ID,
            "password": SMPP_PASSWORD,
            "timeout": 2,
            "reconnect_min_seconds": 0.05,
            "reconnect_max_seconds": 0.2,
        }
        options.update(kwargs)
        channel = SmppChannel(**options)
        channels.append(channel)
        return channel

    yield _make
    for channel in channels:
        channel.close()


# --- HTTP -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gateway_server():
    with GatewayServer() as server:
        yield server


@pytest.fixture
def gateway(gateway_server):
    gateway_server.start()
    gateway_server.reset()
    yield gateway_server
    gateway_server.start()
    gateway_server.reset()


class WebhookReceiver:
    """Our side of a status webhook: a server on 127.0.0.1 handing each POST to ``parse_webhook``
    of a channel, as the application's view would, and keeping what came out."""

    def __init__(self, channel):
        self.channel = channel
        self.receipts: list = []
        self.rejected: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_POST(self):  # noqa: N802
                from loket.notifications.channels.http import WebhookRejected

                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    receiver.receipts.extend(receiver.channel.parse_webhook(body, dict(self.headers.items())))
                    status = 200
                except WebhookRejected as exc:
                    receiver.rejected.append(str(exc))
                    status = 403
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook_receiver():
    receivers = []

    def _make(channel) -> WebhookReceiver:
        receiver = WebhookReceiver(channel)
        receivers.append(receiver)
        return receiver

    yield _make
    for receiver in receivers:
        receiver.close()


@pytest.fixture
def sleeps(monkeypatch):
    """The back-off waits the HTTP channel's client asked for (recorded, not slept)."""
    from loket.core import http

    waits: list[float] = []
    monkeypatch.setattr(http, "_sleep", waits.append)
    return waits


# --- SMTP -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smtp_server():
    with SmtpServer(username=SMTP_USER, password=SMTP_PASSWORD) as server:
        yield server


@pytest.fixture
def smtp(smtp_server):
    smtp_server.start()
    smtp_server.reset()
    yield smtp_server
    smtp_server.start()
    smtp_server.reset()
