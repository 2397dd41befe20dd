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
    ``verify_token`` (the subscription handshake) and ``preview_url``; see ``channels.whatsapp``.

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
  "token_header": "X-Callback-Token", "token": …}``; see ``channels.webhooks``.
- ``ca_file``: a PEM file of the CAs to trust for https (default: the system's).

The request goes out through ``loket.core.http.HttpClient`` (one connection per request, retries
only when nothing can have been processed); sending is never idempotent, whatever the method.

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

Logs carry masked numbers (``62812*****890``), never the text, never the credentials.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from loket.core import http as core_http
from loket.core.redact import mask_phone
from loket.notifications.channels import gsm
from loket.notifications.channels import whatsapp as whatsapp_api
from loket.notifications.channels.base import (
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    Receipt,
    SendResult,
    TemporaryFailure,
)
from loket.notifications.channels.webhooks import WebhookRejected, dig, parse_generic_webhook

logger = logging.getLogger(__name__)

USER_AGENT = "Loket-Notifications/1"
MAX_RESPONSE_BYTES = 1024 * 1024
PAYLOADS = ("json-template", "form-template", "whatsapp_cloud")
DEFAULT_ID_PATHS = ("message_id", "id", "messageId", "data.message_id", "data.id", "messages.0.id")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(to|text|id|subject)\}")

__all__ = ["HttpGatewayChannel", "WebhookRejected"]


def _temporary(message: str, retry_after: float | None = None) -> TemporaryFailure:
    exc = TemporaryFailure(message)
    exc.retry_after = retry_after  # seconds the gateway asked us to wait, when it said
    return exc


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


