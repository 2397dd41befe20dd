"""The ``bsre`` signer: BSrE's remote signing service (Balai Sertifikasi Elektronik, BSSN), API v2 form.

BSrE keeps the officials' keys. We send the signer's NIK, their passphrase and the PDF and get the
signed PDF back. The form below is the one open-source clients use (BSrE's own documentation is
handed over at onboarding; everything marked *assumed* is to be confirmed then):

``POST {base_url}/api/v2/user/check/status``  ``{"nik": …}``  →  ``{"status": "ISSUE", "message": …}``
``POST {base_url}/api/v2/sign/pdf``  ``{"nik", "passphrase", "file": [b64], "signatureProperties": [{…}]}``
→ ``{"file": [b64 signed pdf]}``. Every request carries HTTP Basic auth (client id and secret).
Errors come back as JSON ``{"status_code": 2031, "error": "Passphrase anda salah"}``.

Sessions. ``open_session(pin=passphrase)`` checks the certificate status of the NIK once. The API
has no call that checks a passphrase without signing, so a wrong passphrase shows up at the first
``sign_pdf`` (as ``WrongPin``). The session keeps the passphrase in memory until ``close()``, since
every sign request must carry it; it is never logged, put in a message or shown by ``repr``.

Retries that never sign twice. A request is retried (``retries`` times more, waiting ``backoff``,
then twice as long each time, or the server's ``Retry-After`` up to ``MAX_RETRY_AFTER``) only when
it cannot have been processed:

- the connection could not be made: refused, DNS failure, connect timeout, TLS handshake;
- the request could not be written out completely (the server never had a whole request);
- the server answered 429 or 503: it refused the request before looking at it.

Once the whole sign request has been sent, anything but a complete answer leaves the outcome
*unknown*: BSrE may have signed the letter and the answer got lost. A read timeout, a connection
dropped before or during the answer, a 500, a 502 or 504 (a gateway in front of BSrE gave up
waiting, or BSrE died while working: it may have signed), an unknown 5xx: none of them is retried.
They raise ``SigningOutcomeUnknown`` (a ``SigningFailed``) whose message says so and asks for the
document to be checked before anyone tries again. A retry there could put a second BSrE signature
on the same letter (two signing events in BSrE's log for one letter, and possibly two different
signed files). The status check is read-only, so it is also retried on read timeouts, dropped
connections and 502/504. ``connect_timeout`` bounds connecting (and the TLS handshake);
``read_timeout`` bounds each wait for data while the answer comes back (signing can take a while).

Checks on the answer. The signed file must be a PDF with exactly one more signature than ours, that
signature mathematically sound and covering its revision, and our unsigned bytes must be a prefix of
it: BSrE added an incremental update on top of our letter and changed nothing of it. Otherwise
``SigningFailed``. With ``trust_roots`` (DER or PEM certificates of BSrE's CA chain) the signer's
certificate must also chain to one of them.

The stamp. BSrE places the image we send (``imageBase64``, ``tampilan`` VISIBLE) in the box we
give. We render it here, a PNG at 300 dpi: the QR code of ``stamp.verify_url`` on the left, the
lines "Ditandatangani secara elektronik oleh", name, a.n./Plt. line, position, NIP and the time in
the office's zone (``1 Desember 2026 pukul 16.03 WIB``, worded as the local signers' stamp) on the
right. The image is made before BSrE signs, so that time is when the request left (the signature's
own time, from BSrE's timestamp, is what ``SignedPdf.signed_at`` returns). The lines are
Indonesian whatever the interface language: they are part of the letter.

Coordinates (assumed, as in the open-source clients): ``page`` is 1-based, ``originX``/``originY``
are the lower-left corner of the box and ``width``/``height`` its size, all in PDF points with the
origin at the bottom left of the page, the same system as ``Stamp.box`` and pyHanko's field boxes.
One client's comment claims a top-left origin; ``bsre_rectangle`` is the one place to change if
BSrE confirms that at onboarding. ``Stamp.page`` follows pyHanko: 0-based, negative counts from
the end (-1 = the last page).

Error codes: ``ERROR_CODES`` and ``CERTIFICATE_STATUSES`` below are the one table; ``_refusal``
turns an entry into the exception. Only 2011 and 2031 were seen in open-source clients; the other
codes are assumptions to confirm at onboarding. A known code wins over the HTTP status (some
deployments answer "Passphrase anda salah" with a 500). An unknown code in a 4xx answer means BSrE
refused (nothing signed); a 5xx answer without a known code leaves the outcome unknown. 401/403
(our client id/secret refused) is ``SignerUnavailable``: nothing was signed, an admin must fix it.

Logs carry the NIK masked (``3674********0001``), never the passphrase, never the documents.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import hashlib
import http.client
import io
import json
import logging
import re
import ssl
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import segno
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from loket.core import clock
from loket.signing.signers.base import (
    CertificateInactive,
    SignedPdf,
    SignerError,
    SignerUnavailable,
    SigningFailed,
    SigningOutcomeUnknown,
    Stamp,
    WrongPin,
)

logger = logging.getLogger(__name__)

KIND = "bsre"
STATUS_PATH = "/api/v2/user/check/status"
SIGN_PATH = "/api/v2/sign/pdf"

# Answers that say "refused before processing": retried for every request.
RETRY_STATUSES = frozenset({429, 503})
# Gateway answers: safe to retry only for the read-only status check (see the module docstring).
RETRY_STATUSES_READ_ONLY = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 10.0  # seconds; a longer Retry-After is cut to this
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
USER_AGENT = "Loket-BSrE-client/1"

STAMP_DPI = 300
STAMP_LEAD_LINE = "Ditandatangani secara elektronik oleh"

_sleep = time.sleep  # the one place the client waits (tests replace it)


# --- the error table --------------------------------------------------------------------------


class Refusal(enum.Enum):
    """What a BSrE refusal means for us; ``_refusal`` turns one into the exception."""

    WRONG_PASSPHRASE = enum.auto()
    NOT_REGISTERED = enum.auto()
    EXPIRED = enum.auto()
    REVOKED = enum.auto()
    SUSPENDED = enum.auto()
    LOCKED = enum.auto()
    NOT_ACTIVE = enum.auto()
    DOCUMENT_REFUSED = enum.auto()


@dataclass(frozen=True)
class ErrorCode:
    code: int
    name: str
    refusal: Refusal
    meaning: str
    seen_in_clients: bool  # False: an assumption, to be confirmed with BSrE at onboarding


ERROR_CODES: dict[int, ErrorCode] = {
    entry.code: entry
    for entry in (
        ErrorCode(2011, "NIK_NOT_REGISTERED", Refusal.NOT_REGISTERED, "no BSrE account for this NIK", True),
        ErrorCode(2021, "CERTIFICATE_EXPIRED", Refusal.EXPIRED, "the certificate has expired", False),
        ErrorCode(2022, "CERTIFICATE_REVOKED", Refusal.REVOKED, "the certificate was revoked", False),
        ErrorCode(2023, "CERTIFICATE_SUSPENDED", Refusal.SUSPENDED, "the certificate is suspended", False),
        ErrorCode(2024, "CERTIFICATE_NOT_ACTIVE", Refusal.NOT_ACTIVE, "issued, not (yet) active", False),
        ErrorCode(2031, "WRONG_PASSPHRASE", Refusal.WRONG_PASSPHRASE, "'Passphrase anda salah'", True),
        ErrorCode(2032, "PASSPHRASE_LOCKED", Refusal.LOCKED, "blocked after too many wrong passphrases", False),
        ErrorCode(2041, "DOCUMENT_INVALID", Refusal.DOCUMENT_REFUSED, "the PDF could not be read", False),
        ErrorCode(2042, "SIGNATURE_PROPERTIES_INVALID", Refusal.DOCUMENT_REFUSED, "bad page, box or image", False),
        ErrorCode(2051, "SIGNING_REFUSED", Refusal.DOCUMENT_REFUSED, "BSrE could not sign; nothing signed", False),
    )
}

# ``user/check/status``: "ISSUE" is the one active status; any other one (listed or not) is inactive.
ACTIVE_STATUS = "ISSUE"
CERTIFICATE_STATUSES: dict[str, Refusal] = {
    "EXPIRED": Refusal.EXPIRED,
    "REVOKED": Refusal.REVOKED,
    "SUSPEND": Refusal.SUSPENDED,
    "SUSPENDED": Refusal.SUSPENDED,
    "NOT_REGISTERED": Refusal.NOT_REGISTERED,
}


def _refusal(refusal: Refusal, *, status: str = "", code: int | None = None) -> SignerError:
    if refusal is Refusal.WRONG_PASSPHRASE:
        return WrongPin(_("The BSrE passphrase is wrong. Check it and try again."))
    if refusal is Refusal.DOCUMENT_REFUSED:
        return SigningFailed(
            _("BSrE refused to sign this document (code %(code)s). Nothing was signed. Please tell the system admin.")
            % {"code": code if code is not None else "-"}
        )
    messages = {
        Refusal.NOT_REGISTERED: _(
            "The signer's NIK is not registered at BSrE, so there is no electronic certificate to sign with. "
            "The signer must register with BSrE first."
        ),
        Refusal.EXPIRED: _(
            "The signer's electronic certificate at BSrE has expired. "
            "It must be renewed at BSrE before it can be used to sign."
        ),
        Refusal.REVOKED: _(
            "The signer's electronic certificate at BSrE has been revoked and can no longer be used to sign. "
            "A new certificate must be requested from BSrE."
        ),
        Refusal.SUSPENDED: _(
            "The signer's electronic certificate at BSrE is suspended. It can be used again once BSrE reactivates it."
        ),
        Refusal.LOCKED: _(
            "BSrE has blocked the signer's certificate after too many wrong passphrases. Contact BSrE to unblock it."
        ),
    }
    if refusal in messages:
        return CertificateInactive(messages[refusal])
    return CertificateInactive(
        _(
            "The signer's electronic certificate at BSrE is not active (status: %(status)s), so it cannot be used to sign."
        )
        % {"status": status or "-"}
    )


def _unreachable() -> SignerUnavailable:
    return SignerUnavailable(
        _("The BSrE signing service cannot be reached. Nothing was signed; please try again in a few minutes.")
    )


def _busy() -> SignerUnavailable:
    return SignerUnavailable(
        _(
            "The BSrE signing service is busy or under maintenance. "
            "Nothing was signed; please try again in a few minutes."
        )
    )


def _access_refused() -> SignerUnavailable:
    # Not "SigningFailed": nothing was signed and nothing about the document is wrong; the
    # deployment's client id/secret (or its IP allowlist at BSrE) must be fixed by an admin.
    return SignerUnavailable(
        _(
            "BSrE refused this application's access (client ID or secret). Nothing was signed. Please tell the system admin."
        )
    )


def _not_understood() -> SignerUnavailable:
    return SignerUnavailable(
        _(
            "The BSrE signing service gave an answer Loket does not understand. Nothing was signed; please tell the system admin."
        )
    )


def _outcome_unknown() -> SigningOutcomeUnknown:
    return SigningOutcomeUnknown(
        _(
            "The document was sent to BSrE but no answer came back, so it is unknown whether it was signed. "
            "Do not sign it again until the system admin has checked it with BSrE."
        )
    )


def _bad_answer() -> SigningFailed:
    return SigningFailed(
        _(
            "BSrE's answer is not a correctly signed copy of this document, so it was not accepted. "
            "Please tell the system admin before trying again."
        )
    )


# --- helpers ----------------------------------------------------------------------------------

_NIK_LIKE = re.compile(r"\d{16}")
_STATUS_CHARS = re.compile(r"[^A-Z0-9_ -]")


def mask_nik(nik: str) -> str:
    """``3674041708900001`` → ``3674********0001``; anything shorter than 12 characters is all stars."""
    nik = str(nik)
    if len(nik) < 12:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def _scrub(text: str, limit: int = 200) -> str:
    """A server message fit for a log line: NIK-like numbers masked, cut short."""
    return _NIK_LIKE.sub(lambda m: mask_nik(m.group()), str(text))[:limit]


def bsre_rectangle(box: Sequence[float]) -> dict[str, float]:
    """``Stamp.box`` (x0, y0, x1, y1; PDF points, origin bottom left) as BSrE's ``originX``,
    ``originY``, ``width``, ``height`` (assumed: the same origin, lower-left corner of the box)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    if x1 <= x0 or y1 <= y0:
        raise ValueError("the stamp box must have a positive width and height")
    return {"originX": x0, "originY": y0, "width": x1 - x0, "height": y1 - y0}


