"""The WhatsApp Business Cloud API as ``HttpGatewayChannel(payload="whatsapp_cloud")`` speaks it:
the message body, what its (Graph) error codes mean, status webhooks and the subscription
handshake. The options are the channel's ``whatsapp`` mapping (see ``channels.http``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from loket.notifications.channels.base import OutgoingMessage, Receipt
from loket.notifications.channels.webhooks import WebhookRejected, items

MESSAGE_ID_PATH = "messages.0.id"

# Graph error codes: what retrying can and cannot change. 0, 10, 190 and 200-299 are our access
# token or its permissions (temporary: the deployment must fix the token, the citizen is fine).
TEMPORARY_CODES = frozenset(
    {0, 2, 3, 4, 10, 190, 368, 80007, 130429, 131005, 131016, 131031, 131045, 131048, 131056, 131057, 133010, 133016}
)
PERMANENT_CODES = frozenset(
    {100, 131008, 131009, 131021, 131026, 131030, 131047, 131049, 131051, 130472}
    | {132000, 132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069}
)
OUTSIDE_THE_WINDOW = 131047  # more than 24 hours since the citizen last wrote: templates only


def check_options(options: Mapping[str, Any]) -> None:
    kind = options.get("type", "text")
    if kind not in {"text", "template"}:
        raise ValueError("whatsapp type must be 'text' or 'template'")
    if kind == "template" and not options.get("template"):
        raise ValueError("whatsapp type 'template' needs the approved template's name")


def template_parameter(text: str) -> str:
    """Meta refuses template parameters with newlines, tabs or more than 4 spaces in a row."""
    return re.sub(r" {5,}", "    ", re.sub(r"[\r\n\t]+", " ", text)).strip()


def message_body(message: OutgoingMessage, options: Mapping[str, Any], parameters: list[str]) -> dict:
    """The request body for ``message``: a text, or the approved template with ``parameters``
    (the channel has filled their placeholders) as its body parameters."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.to}
    if options.get("type", "text") == "template":
        template: dict[str, Any] = {"name": options["template"], "language": {"code": options.get("language", "id")}}
        if parameters:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": template_parameter(p)} for p in parameters]}
            ]
        body.update(type="template", template=template)
    else:
        body.update(type="text", text={"preview_url": bool(options.get("preview_url", False)), "body": message.text})
    if options.get("callback_data", True):
        body["biz_opaque_callback_data"] = message.id  # Meta returns it in status webhooks
    return body


def error_code(data: Any) -> int | None:
    """The Graph error ``code`` of an answer (``{"error": {"code": 131047, …}}``), or None."""
    error = data.get("error") if isinstance(data, Mapping) else None
    code = error.get("code") if isinstance(error, Mapping) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def is_temporary(code: int) -> bool:
    return code in TEMPORARY_CODES or 200 <= code <= 299


def is_token_problem(code: int) -> bool:
    return code in {0, 10, 190} or 200 <= code <= 299


def verify_subscription(params: Mapping[str, str], verify_token: str | None) -> str | None:
    """Meta's subscription handshake (GET ``hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``):
    the challenge to answer with 200, or None (answer 403)."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    if not hmac.compare_digest(str(params.get("hub.verify_token", "")), str(verify_token)):
        return None
    return str(params.get("hub.challenge", ""))


def parse_status_webhook(body: bytes, headers: Mapping[str, str], app_secret: str | None) -> list[Receipt]:
    """The receipts in a status webhook (``entry[].changes[].value.statuses[]``); ``headers`` with
    lower-case names. With ``app_secret`` the ``X-Hub-Signature-256`` HMAC must match."""
    if app_secret:
        expected = "sha256=" + hmac.new(str(app_secret).encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-hub-signature-256", ""), expected):
            raise WebhookRejected("X-Hub-Signature-256 does not match the app secret")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("the webhook body is not JSON") from None
    if not isinstance(data, Mapping):
        raise WebhookRejected("the webhook body is not a JSON object")
    receipts = []
    for entry in items(data, "entry"):
        for change in items(entry, "changes"):
            value = change.get("value") if isinstance(change, Mapping) else None
            for status in items(value, "statuses"):
                receipt = status_receipt(status)
                if receipt is not None:
                    receipts.append(receipt)
    return receipts


def status_receipt(status: Any) -> Receipt | None:
    """``delivered`` and ``read`` → delivered, ``failed`` → not delivered with the first error's
    code and title; ``sent`` is not final and gives nothing (nor does anything unreadable)."""
    if not isinstance(status, Mapping) or not status.get("id"):
        return None
    state = str(status.get("status", "")).lower()
    if state in {"delivered", "read"}:
        return Receipt(provider_id=str(status["id"]), delivered=True)
    if state == "failed":
        errors = status.get("errors") or []
        first = errors[0] if errors and isinstance(errors[0], Mapping) else {}
        error = " ".join(
            str(part) for part in (first.get("code", ""), first.get("title") or first.get("message", "")) if part != ""
        )
        return Receipt(provider_id=str(status["id"]), delivered=False, error=error or "failed")
    return None
