"""An HTTP SMS/WhatsApp gateway on 127.0.0.1 for tests and local development. Never for production.

It speaks two APIs on one port:

- a generic SMS aggregator API: ``POST /api/sms/send`` with JSON ``{"to", "text", "ref"}`` or the
  same fields form-encoded, or ``GET /api/sms/send?to=…&text=…&ref=…``; credentials: any of
  ``Authorization: Bearer <sms_token>``, HTTP Basic ``<username>:<password>``, ``X-Api-Key:
  <api_key>`` or ``key=<api_key>`` in the query/form; answers ``{"status": "ok", "message_id":
  "gw-…"}``, a number that is not ``62`` + 8–13 digits ``400 {"status": "error", "code":
  "INVALID_NUMBER"}``;
- the WhatsApp Business Cloud API: ``POST /v20.0/<phone_number_id>/messages`` with ``Authorization:
  Bearer <whatsapp_token>``, body ``{"messaging_product": "whatsapp", "to", "type": "text",
  "text": {"body"}}`` or ``"type": "template"``; answers ``{"messaging_product": "whatsapp",
  "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid.…"}]}``; Graph-style errors
  (``{"error": {"message", "type", "code", "fbtrace_id"}}``: 190 for a bad token, 100 for an
  invalid parameter).

``Idempotency-Key`` is honoured on both (same key and path → the first answer again, the message
recorded once). Every accepted message is in ``accepted``; every request that reached the server
is counted in ``requests``.

::

    with GatewayServer() as gateway:
        gateway.fail_next(count=2, status=503, retry_after=1)   # before processing
        gateway.fail_next(status=400, body={"error": {"code": 131047, …}})   # a custom answer
        gateway.delay_next(2.0)        # process, then answer 2 s late
        gateway.drop_next()            # read the body, process, close without answering
        gateway.stop(); gateway.start()                          # same port
        gateway.post_whatsapp_status(url, wamid, "delivered")    # a signed status webhook
        gateway.post_sms_status(url, message_id, "DELIVRD")      # a form webhook with the token
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from testpeers.server import Dropped, JsonHandler, LocalJsonServer

logger = logging.getLogger(__name__)

SMS_PATH = "/api/sms/send"
VALID_NUMBER = re.compile(r"62[0-9]{8,13}")


@dataclass
class _Fault:
    kind: str  # "fail", "delay", "drop"
    remaining: int
    path: str | None = None
    status: int = 503
    retry_after: float | None = None
    body: dict | None = None
    seconds: float = 0.0
    process: bool = True


class GatewayServer(LocalJsonServer):
    thread_name = "gateway-testserver"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sms_token: str = "sms-test-token",  # noqa: S107 - the test server\'s own credentials
        api_key: str = "sms-test-key",
        username: str = "loket",
        password: str = "rahasia-gateway",  # noqa: S107 - the test server\'s own credentials
        whatsapp_token: str = "wa-test-token",  # noqa: S107 - the test server\'s own credentials
        phone_number_id: str = "109876543210",
        app_secret: str = "wa-app-secret",  # noqa: S107 - the test server\'s own credentials
        webhook_token: str = "hook-test-token",  # noqa: S107 - the test server\'s own credentials
        honour_idempotency: bool = True,
    ):
        super().__init__(host=host, port=port)
        self.sms_token = sms_token
        self.api_key = api_key
        self.username = username
        self.password = password
        self.whatsapp_token = whatsapp_token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.webhook_token = webhook_token
        self.honour_idempotency = honour_idempotency
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._answers: dict[tuple[str, str], tuple[int, dict]] = {}
        self._counter = 0
        self.accepted: list[dict] = []
        self.requests: Counter[str] = Counter()
        self.replays = 0
        self.last_headers: dict[str, str] = {}

    @property
    def sms_url(self) -> str:
        return self.url + SMS_PATH

    @property
    def whatsapp_path(self) -> str:
        return f"/v20.0/{self.phone_number_id}/messages"

    @property
    def whatsapp_url(self) -> str:
        return self.url + self.whatsapp_path

    # -- faults and counters -------------------------------------------------------------------

    def fail_next(self, *, count: int = 1, status: int = 503, retry_after=None, body: dict | None = None, path=None):
        """Answer ``status`` (and ``body``) to the next ``count`` requests, before processing them."""
        self._add(_Fault("fail", count, path=path, status=status, retry_after=retry_after, body=body))

    def delay_next(self, seconds: float = 1.0, *, count: int = 1, path=None) -> None:
        """Process the next ``count`` requests, then wait ``seconds`` before answering."""
        self._add(_Fault("delay", count, path=path, seconds=seconds))

    def drop_next(self, *, count: int = 1, process: bool = True, path=None) -> None:
        """Read the next request's body, process it (unless ``process`` is False), then close the
        connection without answering."""
        self._add(_Fault("drop", count, path=path, process=process))

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self._answers.clear()
            self.accepted.clear()
            self.requests.clear()
            self.replays = 0
            self.last_headers = {}

    def accepted_for(self, *, ref: str | None = None, text: str | None = None) -> list[dict]:
        with self._lock:
            return [
                m for m in self.accepted if (ref is None or m["ref"] == ref) and (text is None or m["text"] == text)
            ]

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path in (None, path) and fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}{self._counter:06d}"

    # -- webhooks to the application -----------------------------------------------------------

    def whatsapp_status_payload(
        self, message_id: str, status: str, *, recipient: str = "6281234567890", errors=None, callback_data=None
    ) -> dict:
        entry = {"id": message_id, "status": status, "timestamp": str(int(time.time())), "recipient_id": recipient}
        if errors:
            entry["errors"] = errors
        if callback_data is not None:
            entry["biz_opaque_callback_data"] = callback_data
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "62215550100",
                                    "phone_number_id": self.phone_number_id,
                                },
                                "statuses": [entry],
                            },
                        }
                    ],
                }
            ],
        }

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()

    def post_whatsapp_status(self, url: str, message_id: str, status: str, **details) -> int:
        """POST a Cloud API status webhook, signed with the app secret; the HTTP status answered."""
        body = json.dumps(self.whatsapp_status_payload(message_id, status, **details)).encode()
        return _post(url, body, {"Content-Type": "application/json", "X-Hub-Signature-256": self.sign(body)})

    def post_sms_status(self, url: str, message_id: str, status: str, *, error: str = "") -> int:
        """POST a form status webhook (``message_id``, ``status``, ``error``) with the token header."""
        body = f"message_id={message_id}&status={status}&error={error}".encode()
        return _post(
            url, body, {"Content-Type": "application/x-www-form-urlencoded", "X-Callback-Token": self.webhook_token}
        )

    # -- the APIs ------------------------------------------------------------------------------

    def _sms_authorized(self, headers, fields: dict) -> bool:
        authorization = headers.get("Authorization", "")
        basic = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return (
            hmac.compare_digest(authorization, f"Bearer {self.sms_token}")
            or hmac.compare_digest(authorization, basic)
            or hmac.compare_digest(headers.get("X-Api-Key", ""), self.api_key)
            or hmac.compare_digest(fields.get("key", ""), self.api_key)
        )

    def handle_sms(self, headers, fields: dict, key: str) -> tuple[int, dict]:
        if not self._sms_authorized(headers, fields):
            return 401, {"status": "error", "code": "UNAUTHORIZED", "message": "API key tidak valid"}
        to, text = str(fields.get("to", "")), fields.get("text")
        if not isinstance(text, str):
            return 400, {"status": "error", "code": "MISSING_TEXT", "message": "Pesan wajib diisi"}
        if not VALID_NUMBER.fullmatch(to):
            return 400, {"status": "error", "code": "INVALID_NUMBER", "message": "Nomor tujuan tidak valid"}
        message_id = self._next_id("gw-")
        self._record("sms", to, text, str(fields.get("ref", "")), fields, headers, key, message_id)
        return 200, {"status": "ok", "message_id": message_id}

    def handle_whatsapp(self, headers, body: dict, key: str) -> tuple[int, dict]:
        if not hmac.compare_digest(headers.get("Authorization", ""), f"Bearer {self.whatsapp_token}"):
            return 401, _graph_error(190, "Invalid OAuth access token - Cannot parse access token", "OAuthException")
        if body.get("messaging_product") != "whatsapp":
            return 400, _graph_error(100, "(#100) The parameter messaging_product is required.")
        to = body.get("to")
        if not isinstance(to, str) or not to.isdigit():
            return 400, _graph_error(100, "(#100) Invalid parameter")
        kind = body.get("type", "text")
        if kind == "text":
            text = (body.get("text") or {}).get("body")
            if not isinstance(text, str) or not text or len(text) > 4096:
                return 400, _graph_error(100, "(#100) Param text['body'] must be a string of 1 to 4096 characters")
        elif kind == "template":
            template = body.get("template") or {}
            if not template.get("name") or not (template.get("language") or {}).get("code"):
                return 400, _graph_error(
                    132000, "(#132000) Number of parameters does not match the expected number of params"
                )
            parameters = [p.get("text", "") for c in template.get("components", []) for p in c.get("parameters", [])]
            if any("\n" in p or "\t" in p or "     " in p for p in parameters):
                return 400, _graph_error(132018, "(#132018) There was an issue with the parameters in your template.")
            text = " | ".join(parameters)
        else:
            return 400, _graph_error(131051, "(#131051) Unsupported message type")
        wamid = "wamid.HBgN" + base64.b64encode(self._next_id("LOKET").encode()).decode().rstrip("=")
        self._record("whatsapp", to, text, str(body.get("biz_opaque_callback_data", "")), body, headers, key, wamid)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }

    def _record(self, api, to, text, ref, body, headers, key, message_id) -> None:
        entry = {"api": api, "to": to, "text": text, "ref": ref, "body": body, "key": key, "id": message_id}
        entry["headers"] = {
            name: headers.get(name, "") for name in ("Authorization", "X-Api-Key", "Content-Type", "Idempotency-Key")
        }
        with self._lock:
            self.accepted.append(entry)


def _graph_error(code: int, message: str, kind: str = "OAuthException") -> dict:
    return {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "ALoketTestTrace"}}


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - test URLs
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class _Handler(JsonHandler):
    server_version = "LoketGatewayTest/1"

    def do_GET(self) -> None:  # noqa: N802
        with contextlib.suppress(Dropped):
            self._handle(b"")

    def do_POST(self) -> None:  # noqa: N802
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send(411, {"error": "Content-Length required"})
            return
        raw = self.rfile.read(min(max(length, 0), 1024 * 1024))
        with contextlib.suppress(Dropped):
            self._handle(raw)

    def _handle(self, raw: bytes) -> None:
        app = self.app
        parts = urlsplit(self.path)
        path = parts.path
        with app._lock:
            app.requests[path] += 1
            app.last_headers = dict(self.headers.items())
        fault = app._take_fault(path)
        if fault is not None and fault.kind == "fail":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            self._send(fault.status, fault.body or {"error": "Layanan sedang sibuk"}, headers=headers)
            return
        if fault is not None and fault.kind == "drop" and not fault.process:
            self._drop()
        key = self.headers.get("Idempotency-Key", "")
        replay = None
        if key and app.honour_idempotency:
            with app._lock:
                replay = app._answers.get((path, key))
                if replay is not None:
                    app.replays += 1
        if replay is not None:
            status, answer = replay
        else:
            status, answer = self._route(path, parts.query, raw, key)
            if key and app.honour_idempotency and status < 500:
                with app._lock:
                    app._answers.setdefault((path, key), (status, answer))
        if fault is not None and fault.kind == "drop":
            self._drop()
        if fault is not None and fault.kind == "delay":
            app._stopping.wait(fault.seconds)
        self._send(status, answer)

    def _route(self, path: str, query: str, raw: bytes, key: str) -> tuple[int, dict]:
        app = self.app
        if path == SMS_PATH:
            fields = dict(parse_qsl(query, keep_blank_values=True))
            if self.command == "POST":
                content_type = self.headers.get("Content-Type", "")
                try:
                    if "json" in content_type:
                        data = json.loads(raw)
                        if not isinstance(data, dict):
                            raise ValueError
                        fields.update(data)
                    else:
                        fields.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
                except (ValueError, UnicodeDecodeError):
                    return 400, {"status": "error", "code": "BAD_REQUEST", "message": "Format tidak valid"}
            return app.handle_sms(self.headers, fields, key)
        if path == app.whatsapp_path and self.command == "POST":
            try:
                body = json.loads(raw)
                if not isinstance(body, dict):
                    raise ValueError
            except (ValueError, UnicodeDecodeError):
                return 400, _graph_error(100, "(#100) Invalid JSON")
            return app.handle_whatsapp(self.headers, body, key)
        return 404, {"error": "not found"}


GatewayServer.handler_class = _Handler