def bsre_page(page: int, page_count: int) -> int:
    """``Stamp.page`` (0-based, negative from the end as in pyHanko) as BSrE's 1-based page."""
    index = page if page >= 0 else page_count + page
    if not 0 <= index < page_count:
        raise ValueError(f"page {page} is outside a document of {page_count} pages")
    return index + 1


def _font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's bundled font (needs FreeType): the same image on every machine.
    return ImageFont.load_default(size=size)


def _wrap(text: str, font, width: float) -> list[str]:
    words = text.split()
    if not words:
        return []
    lines, line = [], words[0]
    for word in words[1:]:
        candidate = f"{line} {word}"
        if font.getlength(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _layouts(paragraphs: list[str], sizes, width: float, *, wrap: bool):
    for size in sizes:
        font = _font(size)
        lines = [part for text in paragraphs for part in _wrap(text, font, width)] if wrap else paragraphs
        yield font, lines, round(size * 1.2)


def stamp_lines(stamp: Stamp, moment: dt.datetime) -> list[str]:
    """The words of the stamp, as the local signers write them (``pades.signing_time_text`` for the
    time in the office's zone). ``moment`` is when the request leaves: the image is made before
    BSrE signs, so the minute shown can precede the signature's timestamp by the request's duration."""
    from loket.signing.pades import signing_time_text

    lines = [STAMP_LEAD_LINE, stamp.signer_name]
    if stamp.on_behalf_line:
        lines.append(stamp.on_behalf_line)
    lines.append(stamp.signer_title)
    if stamp.signer_nip:
        lines.append(f"NIP {stamp.signer_nip}")
    lines.append(signing_time_text(moment, getattr(stamp, "time_zone", "") or "Asia/Jakarta"))
    return [" ".join(line.split()) for line in lines if line.strip()]


def render_stamp_png(stamp: Stamp, *, moment: dt.datetime | None = None, dpi: int = STAMP_DPI) -> bytes:
    """The stamp image BSrE places in the box: QR code of ``verify_url`` beside the text lines,
    black on white, sized to ``stamp.box`` at ``dpi``; ``moment`` defaults to now."""
    rect = bsre_rectangle(stamp.box)
    scale = dpi / 72
    width, height = round(rect["width"] * scale), round(rect["height"] * scale)
    image = Image.new("RGB", (width, height), "white")

    qr = segno.make(stamp.verify_url, error="m")
    modules = qr.symbol_size(border=2)[0]
    module_px = max(1, height // modules)
    qr_png = io.BytesIO()
    qr.save(qr_png, kind="png", scale=module_px, border=2)
    qr_image = Image.open(io.BytesIO(qr_png.getvalue())).convert("RGB")
    image.paste(qr_image, (0, (height - qr_image.height) // 2))

    gap = round(4 * scale)
    text_x = qr_image.width + gap
    text_width = width - text_x - gap
    draw = ImageDraw.Draw(image)
    paragraphs = stamp_lines(stamp, moment or clock.now())
    # The largest size at which every line fits unbroken; failing that, the largest with wrapping.
    sizes = range(round(9 * scale), round(4 * scale) - 1, -1)
    for font, lines, line_height in (
        layout for wrap in (False, True) for layout in _layouts(paragraphs, sizes, text_width, wrap=wrap)
    ):
        if max(font.getlength(line) for line in lines) <= text_width and line_height * len(lines) <= height:
            break
    y = (height - line_height * len(lines)) // 2
    for line in lines:
        draw.text((text_x, y), line, fill="black", font=font)
        y += line_height
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()


def _page_count(pdf: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise SigningFailed(_("The document to sign is not a readable PDF.")) from exc


def _input_signature_count(pdf: bytes) -> int:
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return len(_signatures(pdf))
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SigningFailed(_("The document to sign is not a readable PDF.")) from exc


def _signatures(pdf: bytes) -> list:
    """The ``/Sig`` signatures of ``pdf`` (pyHanko ``EmbeddedPdfSignature``), in signing order."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    return list(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures)


def _load_certificates(blobs: Sequence[bytes]) -> list:
    from asn1crypto import pem, x509

    certificates = []
    for blob in blobs:
        if pem.detect(blob):
            certificates.extend(x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(blob, multiple=True))
        else:
            certificates.append(x509.Certificate.load(blob))
    return certificates


# --- the transport ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict | None:
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None


class _NotSent(Exception):
    """The request never reached the server as a whole: safe to retry."""


class _NoAnswer(Exception):
    """The whole request was sent but no complete answer came back: the server may have acted."""


# --- the signer -------------------------------------------------------------------------------


class BsreSigner:
    """One official's account at BSrE (``nik``) reached through the deployment's API client."""

    kind = KIND

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        nik: str,
        connect_timeout: float = 5,
        read_timeout: float = 60,
        retries: int = 2,
        backoff: float = 0.5,
        trust_roots: Sequence[bytes] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("base_url must be an http:// or https:// URL")
        if retries < 0 or backoff < 0 or connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts must be positive, retries and backoff not negative")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._authorization = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        self._nik = str(nik)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retries = retries
        self.backoff = backoff
        self._trust_roots = _load_certificates(trust_roots) if trust_roots else None
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        return f"<BsreSigner {self._scheme}://{self._host} nik={mask_nik(self._nik)}>"

    @property
    def masked_nik(self) -> str:
        return mask_nik(self._nik)

    # -- Signer ------------------------------------------------------------------------------

    def open_session(self, *, pin: str) -> BsreSession:
        """Check the NIK's certificate at BSrE: active → a session that keeps ``pin`` (the
        passphrase) for its sign requests; inactive or unknown NIK → ``CertificateInactive``;
        BSrE unreachable or refusing our client credentials → ``SignerUnavailable``."""
        request_id = uuid.uuid4().hex
        answer = self._call(STATUS_PATH, {"nik": self._nik}, read_only=True, request_id=request_id)
        data = answer.json()
        if answer.status in {401, 403}:
            logger.error("BSrE refused our client credentials (HTTP %s) request=%s", answer.status, request_id)
            raise _access_refused()
        error = self._refusal_in(data)
        if error is not None:
            raise error
        if answer.status != 200 or data is None or not isinstance(data.get("status"), str):
            logger.error("BSrE status check: unexpected answer HTTP %s request=%s", answer.status, request_id)
            raise _not_understood()
        status = _STATUS_CHARS.sub("", data["status"].strip().upper())[:40]
        logger.info("BSrE certificate status of %s: %s request=%s", self.masked_nik, status, request_id)
        if status != ACTIVE_STATUS:
            raise _refusal(CERTIFICATE_STATUSES.get(status, Refusal.NOT_ACTIVE), status=status)
        return BsreSession(self, pin)

    # -- answers -----------------------------------------------------------------------------

    def _refusal_in(self, data: dict | None) -> SignerError | None:
        """The exception for a known BSrE error code in ``data``, or None."""
        if not data:
            return None
        code = _error_code(data)
        entry = ERROR_CODES.get(code) if code is not None else None
        if entry is None:
            return None
        logger.warning(
            "BSrE refused (%s %s) for %s: %s",
            entry.code,
            entry.name,
            self.masked_nik,
            _scrub(data.get("error") or data.get("message") or ""),
        )
        return _refusal(entry.refusal, code=entry.code)

    # -- HTTP --------------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            context = self._ssl_context or ssl.create_default_context()
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.connect_timeout, context=context)
        return http.client.HTTPConnection(self._host, self._port, timeout=self.connect_timeout)

    def _post_once(self, path: str, body: bytes, request_id: str) -> _Answer:
        connection = self._connection()
        try:
            try:
                connection.connect()
            except (OSError, http.client.HTTPException) as exc:  # refused, DNS, timeout, TLS
                raise _NotSent(type(exc).__name__) from exc
            connection.sock.settimeout(self.read_timeout)
            try:
                connection.request(
                    "POST",
                    self._prefix + path,
                    body=body,
                    headers={
                        "Authorization": self._authorization,
                        "Content-Type": "application/json",
                        "Accept": "application/json",
                        "User-Agent": USER_AGENT,
                        "X-Request-ID": request_id,
                        "Connection": "close",
                    },
                )
            except (OSError, http.client.HTTPException) as exc:
                # sendall() failed: the server cannot have the complete body.
                raise _NotSent(type(exc).__name__) from exc
            try:
                response = connection.getresponse()
                data = response.read(MAX_RESPONSE_BYTES + 1)
            except (OSError, http.client.HTTPException) as exc:  # read timeout, reset, EOF, bad status line
                raise _NoAnswer(type(exc).__name__) from exc
            if len(data) > MAX_RESPONSE_BYTES:
                raise _NoAnswer("answer too large")
            return _Answer(response.status, response.headers, data)
        finally:
            connection.close()

    def _call(self, path: str, payload: dict, *, read_only: bool, request_id: str) -> _Answer:
        body = json.dumps(payload).encode()
        retry_statuses = RETRY_STATUSES_READ_ONLY if read_only else RETRY_STATUSES
        attempts = 1 + self.retries
        busy = False
        for attempt in range(1, attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                answer = self._post_once(path, body, request_id)
            except _NotSent as exc:
                busy = False
                logger.warning(
                    "BSrE %s not reached (%s), attempt %d/%d request=%s", path, exc, attempt, attempts, request_id
                )
            except _NoAnswer as exc:
                if not read_only:
                    logger.error(
                        "BSrE %s: request sent, no answer (%s); outcome unknown, not retried. nik=%s request=%s",
                        path,
                        exc,
                        mask_nik(self._nik),
                        request_id,
                    )
                    raise _outcome_unknown() from None
                busy = False
                logger.warning(
                    "BSrE %s: no answer (%s), attempt %d/%d request=%s", path, exc, attempt, attempts, request_id
                )
            else:
                if answer.status not in retry_statuses:
                    return answer
                busy = True
                wait = max(wait, _retry_after(answer))
                logger.warning(
                    "BSrE %s answered %d, attempt %d/%d request=%s", path, answer.status, attempt, attempts, request_id
                )
            if attempt < attempts:
                _sleep(wait)
        raise _busy() if busy else _unreachable()


def _retry_after(answer: _Answer) -> float:
    try:
        return min(max(float(answer.headers.get("Retry-After", 0)), 0.0), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return 0.0


def _error_code(data: dict) -> int | None:
    for key in ("status_code", "code", "errorCode"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
    return None


class BsreSession:
    """An open BSrE session: the NIK's certificate was active when it was opened."""

    def __init__(self, signer: BsreSigner, passphrase: str):
        self._signer = signer
        self._passphrase: str | None = passphrase

    def __repr__(self) -> str:
        state = "closed" if self._passphrase is None else "open"
        return f"<BsreSession {self._signer.masked_nik} {state}>"

    def close(self) -> None:
        self._passphrase = None

    def sign_pdf(self, pdf: bytes, *, stamp: Stamp, reason: str, location: str) -> SignedPdf:
        if self._passphrase is None:
            raise RuntimeError("the BSrE session is closed")
        signer = self._signer
        page = bsre_page(stamp.page, _page_count(pdf))
        signatures_before = _input_signature_count(pdf)
        request_id = uuid.uuid4().hex
        properties = {
            "tampilan": "VISIBLE",
            "imageBase64": base64.b64encode(render_stamp_png(stamp)).decode("ascii"),
            "page": page,
            **bsre_rectangle(stamp.box),
            "location": location,
            "reason": reason,
        }
        payload = {
            "nik": signer._nik,
            "passphrase": self._passphrase,
            "file": [base64.b64encode(pdf).decode("ascii")],
            "signatureProperties": [properties],
        }
        digest = hashlib.sha256(pdf).hexdigest()
        logger.info(
            "BSrE sign: nik=%s document sha256=%s page=%d request=%s", signer.masked_nik, digest, page, request_id
        )
        answer = signer._call(SIGN_PATH, payload, read_only=False, request_id=request_id)
        data = answer.json()
        if answer.status in {401, 403}:
            logger.error("BSrE refused our client credentials (HTTP %s) request=%s", answer.status, request_id)
            raise _access_refused()
        error = signer._refusal_in(data)
        if error is not None:
            raise error
        if answer.status >= 500:
            logger.error(
                "BSrE sign answered %d; outcome unknown, not retried. nik=%s sha256=%s request=%s",
                answer.status,
                signer.masked_nik,
                digest,
                request_id,
            )
            raise _outcome_unknown()
        if answer.status != 200:
            code = _error_code(data) if data else None
            logger.error(
                "BSrE refused to sign: HTTP %d code %s %s request=%s",
                answer.status,
                code,
                _scrub((data or {}).get("error") or (data or {}).get("message") or ""),
                request_id,
            )
            raise _refusal(Refusal.DOCUMENT_REFUSED, code=code if code is not None else answer.status)
        signed = _decoded_file(data)
        result = self._checked(pdf, signed, signatures_before, request_id)
        logger.info(
            "BSrE signed: nik=%s sha256=%s -> %s request=%s",
            signer.masked_nik,
            digest,
            hashlib.sha256(signed).hexdigest(),
            request_id,
        )
        return result

    def _checked(self, pdf: bytes, signed: bytes | None, signatures_before: int, request_id: str) -> SignedPdf:
        """``SignedPdf`` if ``signed`` is ``pdf`` plus one sound signature, else ``SigningFailed``."""
        from asn1crypto import x509 as asn1_x509
        from cryptography import x509
        from pyhanko.pdf_utils.misc import PdfError

        def refuse(why: str) -> SigningFailed:
            logger.error("BSrE answer refused: %s request=%s", why, request_id)
            return _bad_answer()

        if signed is None or not signed.startswith(b"%PDF-"):
            raise refuse("not a PDF")
        if len(signed) <= len(pdf) or not signed.startswith(pdf):
            raise refuse("does not extend our document")
        try:
            signatures = _signatures(signed)
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            raise refuse(f"unreadable PDF ({type(exc).__name__})") from exc
        if len(signatures) != signatures_before + 1:
            raise refuse(f"{len(signatures)} signatures, expected {signatures_before + 1}")
        embedded = signatures[-1]
        trust = self._signer._trust_roots
        try:
            if trust:
                signed_at, problem = _validated(embedded, trust)
            else:
                signed_at, problem = _sound(embedded)
        except Exception as exc:  # pyHanko raises many kinds of errors on malformed signatures
            raise refuse(f"signature not verifiable ({type(exc).__name__})") from exc
        if problem:
            raise refuse(problem)
        if signed_at is None:
            logger.warning("BSrE signature carries no signing time; using now request=%s", request_id)
            signed_at = clock.now()
        if signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=dt.UTC)
        certificate: asn1_x509.Certificate = embedded.signer_cert
        subject = x509.load_der_x509_certificate(certificate.dump()).subject.rfc4514_string()
        return SignedPdf(
            pdf=signed,
            signed_at=signed_at.astimezone(dt.UTC),
            certificate_subject=subject,
            certificate_serial=format(certificate.serial_number, "x"),
        )


_ACCEPTED_COVERAGE = frozenset({"ENTIRE_FILE", "ENTIRE_REVISION"})
_ACCEPTED_LATER_CHANGES = frozenset({"NONE", "LTA_UPDATES"})  # e.g. BSrE adding a DSS or a document timestamp


def _sound(embedded) -> tuple[dt.datetime | None, str]:
    """Without trust roots: the signature matches the bytes it covers and its certificate's key, it
    covers its whole revision; the time is the signature timestamp's (its imprint must match the
    signature) or the self-reported one. Returns (signing time, problem or "")."""
    from pyhanko.sign.diff_analysis import DiffResult
    from pyhanko.sign.validation.generic_cms import (
        extract_tst_data_iter,
        message_imprint_checker,
        validate_sig_integrity,
    )

    embedded.compute_integrity_info()
    if embedded.coverage is None or embedded.coverage.name not in _ACCEPTED_COVERAGE:
        return None, f"signature coverage {embedded.coverage}"
    if embedded.coverage.name == "ENTIRE_REVISION":  # revisions after the signature: LTA updates only
        diff = embedded.diff_result
        if not isinstance(diff, DiffResult) or diff.modification_level.name not in _ACCEPTED_LATER_CHANGES:
            return None, "changes after the signature"
    intact, valid = validate_sig_integrity(
        embedded.signer_info,
        embedded.signer_cert,
        expected_content_type="data",
        actual_digest=embedded.compute_digest(),
    )
    if not (intact and valid):
        return None, "signature not intact or not valid"
    imprint_of = message_imprint_checker(embedded.signer_info)
    for token in extract_tst_data_iter(embedded.signer_info, signed=False):
        tst_info = token["encap_content_info"]["content"].parsed
        imprint = tst_info["message_imprint"]
        if imprint["hashed_message"].native == imprint_of(imprint["hash_algorithm"]["algorithm"].native):
            return tst_info["gen_time"].native, ""
    return embedded.self_reported_timestamp, ""


def _validated(embedded, trust_roots: list) -> tuple[dt.datetime | None, str]:
    """With trust roots: pyHanko's full validation (no fetching; revocation soft-fail), the signer's
    certificate chaining to one of the roots; the time from a trusted signature timestamp if any."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(embedded, context)
    if not (status.intact and status.valid):
        return None, "signature not intact or not valid"
    if status.coverage is None or status.coverage.name not in _ACCEPTED_COVERAGE:
        return None, f"signature coverage {status.coverage}"
    if status.coverage.name == "ENTIRE_REVISION" and (
        status.modification_level is None or status.modification_level.name not in _ACCEPTED_LATER_CHANGES
    ):
        return None, "changes after the signature"
    if not status.trusted:
        return None, "signer certificate does not chain to the configured BSrE roots"
    timestamp = status.timestamp_validity
    if timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted:
        return timestamp.timestamp, ""
    return embedded.self_reported_timestamp, ""


def _decoded_file(data: dict | None) -> bytes | None:
    files = data.get("file") if data else None
    if not isinstance(files, list) or len(files) != 1 or not isinstance(files[0], str):
        return None
    try:
        return base64.b64decode(files[0], validate=True)
    except (binascii.Error, ValueError):
        return None


# --- the registry's factory -------------------------------------------------------------------


def signer_for_key(signer_key) -> BsreSigner:
    """The registry's factory (``loket.signing.signers``): the BSrE signer of ``signer_key``
    (its ``bsre_nik``) with the deployment's API client from the settings ``SIGNING_BSRE_URL``,
    ``SIGNING_BSRE_CLIENT_ID``, ``SIGNING_BSRE_CLIENT_SECRET`` and optionally
    ``SIGNING_BSRE_CA_FILE`` (PEM of BSrE's CA chain: signers' certificates must chain to it),
    ``SIGNING_BSRE_CONNECT_TIMEOUT``, ``SIGNING_BSRE_READ_TIMEOUT``, ``SIGNING_BSRE_RETRIES``."""
    from django.conf import settings

    base_url = getattr(settings, "SIGNING_BSRE_URL", "")
    client_id = getattr(settings, "SIGNING_BSRE_CLIENT_ID", "")
    if not base_url or not client_id:
        raise SignerUnavailable(
            _("Signing through BSrE is not configured on this server. Please tell the system admin.")
        )
    if not getattr(signer_key, "bsre_nik", ""):
        raise SignerUnavailable(_("This signer has no NIK recorded for BSrE. Please tell the system admin."))
    ca_file = getattr(settings, "SIGNING_BSRE_CA_FILE", "")
    trust_roots = None
    if ca_file:
        with open(ca_file, "rb") as handle:
            trust_roots = [handle.read()]
    return BsreSigner(
        base_url=base_url,
        client_id=client_id,
        client_secret=getattr(settings, "SIGNING_BSRE_CLIENT_SECRET", ""),
        nik=signer_key.bsre_nik,
        connect_timeout=float(getattr(settings, "SIGNING_BSRE_CONNECT_TIMEOUT", 5)),
        read_timeout=float(getattr(settings, "SIGNING_BSRE_READ_TIMEOUT", 60)),
        retries=int(getattr(settings, "SIGNING_BSRE_RETRIES", 2)),
        trust_roots=trust_roots,
    )


__all__ = [
    "ACTIVE_STATUS",
    "CERTIFICATE_STATUSES",
    "ERROR_CODES",
    "KIND",
    "SIGN_PATH",
    "STATUS_PATH",
    "BsreSession",
    "BsreSigner",
    "ErrorCode",
    "Refusal",
    "SigningOutcomeUnknown",
    "bsre_page",
    "bsre_rectangle",
    "mask_nik",
    "render_stamp_png",
    "signer_for_key",
]
