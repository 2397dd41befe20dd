"""Admin: texts edited through the validation (errors in Indonesian), the outbox read-only with
filters, "send again" for a checked message."""

import re

import pytest
from django.urls import reverse

from loket.accounts.factories import OfficerFactory
from loket.audit.models import AuditEntry
from loket.notifications import services
from loket.notifications.models import MessageTemplate, Notification, Status
from loket.notifications.services import delivery
from loket.notifications.tests.conftest import SENT_BUT_UNKNOWN
from loket.notifications.tests.helpers import enqueue_booking, run_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = OfficerFactory(system_admin=True, is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def _change_url(row):
    return reverse("admin:notifications_messagetemplate_change", args=[row.pk])


def test_a_text_with_an_unknown_variable_is_refused_in_indonesian(admin_client):
    services.ensure_default_templates()
    row = MessageTemplate.objects.get(key="called")
    body = admin_client.get(_change_url(row)).content.decode()
    assert "{{ nomor }}: Nomor tiket" in body  # the allowed variables are shown
    response = admin_client.post(
        _change_url(row), {"text": "Tiket {{ nomor }} ke {{ meja }}", "subject": "", "active": "on"}
    )
    assert response.status_code == 200
    assert "Penanda isian {{ meja }} pada baris 1 tidak dikenal. Yang boleh dipakai: nomor, loket, kantor." in (
        response.content.decode().replace("&quot;", '"')
    )
    row.refresh_from_db()
    assert "meja" not in row.text


def test_a_valid_text_is_saved_through_the_service_and_audited(admin_client):
    services.ensure_default_templates()
    row = MessageTemplate.objects.get(key="called")
    response = admin_client.post(
        _change_url(row), {"text": "Tiket {{ nomor }}: silakan ke {{ loket }}.", "subject": "Dipanggil", "active": "on"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.text == "Tiket {{ nomor }}: silakan ke {{ loket }}." and row.updated_by == admin_client.admin
    assert AuditEntry.objects.filter(action="notifications.template.save").count() == 1
    assert admin_client.get(reverse("admin:notifications_messagetemplate_add")).status_code == 403


def test_the_outbox_is_read_only_filtered_and_never_shows_an_unsent_code(admin_client, clock):
    from loket.accounts.factories import CitizenFactory
    from loket.notifications.services import otp

    citizen = CitizenFactory()
    code_row = otp.send_phone_code(user=citizen)
    code = re.search(r"\d{6}", code_row.notification.text).group()
    url = reverse("admin:notifications_notification_change", args=[code_row.notification_id])
    body = admin_client.get(url).content.decode()
    assert "******" in body and code not in body
    changelist = reverse("admin:notifications_notification_changelist")
    assert admin_client.get(changelist + "?status__exact=uncertain").status_code == 200
    assert admin_client.get(changelist + "?channel__exact=sms&template__exact=otp_phone").status_code == 200
    assert admin_client.get(reverse("admin:notifications_notification_add")).status_code == 403
    attempts = reverse("admin:notifications_deliveryattempt_changelist")
    assert admin_client.get(attempts + "?outcome__exact=unknown").status_code == 200


def test_staff_send_an_uncertain_message_again(admin_client, clock, registry, fakes):
    from loket.accounts.factories import CitizenFactory
    from loket.notifications.models import ContactPreference

    citizen = CitizenFactory()
    ContactPreference.objects.create(user=citizen, channels=["sms"])
    fakes["sms"].script = [SENT_BUT_UNKNOWN]
    row = enqueue_booking(citizen)
    assert run_once(registry) == [delivery.UNCERTAIN]
    changelist = reverse("admin:notifications_notification_changelist")
    response = admin_client.post(changelist, {"action": "send_again", "_selected_action": [row.pk]}, follow=True)
    assert "1 pesan akan dikirim ulang." in response.content.decode()
    row.refresh_from_db()
    assert row.status == Status.PENDING and not row.possibly_sent
    assert AuditEntry.objects.get(action="notifications.resend").from_state == "uncertain"
    assert run_once(registry) == [delivery.SENT]
    # a sent message cannot be "sent again"
    response = admin_client.post(changelist, {"action": "send_again", "_selected_action": [row.pk]}, follow=True)
    assert "Hanya pesan yang gagal atau tidak pasti yang dapat dikirim ulang." in response.content.decode()
    assert Notification.objects.get(pk=row.pk).status == Status.SENT
