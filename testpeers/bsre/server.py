"""A BSrE-compatible signing server on 127.0.0.1, for tests and local development. Never for production.

It speaks the API v2 form ``loket.signing.signers.bsre`` talks to and really signs: on start it
makes its own CA ("BSrE Test CA"), a time-stamping authority issued by that CA and one certificate
per user in its table (NIK → passphrase, certificate status, name). ``/api/v2/sign/pdf`` signs each
PDF with pyHanko as an incremental update (PAdES, SHA-256, an RFC 3161 signature timestamp from its
TSA) with a visible signature field at the box given, showing the ``imageBase64`` PNG, and with the
reason and location given. Errors use the codes of ``bsre.ERROR_CODES`` (the client's table, so the
two cannot drift apart).

::

    with BsreTestServer() as server:                  # 127.0.0.1, an ephemeral port
        server.add_user("3674041708900001", "rahasia-123", name="Hendra Gunawan")
        signer = BsreSigner(base_url=server.url, client_id=server.client_id,
                            client_secret=server.client_secret, nik="3674041708900001")
        server.fail_next(SIGN_PATH, count=2)          # 503 twice, before processing
        server.delay_next(SIGN_PATH, 2.0)             # sign, then answer 2 s late
        server.drop_next(SIGN_PATH)                   # read the body, sign, close without answering
        server.corrupt_next(SIGN_PATH, "not_pdf")     # "not_pdf", "not_extending", "no_signature", "tampered"
        server.signed_count                           # documents actually signed
        server.requests[SIGN_PATH]                    # requests that reached the server
        server.last_signature_properties              # what the last sign request asked for
        server.ca_certificate                         # the trust root (asn1crypto), ca_certificate_pem

Statuses: ``ISSUE`` (active), ``EXPIRED``, ``REVOKED``, ``SUSPEND`` or anything else; a NIK not in
the table answers ``NOT_REGISTERED``. For local development: ``python -m testpeers.bsre`` serves on
port 8765 with the demo users printed on start.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import io
import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from loket.signing.signers.bsre import ACTIVE_STATUS, ERROR_CODES, SIGN_PATH, STATUS_PATH
from testpeers.bsre.pki import BsrePki, KeyPair
from testpeers.server import Dropped, JsonHandler, LocalJsonServer

logger = logging.getLogger(__name__)

VERIFY_PATH = "/api/v2/verify/pdf"
MAX_BODY = 64 * 1024 * 1024
CORRUPT_MODES = ("not_pdf", "not_extending", "no_signature", "tampered")
_CODES = {entry.name: entry.code for entry in ERROR_CODES.values()}
_STATUS_CODES = {"EXPIRED": "CERTIFICATE_EXPIRED", "REVOKED": "CERTIFICATE_REVOKED", "SUSPEND": "CERTIFICATE_SUSPENDED"}


# --- users and faults -------------------------------------------------------------------------


@dataclass
class BsreUser:
    nik: str
    passphrase: str
    status: str = ACTIVE_STATUS
    name: str = "Penanda Tangan Uji"
    organization: str = "Pemerintah Kota Tangerang Selatan"
    keys: KeyPair | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never the passphrase
        return f"<BsreUser {self.nik[:4]}…{self.nik[-4:]} {self.status}>"


@dataclass
class _Fault:
    path: str
    kind: str  # "fail", "delay", "drop", "corrupt"
    remaining: int
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    process: bool = True
    mode: str = ""


# --- the server -------------------------------------------------------------------------------


class BsreTestServer(LocalJsonServer):
    thread_name = "bsre-testserver"

    def __init__(
        self,
        *,
        client_id: str = "loket-test-client",
        client_secret: str = "loket-test-secret",  # noqa: S107 - a test server's own credentials
        host: str = "127.0.0.1",
        port: int = 0,
        timestamps: bool = True,
        key_size: int = 2048,
    ):
        super().__init__(host=host, port=port)
        self.client_id = client_id
        self.client_secret = client_secret
        self.timestamps = timestamps
        self._key_size = key_size
        self._pki: BsrePki | None = None
        self._users: dict[str, BsreUser] = {}
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._signed = threading.Condition(self._lock)
        self.signed_count = 0
        self.requests: Counter[str] = Counter()
        self.last_signature_properties: list | None = None  # of the last sign request (no NIK, no passphrase)

    # -- life cycle --------------------------------------------------------------------------

    def _before_start(self) -> None:
        if self._pki is None:
            self._pki = BsrePki(key_size=self._key_size)
            for user in self._users.values():
                self._issue(user)

    @property
    def ca_certificate(self) -> asn1_x509.Certificate:
        return self._require_pki().ca.asn1_certificate

    @property
    def ca_certificate_pem(self) -> bytes:
        return self._require_pki().ca.certificate.public_bytes(serialization.Encoding.PEM)

    def _require_pki(self) -> BsrePki:
        if self._pki is None:
            raise RuntimeError("start the server first")
        return self._pki

    # -- users -------------------------------------------------------------------------------

    def add_user(self, nik: str, passphrase: str, *, status: str = ACTIVE_STATUS, **details) -> BsreUser:
        user = BsreUser(nik=nik, passphrase=passphrase, status=status, **details)
        with self._lock:
            self._users[nik] = user
        if self._pki is not None:
            self._issue(user)
        return user

    def set_status(self, nik: str, status: str) -> None:
        with self._lock:
            self._users[nik].status = status

    def _issue(self, user: BsreUser) -> None:
        user.keys = self._require_pki().issue(
            user.name, organization=user.organization, expired=user.status == "EXPIRED"
        )

    # -- faults ------------------------------------------------------------------------------

    def fail_next(self, path: str = SIGN_PATH, *, count: int = 1, status: int = 503, retry_after=None) -> None:
        """Answer ``status`` to the next ``count`` requests to ``path`` without processing them."""
        self._add_fault(_Fault(path, "fail", count, status=status, retry_after=retry_after))

    def delay_next(self, path: str = SIGN_PATH, seconds: float = 1.0, *, count: int = 1) -> None:
        """Process the next ``count`` requests to ``path`` (sign), then wait ``seconds`` before answering."""
        self._add_fault(_Fault(path, "delay", count, seconds=seconds))

    def drop_next(self, path: str = SIGN_PATH, *, count: int = 1, process: bool = True) -> None:
        """Read the next request's body, process it (unless ``process`` is False), then close the
        connection without answering."""
        self._add_fault(_Fault(path, "drop", count, process=process))

    def corrupt_next(self, path: str = SIGN_PATH, mode: str = "not_pdf", *, count: int = 1) -> None:
        """Sign, then answer 200 with a wrong file: ``not_pdf``, ``not_extending`` (a signed PDF
        that does not start with the input), ``no_signature`` (the input plus an update without a
        signature) or ``tampered`` (the signed PDF with a byte of the signed range changed)."""
        if mode not in CORRUPT_MODES:
            raise ValueError(f"mode must be one of {CORRUPT_MODES}")
        self._add_fault(_Fault(path, "corrupt", count, mode=mode))

    def wait_signed(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until at least ``count`` documents were signed (the server may still be signing
        after the client gave up); False after ``timeout`` seconds."""
        with self._signed:
            return self._signed.wait_for(lambda: self.signed_count >= count, timeout=timeout)

    def reset(self) -> None:
        """Forget faults and counters (the users and the PKI stay)."""
        with self._lock:
            self._faults.clear()
            self.signed_count = 0
            self.requests.clear()
            self.last_signature_properties = None

    def _add_fault(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path == path and fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- the API -----------------------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return header is not None and header == expected

    def _user(self, nik: Any) -> BsreUser | None:
        with self._lock:
            return self._users.get(nik) if isinstance(nik, str) else None

    def check_status(self, payload: dict) -> tuple[int, dict]:
        user = self._user(payload.get("nik"))
        if user is None:
            return 200, {"status": "NOT_REGISTERED", "message": "NIK tidak terdaftar"}
        words = {
            ACTIVE_STATUS: "Sertifikat aktif",
            "EXPIRED": "Sertifikat kedaluwarsa",
            "REVOKED": "Sertifikat dicabut",
            "SUSPEND": "Sertifikat ditangguhkan",
        }
        return 200, {"status": user.status, "message": words.get(user.status, "Sertifikat tidak aktif")}

    def sign(self, payload: dict, *, corrupt: str = "") -> tuple[int, dict]:
        with self._lock:
            self.last_signature_properties = payload.get("signatureProperties")
        user = self._user(payload.get("nik"))
        if user is None:
            return _error(400, "NIK_NOT_REGISTERED", "User tidak terdaftar")
        if user.status != ACTIVE_STATUS:
            name = _STATUS_CODES.get(user.status, "CERTIFICATE_NOT_ACTIVE")
            return _error(400, name, f"Sertifikat tidak aktif ({user.status})")
        if payload.get("passphrase") != user.passphrase:
            return _error(400, "WRONG_PASSPHRASE", "Passphrase anda salah")
        files, properties = payload.get("file"), payload.get("signatureProperties") or [{"tampilan": "INVISIBLE"}]
        if not isinstance(files, list) or not files or not isinstance(properties, list):
            return _error(400, "DOCUMENT_INVALID", "File tidak ada")
        try:
            documents = [base64.b64decode(item, validate=True) for item in files]
        except (binascii.Error, TypeError, ValueError):
            return _error(400, "DOCUMENT_INVALID", "File bukan base64")
        signed = []
        for index, document in enumerate(documents):
            spec = properties[index] if index < len(properties) else properties[-1]
            try:
                result = self._sign_one(user, document, spec if isinstance(spec, dict) else {})
            except _BadProperties as exc:
                return _error(400, "SIGNATURE_PROPERTIES_INVALID", str(exc))
            except Exception:
                logger.exception("test server: could not sign")
                return _error(400, "DOCUMENT_INVALID", "Dokumen tidak dapat diproses")
            with self._lock:
                self.signed_count += 1
                self._signed.notify_all()
            signed.append(self._corrupted(document, result, corrupt, spec) if corrupt else result)
        return 200, {"file": [base64.b64encode(item).decode("ascii") for item in signed]}

    def _sign_one(self, user: BsreUser, pdf: bytes, spec: dict) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.sign.timestamps import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        pki = self._require_pki()
        assert user.keys is not None
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        existing = len(list(writer.prev.embedded_signatures))
        field_name = f"BSrE-Signature-{existing + 1}"
        stamp_style, field_spec = None, None
        if str(spec.get("tampilan", "INVISIBLE")).upper() == "VISIBLE":
            stamp_style, field_spec = _visible_field(writer, field_name, spec)
        registry = SimpleCertificateStore.from_certs([pki.ca.asn1_certificate])
        signer = signers.SimpleSigner(
            signing_cert=user.keys.asn1_certificate, signing_key=user.keys.asn1_key, cert_registry=registry
        )
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            reason=str(spec.get("reason") or "") or None,
            location=str(spec.get("location") or "") or None,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        timestamper = None
        if self.timestamps:
            timestamper = DummyTimeStamper(
                tsa_cert=pki.tsa.asn1_certificate,
                tsa_key=pki.tsa.asn1_key,
                certs_to_embed=SimpleCertificateStore.from_certs([pki.ca.asn1_certificate]),
            )
        pdf_signer = signers.PdfSigner(
            meta, signer=signer, timestamper=timestamper, stamp_style=stamp_style, new_field_spec=field_spec
        )
        out = pdf_signer.sign_pdf(writer)
        return out.getvalue()

    def _corrupted(self, original: bytes, signed: bytes, mode: str, spec) -> bytes:
        if mode == "not_pdf":
            return b"<html>Terjadi kesalahan</html>"
        if mode == "not_extending":
            # Still a signed PDF, but the first bytes differ from what was sent.
            return signed[:5] + (b"1.4" if signed[5:8] != b"1.4" else b"1.3") + signed[8:]
        if mode == "no_signature":
            from pyhanko.pdf_utils.generic import NameObject, TextStringObject
            from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

            writer = IncrementalPdfFileWriter(io.BytesIO(original), strict=False)
            writer.root[NameObject("/LoketTest")] = TextStringObject("tanpa tanda tangan")
            writer.update_root()
            out = io.BytesIO()
            writer.write(out)
            return out.getvalue()
        # tampered: change the signing date (/M, inside the signed byte range) of the new signature
        tampered = bytearray(signed)
        at = tampered.find(b"(D:", len(original)) + 6  # the last digit of the year
        tampered[at] = ord("0") + (tampered[at] - ord("0") + 1) % 10
        return bytes(tampered)

    def verify(self, payload: dict) -> tuple[int, dict]:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext

        try:
            document = base64.b64decode(payload.get("file") or "", validate=True)
            reader = PdfFileReader(io.BytesIO(document), strict=False)
            signatures = list(reader.embedded_regular_signatures)
        except Exception:
            return _error(400, "DOCUMENT_INVALID", "File tidak valid")
        details = []
        for embedded in signatures:
            context = ValidationContext(trust_roots=[self.ca_certificate], allow_fetching=False)
            status = validate_pdf_signature(embedded, context)
            details.append(
                {
                    "signerName": embedded.signer_cert.subject.native.get("common_name", ""),
                    "signatureDate": (embedded.self_reported_timestamp or dt.datetime.now(dt.UTC)).isoformat(),
                    "integrityValid": bool(status.intact and status.valid),
                    "certificateTrusted": bool(status.trusted),
                    "reason": embedded.sig_object.get("/Reason", ""),
                    "location": embedded.sig_object.get("/Location", ""),
                }
            )
        if not details:
            conclusion = "NO_SIGNATURE"
        elif all(d["integrityValid"] and d["certificateTrusted"] for d in details):
            conclusion = "VALID"
        else:
            conclusion = "INVALID"
        return 200, {"conclusion": conclusion, "signatureCount": len(details), "signatureInformations": details}


class _BadProperties(Exception):
    pass


def _visible_field(writer, field_name: str, spec: dict):
    """(stamp style, field spec) of a visible signature: the box of ``spec`` (1-based ``page``,
    ``originX``/``originY`` the lower-left corner, ``width``, ``height``) showing ``imageBase64``."""
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
    from pyhanko.sign import fields
    from pyhanko.stamp import StaticStampStyle

    page_count = int(writer.root["/Pages"]["/Count"])
    try:
        page = int(spec["page"])
        x, y = float(spec["originX"]), float(spec["originY"])
        width, height = float(spec["width"]), float(spec["height"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _BadProperties("page, originX, originY, width dan height wajib diisi") from exc
    if not 1 <= page <= page_count or width <= 0 or height <= 0:
        raise _BadProperties("halaman atau ukuran kotak tidak valid")
    field_spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=page - 1, box=(x, y, x + width, y + height))
    background = None
    if spec.get("imageBase64"):
        try:
            image = Image.open(io.BytesIO(base64.b64decode(spec["imageBase64"], validate=True)))
            image.load()
        except Exception as exc:
            raise _BadProperties("imageBase64 bukan gambar") from exc
        background = PdfImage(image.convert("RGB"))
    stamp_style = StaticStampStyle(
        background=background,
        background_opacity=1.0,
        border_width=0,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID, margins=Margins.uniform(0)
        ),
    )
    return stamp_style, field_spec


def _error(http_status: int, name: str, message: str) -> tuple[int, dict]:
    return http_status, {"status_code": _CODES[name], "error": message}


# --- HTTP -------------------------------------------------------------------------------------


class _Handler(JsonHandler):
    server_version = "BsreTestServer/1"

    def do_GET(self) -> None:  # noqa: N802
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "Method not allowed"})

    def do_POST(self) -> None:  # noqa: N802
        with contextlib.suppress(Dropped):
            self._post()

    def _post(self) -> None:
        app = self.app
        path = urlsplit(self.path).path
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length wajib"})
            return
        if not 0 <= length <= MAX_BODY:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "Permintaan terlalu besar"})
            return
        raw = self.rfile.read(length)
        with app._lock:
            app.requests[path] += 1
        routes = {STATUS_PATH: app.check_status, SIGN_PATH: app.sign, VERIFY_PATH: app.verify}
        if path not in routes:
            self._send(HTTPStatus.NOT_FOUND, {"error": "Tidak ditemukan"})
            return
        fault = app._take_fault(path)
        if fault is not None and fault.kind == "fail":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            self._send(fault.status, {"error": "Layanan sedang sibuk"}, headers=headers)
            return
        if not app._authorized(self.headers.get("Authorization")):
            self._send(HTTPStatus.UNAUTHORIZED, {"error": "Unauthorized"}, headers={"WWW-Authenticate": "Basic"})
            return
        if fault is not None and fault.kind == "drop" and not fault.process:
            self._drop()
        try:
            payload = json.loads(raw)
            if not isinstance(payload, dict):
                raise ValueError
        except ValueError:
            self._send(HTTPStatus.BAD_REQUEST, {"error": "JSON tidak valid"})
            return
        if path == SIGN_PATH and fault is not None and fault.kind == "corrupt":
            status, answer = app.sign(payload, corrupt=fault.mode)
        else:
            status, answer = routes[path](payload)
        if fault is not None and fault.kind == "drop":
            self._drop()
        if fault is not None and fault.kind == "delay":
            app._stopping.wait(fault.seconds)
        self._send(status, answer)


BsreTestServer.handler_class = _Handler
