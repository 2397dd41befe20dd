"""An office's letter settings: its letterhead (kop surat), logo, place name and letter numbering."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock
from loket.core.errors import DomainError
from loket.letters import numbering, rendering
from loket.letters.models import DEFAULT_NUMBER_FORMAT, OfficeLetterSettings
from loket.letters.services.common import clean_line, require_manager
from loket.offices.models import Office

MAX_UNIT_LINES = 4

# The typed settings, by their names in the model and the forms.
SETTINGS_FIELDS = (
    "government_line",
    "unit_lines",
    "address_line",
    "contact_line",
    "place_name",
    "unit_code",
    "number_format",
)


@dataclass(frozen=True)
class LetterSettings:
    """What an office admin types for the letterhead and the numbering, as ``check_office_settings``
    and ``save_office_settings`` take it. ``unit_lines``: a list or one line each in a text;
    ``logo``: a new logo (PNG or JPEG, at most 1 MB), or None to keep the current one."""

    unit_code: str
    government_line: str
    unit_lines: Sequence[str] | str
    address_line: str
    place_name: str
    contact_line: str = ""
    number_format: str = DEFAULT_NUMBER_FORMAT
    logo: bytes | File | None = None

    @classmethod
    def from_form(cls, data: Mapping[str, Any], *, logo: bytes | File | None = None) -> LetterSettings:
        """From a form's cleaned data (fields named as in ``SETTINGS_FIELDS``); what is missing is empty."""
        return cls(**{name: data.get(name, "") for name in SETTINGS_FIELDS}, logo=logo or None)


def _read_logo(logo) -> bytes:
    if isinstance(logo, bytes | bytearray):
        return bytes(logo)
    if hasattr(logo, "seek"):
        logo.seek(0)
    content = logo.read()
    return content if isinstance(content, bytes) else content.encode()


def _unit_lines(value: Sequence[str] | str) -> str:
    lines = value.splitlines() if isinstance(value, str) else value
    cleaned = [clean_line(line, label=_("unit line"), max_length=120, required=False) for line in lines]
    cleaned = [line for line in cleaned if line]
    if not cleaned:
        raise DomainError(_("Enter at least one unit line, e.g. KELURAHAN GUNUNG PANGILUN."), code="unit_lines")
    if len(cleaned) > MAX_UNIT_LINES:
        raise DomainError(_("At most %(max)s unit lines fit in the letterhead.") % {"max": MAX_UNIT_LINES})
    return "\n".join(cleaned)


def check_office_settings(*, actor, office: Office, settings: LetterSettings) -> dict[str, Any]:
    """Permission and validation of ``save_office_settings`` without saving (the admin form uses it).
    Returns the cleaned values; raises ``NotAllowed`` or ``DomainError`` with the message to show."""
    require_manager(actor, office)
    unit_lines = _unit_lines(settings.unit_lines)
    unit = clean_line(settings.unit_code, label=_("unit code"), max_length=30)
    if "{" in unit or "}" in unit:
        raise DomainError(_("The unit code cannot contain braces."), code="unit_code")
    number_format = (settings.number_format or "").strip()
    numbering.validate_number_format(number_format)
    cleaned: dict[str, Any] = {
        "unit_code": unit,
        "number_format": number_format,
        "government_line": clean_line(settings.government_line, label=_("government line"), max_length=120),
        "unit_lines": unit_lines,
        "address_line": clean_line(settings.address_line, label=_("address line"), max_length=255),
        "contact_line": clean_line(settings.contact_line, label=_("contact line"), max_length=255, required=False),
        "place_name": clean_line(settings.place_name, label=_("place name"), max_length=80),
    }
    if settings.logo is not None:
        cleaned["logo"] = rendering.check_logo(_read_logo(settings.logo))
    return cleaned


def _change_logo(row: OfficeLetterSettings, new_logo: rendering.Logo | None, *, remove: bool) -> bool:
    """Put ``new_logo`` on ``row`` (or drop its logo when ``remove``); whether the logo changed. The
    old file is deleted once the transaction commits, so a rollback keeps it."""
    old_logo = row.logo.name if row.logo else ""
    changed = False
    if new_logo is not None:
        row.logo.save(f"logo.{new_logo.extension}", ContentFile(new_logo.content), save=False)
        row.logo_sha256 = hashlib.sha256(new_logo.content).hexdigest()
        changed = True
    elif remove and old_logo:
        row.logo = ""
        row.logo_sha256 = ""
        changed = True
    if old_logo and row.logo.name != old_logo:
        storage = row.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    return changed


@transaction.atomic
def save_office_settings(
    *, actor, office: Office, settings: LetterSettings, remove_logo: bool = False
) -> OfficeLetterSettings:
    """Create or change the office's letterhead and numbering. ``settings.logo`` replaces the logo,
    ``remove_logo`` drops it; otherwise the logo stays as it is."""
    cleaned = check_office_settings(actor=actor, office=office, settings=settings)
    new_logo: rendering.Logo | None = cleaned.pop("logo", None)
    row = OfficeLetterSettings.objects.select_for_update().filter(office=office).first()
    created = row is None
    if row is None:
        row = OfficeLetterSettings(office=office)
    changed = [name for name, value in cleaned.items() if getattr(row, name) != value]
    for name, value in cleaned.items():
        setattr(row, name, value)
    if _change_logo(row, new_logo, remove=remove_logo):
        changed.append("logo")
    row.updated_at = clock.now()
    if created:
        row.save()
    else:
        row.save(update_fields=[*cleaned, "logo", "logo_sha256", "updated_at"])
    record(
        actor=actor,
        action="letters.settings.save",
        obj=row,
        office_id=office.pk,
        data={"created": created, "changed": sorted(changed)},
    )
    return row
