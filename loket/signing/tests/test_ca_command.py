"""``manage.py signing_ca``: init (idempotent), issue, import-p12, change-pin, revoke, crl; and the
certificates it makes."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from loket.accounts.factories import OfficerFactory
from loket.audit.models import AuditEntry
from loket.core import clock
from loket.signing import pki, sealing
from loket.signing.models import SignerKey, SigningAuthority
from loket.signing.services import keys
from loket.signing.signers.base import WrongPin
from loket.signing.tests.conftest import PIN, SIGNER_NAME, SIGNER_NIP, SIGNER_TITLE
from loket.signing.tests.helpers import foreign_context_and_signer

pytestmark = pytest.mark.django_db


def run(*args, stdin: str = "") -> str:
    out = io.StringIO()
    call_command("signing_ca", *args, stdin=io.StringIO(stdin), stdout=out)
    return out.getvalue()


def audit_text() -> str:
    return json.dumps(list(AuditEntry.objects.values("action", "data", "reason")), default=str)


# --- init -------------------------------------------------------------------------------------


def test_init_creates_the_ca_once_and_is_idempotent(settings):
    settings.LOKET_DEPLOYMENT_NAME = "Kota Tangerang Selatan"
    first = run("init")
    assert first.startswith("Created CN=Loket Root CA Kota Tangerang Selatan, O=Pemerintah Daerah (Loket), C=ID\n")
    second = run("init")
    assert second.startswith("Already set up: CN=Loket Root CA Kota Tangerang Selatan")
    assert SigningAuthority.objects.count() == 1
    assert AuditEntry.objects.filter(action="signing.ca_init").count() == 1

    authority = SigningAuthority.objects.get()
    root = pki.ca_certificate(authority)
    assert isinstance(root.public_key(), rsa.RSAPublicKey) and root.public_key().key_size == 3072
    assert root.issuer == root.subject
    lifetime = root.not_valid_after_utc - root.not_valid_before_utc
    assert dt.timedelta(days=20 * 365) <= lifetime <= dt.timedelta(days=20 * 366)
    basic = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    usage = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature

    tsa = pki.tsa_certificate(authority)
    tsa.verify_directly_issued_by(root)
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]

    # both keys stored sealed, never in the clear, and they unseal with the passphrase
    for blob, cert in ((authority.ca_key_sealed, root), (authority.tsa_key_sealed, tsa)):
        assert "PRIVATE KEY" not in json.dumps(blob)
        key = pki.load_private_key(sealing.unseal(blob, pki.ca_passphrase()))
        assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    # the first CRL is there, empty, valid 7 days
    crl = x509.load_der_x509_crl(bytes(authority.crl_der))
    assert len(crl) == 0 and crl.is_signature_valid(root.public_key())
    assert crl.next_update_utc - crl.last_update_utc == pki.CRL_VALIDITY + pki.BACKDATE


def test_the_ca_passphrase_is_required_in_production(settings):
    settings.PRODUCTION = True
    settings.LOKET_CA_PASSPHRASE = ""
    with pytest.raises(ImproperlyConfigured, match="LOKET_CA_PASSPHRASE"):
        pki.ca_passphrase()
    settings.LOKET_CA_PASSPHRASE = "rahasia negara yang panjang sekali"
    assert pki.ca_passphrase() == "rahasia negara yang panjang sekali"
    settings.PRODUCTION = False
    settings.LOKET_CA_PASSPHRASE = ""
    assert "DEVELOPMENT-ONLY" in pki.ca_passphrase()


def test_nothing_works_before_init(signer_user):
    with pytest.raises(CommandError, match="signing_ca init"):
        run("issue", signer_user.username, "--pin-stdin", stdin=PIN + "\n")


# --- issue ------------------------------------------------------------------------------------


def test_issue_with_pin_stdin_makes_a_document_signing_certificate(authority, signer_user):
    out = run("issue", signer_user.username, "--pin-stdin", stdin=PIN + "\n")
    signer_key = SignerKey.objects.get(user=signer_user)
    assert out.strip() == f"Issued certificate {signer_key.certificate_serial} to {signer_user.username}"
    assert PIN not in out and PIN not in audit_text() and PIN not in json.dumps(signer_key.sealed_key)

    cert = pki.load_certificate(signer_key.certificate_pem)
    cert.verify_directly_issued_by(pki.ca_certificate(authority))
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == SIGNER_NAME
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == SIGNER_TITLE  # from the signer role
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == SIGNER_NIP
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert eku == [pki.DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]
    assert pki.DOCUMENT_SIGNING.dotted_string == "1.3.6.1.5.5.7.3.36"
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == pki.SIGNER_VALIDITY + pki.BACKDATE
    assert signer_key.not_after == cert.not_valid_after_utc

    key = pki.load_private_key(sealing.unseal(signer_key.sealed_key, PIN))
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    entry = AuditEntry.objects.get(action="signing.key_issue")
    assert entry.data["serial"] == signer_key.certificate_serial


def test_issue_asks_the_pin_twice_on_the_terminal(authority, signer_user, monkeypatch):
    answers = iter(["24681357", "24681359"])
    monkeypatch.setattr("loket.signing.management.commands.signing_ca.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="differ"):
        run("issue", signer_user.username)
    assert not SignerKey.objects.exists()
    answers = iter(["24681357", "24681357"])
    run("issue", signer_user.username, "--title", "Plt. Lurah Ciputat")
    cert = pki.load_certificate(SignerKey.objects.get().certificate_pem)
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Plt. Lurah Ciputat"


@pytest.mark.parametrize("pin", ["1234567", "11111111", ""])
def test_a_weak_pin_is_refused(authority, signer_user, pin):
    with pytest.raises(CommandError, match="PIN"):
        run("issue", signer_user.username, "--pin-stdin", stdin=pin + "\n")
    assert not SignerKey.objects.exists()


def test_one_active_key_per_signer(authority, signer_user):
    run("issue", signer_user.username, "--pin-stdin", stdin=PIN + "\n")
    with pytest.raises(CommandError, match="sudah memiliki kunci tanda tangan yang aktif"):
        run("issue", signer_user.username, "--pin-stdin", stdin=PIN + "\n")


def test_unknown_user(authority):
    with pytest.raises(CommandError, match="No user"):
        run("issue", "nobody", "--pin-stdin", stdin=PIN + "\n")


# --- import-p12 -------------------------------------------------------------------------------


def make_p12(key, cert, passphrase: bytes, extra=None) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"lurah", key, cert, extra, serialization.BestAvailableEncryption(passphrase)
    )


def test_import_p12_round_trip(authority, signer_user, tmp_path):
    key = pki.new_private_key()
    cert = pki.issue_certificate_for_public_key(
        public_key=key.public_key(), name=SIGNER_NAME, title=SIGNER_TITLE, nip=SIGNER_NIP
    )
    path = tmp_path / "lurah.p12"
    path.write_bytes(make_p12(key, cert, b"sandi-p12"))
    out = run(
        "import-p12",
        signer_user.username,
        str(path),
        "--passphrase-stdin",
        "--pin-stdin",
        stdin="sandi-p12\n" + PIN + "\n",
    )
    signer_key = SignerKey.objects.get(user=signer_user)
    assert out.strip() == f"Imported certificate {signer_key.certificate_serial} for {signer_user.username}"
    assert signer_key.certificate_serial == format(cert.serial_number, "x")
    unsealed = pki.load_private_key(sealing.unseal(signer_key.sealed_key, PIN))
    assert unsealed.private_numbers() == key.private_numbers()
    assert "sandi-p12" not in audit_text() and PIN not in audit_text()


def test_import_p12_wrong_passphrase(authority, signer_user, tmp_path):
    key = pki.new_private_key()
    cert = pki.issue_certificate_for_public_key(public_key=key.public_key(), name=SIGNER_NAME)
    path = tmp_path / "lurah.p12"
    path.write_bytes(make_p12(key, cert, b"sandi-p12"))
    with pytest.raises(CommandError, match="kata sandinya salah"):
        run(
            "import-p12",
            signer_user.username,
            str(path),
            "--passphrase-stdin",
            "--pin-stdin",
            stdin="salah\n" + PIN + "\n",
        )


def test_import_p12_from_a_foreign_ca_needs_trust_issuer(authority, signer_user, tmp_path):
    _context, signer, material = foreign_context_and_signer(name=SIGNER_NAME)
    key = pki.load_private_key(signer.signing_key.dump())
    cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
    path = tmp_path / "asing.p12"
    stdin = "sandi-p12\n" + PIN + "\n"
    trusting = ("import-p12", signer_user.username, str(path), "--passphrase-stdin", "--pin-stdin", "--trust-issuer")

    path.write_bytes(make_p12(key, cert, b"sandi-p12"))  # without its issuer in the file
    with pytest.raises(CommandError, match="tidak diterbitkan oleh CA yang dikenal"):
        run("import-p12", signer_user.username, str(path), "--passphrase-stdin", "--pin-stdin", stdin=stdin)
    with pytest.raises(CommandError, match="Sertifikat penerbit tidak ada dalam berkas PKCS#12"):
        run(*trusting, stdin=stdin)

    # a certificate claiming that issuer but signed by someone else is not accepted either
    impostor = x509.load_der_x509_certificate(
        foreign_context_and_signer()[2].ca_certificate.public_bytes(serialization.Encoding.DER)
    )
    path.write_bytes(make_p12(key, cert, b"sandi-p12", [impostor]))
    with pytest.raises(CommandError, match="Sertifikat penerbit tidak ada dalam berkas PKCS#12"):
        run(*trusting, stdin=stdin)

    path.write_bytes(make_p12(key, cert, b"sandi-p12", [material.ca_certificate]))
    run(*trusting, stdin=stdin)
    authority.refresh_from_db()
    assert pki.extra_issuers(authority) == [material.ca_certificate]
    assert AuditEntry.objects.filter(action="signing.trust_issuer").count() == 1
    assert SignerKey.objects.get(user=signer_user).certificate_serial == format(cert.serial_number, "x")


# --- change-pin, revoke, crl --------------------------------------------------------------------


def test_change_pin_reseals_and_needs_the_old_pin(local_key, signer_user):
    with pytest.raises(CommandError):
        run("change-pin", signer_user.username, "--pin-stdin", stdin="salah-salah\nbaru-12345\n")
    local_key.refresh_from_db()
    assert local_key.failed_attempts == 1  # a wrong PIN counts, also here
    old_blob = local_key.sealed_key
    assert run("change-pin", signer_user.username, "--pin-stdin", stdin=f"{PIN}\nbaru-12345\n").strip() == (
        f"PIN changed for {signer_user.username}"
    )
    local_key.refresh_from_db()
    assert local_key.failed_attempts == 0 and local_key.sealed_key != old_blob
    assert sealing.unseal(local_key.sealed_key, "baru-12345") == sealing.unseal(old_blob, PIN)
    with pytest.raises(WrongPin):
        sealing.unseal(local_key.sealed_key, PIN)
    assert "baru-12345" not in audit_text()


def test_wrong_pins_lock_the_key(local_key):
    for attempt in range(1, keys.max_failed_attempts() + 1):
        with pytest.raises(keys.DomainError) as err:
            keys.change_pin(actor=None, signer_key=local_key, old_pin="salah-salah", new_pin="baru-12345")
        assert err.value.code == ("locked" if attempt == keys.max_failed_attempts() else "wrong_pin")
    local_key.refresh_from_db()
    assert local_key.locked_until is not None and local_key.failed_attempts == 0
    assert local_key.locked_until - clock.now() > dt.timedelta(minutes=14)
    with pytest.raises(keys.DomainError, match="dikunci"):
        keys.change_pin(actor=None, signer_key=local_key, old_pin=PIN, new_pin="baru-12345")


def test_only_the_owner_changes_the_pin(local_key):
    other = OfficerFactory()
    with pytest.raises(keys.NotAllowed):
        keys.change_pin(actor=other, signer_key=local_key, old_pin=PIN, new_pin="baru-12345")
    keys.change_pin(actor=local_key.user, signer_key=local_key, old_pin=PIN, new_pin="baru-12345")


def test_revoke_puts_the_serial_in_a_new_crl(local_key, signer_user, authority):
    number_before = authority.crl_number
    out = run("revoke", signer_user.username, "--reason", "Pensiun per 1 Desember 2026")
    assert out.strip() == f"Revoked certificate {local_key.certificate_serial} of {signer_user.username}"
    local_key.refresh_from_db()
    assert local_key.revoked_at is not None and local_key.sealed_key is None
    authority.refresh_from_db()
    assert authority.crl_number == number_before + 1
    crl = x509.load_der_x509_crl(bytes(authority.crl_der))
    assert crl.is_signature_valid(pki.ca_certificate(authority).public_key())
    entry = crl.get_revoked_certificate_by_serial_number(int(local_key.certificate_serial, 16))
    assert entry is not None and entry.revocation_date_utc == local_key.revoked_at.replace(microsecond=0)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == authority.crl_number
    assert AuditEntry.objects.get(action="signing.key_revoke").reason == "Pensiun per 1 Desember 2026"
    # the crl command re-signs and prints it, still with the serial; a new key may now be issued
    pem = run("crl")
    again = x509.load_pem_x509_crl(pem.encode())
    assert again.get_revoked_certificate_by_serial_number(int(local_key.certificate_serial, 16)) is not None
    run("issue", signer_user.username, "--pin-stdin", stdin=PIN + "\n")
    with pytest.raises(CommandError, match="no active signing key"):
        SignerKey.objects.filter(user=signer_user, revoked_at__isnull=True).delete()
        run("revoke", signer_user.username, "--reason", "dua kali")


def test_revoke_needs_a_reason(local_key, signer_user):
    with pytest.raises(CommandError, match="alasan pencabutan"):
        run("revoke", signer_user.username, "--reason", "x")


def test_crl_der_and_export_ca(authority, tmp_path):
    run("crl", "--der", str(tmp_path / "loket.crl"))
    crl = x509.load_der_x509_crl((tmp_path / "loket.crl").read_bytes())
    assert crl.issuer == pki.ca_certificate(authority).subject
    exported = x509.load_pem_x509_certificate(run("export-ca").encode())
    assert exported == pki.ca_certificate(authority)
    assert exported.fingerprint(hashes.SHA256()) == pki.ca_certificate(authority).fingerprint(hashes.SHA256())
