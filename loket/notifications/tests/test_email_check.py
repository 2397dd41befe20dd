"""Proving an e-mail address before notices go to it."""

import pytest
from django.core import signing
from django.urls import reverse

from loket.accounts.factories import CitizenFactory
from loket.notifications import services
from loket.notifications.models import ContactPreference, Notification, TemplateKey
from loket.notifications.services import email_check

pytestmark = pytest.mark.django_db


def link_of(notification) -> str:
    return notification.text.split("email Anda: ")[1].split(" ")[0]


def test_the_link_verifies_the_address_and_email_is_then_used(client, django_capture_on_commit_callbacks):
    citizen = CitizenFactory(email="budi@example.id")
    client.force_login(citizen)
    response = client.post(reverse("notifications:send_email_link"))
    assert response.status_code == 302
    sent = Notification.objects.get(template=TemplateKey.EMAIL_VERIFY)
    assert sent.to_email == "budi@example.id" and "/notifikasi/verifikasi-email/" in sent.text
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "budi@example.id" in page
    client.get(link_of(sent).replace("http://testserver", ""))
    preference = ContactPreference.objects.get(user=citizen)
    assert preference.email_is_verified("budi@example.id")
    # A changed address must be proved again.
    citizen.email = "budi.baru@example.id"
    citizen.save()
    assert not preference.email_is_verified(citizen.email)


def test_a_link_for_another_account_or_address_is_refused(client):
    a, b = CitizenFactory(email="a@example.id"), CitizenFactory(email="b@example.id")
    token = signing.dumps({"u": a.pk, "e": "a@example.id"}, salt=email_check.SALT)
    client.force_login(b)
    client.get(reverse("notifications:verify_email_link", args=[token]))
    assert not ContactPreference.objects.filter(user=b, verified_email__gt="").exists()
    client.force_login(a)
    client.get(reverse("notifications:verify_email_link", args=[token + "x"]))
    assert not ContactPreference.objects.filter(user=a, verified_email__gt="").exists()


def test_links_are_rate_limited():
    from loket.core.errors import DomainError

    citizen = CitizenFactory(email="c@example.id")
    for _ in range(email_check.PER_HOUR):
        email_check.send_link(user=citizen, base_url="https://loket.example/")
    with pytest.raises(DomainError):
        email_check.send_link(user=citizen, base_url="https://loket.example/")


def test_only_a_verified_address_gets_notices(django_assert_num_queries=None):
    from django.db import transaction

    citizen = CitizenFactory(email="d@example.id", phone="")
    with transaction.atomic():
        assert (
            services.enqueue(
                event_key="x:1",
                template="request_rejected",
                recipient=citizen,
                context={"kode_permohonan": "PMH-1", "layanan": "SKU", "alasan": "uji"},
            )
            is None
        )
    ContactPreference.objects.create(user=citizen, verified_email="d@example.id", email_verified_at="2026-12-01T00:00Z")
    with transaction.atomic():
        assert (
            services.enqueue(
                event_key="x:2",
                template="request_rejected",
                recipient=citizen,
                context={"kode_permohonan": "PMH-1", "layanan": "SKU", "alasan": "uji"},
            ).to_email
            == "d@example.id"
        )
