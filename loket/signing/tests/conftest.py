"""Fixtures for the signing tests.

- Every test seals with cheap Argon2id parameters (``settings.SIGNING_KDF_TEST_PARAMS``): the
  production default (64 MiB, ~0.25 s) would make each seal/unseal slow; blobs carry their own
  parameters, so nothing else changes.
- ``ca_material``: one CA + TSA (RSA 3072 keys) per test session, in memory; ``authority`` stores
  it for a test (sealing it takes milliseconds with the cheap parameters).
- ``letter_pdf``: a real issued letter (Typst, PDF/A-2b), made once per module in a transaction that
  is rolled back; ``plain_pdf``: any unsigned PDF.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import transaction

from loket.letters.rendering import SIGNATURE_BOX
from loket.signing.signers.base import Stamp

CHEAP_KDF = {"memory_kib": 1024, "time_cost": 1, "parallelism": 1}
PIN = "24681357"
SIGNER_NAME = "Hendra Gunawan, S.Sos."
SIGNER_TITLE = "Lurah Ciputat"
SIGNER_NIP = "198507142010011002"
VERIFY_URL = "https://loket.example.go.id/verifikasi/7K3Q9XTA"


@pytest.fixture(autouse=True)
def _cheap_kdf(settings):
    settings.SIGNING_KDF_TEST_PARAMS = CHEAP_KDF


@pytest.fixture(scope="session")
def ca_material():
    from loket.signing import pki

    return pki.build_material()


@pytest.fixture
def authority(db, ca_material):
    from loket.signing import services

    return services.save_material(ca_material)


@pytest.fixture
def signer_user(db):
    from loket.accounts.factories import OfficerFactory

    return OfficerFactory(
        username="lurah.ciputat", full_name=SIGNER_NAME, nip=SIGNER_NIP, signer=True, signer_title=SIGNER_TITLE
    )


@pytest.fixture
def local_key(authority, signer_user):
    from loket.signing import services

    return services.issue_signer_key(actor=None, user=signer_user, pin=PIN)


def make_stamp(**overrides) -> Stamp:
    values = {
        "signer_name": SIGNER_NAME,
        "signer_title": SIGNER_TITLE,
        "signer_nip": SIGNER_NIP,
        "verify_url": VERIFY_URL,
        "page": SIGNATURE_BOX.page,
        "box": SIGNATURE_BOX.as_tuple,
        "time_zone": "Asia/Jakarta",
    }
    values.update(overrides)
    return Stamp(**values)


@pytest.fixture
def stamp() -> Stamp:
    return make_stamp()


@pytest.fixture(scope="module")
def letter_pdf(django_db_setup, django_db_blocker, tmp_path_factory) -> bytes:
    """The PDF of a real SKU letter from ``issue_letter`` (the rows are rolled back)."""
    from loket.letters import selectors, services
    from loket.letters.factories import SIGNER, SKU_VALUES, OfficeLetterSettingsFactory, sku_service, sku_template
    from loket.letters.models import Letter

    field = Letter._meta.get_field("pdf")
    storage = field.storage
    field.storage = FileSystemStorage(location=str(tmp_path_factory.mktemp("letters")))
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            office = OfficeLetterSettingsFactory().office
            letter = services.issue_letter(
                actor=None,
                template=sku_template(sku_service()),
                office=office,
                values=SKU_VALUES,
                signer=SIGNER,
                reference="permohonan:PMH-7K3Q-9XTA",
            )
            content = selectors.letter_pdf(letter)
            transaction.set_rollback(True)
    finally:
        field.storage = storage
    return content


@pytest.fixture(scope="session")
def plain_pdf() -> bytes:
    """A small unsigned PDF (pyHanko's writer, one blank page)."""
    import io

    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def freeze(monkeypatch):
    """``freeze(aware_datetime)`` sets ``loket.core.clock.now``."""

    def _freeze(instant):
        monkeypatch.setattr("loket.core.clock.now", lambda: instant)

    return _freeze
