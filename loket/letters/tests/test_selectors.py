"""Selectors: the template a service uses at an office, allowed placeholders, settings, the PDF."""

import pytest

from loket.core.errors import DomainError
from loket.letters import services
from loket.letters.factories import SIGNER, SKU_VALUES, LetterTemplateFactory
from loket.letters.selectors import (
    allowed_placeholders,
    letter_pdf,
    letters_with_reference,
    settings_for,
    template_for,
)
from loket.letters.templating import STANDARD_PLACEHOLDERS
from loket.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def test_an_offices_own_template_comes_first_then_the_default(service, office):
    assert template_for(office, service) is None
    default = LetterTemplateFactory(service=service, office=None)
    assert template_for(office, service) == default
    own = LetterTemplateFactory(service=service, office=office, title="SKU KELURAHAN CIPUTAT")
    assert template_for(office, service) == own
    assert template_for(OfficeFactory(kelurahan=True), service) == default


def test_allowed_placeholders_are_the_standard_keys_then_the_services_fields(service):
    keys = allowed_placeholders(service)
    assert keys[: len(STANDARD_PLACEHOLDERS)] == list(STANDARD_PLACEHOLDERS)
    assert keys[len(STANDARD_PLACEHOLDERS) :] == ["nama_usaha", "jenis_usaha", "alamat_usaha", "mulai_usaha"]


def test_settings_for(office, settings_row):
    assert settings_for(office) == settings_row
    assert settings_for(OfficeFactory()) is None


def test_the_pdf_is_checked_against_its_sha256(template, office, private_storage):
    letter = services.issue_letter(
        actor=None, template=template, office=office, values=SKU_VALUES, signer=SIGNER, reference="permohonan:PMH-1"
    )
    assert letters_with_reference("permohonan:PMH-1").get() == letter
    assert letter_pdf(letter)[:5] == b"%PDF-"
    path = private_storage.path(letter.pdf.name)
    with open(path, "r+b") as handle:
        handle.seek(200)
        handle.write(b"X")
    with pytest.raises(DomainError) as err:
        letter_pdf(letter)
    assert letter.number in str(err.value.message) and "sidik jari" in str(err.value.message)
