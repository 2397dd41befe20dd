"""SMS and WhatsApp through an HTTP gateway, against a gateway on 127.0.0.1
(``testpeers.http_gateway``) speaking a generic SMS API and the WhatsApp Business
Cloud API: request shapes and credentials, templates that escape properly, idempotency, retries
only when nothing can have been processed, the error mapping, and status webhooks POSTed by the
gateway to a receiver that hands them to ``parse_webhook``."""

# The fixtures come from channel_fixtures (imported below), so test arguments share their names.
# ruff: noqa: F811

from __future__ import annotations

import json

import pytest

from loket.notifications.channels.base import (
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    Receipt,
    TemporaryFailure,
)
from loket.notifications.channels.http import HttpGatewayChannel, WebhookRejected
from loket.notifications.tests.channel_fixtures import (  # noqa: F401 - fixtures
    gateway,
    gateway_server,
    new_id,
    sleeps,
    webhook_receiver,
)

pytestmark = pytest.mark.xdist_group("http-gateway")

TRICKY = 'Kode "482913"\nJangan berikan ke siapa pun \\ Jum’at {to} {{id}} & 100% é 🙏'


def wa(text: str = "Permohonan KTP-el Anda sudah selesai.", to: str = "6281234567890", **kwargs) -> OutgoingMessage:
    return OutgoingMessage(id=kwargs.pop("id", None) or new_id(), channel="whatsapp", to=to, text=text, **kwargs)


def sms(text: str = "Antrean Anda A-012.", to: str = "6281234567890", **kwargs) -> OutgoingMessage:
    return OutgoingMessage(id=kwargs.pop("id", None) or new_id(), channel="sms", to=to, text=text, **kwargs)


@pytest.fixture
def whatsapp(gateway):
    def _make(**kwargs) -> HttpGatewayChannel:
        options = {
            "name": "whatsapp",
            "url": gateway.whatsapp_url,
            "payload": "whatsapp_cloud",
            "auth": {"type": "bearer", "token": gateway.whatsapp_token},
            "timeout": 1,
            "whatsapp": {"app_secret": gateway.app_secret, "verify_token": "verifikasi-uji"},
        }
        options.update(kwargs)
        return HttpGatewayChannel(**options)

    return _make


@pytest.fixture
def sms_gateway(gateway):
    def _make(**kwargs) -> HttpGatewayChannel:
        options = {
            "name": "sms",
            "url": gateway.sms_url,
            "payload": "json-template",
            "template": {"to": "{to}", "text": "{text}", "ref": "{id}", "sender": "LOKET"},
            "auth": {"type": "bearer", "token": gateway.sms_token},
            "timeout": 1,
            "webhook": {"token_header": "X-Callback-Token", "token": gateway.webhook_token},
        }
        options.update(kwargs)
        return HttpGatewayChannel(**options)

    return _make


# --- WhatsApp Cloud API ---------------------------------------------------------------------


def test_whatsapp_cloud_api_request_shape_and_auth(gateway, whatsapp):
    channel = whatsapp()
    message = wa("Yth. Bapak Hendra, surat keterangan usaha Anda siap diambil. 😊")
    result = channel.send(message)

    (accepted,) = gateway.accepted
    assert accepted["api"] == "whatsapp"
    assert accepted["headers"]["Authorization"] == f"Bearer {gateway.whatsapp_token}"
    assert accepted["headers"]["Content-Type"] == "application/json"
    assert accepted["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "text",
        "text": {"preview_url": False, "body": message.text},
        "biz_opaque_callback_data": message.id,
    }
    assert gateway.requests[gateway.whatsapp_path] == 1
    assert result.provider_id == accepted["id"] and result.provider_id.startswith("wamid.")
    assert result.segments == 1
    assert channel.dedupes is False  # Meta has no idempotency key


def test_whatsapp_template_messages_for_outside_the_24_hour_window(gateway, whatsapp):
    channel = whatsapp(
        whatsapp={
            "type": "template",
            "template": "loket_pemberitahuan",
            "language": "id",
            "parameters": ["{text}", "{id}"],
        }
    )
    message = wa("Baris satu\nBaris\tdua      spasi")
    channel.send(message)
    (accepted,) = gateway.accepted
    assert accepted["body"]["type"] == "template"
    assert accepted["body"]["template"] == {
        "name": "loket_pemberitahuan",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Baris satu Baris dua    spasi"},  # folded: Meta refuses \n, \t, 5+ spaces
                    {"type": "text", "text": message.id},
                ],
            }
        ],
    }


