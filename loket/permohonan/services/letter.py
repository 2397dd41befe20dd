"""The letter of a request and its signature: the values a template may use, the preview, issuing
the numbered letter and putting it before its signer, and what happens once it is signed
(``record_signed``; the signing app calls ``on_document_signed``), which moves a main request on
when its surat pengantar is signed."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from loket.core import clock, policy
from loket.core.errors import DomainError
from loket.letters import selectors as letter_selectors
from loket.letters import services as letter_services
from loket.offices import selectors as office_selectors
from loket.offices.models import OfficeKind
from loket.permohonan import selectors
from loket.permohonan.models import Permohonan, Status
from loket.permohonan.services.common import locked, move, require_staff, set_due_date
from loket.permohonan.services.form import IDENTITY_FIELDS
from loket.permohonan.workflow import require_transition
from loket.signing import services as signing_services


def letter_values(p: Permohonan) -> dict[str, str]:
    """The values a letter template may use for this request (loket.letters writes ISO dates in
    Indonesian)."""
    region_names = {}
    region = p.office.region
    while region is not None:
        region_names[region.level] = region.name
        region = region.parent
    values = {
        "nama": p.citizen.full_name,
        "nik": p.citizen.nik or "",
        "kode_permohonan": p.code,
        "tanggal_permohonan": office_selectors.local_today(p.office, p.submitted_at or p.created_at).isoformat(),
        "kelurahan": region_names.get(4, ""),
        "kecamatan": region_names.get(3, ""),
        "kota": region_names.get(2, ""),
        "keperluan": "",
    }
    for key in IDENTITY_FIELDS:
        values[key] = p.identity.get(key, "")
    values.update({key: value for key, value in p.values.items() if not key.startswith("_")})
    return values


def _letter_parts(p: Permohonan, signer_role):
    template = letter_selectors.template_for(p.office, p.service)
    if template is None:
        raise DomainError(
            _("There is no letter template for %(service)s at this office yet. Ask the office admin to add one.")
            % {"service": p.service.name},
            code="no_template",
        )
    if signer_role is None or not policy.SIGN.granted_by(signer_role.role) or signer_role.office_id != p.office_id:
        raise DomainError(_("Choose who signs the letter."), code="no_signer")
    user = signer_role.user
    signer = letter_services.Signer(name=user.full_name, title=signer_role.title or _("Signer"), nip=user.nip)
    return template, signer


def preview_letter(*, actor, permohonan: Permohonan, signer_role) -> bytes:
    """The letter as it will look (marked PRATINJAU, without a number); nothing is stored."""
    require_staff(actor, permohonan)
    template, signer = _letter_parts(permohonan, signer_role)
    return letter_services.render_preview(
        template=template, office=permohonan.office, values=letter_values(permohonan), signer=signer
    )


@transaction.atomic
def send_for_signature(*, actor, permohonan: Permohonan, signer_role) -> Permohonan:
    """Issue the numbered letter of the request (loket.letters) and put it before its signer: the
    request waits at "menunggu tanda tangan" until the signing app calls ``record_signed``."""
    p = locked(permohonan)
    require_staff(actor, p)
    # Checked before the letter takes its number, which a refused move would waste.
    require_transition(p.status, Status.MENUNGGU_TANDA_TANGAN)
    template, signer = _letter_parts(p, signer_role)
    letter = letter_services.issue_letter(
        actor=actor,
        template=template,
        office=p.office,
        values=letter_values(p),
        signer=signer,
        reference=f"permohonan:{p.code}",
    )
    signing_services.request_signature(actor=actor, letter=letter, signer=signer_role.user)
    p.letter, p.signer = letter, signer_role.user
    move(
        actor,
        p,
        Status.MENUNGGU_TANDA_TANGAN,
        fields=["letter", "signer"],
        action="send_for_signature",
        data={"number": letter.number, "signer": signer_role.user.username},
    )
    return p


def _kind_needs_paper(p: Permohonan) -> bool:
    """Whether the result is collected on paper; letters of a kelurahan or kecamatan are valid
    electronically once signed (TTE) and can be downloaded instead."""
    return p.pickup_office_id is not None or p.office.kind in (OfficeKind.DISDUKCAPIL, OfficeKind.MPP)


def _move_parent_on(step: Permohonan) -> None:
    """A main request waiting for its surat pengantar goes to its own office once every step is done."""
    parent = locked(step.parent)
    waiting = [s for s in selectors.steps_of(parent) if s.status not in (Status.SELESAI, Status.DIAMBIL)]
    if parent.status == Status.MENUNGGU_PENGANTAR and not waiting:
        now = clock.now()
        parent.submitted_at = now
        set_due_date(parent, now)
        move(
            None,
            parent,
            Status.DIAJUKAN,
            fields=["submitted_at", "due_date"],
            action="submit",
            reason=_("The surat pengantar %(code)s is signed.") % {"code": step.code},
        )


@transaction.atomic
def record_signed(*, actor, permohonan: Permohonan) -> Permohonan:
    """The letter of the request is signed (called by the signing app). The request is done:
    ready for pickup when it is collected on paper, else done and downloadable. A signed surat
    pengantar moves its main request on to the next office by itself."""
    p = locked(permohonan)
    p.finished_at = clock.now()
    target = Status.SIAP_DIAMBIL if _kind_needs_paper(p) else Status.SELESAI
    move(actor, p, target, fields=["finished_at"], action="signed")
    if p.parent_id:
        _move_parent_on(p)
    return p


def on_document_signed(document) -> None:
    """The signing app stored a signature (``loket.signing.events``): the request whose letter it
    is moves on, in the same transaction."""
    p = selectors.permohonan_with_letter(document.letter_id)
    if p is not None and p.status == Status.MENUNGGU_TANDA_TANGAN:
        record_signed(actor=document.signer, permohonan=p)