def _auth(auth: Mapping[str, str] | None) -> tuple[Any, dict[str, str]]:
    """(the client's auth hook, extra headers) for the ``auth`` option."""
    if not auth:
        return None, {}
    kind = auth.get("type")
    if kind == "bearer":
        return core_http.BearerToken(auth["token"]), {}
    if kind == "basic":
        return core_http.BasicAuth(auth["username"], auth["password"]), {}
    if kind == "header":
        return None, {auth["name"]: auth["value"]}
    raise ValueError("auth type must be 'bearer', 'basic' or 'header'")


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
        self.idempotency_header = idempotency_header or None
        self.dedupes = bool(self.idempotency_header and gateway_dedupes)
        self.whatsapp = dict(whatsapp or {})
        self.webhook = dict(webhook or {})
        self.response_id = response_id or (whatsapp_api.MESSAGE_ID_PATH if payload == "whatsapp_cloud" else None)
        self._host = parts.hostname
        self._template = self._checked_template(payload, template)
        auth_hook, auth_headers = _auth(auth)
        self._client = core_http.HttpClient(
            url,
            name=f"{name} gateway",
            headers={**dict(headers or {}), **auth_headers},
            auth=auth_hook,
            connect_timeout=float(connect_timeout or timeout),
            read_timeout=float(timeout),
            retries=int(retries),
            backoff=float(backoff),
            max_retry_after=float(max_retry_after),
            long_retry_after="give_up",  # the outbox waits a long Retry-After, not a worker thread
            busy_answer=self._busy_answer,
            max_response_bytes=MAX_RESPONSE_BYTES,
            verify=ca_file,
            user_agent=USER_AGENT,
        )

    def _checked_template(self, payload: str, template: Any) -> Any:
        if payload == "whatsapp_cloud":
            whatsapp_api.check_options(self.whatsapp)
            return None
        if template is None:
            raise ValueError(f"payload {payload!r} needs a template")
        if isinstance(template, str):
            template = json.loads(template)
        if payload == "form-template" and not isinstance(template, Mapping):
            raise ValueError("a form template is a mapping of field -> text")
        return template

    def __repr__(self) -> str:
        return f"<HttpGatewayChannel {self.name} {self.payload} {urlsplit(self.url).scheme}://{self._host}>"

    # -- the request -------------------------------------------------------------------------

    def _fields(self, message: OutgoingMessage) -> dict[str, str]:
        return {"to": message.to, "text": message.text, "id": message.id, "subject": message.subject}

    def request_for(self, message: OutgoingMessage) -> dict[str, Any]:
        """The ``params``, ``content`` and ``headers`` of the request that sends ``message``."""
        headers = {self.idempotency_header: message.id} if self.idempotency_header else {}
        fields = self._fields(message)
        if self.payload == "whatsapp_cloud":
            parameters = [_fill(str(p), fields) for p in self.whatsapp.get("parameters", ["{text}"])]
            body = whatsapp_api.message_body(message, self.whatsapp, parameters)
            headers["Content-Type"] = "application/json"
            return {"content": json.dumps(body, ensure_ascii=False).encode(), "headers": headers}
        if self.payload == "json-template":
            headers["Content-Type"] = "application/json; charset=utf-8"
            content = json.dumps(_fill(self._template, fields), ensure_ascii=False).encode()
            return {"content": content, "headers": headers}
        form = {key: _fill(str(value), fields) for key, value in self._template.items()}
        if self.method == "GET":
            return {"params": form, "headers": headers}
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        return {"content": urlencode(form).encode("ascii"), "headers": headers}

    # -- sending -----------------------------------------------------------------------------

    def send(self, message: OutgoingMessage) -> SendResult:
        where = f"{self.name} gateway {self._host}"
        try:
            # Never idempotent: a message sent twice reaches the citizen twice.
            response = self._client.request(
                self.method, **self.request_for(message), idempotent=False, log_context=f"message {message.id}"
            )
        except core_http.NotSent as exc:
            raise _temporary(f"{where}: not reached ({exc.reason}); nothing was sent") from None
        except core_http.OutcomeUnknown as exc:
            logger.error(
                "gateway %s: request for %s to %s sent, no answer (%s): outcome unknown, not resent",
                self.name,
                message.id,
                mask_phone(message.to),
                exc.reason,
            )
            raise OutcomeUnknown(
                f"{where}: request sent, no answer ({exc.reason}); "
                "the message may have gone out: not sent again automatically"
            ) from None
        except core_http.HttpStatusError as exc:
            if exc.retryable:  # 429/503 after the retries, or a Retry-After too long to wait here
                retry_after = exc.retry_after
                waited = f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
                raise _temporary(
                    f"{where}: answered HTTP {exc.status}{waited}; nothing was sent", retry_after
                ) from None
            raise self._refusal(message, exc.response) from None
        return self._accepted(message, response)

    def _busy_answer(self, response: core_http.Response) -> bool:
        """Whether a 429/503 may be retried: not when WhatsApp says the refusal is final."""
        return (
            self.payload != "whatsapp_cloud"
            or whatsapp_api.error_code(response.json()) not in whatsapp_api.PERMANENT_CODES
        )

    def _accepted(self, message: OutgoingMessage, response: core_http.Response) -> SendResult:
        provider_id = self._provider_id(response)
        if not provider_id:
            logger.warning("gateway %s: no message id in the answer for %s; using ours", self.name, message.id)
            provider_id = message.id
        segments = gsm.segments(message.text) if self.name == "sms" else 1
        logger.info("gateway %s: %s to %s accepted, id %s", self.name, message.id, mask_phone(message.to), provider_id)
        return SendResult(provider_id=provider_id, segments=segments)

    def _refusal(self, message: OutgoingMessage, answer: core_http.Response) -> Exception:
        """The channel error for a complete answer that is not 2xx (the module's error table)."""
        status = answer.status
        where = f"{self.name} gateway {self._host}"
        detail = f"HTTP {status}: {answer.summary()}"
        code = whatsapp_api.error_code(answer.json()) if self.payload == "whatsapp_cloud" else None
        if code is not None and whatsapp_api.is_temporary(code):
            if whatsapp_api.is_token_problem(code):
                logger.error("gateway %s: WhatsApp refused our access token (code %s): fix the token", self.name, code)
            return _temporary(f"{where}: WhatsApp error {code}, nothing sent ({detail})", answer.retry_after)
        if code is not None and code in whatsapp_api.PERMANENT_CODES:
            hint = " (outside the 24-hour window: configure an approved template)"
            hint = hint if code == whatsapp_api.OUTSIDE_THE_WINDOW else ""
            return PermanentFailure(
                f"{where}: WhatsApp refused the message to {mask_phone(message.to)}: error {code}{hint} ({detail})"
            )
        if status in {401, 403}:
            logger.error("gateway %s: our credentials were refused (HTTP %s): fix them", self.name, status)
            return _temporary(f"{where}: credentials refused, nothing sent ({detail})")
        if status in core_http.BUSY_STATUSES or status == 408:
            return _temporary(f"{where}: busy, nothing sent ({detail})", answer.retry_after)
        if 300 <= status < 400:
            location = answer.headers.get("Location", "?")
            return _temporary(f"{where}: redirected to {location} (fix the URL), nothing sent")
        if status == 409:
            return OutcomeUnknown(
                f"{where}: conflict on the idempotency key, the first request may be in progress ({detail})"
            )
        if 400 <= status < 500:
            return PermanentFailure(f"{where}: refused the message to {mask_phone(message.to)} ({detail})")
        return OutcomeUnknown(
            f"{where}: server error after the request was sent ({detail}); "
            "the message may have gone out: not sent again automatically"
        )

    def _provider_id(self, answer: core_http.Response) -> str:
        data = answer.json()
        if data is None:
            return ""
        for path in (self.response_id,) if self.response_id else DEFAULT_ID_PATHS:
            value = dig(data, path)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                return str(value)
        return ""

    def close(self) -> None:
        self._client.close()

    # -- webhooks ----------------------------------------------------------------------------

    def verify_subscription(self, params: Mapping[str, str]) -> str | None:
        """WhatsApp's subscription handshake: the challenge to answer with 200, or None (403)."""
        return whatsapp_api.verify_subscription(params, self.whatsapp.get("verify_token"))

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[Receipt]:
        """The delivery receipts in a status webhook the gateway POSTed to us: WhatsApp's
        (``channels.whatsapp``; with ``whatsapp["app_secret"]`` the signature must match) or a
        generic gateway's as the ``webhook`` option describes (``channels.webhooks``).
        ``WebhookRejected`` for a wrong signature or token, or a body that cannot be read."""
        lowered = {str(key).lower(): str(value) for key, value in dict(headers).items()}
        if self.payload == "whatsapp_cloud":
            return whatsapp_api.parse_status_webhook(body, lowered, self.whatsapp.get("app_secret"))
        return parse_generic_webhook(body, lowered, self.webhook)