def test_a_refused_access_token_is_temporary(gateway, whatsapp):
    channel = whatsapp(auth={"type": "bearer", "token": "kedaluwarsa"})
    with pytest.raises(TemporaryFailure, match="WhatsApp error 190") as caught:
        channel.send(wa())
    assert "nothing sent" in caught.value.message
    assert gateway.accepted == []


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, 131047, PermanentFailure),  # outside the 24-hour window
        (400, 131026, PermanentFailure),  # undeliverable: not on WhatsApp
        (400, 100, PermanentFailure),
        (429, 130429, TemporaryFailure),  # throughput
        (400, 131056, TemporaryFailure),  # pair rate limit
        (400, 80007, TemporaryFailure),
        (500, 131000, OutcomeUnknown),  # "something went wrong": it may have gone out
    ],
)
def test_whatsapp_error_codes(gateway, whatsapp, status, code, expected):
    gateway.fail_next(
        status=status, body={"error": {"message": f"(#{code}) …", "type": "OAuthException", "code": code}}
    )
    with pytest.raises(expected):
        whatsapp().send(wa())


def test_whatsapp_outside_the_window_says_to_use_a_template(gateway, whatsapp):
    gateway.fail_next(status=400, body={"error": {"message": "(#131047) Re-engagement message", "code": 131047}})
    with pytest.raises(PermanentFailure, match="approved template"):
        whatsapp().send(wa())


def test_an_invalid_whatsapp_number(gateway, whatsapp):
    with pytest.raises(PermanentFailure, match="error 100"):
        whatsapp().send(wa(to="0812-3456-7890"))


# --- idempotency ----------------------------------------------------------------------------


def test_the_same_message_twice_is_counted_once_by_the_gateway(gateway, sms_gateway):
    channel = sms_gateway(gateway_dedupes=True)
    assert channel.dedupes is True
    message = sms("Kode OTP 193846.")
    first = channel.send(message)
    second = channel.send(message)  # e.g. resent by the outbox after an unknown outcome
    assert first == second
    assert len(gateway.accepted_for(ref=message.id)) == 1
    assert gateway.replays == 1
    assert gateway.accepted[0]["headers"]["Idempotency-Key"] == message.id


def test_dedupes_only_when_declared_and_a_header_is_sent(gateway, sms_gateway):
    assert sms_gateway().dedupes is False
    assert sms_gateway(gateway_dedupes=True, idempotency_header=None).dedupes is False
    channel = sms_gateway(idempotency_header=None)
    message = sms("Tanpa kunci.")
    channel.send(message)
    channel.send(message)
    assert len(gateway.accepted_for(ref=message.id)) == 2


# --- the generic SMS gateway ----------------------------------------------------------------


def test_a_json_template_escapes_the_text(gateway, sms_gateway):
    channel = sms_gateway()
    message = sms(TRICKY)
    result = channel.send(message)
    (accepted,) = gateway.accepted
    assert accepted["body"] == {"to": message.to, "text": TRICKY, "ref": message.id, "sender": "LOKET"}
    assert result.provider_id == accepted["id"] and result.provider_id.startswith("gw-")
    assert result.segments == 2  # ’ and 🙏 make it UCS-2: 72 units


def test_a_json_template_given_as_text_with_literal_braces(gateway, sms_gateway):
    template = json.dumps(
        {"msisdn": "{to}", "message": "[Loket] {text}", "meta": {"client_ref": "{id}", "note": "{{literal}}"}}
    )
    channel = sms_gateway(template=template, response_id="message_id")
    gateway_seen = []
    original = gateway.handle_sms

    def spy(headers, fields, key):
        gateway_seen.append(dict(fields))
        return original(
            headers, {"to": fields["msisdn"], "text": fields["message"], "ref": fields["meta"]["client_ref"]}, key
        )

    gateway.handle_sms = spy
    try:
        message = sms("Halo")
        channel.send(message)
    finally:
        del gateway.handle_sms
    assert gateway_seen == [
        {"msisdn": message.to, "message": "[Loket] Halo", "meta": {"client_ref": message.id, "note": "{literal}"}}
    ]


