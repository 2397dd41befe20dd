"""The channel registry built from NOTIFY_CHANNELS, and the Django e-mail channel's error mapping."""

import smtplib

import pytest
from django.core.exceptions import ImproperlyConfigured

from loket.notifications.channels import django_mail
from loket.notifications.channels.base import OutcomeUnknown, OutgoingMessage, PermanentFailure, TemporaryFailure
from loket.notifications.channels.registry import build_registry

FAKE = "loket.notifications.tests.conftest.FakeChannel"


def test_channels_are_built_from_the_setting_with_their_options(settings):
    settings.NOTIFY_CHANNELS = {
        "sms": {"backend": FAKE, "name": "sms"},
        "whatsapp": {"backend": FAKE, "name": "whatsapp", "dedupes": True},
    }
    registry = build_registry()
    assert registry.names == ["sms", "whatsapp"]
    assert registry.get("whatsapp").dedupes and "email" not in registry
    registry.close()
    assert registry.get("sms").closed


@pytest.mark.parametrize(
    "config",
    [{"fax": {"backend": FAKE, "name": "fax"}}, {"sms": {"name": "sms"}}, {"sms": {"backend": FAKE, "name": "email"}}],
)
def test_a_wrong_setting_is_refused_at_start(config):
    with pytest.raises(ImproperlyConfigured):
        build_registry(config)


MESSAGE = OutgoingMessage(id="loket-ntf-1-email", channel="email", to="warga@contoh.id", text="Halo", subject="Uji")


class _Connection:
    def __init__(self, *, open_error=None, send_error=None):
        self.open_error, self.send_error = open_error, send_error

    def open(self):
        if self.open_error:
            raise self.open_error

    def send_messages(self, messages):
        if self.send_error:
            raise self.send_error
        return len(messages)

    def close(self):
        pass


@pytest.mark.parametrize(
    ("connection", "error"),
    [
        (_Connection(open_error=ConnectionRefusedError()), TemporaryFailure),
        (_Connection(send_error=smtplib.SMTPRecipientsRefused({})), PermanentFailure),
        (_Connection(send_error=smtplib.SMTPDataError(451, b"later")), TemporaryFailure),
        (_Connection(send_error=smtplib.SMTPDataError(554, b"spam")), PermanentFailure),
        (_Connection(send_error=smtplib.SMTPServerDisconnected()), OutcomeUnknown),
        (_Connection(send_error=TimeoutError()), OutcomeUnknown),
    ],
)
def test_smtp_errors_map_to_the_channel_interface(monkeypatch, connection, error):
    monkeypatch.setattr(django_mail, "get_connection", lambda **kw: connection)
    with pytest.raises(error):
        django_mail.DjangoMailChannel().send(MESSAGE)
