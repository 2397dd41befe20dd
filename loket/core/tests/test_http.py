"""The HTTP client for outgoing calls against a real server on 127.0.0.1 that answers, waits, drops
or resets connections as each test scripts it: what is retried and what never is, the three
errors, Retry-After, and that no secret reaches a log record."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import threading
from collections import deque

import pytest

from loket.core import http
from loket.core.http import BearerToken, HttpClient, HttpStatusError, NotSent, OutcomeUnknown
from loket.core.redact import mask_nik, mask_phone, redact
from testpeers.server import Dropped, JsonHandler, LocalJsonServer

pytestmark = pytest.mark.xdist_group("core-http")


class ScriptedServer(LocalJsonServer):
    """Answers each request with the next scripted action (then ``200 {"ok": true}``) and records
    what it received: ``("answer", status, body, headers)``, ``("delay", seconds)`` (answer 200 that
    late), ``("drop",)`` (read the request, close without answering), ``("reset",)`` (close with a
    TCP reset after the headers, before reading the body)."""

    thread_name = "core-http-test"

    def __init__(self):
        super().__init__()
        self.actions: deque[tuple] = deque()
        self.received: list[dict] = []
        self.lock = threading.Lock()

    def script(self, *actions: tuple) -> None:
        self.actions.extend(actions)

    def next_action(self) -> tuple:
        with self.lock:
            return self.actions.popleft() if self.actions else ("answer", 200, {"ok": True}, None)


class _Handler(JsonHandler):
    server_version = "CoreHttpTest/1"

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        app = self.app
        action = app.next_action()
        if action[0] == "reset":
            # SO_LINGER 0: close() sends a reset; the client's write of the body fails.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with app.lock:
            app.received.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
            )
        with contextlib.suppress(Dropped):
            if action[0] == "drop":
                self._drop()
            if action[0] == "delay":
                app._stopping.wait(action[1])
                action = ("answer", 200, {"ok": True}, None)
            _kind, status, payload, headers = action
            self._send(status, payload, headers=headers)


ScriptedServer.handler_class = _Handler


@pytest.fixture(scope="module")
def running_server():
    with ScriptedServer() as server:
        yield server


@pytest.fixture
def server(running_server):
    running_server.start()
    running_server.actions.clear()
    running_server.received.clear()
    yield running_server
    running_server.start()


@pytest.fixture
def sleeps(monkeypatch):
    """The waits the client asked for (recorded, not slept)."""
    waits: list[float] = []
    monkeypatch.setattr(http, "_sleep", waits.append)
    return waits


def client_for(server, **options) -> HttpClient:
    options = {"name": "uji", "connect_timeout": 1, "read_timeout": 1, "retries": 2, "backoff": 0.1, **options}
    return HttpClient(options.pop("base_url", server.url), **options)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- answers ----------------------------------------------------------------------------------


def test_a_json_call_and_its_answer(server):
    response = client_for(server, headers={"X-Client": "loket"}).post("/api/v1/hal", json={"nama": "Budi"})
    assert response.ok and response.status == 200 and response.json() == {"ok": True}
    (request,) = server.received
    assert (request["method"], request["path"]) == ("POST", "/api/v1/hal")
    assert json.loads(request["body"]) == {"nama": "Budi"}
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Client"] == "loket"
    assert request["headers"]["Connection"] == "close"  # no keep-alive: see the module's documentation


def test_the_base_url_path_and_query_are_kept(server):
    client = client_for(server, base_url=server.url + "/api/sms/send?akun=loket")
    client.get(params={"to": "6281234567890", "text": "Antrean & jadwal: 08.00–12.00"})
    client_for(server, base_url=server.url + "/fhir/").get("/Patient")
    first, second = server.received
    assert first["path"].startswith("/api/sms/send?akun=loket&to=6281234567890&text=Antrean+%26+jadwal")
    assert second["path"] == "/fhir/Patient"
    with pytest.raises(ValueError, match="params"):
        client.get("/x?y=1")


def test_an_error_status_carries_status_headers_and_json(server, sleeps):
    server.script(("answer", 422, {"error": {"code": 131047}}, {"X-Trace": "abc"}))
    with pytest.raises(HttpStatusError) as caught:
        client_for(server).post("/kirim", json={})
    error = caught.value
    assert (error.status, error.data, error.headers["X-Trace"], error.retryable) == (
        422,
        {"error": {"code": 131047}},
        "abc",
        False,
    )
    assert str(error) == "uji POST /kirim: answered HTTP 422"
    assert sleeps == [] and len(server.received) == 1


def test_a_redirect_is_not_followed(server):
    server.script(("answer", 302, {}, {"Location": "http://127.0.0.1:1/lain"}))
    with pytest.raises(HttpStatusError) as caught:
        client_for(server).get("/lama")
    assert caught.value.status == 302 and caught.value.headers["Location"] == "http://127.0.0.1:1/lain"


def test_no_cookie_is_kept_between_calls(server):
    server.script(("answer", 200, {}, {"Set-Cookie": "sessionid=abc; Path=/"}))
    client = client_for(server)
    client.get("/satu")
    client.get("/dua")
    assert [request["headers"].get("Cookie") for request in server.received] == [None, None]


def test_an_answer_too_large_is_an_unknown_outcome(server):
    server.script(("answer", 200, {"isi": "x" * 5000}, None))
    with pytest.raises(OutcomeUnknown, match="answer too large"):
        client_for(server, max_response_bytes=1000).post("/besar", json={})


# --- nothing sent: retried --------------------------------------------------------------------


def test_a_refused_connection_is_not_sent_after_the_retries(monkeypatch, sleeps):
    attempts = []
    connect = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: attempts.append(1) or connect(*a, **k))
    client = HttpClient(f"http://127.0.0.1:{free_port()}", name="uji", retries=2, backoff=0.1)
    with pytest.raises(NotSent) as caught:
        client.post("/kirim", json={"pesan": "x"})
    assert caught.value.reason == "ConnectionRefusedError" and caught.value.attempts == 3
    assert len(attempts) == 3 and sleeps == [0.1, 0.2]


def test_an_unknown_host_and_a_failed_tls_handshake_are_not_sent(server, sleeps):
    with pytest.raises(NotSent):
        HttpClient("http://loket.invalid", retries=0).get()
    with pytest.raises(NotSent):  # https to a plain HTTP server: the handshake fails
        client_for(server, base_url=f"https://127.0.0.1:{server.port}", retries=0).post("/", json={})


def test_a_request_not_written_out_completely_is_not_sent(server, sleeps):
    # The server resets the connection after the headers; the client cannot write the 16 MiB body.
    server.script(("reset",), ("reset",))
    with pytest.raises(NotSent):
        client_for(server, retries=1, read_timeout=5).post("/unggah", content=b"x" * (16 * 1024 * 1024))
    assert sleeps == [0.1]


# --- refused before processing: retried, Retry-After honoured ---------------------------------


def test_503_with_retry_after_is_retried(server, sleeps):
    server.script(("answer", 503, {"error": "sibuk"}, {"Retry-After": "2"}))
    response = client_for(server).post("/kirim", json={})
    assert response.ok and sleeps == [2.0] and len(server.received) == 2


def test_busy_beyond_the_retries_is_a_retryable_status_error(server, sleeps):
    server.script(*[("answer", 429, {}, None)] * 3)
    with pytest.raises(HttpStatusError) as caught:
        client_for(server).post("/kirim", json={})
    assert caught.value.retryable and caught.value.status == 429 and caught.value.attempts == 3
    assert sleeps == [0.1, 0.2]


def test_a_retry_after_beyond_the_maximum_gives_up_or_waits_the_maximum(server, sleeps):
    server.script(("answer", 503, {}, {"Retry-After": "600"}))
    with pytest.raises(HttpStatusError) as caught:
        client_for(server, max_retry_after=30).post("/kirim", json={})
    assert caught.value.retryable and caught.value.retry_after == 600 and sleeps == []
    server.script(("answer", 503, {}, {"Retry-After": "600"}))
    client_for(server, max_retry_after=30, long_retry_after="wait_max").post("/kirim", json={})
    assert sleeps == [30.0]


def test_a_busy_answer_the_caller_calls_final_is_not_retried(server, sleeps):
    server.script(("answer", 503, {"error": {"code": 131026}}, None))
    client = client_for(server, busy_answer=lambda response: response.json()["error"]["code"] != 131026)
    with pytest.raises(HttpStatusError) as caught:
        client.post("/kirim", json={})
    assert not caught.value.retryable and sleeps == [] and len(server.received) == 1


# --- sent, no answer: never retried unless idempotent -----------------------------------------


def test_a_read_timeout_on_a_post_is_an_unknown_outcome_never_retried(server, sleeps):
    server.script(("delay", 2.0))
    with pytest.raises(OutcomeUnknown) as caught:
        client_for(server, read_timeout=0.3).post("/kirim", json={"pesan": "x"})
    assert caught.value.reason == "TimeoutError"
    assert len(server.received) == 1 and sleeps == []


def test_a_dropped_connection_is_retried_for_an_idempotent_get_only(server, sleeps):
    server.script(("drop",))
    assert client_for(server).get("/status").ok
    assert len(server.received) == 2 and sleeps == [0.1]

    server.received.clear()
    server.script(("drop",))
    with pytest.raises(OutcomeUnknown):
        client_for(server).post("/kirim", json={})
    assert len(server.received) == 1

    server.received.clear()
    server.script(("drop",))  # a read-only POST the caller declares idempotent
    assert client_for(server).post("/cek", json={}, idempotent=True).ok
    assert len(server.received) == 2


@pytest.mark.parametrize("status", [502, 504])
def test_a_proxy_giving_up_is_retried_only_when_idempotent(server, sleeps, status):
    server.script(("answer", status, {}, None))
    assert client_for(server).get("/status").ok
    server.script(("answer", status, {}, None))
    with pytest.raises(HttpStatusError) as caught:
        client_for(server).post("/kirim", json={})
    assert not caught.value.retryable and caught.value.status == status


# --- logs -------------------------------------------------------------------------------------


def test_no_secret_reaches_a_log_record(server, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    token, api_key, phone, nik = "token-rahasia-123", "kunci-rahasia-456", "6281234567890", "3674041708900001"
    server.script(("answer", 503, {}, None), ("delay", 2.0))
    client = client_for(
        server,
        base_url=f"http://loket:sandi-rahasia-789@127.0.0.1:{server.port}/api",
        auth=BearerToken(token),
        read_timeout=0.3,
    )
    with pytest.raises(OutcomeUnknown):
        client.post("/kirim", params={"key": api_key, "to": phone}, json={"nik": nik, "text": "Kode 482913"})
    assert server.received[0]["headers"]["Authorization"] == f"Bearer {token}"

    # Every record of the client and of httpx/httpcore (the test server's own log shows what it got).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("testpeers"))
    assert "uji POST /kirim: answered HTTP 503, attempt 1/3" in logged
    assert f"http://127.0.0.1:{server.port}/api/kirim" in logged  # httpx's line, without the query
    for secret in (token, api_key, phone, nik, "482913", "sandi-rahasia-789"):
        assert secret not in logged
    assert token not in repr(client) and token not in repr(BearerToken(token))


def test_masks():
    assert mask_nik("3674041708900001") == "3674********0001" and mask_nik("12345") == "*****"
    assert mask_phone("6281234567890") == "62812*****890" and mask_phone("1234") == "1234"
    assert redact("NIK 3674041708900001\n tidak cocok:  081234567890 (kode 131047)") == (
        "NIK 3674********0001 tidak cocok: 08123****890 (kode 131047)"
    )
    assert redact("x" * 500, limit=10) == "x" * 10