def test_a_form_template_with_basic_auth(gateway, sms_gateway):
    channel = sms_gateway(
        payload="form-template",
        template={"to": "{to}", "text": "{text}", "ref": "{id}"},
        auth={"type": "basic", "username": gateway.username, "password": gateway.password},
    )
    message = sms(TRICKY)
    channel.send(message)
    (accepted,) = gateway.accepted
    assert accepted["text"] == TRICKY and accepted["ref"] == message.id
    assert accepted["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert accepted["headers"]["Authorization"].startswith("Basic ")


def test_a_get_gateway_with_the_key_in_the_query(gateway, sms_gateway):
    channel = sms_gateway(
        method="GET",
        payload="form-template",
        template={"key": gateway.api_key, "to": "{to}", "text": "{text}", "ref": "{id}"},
        auth=None,
    )
    channel.send(sms("Antrean & jadwal: 08.00–12.00"))
    assert gateway.accepted[0]["text"] == "Antrean & jadwal: 08.00–12.00"


def test_an_api_key_header(gateway, sms_gateway):
    channel = sms_gateway(auth={"type": "header", "name": "X-Api-Key", "value": gateway.api_key})
    channel.send(sms())
    assert gateway.accepted[0]["headers"]["X-Api-Key"] == gateway.api_key


def test_wrong_credentials_are_temporary(gateway, sms_gateway):
    with pytest.raises(TemporaryFailure, match="credentials refused"):
        sms_gateway(auth={"type": "bearer", "token": "salah"}).send(sms())
    assert gateway.accepted == []


def test_an_invalid_number_is_permanent(gateway, sms_gateway):
    with pytest.raises(PermanentFailure, match="INVALID_NUMBER"):
        sms_gateway().send(sms(to="12345"))


# --- retries and unknown outcomes -----------------------------------------------------------


def test_503_is_a_temporary_failure(gateway, sms_gateway):
    gateway.fail_next(status=503)
    with pytest.raises(TemporaryFailure, match="HTTP 503") as caught:
        sms_gateway().send(sms())
    assert caught.value.retry_after is None
    assert gateway.accepted == []


def test_busy_answers_are_retried_honouring_retry_after(gateway, sms_gateway, sleeps):
    gateway.fail_next(count=2, status=429, retry_after=3)
    message = sms()
    sms_gateway(retries=2, backoff=0.5).send(message)
    assert sleeps == [3.0, 3.0]
    assert len(gateway.accepted_for(ref=message.id)) == 1
    assert gateway.requests["/api/sms/send"] == 3


def test_a_retry_after_beyond_the_cap_ends_the_attempt(gateway, sms_gateway, sleeps):
    gateway.fail_next(count=3, status=503, retry_after=600)
    with pytest.raises(TemporaryFailure, match="Retry-After 600") as caught:
        sms_gateway(retries=2, max_retry_after=30).send(sms())
    assert caught.value.retry_after == 600
    assert sleeps == []
    assert gateway.requests["/api/sms/send"] == 1


def test_connection_refused_is_retried_then_temporary(gateway, sms_gateway, sleeps):
    channel = sms_gateway(retries=2, backoff=0.1)
    gateway.stop()
    with pytest.raises(TemporaryFailure, match="not reached \\(ConnectionRefusedError\\)"):
        channel.send(sms())
    assert sleeps == [0.1, 0.2]
    gateway.start()
    channel.send(sms())
    assert len(gateway.accepted) == 1


def test_a_read_timeout_after_sending_is_an_unknown_outcome(gateway, whatsapp, sleeps):
    gateway.delay_next(1.5)
    message = wa()
    with pytest.raises(OutcomeUnknown, match="no answer \\((TimeoutError|timeout)\\)"):
        whatsapp(timeout=0.3, retries=3).send(message)
    assert sleeps == []  # never retried
    assert len(gateway.accepted_for(ref=message.id)) == 1


def test_a_dropped_connection_after_the_body_is_an_unknown_outcome(gateway, sms_gateway):
    gateway.drop_next()
    message = sms("Diputus setelah dibaca.")
    with pytest.raises(OutcomeUnknown, match="no answer"):
        sms_gateway(retries=3).send(message)
    assert len(gateway.accepted_for(ref=message.id)) == 1
    assert gateway.requests["/api/sms/send"] == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_errors_are_unknown_outcomes(gateway, sms_gateway, status):
    gateway.fail_next(status=status)
    with pytest.raises(OutcomeUnknown, match=f"HTTP {status}"):
        sms_gateway(retries=2).send(sms())
    assert gateway.requests["/api/sms/send"] == 1


def test_other_answers(gateway, sms_gateway):
    gateway.fail_next(status=409, body={"error": "key in use"})
    with pytest.raises(OutcomeUnknown, match="idempotency"):
        sms_gateway().send(sms())
    gateway.fail_next(status=422, body={"error": "text refused"})
    with pytest.raises(PermanentFailure):
        sms_gateway().send(sms())
    gateway.fail_next(status=408)
    with pytest.raises(TemporaryFailure):
        sms_gateway().send(sms())


def test_bad_configuration_is_refused_at_start():
    with pytest.raises(ValueError, match="payload"):
        HttpGatewayChannel("sms", "http://127.0.0.1/", payload="xml")
    with pytest.raises(ValueError, match="needs a template"):
        HttpGatewayChannel("sms", "http://127.0.0.1/")
    with pytest.raises(ValueError, match="template's name"):
        HttpGatewayChannel("whatsapp", "http://127.0.0.1/", payload="whatsapp_cloud", whatsapp={"type": "template"})
    with pytest.raises(ValueError, match="auth type"):
        HttpGatewayChannel("sms", "http://127.0.0.1/", template={}, auth={"type": "digest"})


# --- webhooks -------------------------------------------------------------------------------


def test_whatsapp_status_webhooks(gateway, whatsapp, webhook_receiver):
    channel = whatsapp()
    receiver = webhook_receiver(channel)
    delivered = channel.send(wa())
    failed = channel.send(wa(to="6281299990000"))

    assert gateway.post_whatsapp_status(receiver.url, delivered.provider_id, "sent") == 200
    assert gateway.post_whatsapp_status(receiver.url, delivered.provider_id, "delivered") == 200
    assert gateway.post_whatsapp_status(receiver.url, delivered.provider_id, "read") == 200
    errors = [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable"}]
    assert gateway.post_whatsapp_status(receiver.url, failed.provider_id, "failed", errors=errors) == 200
    assert receiver.receipts == [
        Receipt(provider_id=delivered.provider_id, delivered=True),
        Receipt(provider_id=delivered.provider_id, delivered=True),
        Receipt(provider_id=failed.provider_id, delivered=False, error="131026 Message undeliverable"),
    ]


def test_a_whatsapp_webhook_with_a_wrong_signature_is_rejected(gateway, whatsapp):
    channel = whatsapp()
    body = json.dumps(gateway.whatsapp_status_payload("wamid.X", "delivered")).encode()
    with pytest.raises(WebhookRejected, match="Signature"):
        channel.parse_webhook(body, {"X-Hub-Signature-256": "sha256=" + "0" * 64})
    with pytest.raises(WebhookRejected):
        channel.parse_webhook(body, {})
    assert channel.parse_webhook(body, {"x-hub-signature-256": gateway.sign(body)}) == [
        Receipt(provider_id="wamid.X", delivered=True)
    ]
    unsigned = whatsapp(whatsapp={})  # no app secret configured: not checked
    assert unsigned.parse_webhook(body, {}) == [Receipt(provider_id="wamid.X", delivered=True)]
    with pytest.raises(WebhookRejected, match="not JSON"):
        unsigned.parse_webhook(b"<html>", {})


def test_inbound_messages_in_a_webhook_give_no_receipt(whatsapp):
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"value": {"messages": [{"from": "628123", "id": "wamid.IN", "type": "text"}]}}]}],
        }
    ).encode()
    assert whatsapp(whatsapp={}).parse_webhook(body, {}) == []


