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
The exchange itself is ``loket.core.http.HttpClient``'s (the sign request not idempotent, the
status check idempotent); this module maps its errors to the signer's.

Checks on the answer. The signed file must be a PDF with exactly one more signature than ours, that
signature mathematically sound and covering its revision, and our unsigned bytes must be a prefix of
it: BSrE added an incremental update on top of our letter and changed nothing of it. Otherwise
``SigningFailed``. With ``trust_roots`` (DER or PEM certificates of BSrE's CA chain) the signer's
certificate must also chain to one of them (``bsre_answer``).

The stamp. BSrE places the image we send (``imageBase64``, ``tampilan`` VISIBLE) in the box we
give. We render it here, a PNG at 300 dpi: the QR code of ``stamp.verify_url`` on the left, the
lines "Ditandatangani secara elektronik oleh", name, a.n./Plt. line, position, NIP and the time in
the office's zone (``1 Desember 2026 pukul 16.03 WIB``, worded as the local signers' stamp) on the
right. The image is made before BSrE signs, so that time is when the request left (the signature's
own time, from BSrE's timestamp, is what ``SignedPdf.signed_at`` returns). The lines are
Indonesian whatever the interface language: they are part of the letter (``bsre_stamp``).

Coordinates (assumed, as in the open-source clients): ``page`` is 1-based, ``originX``/``originY``
are the lower-left corner of the box and ``width``/``height`` its size, all in PDF points with the
origin at the bottom left of the page, the same system as ``Stamp.box`` and pyHanko's field boxes.
One client's comment claims a top-left origin; ``bsre_rectangle`` is the one place to change if
BSrE confirms that at onboarding. ``Stamp.page`` follows pyHanko: 0-based, negative counts from
the end (-1 = the last page).

Error codes: ``ERROR_CODES`` and ``CERTIFICATE_STATUSES`` (``bsre_errors``) are the one table;
``refusal`` turns an entry into the exception. Only 2011 and 2031 were seen in open-source clients; the other
codes are assumptions to confirm at onboarding. A known code wins over the HTTP status (some
deployments answer "Passphrase anda salah" with a 500). An unknown code in a 4xx answer means BSrE
refused (nothing signed); a 5xx answer without a known code leaves the outcome unknown. 401/403
(our client id/secret refused) is ``SignerUnavailable``: nothing was signed, an admin must fix it.

Logs carry the NIK masked (``3674********0001``), never the passphrase, never the documents.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import ssl
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from loket.core import http as core_http
from loket.core.redact import mask_nik, redact
from loket.signing.signers.base import SignedPdf, SignerError, SignerUnavailable, SigningOutcomeUnknown, Stamp
from loket.signing.signers.bsre_answer import (
    checked_signed_pdf,
    decoded_file,
    input_signature_count,
    load_certificates,
    page_count,
)
from loket.signing.signers.bsre_errors import (
    ACTIVE_STATUS,
    CERTIFICATE_STATUSES,
    ERROR_CODES,
    ErrorCode,
    Refusal,
    access_refused,
    busy,
    error_code,
    not_understood,
    outcome_unknown,
    refusal,
    unreachable,
)
from loket.signing.signers.bsre_stamp import bsre_page, bsre_rectangle, render_stamp_png, stamp_lines

logger = logging.getLogger(__name__)

KIND = "bsre"
STATUS_PATH = "/api/v2/user/check/status"
SIGN_PATH = "/api/v2/sign/pdf"

MAX_RETRY_AFTER = 10.0  # seconds; a longer Retry-After is cut to this
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
USER_AGENT = "Loket-BSrE-client/1"

_STATUS_CHARS = re.compile(r"[^A-Z0-9_ -]")


def _object(answer: core_http.Response) -> dict | None:
    """The answer's JSON when it is an object (BSrE answers objects), else None."""
    data = answer.json()
    return data if isinstance(data, dict) else None


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
        self._where = f"{parts.scheme}://{parts.hostname}"
        self._nik = str(nik)
        self._trust_roots = load_certificates(trust_roots) if trust_roots else None
        self._client = core_http.HttpClient(
            base_url,
            name="BSrE",
            auth=core_http.BasicAuth(client_id, client_secret),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries=retries,
            backoff=backoff,
            max_retry_after=MAX_RETRY_AFTER,
            long_retry_after="wait_max",
            max_response_bytes=MAX_RESPONSE_BYTES,
            verify=ssl_context,
            user_agent=USER_AGENT,
        )

    def __repr__(self) -> str:
        return f"<BsreSigner {self._where} nik={mask_nik(self._nik)}>"

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
        data = _object(answer)
        if answer.status in {401, 403}:
            logger.error("BSrE refused our client credentials (HTTP %s) request=%s", answer.status, request_id)
            raise access_refused()
        error = self._refusal_in(data)
        if error is not None:
            raise error
        if answer.status != 200 or data is None or not isinstance(data.get("status"), str):
            logger.error("BSrE status check: unexpected answer HTTP %s request=%s", answer.status, request_id)
            raise not_understood()
        status = _STATUS_CHARS.sub("", data["status"].strip().upper())[:40]
        logger.info("BSrE certificate status of %s: %s request=%s", self.masked_nik, status, request_id)
        if status != ACTIVE_STATUS:
            raise refusal(CERTIFICATE_STATUSES.get(status, Refusal.NOT_ACTIVE), status=status)
        return BsreSession(self, pin)

    # -- answers -----------------------------------------------------------------------------

    def _refusal_in(self, data: dict | None) -> SignerError | None:
        """The exception for a known BSrE error code in ``data``, or None."""
        if not data:
            return None
        code = error_code(data)
        entry = ERROR_CODES.get(code) if code is not None else None
        if entry is None:
            return None
        logger.warning(
            "BSrE refused (%s %s) for %s: %s",
            entry.code,
            entry.name,
            self.masked_nik,
            redact(data.get("error") or data.get("message") or "", limit=200),
        )
        return refusal(entry.refusal, code=entry.code)

    # -- HTTP --------------------------------------------------------------------------------

    def _call(self, path: str, payload: dict, *, read_only: bool, request_id: str) -> core_http.Response:
        """POST ``payload`` as JSON; the answer, whatever its status, once one came back complete.
        Only the read-only status check is idempotent: a sign request sent twice may sign twice."""
        try:
            return self._client.post(
                path,
                json=payload,
                headers={"X-Request-ID": request_id},
                idempotent=read_only,
                log_context=f"request={request_id}",
            )
        except core_http.HttpStatusError as exc:
            if exc.retryable:  # 429/503 (and for the status check 502/504) until the retries ran out
                raise busy() from None
            return exc.response
        except core_http.NotSent:
            raise unreachable() from None
        except core_http.OutcomeUnknown as exc:
            if read_only:  # retried already; the status check changes nothing at BSrE
                raise unreachable() from None
            logger.error(
                "BSrE %s: request sent, no answer (%s); outcome unknown, not retried. nik=%s request=%s",
                path,
                exc.reason,
                self.masked_nik,
                request_id,
            )
            raise outcome_unknown() from None


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
        page = bsre_page(stamp.page, page_count(pdf))
        signatures_before = input_signature_count(pdf)
        request_id = uuid.uuid4().hex
        digest = hashlib.sha256(pdf).hexdigest()
        logger.info(
            "BSrE sign: nik=%s document sha256=%s page=%d request=%s", signer.masked_nik, digest, page, request_id
        )
        payload = self._sign_payload(pdf, stamp, page=page, reason=reason, location=location)
        answer = signer._call(SIGN_PATH, payload, read_only=False, request_id=request_id)
        signed = self._signed_file(answer, digest=digest, request_id=request_id)
        result = checked_signed_pdf(
            pdf, signed, signatures_before, trust_roots=signer._trust_roots, request_id=request_id
        )
        logger.info(
            "BSrE signed: nik=%s sha256=%s -> %s request=%s",
            signer.masked_nik,
            digest,
            hashlib.sha256(result.pdf).hexdigest(),
            request_id,
        )
        return result

    def _sign_payload(self, pdf: bytes, stamp: Stamp, *, page: int, reason: str, location: str) -> dict:
        properties = {
            "tampilan": "VISIBLE",
            "imageBase64": base64.b64encode(render_stamp_png(stamp)).decode("ascii"),
            "page": page,
            **bsre_rectangle(stamp.box),
            "location": location,
            "reason": reason,
        }
        return {
            "nik": self._signer._nik,
            "passphrase": self._passphrase,
            "file": [base64.b64encode(pdf).decode("ascii")],
            "signatureProperties": [properties],
        }

    def _signed_file(self, answer: core_http.Response, *, digest: str, request_id: str) -> bytes | None:
        """The signed file in BSrE's answer (None when there is none to decode), or the error for
        a refusal. A known error code wins over the HTTP status (see the module's documentation)."""
        signer = self._signer
        data = _object(answer)
        if answer.status in {401, 403}:
            logger.error("BSrE refused our client credentials (HTTP %s) request=%s", answer.status, request_id)
            raise access_refused()
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
            raise outcome_unknown()
        if answer.status != 200:
            code = error_code(data) if data else None
            logger.error(
                "BSrE refused to sign: HTTP %d code %s %s request=%s",
                answer.status,
                code,
                redact((data or {}).get("error") or (data or {}).get("message") or "", limit=200),
                request_id,
            )
            raise refusal(Refusal.DOCUMENT_REFUSED, code=code if code is not None else answer.status)
        return decoded_file(data)


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
    "MAX_RETRY_AFTER",
    "SigningOutcomeUnknown",
    "bsre_page",
    "bsre_rectangle",
    "mask_nik",
    "render_stamp_png",
    "signer_for_key",
    "stamp_lines",
]
