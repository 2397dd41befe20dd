"""E-mail over SMTP against aiosmtpd on 127.0.0.1 (``testpeers.smtp``):
delivery with AUTH (subject, UTF-8 body, Message-ID from our id), recipients refused (550
permanent, 450 temporary), the message refused after DATA, the connection lost after DATA (unknown
outcome, taken once), a server that is down, wrong credentials."""

# The fixtures come from channel_fixtures (imported below), so test arguments share their names.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from loket.notifications.channels.base import OutcomeUnknown, OutgoingMessage, PermanentFailure, TemporaryFailure
from loket.notifications.channels.email import EmailChannel, message_id_for
from loket.notifications.tests.channel_fixtures import (  # noqa: F401 - fixtures
    SMTP_PASSWORD,
    SMTP_USER,
    new_id,
    smtp,
    smtp_server,
)

pytestmark = pytest.mark.xdist_group("smtp")

BODY = (
    "Yth. Ibu Siti Rahayu,\n\n"
    "permohonan Akta Kelahiran Anda telah selesai. Silakan ambil di Mal Pelayanan Publik "
    "pada Jum’at pukul 08.00–11.00 WIB. Kafé di lantai 1 buka. 🙏\n\n"
    "Salam,\nDisdukcapil Kota Tangerang Selatan"
)


def mail(to: str = "siti.rahayu@contoh.go.id", **kwargs) -> OutgoingMessage:
    return OutgoingMessage(
        id=kwargs.pop("id", None) or new_id(),
        channel="email",
        to=to,
        text=kwargs.pop("text", BODY),
        subject=kwargs.pop("subject", "Akta Kelahiran siap diambil — nomor 3674-LT-01122026-0042"),
    )


@pytest.fixture
def make_email(smtp):
    def _make(**kwargs) -> EmailChannel:
        options = {
            "host": smtp.host,
            "port": smtp.port,
            "username": SMTP_USER,
            "password": SMTP_PASSWORD,
            "from_email": "Loket Tangsel <notifikasi@loket.tangerangselatankota.go.id>",
            "timeout": 2,
        }
        options.update(kwargs)
        return EmailChannel(**options)

    return _make


def test_delivery_with_subject_utf8_body_and_message_id(smtp, make_email):
    channel = make_email()
    message = mail()
    result = channel.send(message)

    (received,) = smtp.messages
    assert received.login == SMTP_USER  # AUTH used
    assert received.mail_from == "notifikasi@loket.tangerangselatankota.go.id"
    assert received.rcpt_tos == ["siti.rahayu@contoh.go.id"]
    parsed = received.message
    # Django folds the encoded subject onto a continuation line; unfolding leaves one space before it.
    assert parsed["Subject"].strip() == message.subject
    assert "=?utf-8?" in received.content.decode("utf-8").split("Subject:", 1)[1].split("\r\nFrom:")[0]
    assert parsed["To"] == message.to
    assert parsed["From"] == "Loket Tangsel <notifikasi@loket.tangerangselatankota.go.id>"
    assert parsed["Message-ID"] == f"<{message.id}@loket.tangerangselatankota.go.id>"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content().replace("\r\n", "\n").rstrip("\n") == BODY  # SMTP lines end in CRLF
    assert result.provider_id == parsed["Message-ID"]
    assert channel.dedupes is False


def test_the_message_id_is_the_same_on_every_attempt(smtp, make_email):
    channel = make_email(message_id_domain="loket.test")
    message = mail()
    channel.send(message)
    channel.send(message)
    ids = {m.message["Message-ID"] for m in smtp.messages}
    assert ids == {f"<{message.id}@loket.test>"}
    assert message_id_for("ntf 12/<x>", "loket.test") == "<ntf-12/-x-@loket.test>"


def test_a_refused_recipient_is_a_permanent_failure(smtp, make_email):
    smtp.reject_recipient("tidak.ada@contoh.go.id", code=550)
    with pytest.raises(PermanentFailure, match="550"):
        make_email().send(mail(to="tidak.ada@contoh.go.id"))
    assert smtp.messages == []


def test_a_deferred_recipient_is_a_temporary_failure(smtp, make_email):
    smtp.reject_recipient("sibuk@contoh.go.id", code=450)
    with pytest.raises(TemporaryFailure, match="450"):
        make_email().send(mail(to="sibuk@contoh.go.id"))


def test_a_message_refused_after_data(smtp, make_email):
    smtp.refuse_data(554)
    with pytest.raises(PermanentFailure, match="554"):
        make_email().send(mail())
    smtp.refuse_data(451)
    with pytest.raises(TemporaryFailure, match="451"):
        make_email().send(mail())
    assert smtp.messages == []


def test_a_connection_lost_after_data_is_an_unknown_outcome_taken_once(smtp, make_email):
    smtp.drop_after_data()
    message = mail()
    with pytest.raises(OutcomeUnknown, match="after the message was sent"):
        make_email().send(message)
    assert [m.message["Message-ID"] for m in smtp.messages] == [f"<{message.id}@loket.tangerangselatankota.go.id>"]
    assert smtp.messages[0].dropped


def test_a_server_that_is_down_is_a_temporary_failure(smtp, make_email):
    channel = make_email()
    smtp.stop()
    with pytest.raises(TemporaryFailure, match="cannot open a session .*ConnectionRefusedError"):
        channel.send(mail())
    smtp.start()
    channel.send(mail())
    assert len(smtp.messages) == 1


def test_wrong_credentials_are_a_temporary_failure(smtp, make_email):
    with pytest.raises(TemporaryFailure, match="SMTPAuthenticationError 535"):
        make_email(password="salah").send(mail())
    assert smtp.messages == []


def test_options_are_checked():
    with pytest.raises(ValueError, match="mutually exclusive"):
        EmailChannel("127.0.0.1", 25, use_tls=True, use_ssl=True, from_email="a@b.c")
