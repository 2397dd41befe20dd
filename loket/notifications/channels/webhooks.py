"""Delivery-status webhooks of generic HTTP SMS gateways, and what the gateway channels share for
reading JSON answers. (WhatsApp's webhooks are in ``channels.whatsapp``.)

A gateway POSTs a form or JSON (one object or a list) naming a message and its status. The
``webhook`` option of ``HttpGatewayChannel`` names the fields: ``{"format": "form"|"json",
"id_field": "message_id", "status_field": "status", "error_field": "error", "delivered": [...],
"failed": [...], "token_header": "X-Callback-Token", "token": …}``; field names may be dotted paths
into JSON (``data.msgid``). Statuses in neither list (ENROUTE, ACCEPTD, …) give nothing.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from loket.notifications.channels.base import Receipt

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


class WebhookRejected(ValueError):
    """A webhook request that is not from the gateway (bad signature or token) or not readable."""


def dig(data: Any, path: str) -> Any:
    """``data`` at a dotted path (``"messages.0.id"``): keys of objects, indexes of lists; None
    when any step is missing."""
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def items(data: Any, key: str) -> list:
    """``data[key]`` when ``data`` is an object and that is a list, else an empty list."""
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, list) else []


def _strings(values: Iterable[Any]) -> list[str]:
    return [str(value) for value in values]


def parse_generic_webhook(body: bytes, headers: Mapping[str, str], config: Mapping[str, Any]) -> list[Receipt]:
    """The receipts in a generic gateway's webhook; ``headers`` with lower-case names.
    ``WebhookRejected`` for a wrong token or a body that cannot be read."""
    token = config.get("token")
    if token:
        header = str(config.get("token_header", "X-Callback-Token"))
        if not hmac.compare_digest(headers.get(header.lower(), ""), str(token)):
            raise WebhookRejected(f"the {header} header does not match")
    kind = config.get("format") or ("json" if "json" in headers.get("content-type", "") else "form")
    try:
        data = json.loads(body) if kind == "json" else dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected(f"the webhook body is not {kind}") from None
    id_field = config.get("id_field", "message_id")
    status_field = config.get("status_field", "status")
    error_field = config.get("error_field", "error")
    delivered = set(_strings(config.get("delivered", WEBHOOK_DELIVERED)))
    failed = set(_strings(config.get("failed", WEBHOOK_FAILED)))
    receipts = []
    for item in data if isinstance(data, list) else [data]:
        if not isinstance(item, Mapping):
            continue
        provider_id, state = dig(item, id_field), dig(item, status_field)
        if provider_id in (None, "") or state is None:
            continue
        state = str(state)
        if state in delivered:
            receipts.append(Receipt(provider_id=str(provider_id), delivered=True))
        elif state in failed:
            error = dig(item, error_field)
            receipts.append(
                Receipt(provider_id=str(provider_id), delivered=False, error=f"{state} {error or ''}".strip())
            )
    return receipts
