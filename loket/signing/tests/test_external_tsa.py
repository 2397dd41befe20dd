"""With ``SIGNING_TSA_URL`` the signature timestamp comes from an external RFC 3161 service
(pyHanko's HTTPTimeStamper). Here that service is a small HTTP server on 127.0.0.1 answering with a
TSA of another CA, whose root is given in ``SIGNING_TSA_CA_FILE``."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys, tsp
from pyhanko.sign import timestamps
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from loket.signing import pades, pki
from loket.signing.signers.base import SignerUnavailable
from loket.signing.signers.local import LocalSigner
from loket.signing.tests.conftest import PIN
from loket.signing.tests.helpers import embedded_signature
from loket.signing.verification import Outcome, analyse_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def external_tsa():
    material = pki.build_material()  # another CA: the TSA company's
    stamper = timestamps.DummyTimeStamper(
        tsa_cert=pades.asn1_cert(material.tsa_certificate),
        tsa_key=keys.PrivateKeyInfo.load(pki.private_key_der(material.tsa_key)),
        certs_to_embed=SimpleCertificateStore.from_certs([pades.asn1_cert(material.ca_certificate)]),
    )
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers.get("Content-Type"))
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", material, requests
    finally:
        server.shutdown()
        server.server_close()


def test_the_timestamp_comes_from_the_external_tsa(external_tsa, local_key, letter_pdf, stamp, settings, tmp_path):
    url, material, requests = external_tsa
    bundle = tmp_path / "tsa-ca.pem"
    bundle.write_text(pki.pem(material.ca_certificate))
    settings.SIGNING_TSA_URL = url
    settings.SIGNING_TSA_CA_FILE = str(bundle)
    with LocalSigner(local_key).open_session(pin=PIN) as session:
        signed = session.sign_pdf(letter_pdf, stamp=stamp, reason="", location="")
    assert requests and set(requests) == {"application/timestamp-query"}
    embedded = embedded_signature(signed.pdf)
    assert embedded.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    roots = [pades.asn1_cert(pki.ca_certificate(pki.active_authority())), pades.asn1_cert(material.ca_certificate)]
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots, allow_fetching=False))
    assert status.bottom_line and status.timestamp_validity.trusted
    tsa_subject = status.timestamp_validity.signing_cert.subject
    assert tsa_subject.dump() == pades.asn1_cert(material.tsa_certificate).subject.dump()
    record = {hashlib.sha256(signed.pdf).hexdigest(): "ok"}.get
    assert analyse_pdf(signed.pdf, recorded_hashes=record).outcome == Outcome.GENUINE
    # without the external TSA's root the timestamp is not trusted, so the file is not genuine
    settings.SIGNING_TSA_CA_FILE = ""
    assert analyse_pdf(signed.pdf, recorded_hashes=record).reason == "timestamp_invalid"


def test_an_unreachable_tsa_signs_nothing(local_key, letter_pdf, stamp, settings):
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/tsa"  # discard port: nothing listens
    with LocalSigner(local_key).open_session(pin=PIN) as session, pytest.raises(SignerUnavailable):
        session.sign_pdf(letter_pdf, stamp=stamp, reason="", location="")
