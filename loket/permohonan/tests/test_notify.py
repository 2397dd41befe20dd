"""A request's messages: returned with what to fix, rejected with the reason, ready with where."""

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.notifications.models import Notification
from loket.offices.factories import WEEKDAYS, OfficeFactory, add_rules
from loket.permohonan import services
from loket.permohonan.factories import filled_draft, sku_service
from loket.permohonan.models import Permohonan, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    office = OfficeFactory(kelurahan=True, name="Kelurahan Sawah", address="Jl. Sawah Lama No. 10")
    add_rules(office, WEEKDAYS, "00:00", "23:59")
    citizen = CitizenFactory()
    staff = OfficerFactory(verifikator=True, office=office)
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, sku_service(), office))
    return office, citizen, staff, p


def messages_of(citizen, template):
    return list(Notification.objects.filter(recipient=citizen, template=template).values_list("text", flat=True))


def test_returned_twice_sends_each_reason(setup):
    office, citizen, staff, p = setup
    services.return_to_citizen(actor=staff, permohonan=p, reason="Foto KK terpotong, unggah ulang.")
    services.submit(actor=citizen, permohonan=p)
    services.return_to_citizen(actor=staff, permohonan=p, reason="Nama usaha belum sesuai akta.")
    sent = messages_of(citizen, "request_returned")
    assert len(sent) == 2 and "Foto KK terpotong" in sent[0] + sent[1] and p.code in sent[0]


def test_rejected_with_the_reason(setup):
    office, citizen, staff, p = setup
    services.reject(actor=staff, permohonan=p, reason="Usaha berada di luar wilayah kelurahan.")
    [text] = messages_of(citizen, "request_rejected")
    assert "di luar wilayah" in text


def test_ready_for_pickup_says_where(setup):
    office, citizen, staff, p = setup
    p = services.start_processing(actor=staff, permohonan=services.verify(actor=staff, permohonan=p))
    services.set_pickup(actor=staff, permohonan=p, office=office, note="Loket 2")
    Permohonan.objects.filter(pk=p.pk).update(status=Status.MENUNGGU_TANDA_TANGAN)
    services.record_signed(actor=None, permohonan=p)
    [text] = messages_of(citizen, "document_ready")
    assert "Kelurahan Sawah" in text and "Jl. Sawah Lama" in text and "Loket 2" in text


def test_a_letter_signed_electronically_says_it_can_be_downloaded(setup):
    office, citizen, staff, p = setup
    p = services.start_processing(actor=staff, permohonan=services.verify(actor=staff, permohonan=p))
    Permohonan.objects.filter(pk=p.pk).update(status=Status.MENUNGGU_TANDA_TANGAN)
    services.record_signed(actor=None, permohonan=p)
    [text] = messages_of(citizen, "document_signed")
    assert "Unduh" in text and p.code in text