def test_the_subscription_handshake(whatsapp):
    channel = whatsapp()
    ok = {"hub.mode": "subscribe", "hub.verify_token": "verifikasi-uji", "hub.challenge": "1158201444"}
    assert channel.verify_subscription(ok) == "1158201444"
    assert channel.verify_subscription({**ok, "hub.verify_token": "salah"}) is None
    assert channel.verify_subscription({**ok, "hub.mode": "unsubscribe"}) is None


def test_a_generic_form_webhook(gateway, sms_gateway, webhook_receiver):
    channel = sms_gateway()
    receiver = webhook_receiver(channel)
    result = channel.send(sms())
    assert gateway.post_sms_status(receiver.url, result.provider_id, "DELIVRD") == 200
    assert gateway.post_sms_status(receiver.url, "gw-999999", "UNDELIV", error="EC_ABSENT_SUBSCRIBER") == 200
    assert gateway.post_sms_status(receiver.url, "gw-999998", "ENROUTE") == 200  # not final: nothing
    assert receiver.receipts == [
        Receipt(provider_id=result.provider_id, delivered=True),
        Receipt(provider_id="gw-999999", delivered=False, error="UNDELIV EC_ABSENT_SUBSCRIBER"),
    ]
    gateway.webhook_token = "bukan-token-kita"
    assert gateway.post_sms_status(receiver.url, result.provider_id, "DELIVRD") == 403
    assert receiver.rejected and len(receiver.receipts) == 2


def test_a_generic_json_webhook_with_its_own_field_names(sms_gateway):
    channel = sms_gateway(
        webhook={
            "format": "json",
            "id_field": "data.msgid",
            "status_field": "data.state",
            "error_field": "data.reason",
            "delivered": ["2"],
            "failed": ["5", "8"],
        }
    )
    body = json.dumps(
        [
            {"data": {"msgid": "A1", "state": "2"}},
            {"data": {"msgid": "A2", "state": "5", "reason": "absent"}},
            {"data": {"msgid": "A3", "state": "1"}},
        ]
    ).encode()
    assert channel.parse_webhook(body, {"Content-Type": "application/json"}) == [
        Receipt(provider_id="A1", delivered=True),
        Receipt(provider_id="A2", delivered=False, error="5 absent"),
    ]
