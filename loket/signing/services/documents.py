"""The verbs of signing a document: put a letter before its signer, sign a batch with one PIN entry,
clear an attempt whose outcome was lost.

- ``request_signature``: a workflow app (permohonan) puts an issued letter before an official.
- ``sign_documents``: the official signs some of their waiting documents with one PIN: the signer
  opens one session (the local key is unsealed once), each document is signed and stored in its
  own transaction. Wrong PINs are counted per signer (``keys.register_wrong_pin``): after
  ``SIGNING_PIN_MAX_FAILURES`` (5) in a row signing is locked for ``SIGNING_PIN_LOCK_MINUTES`` (15)
  and the lock is audited. The PIN is
  never logged, stored or put in an audit row.
- Never twice: before a signer is asked, the document's ``attempt`` is set and committed; a
  remote signer whose answer was lost (``SigningOutcomeUnknown``) leaves it "unknown", and that document is not tried again
  until an officer has checked it (``clear_unknown_attempt``).

What happens after signing in a workflow (the request moves on, a chained request continues) is
up to the workflow app: it subscribes with ``events.on_signed``; handlers run inside the
transaction that stores the signature, so either both happen or neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.letters import selectors as letter_selectors
from loket.letters.models import Letter
from loket.letters.rendering import SIGNATURE_BOX
from loket.signing import events, selectors
from loket.signing.models import DocumentStatus, SignedDocument
from loket.signing.services import keys
from loket.signing.signers import signer_for
from loket.signing.signers.base import (
    CertificateInactive,
    SignerError,
    SignerUnavailable,
    SigningOutcomeUnknown,
    Stamp,
    WrongPin,
)

UNKNOWN = "unknown"
RUNNING = "running"


# --- putting a letter before its signer -----------------------------------------------------


@transaction.atomic
def request_signature(*, actor, letter: Letter, signer) -> SignedDocument:
    """Put ``letter`` (issued, numbered) before ``signer``, who must hold the signer role
    (penandatangan) at the letter's office."""
    if actor is not None and not policy.allows(actor, policy.HANDLE_REQUESTS, letter.office):
        raise NotAllowed(
            _("Only the staff of %(office)s can send its letters for signature.") % {"office": letter.office}
        )
    if signer is None or not policy.allows(signer, policy.SIGN, letter.office):
        raise DomainError(_("The chosen official does not sign letters of this office."), code="not_a_signer")
    if SignedDocument.objects.filter(letter=letter).exists():
        raise DomainError(_("This letter is already before a signer."), code="already_requested")
    document = SignedDocument.objects.create(letter=letter, signer=signer, requested_at=clock.now())
    record(
        actor=actor,
        action="signing.request",
        obj=document,
        to_state=DocumentStatus.PENDING,
        office_id=letter.office_id,
        data={"letter": letter.number, "signer": signer.username},
    )
    return document


# --- signing -------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    signed: list[SignedDocument] = field(default_factory=list)
    failed: list[tuple[SignedDocument, str]] = field(default_factory=list)
    remaining: int = 0  # ticked documents left for the next batch (SIGNING_MAX_BATCH)


def verify_url(document: SignedDocument, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/verifikasi/{document.verification_token}/"


def _stamp(document: SignedDocument, base_url: str) -> Stamp:
    letter = document.letter
    return Stamp(
        signer_name=letter.signer_name,
        signer_title=letter.signer_title,
        on_behalf_line=letter.signer_on_behalf,
        signer_nip=letter.signer_nip,
        verify_url=verify_url(document, base_url),
        page=SIGNATURE_BOX.page,
        box=SIGNATURE_BOX.as_tuple,
        time_zone=str(letter.office.timezone),
    )


def stale_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "SIGNING_STALE_ATTEMPT_MINUTES", 10)))


def max_batch() -> int:
    return int(getattr(settings, "SIGNING_MAX_BATCH", 50))


def _start_attempt(document: SignedDocument, *, local: bool, actor=None) -> bool:
    """Mark the attempt (committed before the signer is asked, with its audit row); False if it
    must not be tried.

    An attempt left "running" for longer than ``SIGNING_STALE_ATTEMPT_MINUTES`` was cut off (the
    worker died). A local or PKCS#11 signer signs in this process and stores nothing elsewhere, so
    trying again cannot sign twice; a remote signer (BSrE) may have signed: that document is marked
    "unknown" for an admin to check."""
    now = clock.now()
    stale = Q(attempt=RUNNING, attempt_started_at__lt=now - stale_after())
    running = {"attempt": RUNNING, "attempt_started_at": now}
    # Conditional updates, not read-then-write: two requests signing the same document at once
    # (a double click) cannot both start it.
    with transaction.atomic():
        rows = SignedDocument.objects.filter(pk=document.pk, status=DocumentStatus.PENDING)
        if rows.filter(stale).update(**(running if local else {"attempt": UNKNOWN})):
            _audit_attempt(document, actor, RUNNING, RUNNING if local else UNKNOWN, why="cut off")
            return local
        if rows.filter(attempt="").update(**running):
            _audit_attempt(document, actor, "", RUNNING)
            return True
        return False


def _audit_attempt(document: SignedDocument, actor, from_state: str, to_state: str, *, why: str = "") -> None:
    """The audit row of a change of the attempt: "" (none, or no signature came of it), running, or
    unknown (the answer was lost). A finished one is audited by ``_finish`` as signing.sign."""
    record(
        actor=actor,
        action="signing.attempt",
        obj=document,
        from_state=from_state,
        to_state=to_state,
        reason=why,
        office_id=document.letter.office_id,
    )


_SIGNED_FIELDS = (
    "signed_pdf",
    "signed_sha256",
    "signed_at",
    "certificate_subject",
    "certificate_serial",
    "signer_kind",
    "status",
    "attempt",
)


