"""Signing pages: the official's inbox (documents waiting, preview, sign one or a batch with one
PIN entry), revoking a signed document, and the public verification: the page a document's QR code
opens, and the upload where anyone checks a PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from loket.core import policy
from loket.core.access import permission_required, public
from loket.core.errors import DomainError
from loket.letters.selectors import letter_pdf
from loket.signing import selectors, services
from loket.signing.models import DocumentStatus, SignedDocument
from loket.signing.verification import Outcome, analyse_pdf


def base_url(request: HttpRequest) -> str:
    """The site's public address for the QR codes (setting LOKET_PUBLIC_URL, else this request's)."""
    return getattr(settings, "LOKET_PUBLIC_URL", "") or request.build_absolute_uri("/")


def _document(request: HttpRequest, pk: int) -> SignedDocument:
    # A document the user may not open answers like one that does not exist.
    document = selectors.document_for(request.user, pk)
    if document is None:
        raise Http404("document not found")
    return document


@permission_required(policy.SIGN)
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """Documents waiting for my signature; sign the ticked ones with one PIN."""
    waiting = list(selectors.inbox_for(request.user))
    if request.method == "POST":
        chosen = [d for d in waiting if str(d.pk) in request.POST.getlist("documents")]
        try:
            result = services.sign_documents(
                actor=request.user, documents=chosen, pin=request.POST.get("pin", ""), base_url=base_url(request)
            )
        except DomainError as exc:
            context = {"waiting": waiting, "done": selectors.signed_by(request.user), "error": exc.message}
            context["chosen"] = {d.pk for d in chosen}
            return render(request, "signing/inbox.html", context, status=400)
        if result.signed:
            messages.success(
                request,
                ngettext("%(n)s document signed.", "%(n)s documents signed.", len(result.signed))
                % {"n": len(result.signed)},
            )
        if result.remaining:
            messages.info(
                request,
                ngettext(
                    "%(n)s more document waits: enter your PIN again to sign it.",
                    "%(n)s more documents wait: enter your PIN again to sign them.",
                    result.remaining,
                )
                % {"n": result.remaining},
            )
        for document, reason in result.failed:
            messages.error(
                request,
                _("%(number)s was not signed: %(reason)s") % {"number": document.letter.number, "reason": reason},
            )
        return redirect("signing:inbox")
    return render(request, "signing/inbox.html", {"waiting": waiting, "done": selectors.signed_by(request.user)})


def _pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required(policy.ISSUE_LETTERS)
@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as it is: the issued letter before signing, the signed PDF after."""
    document = _document(request, pk)
    if document.status == DocumentStatus.SIGNED:
        return _pdf_response(selectors.signed_pdf(document), f"{document.letter.number.replace('/', '-')}.pdf")
    return _pdf_response(letter_pdf(document.letter), f"{document.letter.number.replace('/', '-')}-belum-ttd.pdf")


@permission_required(policy.ISSUE_LETTERS)
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    if document.signer_id != request.user.pk and not policy.allows(
        request.user, policy.MANAGE_OFFICE, document.letter.office
    ):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        try:
            services.revoke_document(actor=request.user, document=document, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Document %(number)s is revoked.") % {"number": document.letter.number})
            return redirect("signing:verify", token=document.verification_token)
    context = {"document": document, "error": error, "typed": request.POST.get("reason", "")}
    return render(request, "signing/revoke.html", context, status=400 if error else 200)


@public
@never_cache
@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """What a document's QR code opens: what the document is and whether it is valid or revoked.
    Only what a verifier needs: no NIK, no address; an unknown token gets the same page whatever
    it looks like."""
    document = selectors.document_by_token(token)
    if document is None:
        return render(request, "signing/verify_unknown.html", status=404)
    return render(request, "signing/verify.html", {"document": document, "letter": document.letter})


@public
@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    """Anyone uploads a PDF and learns: genuine and issued here, changed after signing, signed by a
    certificate this deployment does not know, or not signed."""
    if request.method == "GET":
        return render(request, "signing/verify_upload.html", {})
    upload = request.FILES.get("document")
    if upload is None:
        return render(request, "signing/verify_upload.html", {"error": _("Choose the PDF file to check.")}, status=400)
    limit = int(getattr(settings, "SIGNING_MAX_VERIFY_BYTES", 10 * 1024 * 1024))
    if upload.size > limit:
        message = _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
        return render(request, "signing/verify_upload.html", {"error": message}, status=400)
    analysis = analyse_pdf(b"".join(upload.chunks()), recorded_hashes=selectors.document_by_hash)
    document = analysis.record if analysis.outcome == Outcome.GENUINE else None
    context = {"analysis": analysis, "document": document, "letter": document.letter if document else None}
    return render(request, "signing/verify_result.html", context)


@permission_required(policy.SIGN)
@require_http_methods(["GET", "POST"])
def change_pin(request: HttpRequest) -> HttpResponse:
    """The official changes their signing PIN (the key is re-sealed under the new one)."""
    key = selectors.active_key_for(request.user)
    error = None
    if request.method == "POST" and key is not None:
        new, again = request.POST.get("new_pin", ""), request.POST.get("new_pin_again", "")
        try:
            if new != again:
                raise DomainError(_("The two new PINs differ. Type the same PIN twice."), code="pin_mismatch")
            services.change_pin(
                actor=request.user, signer_key=key, old_pin=request.POST.get("old_pin", ""), new_pin=new
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Your signing PIN is changed. Use the new PIN from now on."))
            return redirect("signing:inbox")
    return render(request, "signing/change_pin.html", {"key": key, "error": error}, status=400 if error else 200)
