"""A letter from a template: the preview (no number, nothing stored) and issuing the numbered letter.

Numbering (``issue_letter``): the next number of the office's series (the template's classification
code, or one series for all the office's letters when its number format has no ``{kode}``) and
office-local year is taken by ``UPDATE letter_counter SET last_number = last_number + 1
WHERE office, series, year`` and read back in the same transaction; the row stays locked until
commit, so two letters never get the same number, and a rollback (a render that fails, a caller's
transaction that fails later) returns the number: no gaps. Everything that can be checked is checked
before the number is taken; the render and the file write happen while the counter row is locked,
which serialises letters of one series of one office (~10 ms each), never those of others.
A rolled-back letter may leave its PDF file behind in the private storage, unreferenced, until
``manage.py sweep_private_files`` (loket/core/files.py) removes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.catalog.models import FieldKind
from loket.core import clock
from loket.core.errors import DomainError
from loket.letters import numbering, rendering, selectors, templating
from loket.letters.indonesian import date_text, format_date
from loket.letters.models import Letter, LetterCounter, LetterTemplate, OfficeLetterSettings
from loket.letters.rendering import Signer, build_document
from loket.letters.services.common import clean_line, require_issuer
from loket.offices.models import Office
from loket.offices.selectors import local_today

_NIP = re.compile(r"\d{18}")


# --- the letter's content ---------------------------------------------------------------------


def _check_signer(signer: Signer) -> Signer:
    name = clean_line(signer.name, label=_("signer's name"), max_length=150)
    title = clean_line(signer.title, label=_("signer's position"), max_length=150)
    on_behalf = clean_line(signer.on_behalf_line, label=_("a.n./Plt. line"), max_length=150, required=False)
    nip = "".join((signer.nip or "").split())
    if nip and not _NIP.fullmatch(nip):
        raise DomainError(_("A NIP has 18 digits, e.g. 198507142010011002."), code="nip")
    return Signer(name=name, title=title, nip=nip, on_behalf_line=on_behalf)


def _value_text(key: str, value: Any, date_keys: set[str]) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_date(value)
    text = templating.clean_value(value)
    return date_text(text) if key in date_keys else text


def _prepare_values(fields: dict[str, Any], keys: list[str], values: dict[str, Any], *, final: bool) -> dict[str, str]:
    """The values of the keys the template uses, as plain text (ISO dates in Indonesian). For a real
    letter every key needs a value except optional request form fields (shown as "-")."""
    date_keys = set(templating.STANDARD_DATE_KEYS) | {k for k, f in fields.items() if f.kind == FieldKind.DATE}
    out: dict[str, str] = {}
    missing = []
    for key in keys:
        raw = values.get(key)
        text = "" if raw is None else _value_text(key, raw, date_keys)
        if len(text) > templating.MAX_VALUE:
            raise DomainError(
                _("The value of %(key)s is too long (at most %(max)s characters).")
                % {"key": key, "max": templating.MAX_VALUE},
                code="value_too_long",
            )
        if text:
            out[key] = text
        elif final and (key not in fields or fields[key].required):
            missing.append(key)
    if missing:
        raise DomainError(
            _("The letter cannot be made yet: these values are missing: %(keys)s.") % {"keys": ", ".join(missing)},
            code="missing_values",
        )
    return out


def _logo_of(settings_row: OfficeLetterSettings) -> rendering.Logo | None:
    if not settings_row.logo:
        return None
    with settings_row.logo.open("rb") as handle:
        content = handle.read()
    extension = "jpg" if content.startswith(rendering.JPEG_MAGIC) else "png"
    return rendering.Logo(content, extension)


def _require_settings(office: Office) -> OfficeLetterSettings:
    settings_row = selectors.settings_for(office)
    if settings_row is None:
        raise DomainError(
            _("%(office)s has no letterhead yet: an office admin must fill in its letter settings first.")
            % {"office": office.name},
            code="no_settings",
        )
    return settings_row


def _require_template_fits(template: LetterTemplate, office: Office) -> None:
    if template.office_id is not None and template.office_id != office.pk:
        raise DomainError(_("This letter template belongs to another office."), code="other_office")
    if not template.service.is_provided_at(office.kind):
        raise DomainError(
            _("%(office)s does not provide %(service)s.") % {"office": office.name, "service": template.service.name},
            code="not_provided",
        )


@dataclass(frozen=True)
class _Draft:
    """Everything a letter needs from its template, office, values and signer, checked: what is
    left is to number it (or not, for a preview) and render it."""

    settings_row: OfficeLetterSettings
    title: str
    code: str  # the classification code
    blocks: list
    values: dict[str, str]
    signer: Signer
    logo: rendering.Logo | None


def _draft(template: LetterTemplate, office: Office, values: dict[str, Any], signer: Signer, *, final: bool) -> _Draft:
    """Check the template (again: it may have been changed outside the services), the office's
    settings, the values (``final``: all required ones present) and the signer."""
    _require_template_fits(template, office)
    settings_row = _require_settings(office)
    title = templating.validate_title(template.title)
    code = templating.validate_classification_code(template.classification_code)
    fields = {f.key: f for f in selectors.service_fields(template.service)}
    body = templating.validate_body(template.body, templating.allowed_keys(fields))
    clean = _prepare_values(fields, templating.placeholders_in(body), values, final=final)
    return _Draft(
        settings_row=settings_row,
        title=title,
        code=code,
        blocks=templating.parse(body),
        values=clean,
        signer=_check_signer(signer),
        logo=_logo_of(settings_row),
    )


def _number(draft: _Draft, sequence: int | None, issued_on: dt.date) -> str:
    """The letter's number in the office's format; ``sequence`` None shows the running number as ``...``."""
    return numbering.format_number(
        draft.settings_row.number_format,
        kode=draft.code,
        nomor=sequence,
        unit=draft.settings_row.unit_code,
        month=issued_on.month,
        year=issued_on.year,
    )


def _document(draft: _Draft, office: Office, number: str, issued_on: dt.date, *, preview: bool) -> dict[str, Any]:
    # A preview shows a missing value as [key], so the admin sees which one; a letter shows "-".
    missing = {"missing": "[{key}]"} if preview else {}
    return build_document(
        settings_row=draft.settings_row,
        office=office,
        title=draft.title,
        number=number,
        blocks=templating.fill(draft.blocks, draft.values, **missing),
        issued_on=issued_on,
        signer=draft.signer,
        preview=preview,
    )


# --- preview and issue ------------------------------------------------------------------------


def render_preview(*, template: LetterTemplate, office: Office, values: dict[str, Any], signer: Signer) -> bytes:
    """A PDF of the letter as it would look, marked "PRATINJAU — belum bernomor dan belum
    ditandatangani", with ``...`` in place of the running number. Takes no number, stores nothing;
    a missing value shows as ``[key]``."""
    draft = _draft(template, office, values, signer, final=False)
    now = clock.now()
    issued_on = local_today(office, now)
    document = _document(draft, office, _number(draft, None, issued_on), issued_on, preview=True)
    return rendering.render_pdf(document, logo=draft.logo, timestamp=int(now.timestamp()))


def _next_sequence(office: Office, series: str, year: int) -> int:
    """Take the next number: the UPDATE locks the counter row until commit. The first letter of a
    series and year finds no row; INSERT … ON CONFLICT DO NOTHING creates it (letters racing for it
    never collide: the loser waits for the winner's row) and the UPDATE runs again."""
    counter = LetterCounter.objects.filter(office=office, series=series, year=year)
    if not counter.update(last_number=F("last_number") + 1):
        LetterCounter.objects.bulk_create(
            [LetterCounter(office=office, series=series, year=year)], ignore_conflicts=True
        )
        counter.update(last_number=F("last_number") + 1)
    return counter.values_list("last_number", flat=True).get()


def _new_letter(
    draft: _Draft, template: LetterTemplate, office: Office, *, reference: str, actor, now: dt.datetime
) -> Letter:
    """The letter's row, not numbered and not saved yet."""
    return Letter(
        office=office,
        service=template.service,
        template=template,
        issued_on=local_today(office, now),
        title=draft.title,
        values=draft.values,
        signer_name=draft.signer.name,
        signer_title=draft.signer.title,
        signer_nip=draft.signer.nip,
        signer_on_behalf=draft.signer.on_behalf_line,
        reference=reference,
        created_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _take_number(letter: Letter, draft: _Draft) -> None:
    """Give ``letter`` the next number of its series in its office-local year. The series' counter
    stays locked until commit, so everything that can fail before is checked before this."""
    letter.series = numbering.series_for(draft.settings_row.number_format, draft.code)
    letter.year = letter.issued_on.year
    letter.sequence = _next_sequence(letter.office, letter.series, letter.year)
    letter.number = _number(draft, letter.sequence, letter.issued_on)


def _record_issue(actor, letter: Letter) -> None:
    record(
        actor=actor,
        action="letters.issue",
        obj=letter,
        to_state=letter.number,
        office_id=letter.office_id,
        data={
            "number": letter.number,
            "service": letter.service.code,
            "template": letter.template.pk,
            "reference": letter.reference,
            "sha256": letter.pdf_sha256,
        },
    )


@transaction.atomic
def issue_letter(
    *,
    actor,
    template: LetterTemplate,
    office: Office,
    values: dict[str, str],
    signer: Signer,
    reference: str,
) -> Letter:
    """Issue a numbered letter of ``office`` from ``template``: the next number of the series of the
    template's classification code in the office-local year, the final PDF (PDF/A-2b) stored in the
    private storage with its SHA-256, an audit row ``letters.issue``. ``values`` fills the
    placeholders (ISO dates are written in Indonesian); every placeholder needs a value except
    optional request form fields. ``reference`` names the workflow object, e.g. "permohonan:PMH-…"."""
    require_issuer(actor, office)
    draft = _draft(template, office, values, signer, final=True)
    reference = clean_line(reference, label=_("reference"), max_length=100, required=False)
    now = clock.now().replace(microsecond=0)
    letter = _new_letter(draft, template, office, reference=reference, actor=actor, now=now)
    _take_number(letter, draft)
    letter.document = _document(draft, office, letter.number, letter.issued_on, preview=False)
    pdf = rendering.render_pdf(letter.document, logo=draft.logo, timestamp=int(now.timestamp()))
    letter.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    # The classification code, the running number and the start of the fingerprint: no two letters share a name.
    letter.pdf.save(f"{draft.code}-{letter.sequence:05d}-{letter.pdf_sha256[:12]}.pdf", ContentFile(pdf), save=False)
    letter.save()
    _record_issue(actor, letter)
    return letter