def _finish(document: SignedDocument, signed, kind: str, actor) -> SignedDocument:
    """Store the signed PDF and its facts, with the audit row and the workflow's move (events)."""
    with transaction.atomic():
        row = SignedDocument.objects.select_for_update().select_related("letter").get(pk=document.pk)
        sha256 = hashlib.sha256(signed.pdf).hexdigest()
        row.signed_pdf.save(f"{row.letter.number.replace('/', '-')}-{row.pk}.pdf", ContentFile(signed.pdf), save=False)
        row.signed_sha256 = sha256
        row.signed_at = signed.signed_at
        row.certificate_subject = signed.certificate_subject[:300]
        row.certificate_serial = signed.certificate_serial[:64]
        row.signer_kind = kind
        row.status = DocumentStatus.SIGNED
        row.attempt = ""
        row.save(update_fields=[*_SIGNED_FIELDS])
        record(
            actor=actor,
            action="signing.sign",
            obj=row,
            from_state=DocumentStatus.PENDING,
            to_state=DocumentStatus.SIGNED,
            office_id=row.letter.office_id,
            data={"letter": row.letter.number, "sha256": sha256, "kind": kind, "serial": row.certificate_serial},
        )
        events.signed(row)
        return row


def _release(document: SignedDocument, state: str, *, actor=None, why: str = "") -> None:
    """No signature came of the attempt: free the document ("") or leave it "unknown" for a check."""
    with transaction.atomic():
        if SignedDocument.objects.filter(pk=document.pk, attempt=RUNNING).update(attempt=state):
            _audit_attempt(document, actor, RUNNING, state, why=why)


def sign_documents(*, actor, documents, pin: str, base_url: str) -> BatchResult:
    """Sign ``documents`` (waiting for ``actor``) with one PIN entry. Raises ``DomainError`` when
    nothing can be signed (no key, locked, wrong PIN, certificate inactive, signer unreachable);
    otherwise returns what was signed and what failed, with the reason."""
    key = selectors.active_key_for(actor) if actor is not None else None
    if key is None:
        raise DomainError(_("You have no signing certificate yet. Ask the system admin to issue one."), code="no_key")
    keys.require_not_locked(key)
    pending = selectors.pending_documents_of(actor, documents)
    if not pending:
        raise DomainError(_("Choose at least one document waiting for your signature."), code="nothing")
    # One request signs at most SIGNING_MAX_BATCH documents (~0.2 s each), so it finishes well
    # within the web server's timeout; the rest stay in the inbox for the next PIN entry.
    pending, left_over = pending[: max_batch()], pending[max_batch() :]
    session = _open_session(key, pin)
    result = BatchResult(remaining=len(left_over))
    try:
        for document in pending:
            _sign_one(session, document, key=key, actor=actor, base_url=base_url, result=result)
    finally:
        session.close()
    return result


def _open_session(key, pin: str):
    """The signer's session for the whole batch (a local key is unsealed once); the PIN is counted."""
    try:
        session = signer_for(key).open_session(pin=pin)
    except WrongPin:
        raise keys.register_wrong_pin(key) from None
    except (CertificateInactive, SignerUnavailable) as exc:
        raise DomainError(exc.message, code="signer") from None
    keys.register_right_pin(key)
    return session


def _sign_one(session, document: SignedDocument, *, key, actor, base_url: str, result: BatchResult) -> None:
    """Sign one document of the batch and store it, or add it to ``result.failed`` saying why."""
    if not _start_attempt(document, local=key.kind in ("local", "pkcs11"), actor=actor):
        result.failed.append((document, str(_("An earlier attempt has to be checked first."))))
        return
    letter = document.letter
    try:
        signed = session.sign_pdf(
            letter_selectors.letter_pdf(letter),
            stamp=_stamp(document, base_url),
            reason=_("Electronic signature of %(title)s number %(number)s")
            % {"title": letter.title, "number": letter.number},
            location=getattr(letter_selectors.settings_for(letter.office), "place_name", "") or letter.office.name,
        )
    except WrongPin:
        # A remote signer (BSrE) learns of a wrong passphrase only when asked to sign.
        _release(document, "", actor=actor, why="wrong PIN")
        raise keys.register_wrong_pin(key) from None
    except SigningOutcomeUnknown as exc:
        _release(document, UNKNOWN, actor=actor, why=str(exc.message))
        result.failed.append((document, str(exc.message)))
        return
    except SignerError as exc:
        _release(document, "", actor=actor, why=str(exc.message))
        result.failed.append((document, str(exc.message)))
        return
    try:
        result.signed.append(_finish(document, signed, key.kind, actor))
    except Exception as exc:
        _release(document, "", actor=actor, why=f"storing the signature failed: {exc.__class__.__name__}")
        raise


@transaction.atomic
def clear_unknown_attempt(*, actor, document: SignedDocument, reason: str) -> SignedDocument:
    """After checking (e.g. at the remote signer's portal) that an attempt with a lost answer did
    not produce a signature, an admin of the office allows signing again."""
    row = SignedDocument.objects.select_for_update().select_related("letter__office").get(pk=document.pk)
    if not policy.allows(actor, policy.MANAGE_OFFICE, row.letter.office):
        raise NotAllowed(_("Only an admin of the issuing office can do this."))
    stale = row.attempt == RUNNING and row.attempt_started_at and row.attempt_started_at < clock.now() - stale_after()
    if row.attempt != UNKNOWN and not stale:
        raise DomainError(_("This document has no unfinished attempt."), code="no_attempt")
    row.attempt = ""
    row.save(update_fields=["attempt"])
    record(actor=actor, action="signing.clear_attempt", obj=row, reason=reason, office_id=row.letter.office_id)
    return row
