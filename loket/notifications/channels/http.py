"""SMS and WhatsApp through an HTTP gateway: an SMS aggregator's API, or the WhatsApp Business
Cloud API (built in).

Options (``HttpGatewayChannel(...)``, all keyword-friendly so ``NOTIFY_CHANNELS`` can carry them):

- ``name``: ``"sms"`` or ``"whatsapp"``; ``url``; ``method`` (``POST``; ``GET`` sends a form
  template as the query string); ``timeout`` (seconds, each wait for data; ``connect_timeout``
  defaults to it); ``headers`` (extra, fixed).
- ``auth``: ``{"type": "bearer", "token": …}``, ``{"type": "basic", "username": …, "password": …}``
  or ``{"type": "header", "name": "X-Api-Key", "value": …}``; None for none (a key in the template).
- ``payload``:

  - ``"json-template"``: ``template`` is a JSON value (a dict, or its JSON text) whose strings may
    hold the placeholders ``{to}``, ``{text}``, ``{id}`` (our ``OutgoingMessage.id``) and
    ``{subject}``. They are replaced in the parsed value and the whole is then JSON-encoded, so
    quotes, backslashes, newlines and non-ASCII text are escaped correctly; ``{{``/``}}`` are
    literal braces.
  - ``"form-template"``: ``template`` is ``{field: "…{text}…"}``, sent form-encoded (the body of a
    POST, the query string of a GET), escaped by ``urlencode``.
  - ``"whatsapp_cloud"``: the WhatsApp Business Cloud API, ``url`` =
    ``https://graph.facebook.com/v20.0/{phone_number_id}/messages`` with ``auth`` bearer (the
    system user's access token). The body is ``{"messaging_product": "whatsapp", "to": "628…",
    "type": "text", "text": {"body": …}}``, plus ``biz_opaque_callback_data`` = our id (Meta
    returns it in status webhooks). Outside the 24-hour customer-service window a business may
    only send approved templates: ``whatsapp={"type": "template", "template": "loket_pemberitahuan",
    "language": "id", "parameters": ["{text}"]}`` sends ``type: "template"`` with those body
    parameters (newlines, tabs and runs of spaces are folded, which Meta refuses in parameters).
    ``whatsapp`` also takes ``app_secret`` (checks ``X-Hub-Signature-256`` of webhooks),
    ``verify_token`` (the subscription handshake) and ``preview_url``.

- ``response_id``: where the gateway's message id is in its JSON answer, a dotted path
  (``"messages.0.id"`` for WhatsApp; for templates the first of ``message_id``, ``id``,
  ``messageId``, ``data.message_id``, ``data.id`` found). Without one, ``provider_id`` is our id.
- ``retries`` (0), ``backoff`` (0.5 s, doubling), ``max_retry_after`` (30 s): a request is retried
  inside ``send`` only when nothing can have been processed (see below).
- ``idempotency_header`` (``"Idempotency-Key"``, None for none): our id is sent in it.
  ``gateway_dedupes=True`` declares that the gateway honours it (same key, same answer, sent
  once); only then is ``dedupes`` True and may the outbox resend after an unknown outcome. Meta's
  Cloud API has no idempotency key: leave it False there.
- ``webhook``: the delivery-status webhook of a generic gateway: ``{"format": "form"|"json",
  "id_field": "message_id", "status_field": "status", "error_field": "error",
  "delivered": ["DELIVRD", "delivered", …], "failed": ["UNDELIV", "failed", …],
  "token_header": "X-Callback-Token", "token": …}``; see ``parse_webhook``.

Errors (``channels.base``):

- connection refused, DNS failure, connect timeout, TLS handshake, the request not written out
  completely → nothing sent → retried, then ``TemporaryFailure``;
- 429 and 503 → the gateway refused before processing → retried (``Retry-After`` honoured up to
  ``max_retry_after``; a longer one ends the attempt at once), then ``TemporaryFailure`` carrying
  ``retry_after`` (seconds, or None) for the outbox; 408 → ``TemporaryFailure``;
- 401 and 403 → ``TemporaryFailure``: our credentials were refused, so nothing was sent, and it is
  the deployment's problem, not the citizen's (an expired WhatsApp token must not turn every
  message into a fallback or a failure); logged as an error for an admin;
- 400, 404, 410, 413, 422 and other 4xx (an invalid number, a refused text) →
  ``PermanentFailure``; 409 (an idempotency key in use) → ``OutcomeUnknown``; a 3xx →
  ``TemporaryFailure`` (the URL needs fixing, the redirect was not followed);
- a read timeout or a dropped connection after the request went out, a 5xx other than 503 →
  ``OutcomeUnknown``;
- WhatsApp: the Graph error ``code`` wins over the HTTP status: rate limits and account or token
  problems (4, 80007, 130429, 131048, 131056, 0, 190, 10, 200–299, 368, …) are temporary; an
  undeliverable or invalid recipient, a message outside the 24-hour window, template errors
  (100, 131008, 131009, 131026, 131047, 131049, 131051, 132000, 132001, …) are permanent.

Logs carry masked numbers, never the text, never the credentials.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import http.client
import json
import logging
import re
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from loket.notifications.channels import gsm
from loket.notifications.channels.base import (
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    Receipt,
    SendResult,
    TemporaryFailure,
)

logger = logging.getLogger(__name__)

USER_AGENT = "Loket-Notifications/1"
MAX_RESPONSE_BYTES = 1024 * 1024
PAYLOADS = ("json-template", "form-template", "whatsapp_cloud")
RETRY_STATUSES = frozenset({429, 503})
DEFAULT_ID_PATHS = ("message_id", "id", "messageId", "data.message_id", "data.id", "messages.0.id")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(to|text|id|subject)\}")

# WhatsApp Cloud API (Graph) error codes: what retrying can and cannot change.
WHATSAPP_TEMPORARY = frozenset(
    {0, 2, 3, 4, 10, 190, 368, 80007, 130429, 131005, 131016, 131031, 131045, 131048, 131056, 131057, 133010, 133016}
)
WHATSAPP_PERMANENT = frozenset(
    {100, 131008, 131009, 131021, 131026, 131030, 131047, 131049, 131051, 130472}
    | {132000, 132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069}
)

WEBHOOK_DELIVERED = ("DELIVRD", "DELIVERED", "delivered", "read", "READ", "success", "SUCCESS")
WEBHOOK_FAILED = (
    "UNDELIV",
    "UNDELIVERABLE",
    "EXPIRED",
    "REJECTD",
    "REJECTED",
    "FAILED",
    "failed",
    "rejected",
    "expired",
)


def _sleep(seconds: float) -> None:  # a seam for tests
    time.sleep(seconds)


def mask_number(number: str) -> str:
    number = str(number)
    return number if len(number) < 8 else number[:5] + "*" * (len(number) - 8) + number[-3:]


class WebhookRejected(ValueError):
    """A webhook request that is not from the gateway (bad signature or token) or not readable."""


def _temporary(message: str, retry_after: float | None = None) -> TemporaryFailure:
    exc = TemporaryFailure(message)
    exc.retry_after = retry_after  # seconds the gateway asked us to wait, when it said
    return exc


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def summary(self) -> str:
        text = self.body[:300].decode("utf-8", "replace")
        return re.sub(r"\s+", " ", text).strip()


class _NotSent(Exception):
    """The request never reached the gateway as a whole."""


class _NoAnswer(Exception):
    """The whole request was sent; no complete answer came back."""


def _fill(value: Any, fields: Mapping[str, str]) -> Any:
    """Replace the placeholders in every string of a JSON-like value (keys stay as they are)."""
    if isinstance(value, str):

        def replace(match: re.Match) -> str:
            name = match.group(1)
            return fields[name] if name else match.group(0)[0]

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, Mapping):
        return {key: _fill(item, fields) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_fill(item, fields) for item in value]
    return value


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _template_parameter(text: str) -> str:
    """Meta refuses template parameters with newlines, tabs or more than 4 spaces in a row."""
    return re.sub(r" {5,}", "    ", re.sub(r"[\r\n\t]+", " ", text)).strip()


def _retry_after(answer: _Answer) -> float | None:
    value = answer.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


class HttpGatewayChannel:
    """SMS or WhatsApp through an HTTP gateway. See the module's documentation."""

    def __init__(
        self,
        name: str,
        url: str,
        method: str = "POST",
        auth: Mapping[str, str] | None = None,
        payload: str = "json-template",
        template: Any = None,
        timeout: float = 10,
        retries: int = 0,
        idempotency_header: str | None = "Idempotency-Key",
        *,
        connect_timeout: float | None = None,
        backoff: float = 0.5,
        max_retry_after: float = 30,
        gateway_dedupes: bool = False,
        headers: Mapping[str, str] | None = None,
        response_id: str | None = None,
        whatsapp: Mapping[str, Any] | None = None,
        webhook: Mapping[str, Any] | None = None,
        ca_file: str | None = None,
    ):
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("url must be an http:// or https:// URL")
        if payload not in PAYLOADS:
            raise ValueError(f"payload must be one of {PAYLOADS}")
        method = method.upper()
        if method not in {"POST", "GET", "PUT"}:
            raise ValueError("method must be POST, PUT or GET")
        if payload != "form-template" and method == "GET":
            raise ValueError("GET works with payload='form-template' (the query string) only")
        if timeout <= 0 or retries < 0 or backoff < 0 or max_retry_after < 0:
            raise ValueError("timeout must be positive; retries, backoff and max_retry_after not negative")
        self.name = name
        self.url = url
        self.method = method
        self.payload = payload
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout or timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_retry_after = float(max_retry_after)
        self.idempotency_header = idempotency_header or None
        self.dedupes = bool(self.idempotency_header and gateway_dedupes)
        self.whatsapp = dict(whatsapp or {})
        self.webhook = dict(webhook or {})
        self.response_id = response_id or ("messages.0.id" if payload == "whatsapp_cloud" else None)
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._ca_file = ca_file
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **dict(headers or {})}
        self._headers.update(self._auth_headers(auth))
        if payload == "whatsapp_cloud":
            kind = self.whatsapp.get("type", "text")
            if kind not in {"text", "template"}:
                raise ValueError("whatsapp type must be 'text' or 'template'")
            if kind == "template" and not self.whatsapp.get("template"):
                raise ValueError("whatsapp type 'template' needs the approved template's name")
            self._template = None
        else:
            if template is None:
                raise ValueError(f"payload {payload!r} needs a template")
            if isinstance(template, str):
                template = json.loads(template)
            if payload == "form-template" and not isinstance(template, Mapping):
                raise ValueError("a form template is a mapping of field -> text")
            self._template = template

    def __repr__(self) -> str:
        return f"<HttpGatewayChannel {self.name} {self.payload} {self._scheme}://{self._host}>"

    @staticmethod
    def _auth_headers(auth: Mapping[str, str] | None) -> dict[str, str]:
        if not auth:
            return {}
        kind = auth.get("type")
        if kind == "bearer":
            return {"Authorization": f"Bearer {auth['token']}"}
        if kind == "basic":
            pair = f"{auth['username']}:{auth['password']}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        if kind == "header":
            return {auth["name"]: auth["value"]}
        raise ValueError("auth type must be 'bearer', 'basic' or 'header'")

    # -- the request -------------------------------------------------------------------------

    def _fields(self, message: OutgoingMessage) -> dict[str, str]:
        return {"to": message.to, "text": message.text, "id": message.id, "subject": message.subject}

    def build_request(self, message: OutgoingMessage) -> tuple[str, bytes | None, dict[str, str]]:
        """(path with query, body, headers) of the request for ``message``."""
        headers = dict(self._headers)
        if self.idempotency_header:
            headers[self.idempotency_header] = message.id
        path = self._path
        fields = self._fields(message)
        if self.payload == "whatsapp_cloud":
            body = json.dumps(self._whatsapp_body(message), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
            return path, body, headers
        if self.payload == "json-template":
            body = json.dumps(_fill(self._template, fields), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
            return path, body, headers
        form = urlencode({key: _fill(str(value), fields) for key, value in self._template.items()})
        if self.method == "GET":
            return path + ("&" if "?" in path else "?") + form, None, headers
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        return path, form.encode("ascii"), headers

    def _whatsapp_body(self, message: OutgoingMessage) -> dict:
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.to}
        if self.whatsapp.get("type", "text") == "template":
            fields = self._fields(message)
            parameters = [
                {"type": "text", "text": _template_parameter(_fill(str(p), fields))}
                for p in self.whatsapp.get("parameters", ["{text}"])
            ]
            template: dict[str, Any] = {
                "name": self.whatsapp["template"],
                "language": {"code": self.whatsapp.get("language", "id")},
            }
            if parameters:
                template["components"] = [{"type": "body", "parameters": parameters}]
            body.update(type="template", template=template)
        else:
            body.update(
                type="text", text={"preview_url": bool(self.whatsapp.get("preview_url", False)), "body": message.text}
            )
        if self.whatsapp.get("callback_data", True):
            body["biz_opaque_callback_data"] = message.id
        return body

    # -- sending -----------------------------------------------------------------------------

    def send(self, message: OutgoingMessage) -> SendResult:
        path, body, headers = self.build_request(message)
        attempts = 1 + self.retries
        last = "unreachable"
        retry_after: float | None = None
        for attempt in range(1, attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                answer = self._request_once(path, body, headers)
            except _NotSent as exc:
                last = f"not reached ({exc})"
                retry_after = None
                logger.warning(
                    "gateway %s: %s, attempt %d/%d, message %s", self.name, last, attempt, attempts, message.id
                )
            except _NoAnswer as exc:
                logger.error(
                    "gateway %s: request for %s to %s sent, no answer (%s): outcome unknown, not resent",
                    self.name,
                    message.id,
                    mask_number(message.to),
                    exc,
                )
                raise OutcomeUnknown(
                    f"{self.name} gateway {self._host}: request sent, no answer ({exc}); "
                    "the message may have gone out: not sent again automatically"
                ) from None
            else:
                if answer.status not in RETRY_STATUSES or self._whatsapp_code(answer) in WHATSAPP_PERMANENT:
                    return self._result(message, answer)
                retry_after = _retry_after(answer)
                last = f"answered HTTP {answer.status}" + (
                    f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
                )
                logger.warning(
                    "gateway %s: %s, attempt %d/%d, message %s", self.name, last, attempt, attempts, message.id
                )
                if retry_after is not None and retry_after > self.max_retry_after:
                    break
                wait = max(wait, retry_after or 0.0)
            if attempt < attempts:
                _sleep(wait)
        raise _temporary(f"{self.name} gateway {self._host}: {last}; nothing was sent", retry_after)

    def _connection(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            context = ssl.create_default_context(cafile=self._ca_file)
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.connect_timeout, context=context)
        return http.client.HTTPConnection(self._host, self._port, timeout=self.connect_timeout)

    def _request_once(self, path: str, body: bytes | None, headers: dict[str, str]) -> _Answer:
        connection = self._connection()
        try:
            try:
                connection.connect()
            except (OSError, http.client.HTTPException) as exc:  # refused, DNS, connect timeout, TLS
                raise _NotSent(type(exc).__name__) from exc
            connection.sock.settimeout(self.timeout)
            try:
                connection.request(self.method, path, body=body, headers={**headers, "Connection": "close"})
            except (OSError, http.client.HTTPException) as exc:
                # sendall() failed: the gateway cannot have the complete request.
                raise _NotSent(type(exc).__name__) from exc
            try:
                response = connection.getresponse()
                data = response.read(MAX_RESPONSE_BYTES + 1)
            except (OSError, http.client.HTTPException) as exc:  # read timeout, reset, EOF, bad status line
                raise _NoAnswer(type(exc).__name__) from exc
            if len(data) > MAX_RESPONSE_BYTES:
                raise _NoAnswer("answer too large")
            return _Answer(response.status, response.headers, data)
        finally:
            connection.close()

    def _whatsapp_code(self, answer: _Answer) -> int | None:
        if self.payload != "whatsapp_cloud":
            return None
        data = answer.json()
        code = _dig(data, "error.code") if isinstance(data, Mapping) else None
        return code if isinstance(code, int) and not isinstance(code, bool) else None

    def _result(self, message: OutgoingMessage, answer: _Answer) -> SendResult:
        status = answer.status
        where = f"{self.name} gateway {self._host}"
        if 200 <= status < 300:
            provider_id = self._provider_id(answer)
            if not provider_id:
                logger.warning("gateway %s: no message id in the answer for %s; using ours", self.name, message.id)
                provider_id = message.id
            segments = gsm.segments(message.text) if self.name == "sms" else 1
            logger.info(
                "gateway %s: %s to %s accepted, id %s", self.name, message.id, mask_number(message.to), provider_id
            )
            return SendResult(provider_id=provider_id, segments=segments)
        detail = f"HTTP {status}: {answer.summary()}"
        code = self._whatsapp_code(answer)
        if code is not None:
            if code in WHATSAPP_TEMPORARY or 200 <= code <= 299:
                if code in {0, 10, 190} or 200 <= code <= 299:
                    logger.error(
                        "gateway %s: WhatsApp refused our access token (code %s): fix the token", self.name, code
                    )
                raise _temporary(f"{where}: WhatsApp error {code}, nothing sent ({detail})", _retry_after(answer))
            if code in WHATSAPP_PERMANENT:
                hint = " (outside the 24-hour window: configure an approved template)" if code == 131047 else ""
                raise PermanentFailure(
                    f"{where}: WhatsApp refused the message to {mask_number(message.to)}: error {code}{hint} ({detail})"
                )
        if status in {401, 403}:
            logger.error("gateway %s: our credentials were refused (HTTP %s): fix them", self.name, status)
            raise _temporary(f"{where}: credentials refused, nothing sent ({detail})")
        if status in RETRY_STATUSES or status == 408:
            raise _temporary(f"{where}: busy, nothing sent ({detail})", _retry_after(answer))
        if 300 <= status < 400:
            raise _temporary(
                f"{where}: redirected to {answer.headers.get('Location', '?')} (fix the URL), nothing sent"
            )
        if status == 409:
            raise OutcomeUnknown(
                f"{where}: conflict on the idempotency key, the first request may be in progress ({detail})"
            )
        if 400 <= status < 500:
            raise PermanentFailure(f"{where}: refused the message to {mask_number(message.to)} ({detail})")
        raise OutcomeUnknown(
            f"{where}: server error after the request was sent ({detail}); the message may have gone out: not sent again automatically"
        )

    def _provider_id(self, answer: _Answer) -> str:
        data = answer.json()
        if data is None:
            return ""
        paths = (self.response_id,) if self.response_id else DEFAULT_ID_PATHS
        for path in paths:
            value = _dig(data, path)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                return str(value)
        return ""

    def close(self) -> None:
        """Nothing to close: every request opens its own connection."""

    # -- webhooks ----------------------------------------------------------------------------

    def verify_subscription(self, params: Mapping[str, str]) -> str | None:
        """Meta's subscription handshake (GET ``hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``):
        the challenge to answer with 200, or None (answer 403)."""
        token = self.whatsapp.get("verify_token")
        if not token or params.get("hub.mode") != "subscribe":
            return None
        if not hmac.compare_digest(str(params.get("hub.verify_token", "")), str(token)):
            return None
        return str(params.get("hub.challenge", ""))

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[Receipt]:
        """The delivery receipts in a status webhook the gateway POSTed to us.

        WhatsApp Cloud API: ``entry[].changes[].value.statuses[]``; ``delivered`` and ``read`` →
        delivered, ``failed`` → not delivered with the error code and title, ``sent`` is not final
        and gives nothing; inbound messages are ignored. With ``whatsapp["app_secret"]`` the
        ``X-Hub-Signature-256`` HMAC must match. Generic gateways: the ``webhook`` option's field
        names, a form or JSON (one object or a list); statuses in neither list give nothing.
        ``WebhookRejected`` for a wrong signature or token, or a body that cannot be read."""
        lowered = {str(key).lower(): str(value) for key, value in dict(headers).items()}
        if self.payload == "whatsapp_cloud":
            return self._parse_whatsapp_webhook(body, lowered)
        return self._parse_generic_webhook(body, lowered)

    def _parse_whatsapp_webhook(self, body: bytes, headers: dict[str, str]) -> list[Receipt]:
        secret = self.whatsapp.get("app_secret")
        if secret:
            expected = "sha256=" + hmac.new(str(secret).encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(headers.get("x-hub-signature-256", ""), expected):
                raise WebhookRejected("X-Hub-Signature-256 does not match the app secret")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("the webhook body is not JSON") from None
        if not isinstance(data, Mapping):
            raise WebhookRejected("the webhook body is not a JSON object")
        receipts = []
        for entry in _items(data, "entry"):
            for change in _items(entry, "changes"):
                value = change.get("value") if isinstance(change, Mapping) else None
                for status in _items(value, "statuses"):
                    receipt = self._whatsapp_status(status)
                    if receipt is not None:
                        receipts.append(receipt)
        return receipts

    @staticmethod
    def _whatsapp_status(status: Any) -> Receipt | None:
        if not isinstance(status, Mapping) or not status.get("id"):
            return None
        state = str(status.get("status", "")).lower()
        if state in {"delivered", "read"}:
            return Receipt(provider_id=str(status["id"]), delivered=True)
        if state == "failed":
            errors = status.get("errors") or []
            first = errors[0] if errors and isinstance(errors[0], Mapping) else {}
            error = " ".join(
                str(part)
                for part in (first.get("code", ""), first.get("title") or first.get("message", ""))
                if part != ""
            )
            return Receipt(provider_id=str(status["id"]), delivered=False, error=error or "failed")
        return None

    def _parse_generic_webhook(self, body: bytes, headers: dict[str, str]) -> list[Receipt]:
        config = self.webhook
        token = config.get("token")
        if token:
            header = str(config.get("token_header", "X-Callback-Token")).lower()
            if not hmac.compare_digest(headers.get(header, ""), str(token)):
                raise WebhookRejected(f"the {config.get('token_header', 'X-Callback-Token')} header does not match")
        kind = config.get("format") or ("json" if "json" in headers.get("content-type", "") else "form")
        try:
            data = json.loads(body) if kind == "json" else dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected(f"the webhook body is not {kind}") from None
        items = data if isinstance(data, list) else [data]
        id_field = config.get("id_field", "message_id")
        status_field = config.get("status_field", "status")
        error_field = config.get("error_field", "error")
        delivered = set(_strings(config.get("delivered", WEBHOOK_DELIVERED)))
        failed = set(_strings(config.get("failed", WEBHOOK_FAILED)))
        receipts = []
        for item in items:
            if not isinstance(item, Mapping):
                continue
            provider_id, state = _dig(item, id_field), _dig(item, status_field)
            if provider_id in (None, "") or state is None:
                continue
            state = str(state)
            if state in delivered:
                receipts.append(Receipt(provider_id=str(provider_id), delivered=True))
            elif state in failed:
                error = _dig(item, error_field)
                receipts.append(
                    Receipt(provider_id=str(provider_id), delivered=False, error=f"{state} {error or ''}".strip())
                )
        return receipts


def _items(data: Any, key: str) -> list:
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, list) else []


def _strings(values: Iterable[Any]) -> list[str]:
    return [str(value) for value in values]
