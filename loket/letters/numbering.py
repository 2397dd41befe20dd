"""Letter numbers (nomor surat) from an office's number format.

The format varies per region, so each office sets its own (``OfficeLetterSettings.number_format``).
Placeholders, in braces:

=================  ==============================================  ==========
``{kode}``         classification code of the template (series)    ``470``
``{nomor}``        running number, zero-padded to 3 digits          ``012``
``{nomor:04}``     running number padded to 4 (any width 1-9)       ``0012``
``{unit}``         the office's unit code                           ``Kel.GP``
``{bulan_romawi}`` month of the office-local date, Roman numerals   ``XI``
``{bulan}``        month number (``{bulan:02}`` pads to 2)          ``11``
``{tahun}``        office-local year                                ``2026``
=================  ==============================================  ==========

The default ``{kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}`` gives ``470/012/Kel.GP/XI/2026``.
A format must hold ``{nomor}`` and ``{tahun}``; numbers are counted per office, series and year.
The series is the classification code when the format shows it; a format without ``{kode}`` (one
running agenda number for all the office's letters, as some offices number them) counts every
letter of the office in one series (``ALL_SERIES``), so that two letters never read the same.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from loket.core.errors import DomainError
from loket.letters.indonesian import roman_month

PLACEHOLDERS = ("kode", "nomor", "unit", "bulan_romawi", "bulan", "tahun")
PADDABLE = ("nomor", "bulan")
DEFAULT_WIDTH = {"nomor": 3, "bulan": 0}
# What a preview shows instead of the running number it has not taken.
PREVIEW_NUMBER = "..."
# The series of an office whose number format has no {kode}: one counter for all its letters.
ALL_SERIES = "*"

_TOKEN = re.compile(r"\{([^{}]*)\}")
_SPEC = re.compile(r"([a-z_]+)(?::0?([1-9]))?")


def _parse(number_format: str) -> list[tuple[str, str, int | None]]:
    """(literal text before, placeholder, width) for each placeholder; raises DomainError."""
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    if not number_format or not number_format.strip():
        raise DomainError(
            _("Enter a number format, e.g. %(example)s.") % {"example": "{kode}/{nomor:03}/{unit}/{tahun}"}
        )
    if len(number_format) > 120:
        raise DomainError(_("The number format is too long (at most 120 characters)."))
    parts: list[tuple[str, str, int | None]] = []
    position = 0
    for match in _TOKEN.finditer(number_format):
        literal = number_format[position : match.start()]
        if "{" in literal or "}" in literal:
            raise DomainError(_("The number format has an unmatched brace { or }."))
        spec = _SPEC.fullmatch(match.group(1).strip())
        if spec is None or spec.group(1) not in PLACEHOLDERS:
            raise DomainError(
                _("The number format has an unknown placeholder “%(token)s”. Allowed: %(allowed)s.")
                % {"token": match.group(0), "allowed": allowed}
            )
        name, width = spec.group(1), spec.group(2)
        if width and name not in PADDABLE:
            raise DomainError(
                _("Only {nomor} and {bulan} take a width such as {nomor:04}; “%(token)s” cannot.")
                % {"token": match.group(0)}
            )
        parts.append((literal, name, int(width) if width else None))
        position = match.end()
    rest = number_format[position:]
    if "{" in rest or "}" in rest:
        raise DomainError(_("The number format has an unmatched brace { or }."))
    parts.append((rest, "", None))
    return parts


def validate_number_format(number_format: str) -> None:
    """Refuse a format that could not give unique, complete numbers (DomainError, Indonesian message)."""
    names = [name for _literal, name, _width in _parse(number_format) if name]
    for required in ("nomor", "tahun"):
        if required not in names:
            raise DomainError(
                _("The number format must contain {%(name)s}, e.g. %(example)s.")
                % {"name": required, "example": "{kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}"}
            )
    if names.count("nomor") > 1:
        raise DomainError(_("The number format may contain {nomor} only once."))


def series_for(number_format: str, classification_code: str) -> str:
    """The counter a letter's number is taken from: per classification code only when the number
    shows the code; otherwise numbers of different codes would repeat (``012/Kel.GP/2026`` twice)."""
    names = {name for _literal, name, _width in _parse(number_format) if name}
    return classification_code if "kode" in names else ALL_SERIES


def format_number(number_format: str, *, kode: str, nomor: int | None, unit: str, month: int, year: int) -> str:
    """The letter number; ``nomor=None`` (a preview) shows ``...`` in place of the running number."""
    values = {
        "kode": kode,
        "unit": unit,
        "bulan_romawi": roman_month(month),
        "tahun": str(year),
    }
    out = []
    for literal, name, width in _parse(number_format):
        out.append(literal)
        if not name:
            continue
        if name == "nomor":
            out.append(PREVIEW_NUMBER if nomor is None else str(nomor).zfill(width or DEFAULT_WIDTH["nomor"]))
        elif name == "bulan":
            out.append(str(month).zfill(width or DEFAULT_WIDTH["bulan"]))
        else:
            out.append(values[name])
    return "".join(out)
