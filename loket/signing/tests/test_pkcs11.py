"""The PKCS#11 signer against a SoftHSM2 token made for this module: the key is generated in the
token and never leaves it, our CA certifies its public key, a real letter is signed and validates.

SoftHSM2 (Debian package softhsm2, installed by ``make browser-deps``) is required: without it the
tests fail, they do not skip. The library reads ``SOFTHSM2_CONF`` when it is first loaded in the
process, so the token is made (in a temporary directory) before anything loads it, and all tests of
this module share one worker (xdist_group)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from loket.signing import pades, pki
from loket.signing.models import SignerKey
from loket.signing.services import keys
from loket.signing.signers import signer_for
from loket.signing.signers.base import SignerUnavailable, WrongPin
from loket.signing.signers.pkcs11 import Pkcs11Signer
from loket.signing.tests.conftest import SIGNER_NAME, SIGNER_NIP, SIGNER_TITLE
from loket.signing.tests.helpers import appearance_text, embedded_signature, foreign_context_and_signer
from loket.signing.verification import Outcome, analyse_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("softhsm")]

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "loket-uji"
TOKEN_PIN = "13572468"
SO_PIN = "86427531"
KEY_LABEL = "lurah-ciputat"


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A fresh SoftHSM2 token with an RSA 3072 key pair generated inside it."""
    if not Path(MODULE).exists() or shutil.which("softhsm2-util") is None:
        pytest.fail(
            f"SoftHSM2 is missing ({MODULE}, softhsm2-util): install Debian's softhsm2 (make browser-deps). "
            "The PKCS#11 signer cannot be tested without it."
        )
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", TOKEN_PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
    )
    import pkcs11
    from pkcs11 import Attribute, KeyType

    lib = pkcs11.lib(MODULE)
    with lib.get_token(token_label=TOKEN).open(rw=True, user_pin=TOKEN_PIN) as session:
        public, _private = session.generate_keypair(KeyType.RSA, 3072, label=KEY_LABEL, id=b"\x01", store=True)
        numbers = rsa.RSAPublicNumbers(
            int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"), int.from_bytes(public[Attribute.MODULUS], "big")
        )
    yield numbers.public_key()
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture
def token_key(token, authority, signer_user, tmp_path):
    """The token's key registered for the signer (``signing_ca register-pkcs11``), with a
    certificate from our CA for its public key."""
    public = tmp_path / "lurah.pub.der"
    public.write_bytes(token.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    out = io.StringIO()
    call_command(
        "signing_ca", "register-pkcs11", signer_user.username, "--token", TOKEN, "--key", KEY_LABEL,
        "--public-key", str(public), stdout=out,
    )  # fmt: skip
    signer_key = SignerKey.objects.get(user=signer_user, revoked_at__isnull=True)
    assert out.getvalue().strip() == (
        f"Registered certificate {signer_key.certificate_serial} (token {TOKEN}) for {signer_user.username}"
    )
    cert = pki.load_certificate(signer_key.certificate_pem)
    assert cert.public_key().public_numbers() == token.public_numbers()
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == SIGNER_TITLE
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == SIGNER_NIP
    assert signer_key.kind == "pkcs11" and signer_key.sealed_key is None
    return signer_key


def test_a_letter_signed_in_the_token_validates(token_key, authority, letter_pdf, stamp):
    signer = signer_for(token_key)
    assert isinstance(signer, Pkcs11Signer)
    session = signer.open_session(pin=TOKEN_PIN)
    try:
        first = session.sign_pdf(letter_pdf, stamp=stamp, reason="Surat keterangan usaha", location="Ciputat")
        second = session.sign_pdf(letter_pdf, stamp=stamp, reason="Surat kedua", location="Ciputat")
    finally:
        session.close()
    assert first.pdf != second.pdf
    embedded = embedded_signature(first.pdf)
    assert embedded.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    root = pades.asn1_cert(pki.ca_certificate(authority))
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root], allow_fetching=False))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.timestamp_validity.valid and status.timestamp_validity.trusted
    assert first.certificate_serial == token_key.certificate_serial
    assert SIGNER_NAME in appearance_text(first.pdf)
    recorded = {hashlib.sha256(first.pdf).hexdigest(): "dokumen"}.get
    assert analyse_pdf(first.pdf, recorded_hashes=recorded).outcome == Outcome.GENUINE


def test_wrong_token_pin(token_key):
    with pytest.raises(WrongPin):
        signer_for(token_key).open_session(pin="00000000")


def test_no_such_token_or_key(token_key, authority):
    cert = token_key.certificate_pem
    with pytest.raises(SignerUnavailable):
        Pkcs11Signer(MODULE, "token-lain", KEY_LABEL, cert).open_session(pin=TOKEN_PIN)
    with pytest.raises(SignerUnavailable):
        Pkcs11Signer(MODULE, TOKEN, "kunci-lain", cert).open_session(pin=TOKEN_PIN)


def test_a_certificate_from_an_unknown_ca_is_not_registered(token, authority, signer_user):
    _context, signer, _material = foreign_context_and_signer()
    foreign = x509.load_der_x509_certificate(signer.signing_cert.dump())
    with pytest.raises(keys.DomainError, match="tidak diterbitkan oleh CA"):
        keys.register_pkcs11_key(
            actor=None, user=signer_user, token_label=TOKEN, key_label=KEY_LABEL, certificate_pem=pki.pem(foreign)
        )
