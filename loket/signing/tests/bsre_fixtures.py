"""Fixtures for the BSrE signer tests (imported by test_bsre.py): the test server on 127.0.0.1 for
the module, a real issued letter (PDF/A-2b, made once per module in a transaction that is rolled
back), a signer factory with short timeouts and a recorder of the client's back-off waits."""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import transaction

from loket.core import http
from loket.signing.signers import bsre
from loket.signing.signers.base import Stamp
from testpeers.bsre import BsreTestServer

ACTIVE_NIK = "3674041708900001"
ACTIVE_PASSPHRASE = "Rahasia-Aktif-2026"
EXPIRED_NIK = "3674041708900002"
REVOKED_NIK = "3674041708900003"
SUSPENDED_NIK = "3674041708900004"
RENEWING_NIK = "3674041708900005"
UNREGISTERED_NIK = "3674041708909999"
SIGNER_NAME = "Hendra Gunawan, S.Sos."


@pytest.fixture(scope="module")
def bsre_server():
    server = BsreTestServer()
    server.add_user(ACTIVE_NIK, ACTIVE_PASSPHRASE, name=SIGNER_NAME)
    server.add_user(EXPIRED_NIK, "kedaluwarsa-1", status="EXPIRED", name="Siti Aminah")
    server.add_user(REVOKED_NIK, "dicabut-1", status="REVOKED", name="Agus Salim")
    server.add_user(SUSPENDED_NIK, "ditangguhkan-1", status="SUSPEND", name="Rina Marlina")
    server.add_user(RENEWING_NIK, "diperbarui-1", status="RENEW", name="Dedi Kurniawan")
    with server:
        yield server


@pytest.fixture
def server(bsre_server):
    """The module's server with no faults and zeroed counters for this test."""
    bsre_server.reset()
    yield bsre_server
    bsre_server.reset()


@pytest.fixture
def make_signer(server):
    def _make(**kwargs) -> bsre.BsreSigner:
        options = {
            "base_url": server.url,
            "client_id": server.client_id,
            "client_secret": server.client_secret,
            "nik": ACTIVE_NIK,
            "connect_timeout": 0.5,
            # Generous: the test server really signs (pyHanko, RSA 2048, a timestamp), which takes
            # seconds on a loaded machine. Tests about timeouts set a short one themselves.
            "read_timeout": 10.0,
            "retries": 2,
            "backoff": 0.05,
        }
        options.update(kwargs)
        return bsre.BsreSigner(**options)

    return _make


@pytest.fixture
def sleeps(monkeypatch):
    """The back-off waits the client asked for (recorded, not slept)."""
    waits: list[float] = []
    monkeypatch.setattr(http, "_sleep", waits.append)
    return waits


@pytest.fixture(scope="module")
def letter(django_db_setup, django_db_blocker, tmp_path_factory):
    """(pdf bytes, stamp) of a real SKU letter issued with loket.letters; nothing stays in the database."""
    from django.db import connection

    from loket.letters import services
    from loket.letters.factories import SIGNER, SKU_VALUES, OfficeLetterSettingsFactory, sku_service, sku_template
    from loket.letters.models import Letter
    from loket.letters.rendering import SIGNATURE_BOX

    name = str(connection.settings_dict["NAME"])
    if not (name.startswith("test_") or "memory" in name):  # never the development database
        pytest.fail(f"letter fixture: {name} is not a test database (mark the tests django_db)")
    storage = FileSystemStorage(location=str(tmp_path_factory.mktemp("bsre-private")))
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock(), transaction.atomic():
        patch.setattr(Letter._meta.get_field("pdf"), "storage", storage)
        settings_row = OfficeLetterSettingsFactory()
        issued = services.issue_letter(
            actor=None,
            template=sku_template(sku_service()),
            office=settings_row.office,
            values=SKU_VALUES,
            signer=SIGNER,
            reference="permohonan:PMH-7K3Q-9XTA",
        )
        with issued.pdf.open("rb") as handle:
            pdf = handle.read()
        transaction.set_rollback(True)
    stamp = Stamp(
        signer_name=SIGNER.name,
        signer_title=SIGNER.title,
        signer_nip=SIGNER.nip,
        verify_url="https://loket.tangerangselatankota.go.id/verifikasi/7K3Q9XTA2B",
        page=SIGNATURE_BOX.page,
        box=SIGNATURE_BOX.as_tuple,
    )
    return pdf, stamp
