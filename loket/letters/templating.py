"""The template language of letters: plain text with ``{{ key }}`` placeholders, nothing else.

Admins edit templates in a browser, so a template can never run code: there are no tags, filters,
expressions or markup, only placeholders (spaces inside the braces optional). The structure is
read from the template alone, *before* any value is inserted:

- a blank line separates paragraphs; a single line break inside a paragraph is kept;
- a line ``Label : {{ key }}`` (a label of at most 40 characters without ``:`` or braces, a colon,
  then text holding at least one placeholder) is a row of an aligned two-column table, as the
  identity block of a real letter (``Nama          : Budi Santoso``); a run of such lines is one
  table.

Values are then put into the finished blocks as plain strings: a value with line breaks, a colon
or Typst markup (``#``, ``*``, ``$``, ``<``, ``@``, ``\\``) stays literal text; it can neither
add a paragraph or table row nor be read as markup (the layout places strings, never evaluates
them; see ``loket/letters/typst/letter.typ``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from loket.core.errors import DomainError

# The keys every template may use, whatever the service, with what they hold. The workflow app
# (loket.permohonan) fills them from the request, the applicant's identity and the office: kelurahan,
# kecamatan and kota name the area of the office that issues the letter (a kecamatan office has no
# kelurahan); keperluan comes from the request form of the services that ask for it.
STANDARD_PLACEHOLDERS: dict[str, str] = {
    "nama": "Nama lengkap pemohon",
    "nik": "NIK pemohon (16 digit)",
    "tempat_lahir": "Tempat lahir pemohon",
    "tanggal_lahir": "Tanggal lahir pemohon",
    "jenis_kelamin": "Jenis kelamin pemohon (Laki-laki/Perempuan)",
    "agama": "Agama pemohon",
    "pekerjaan": "Pekerjaan pemohon",
    "alamat": "Alamat pemohon sesuai KK",
    "kode_permohonan": "Kode permohonan, mis. PMH-7K3Q-9XTA",
    "tanggal_permohonan": "Tanggal permohonan diajukan",
    "kelurahan": "Kelurahan/desa kantor penerbit surat",
    "kecamatan": "Kecamatan kantor penerbit surat",
    "kota": "Kabupaten/kota kantor penerbit surat",
    "keperluan": "Keperluan surat (dari formulir permohonan)",
}
# Standard keys holding a date: an ISO value (2026-12-01) is written in Indonesian (1 Desember 2026).
STANDARD_DATE_KEYS = frozenset({"tanggal_lahir", "tanggal_permohonan"})

MAX_TITLE = 150
MAX_BODY = 10_000
MAX_VALUE = 2_000
MAX_LABEL = 40

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CLASSIFICATION = re.compile(r"\d{1,4}(\.\d{1,4}){0,4}")
_ROW = re.compile(r"\s*(?P<label>[^:{}\n]{1,40}?)\s*:\s*(?P<value>.*\{\{.*)")  # label: at most MAX_LABEL


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Slot:
    key: str


Segment = Text | Slot


@dataclass(frozen=True)
class Paragraph:
    lines: tuple[tuple[Segment, ...], ...]


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, tuple[Segment, ...]], ...]


Block = Paragraph | Table


def allowed_keys(field_keys: Iterable[str]) -> list[str]:
    """The placeholders a template may use: the standard keys, then the service's form field keys."""
    return [*STANDARD_PLACEHOLDERS, *(key for key in field_keys if key not in STANDARD_PLACEHOLDERS)]


def _allowed_text(allowed: Iterable[str]) -> str:
    return ", ".join(allowed)


def _segments(line: str) -> tuple[Segment, ...]:
    out: list[Segment] = []
    position = 0
    for match in _PLACEHOLDER.finditer(line):
        if match.start() > position:
            out.append(Text(line[position : match.start()]))
        out.append(Slot(match.group(1).strip()))
        position = match.end()
    if position < len(line):
        out.append(Text(line[position:]))
    return tuple(out)


def placeholders_in(body: str) -> list[str]:
    """The keys a (valid) body uses, in order of first use."""
    seen: dict[str, None] = {}
    for match in _PLACEHOLDER.finditer(body):
        seen.setdefault(match.group(1).strip(), None)
    return list(seen)


def validate_classification_code(code: str) -> str:
    code = (code or "").strip()
    if not _CLASSIFICATION.fullmatch(code):
        raise DomainError(
            _("“%(code)s” is not a classification code: use digits and dots, e.g. 470 or 500.16.") % {"code": code},
            code="classification_code",
        )
    return code


def validate_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(_("Enter the letter's title, e.g. SURAT KETERANGAN USAHA."), code="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_("The title is too long (at most %(max)s characters).") % {"max": MAX_TITLE}, code="title")
    if "{" in title or "}" in title:
        raise DomainError(_("The title cannot hold placeholders or braces; write it as plain text."), code="title")
    return title


def validate_body(body: str, allowed: Iterable[str]) -> str:
    """The body, normalised (line endings, trailing spaces); raises DomainError saying what to fix."""
    allowed = list(allowed)
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    body = "\n".join(line.rstrip() for line in body.split("\n")).strip("\n")
    if not body.strip():
        raise DomainError(_("Enter the letter's body text."), code="body")
    if len(body) > MAX_BODY:
        raise DomainError(_("The body is too long (at most %(max)s characters).") % {"max": MAX_BODY}, code="body")
    for number, line in enumerate(body.split("\n"), start=1):
        rest = _PLACEHOLDER.sub("", line)
        if "{" in rest or "}" in rest:
            raise DomainError(
                _(
                    "Line %(line)s has unbalanced braces. Braces are only for placeholders, written with two "
                    "on each side: {{ nama }}."
                )
                % {"line": number},
                code="braces",
            )
        for match in _PLACEHOLDER.finditer(line):
            key = match.group(1).strip()
            if not _KEY.fullmatch(key):
                raise DomainError(
                    _(
                        "“%(placeholder)s” on line %(line)s is not a placeholder: write a key in lowercase letters, "
                        "digits and underscores, e.g. {{ nama }}. Allowed: %(allowed)s."
                    )
                    % {"placeholder": match.group(0), "line": number, "allowed": _allowed_text(allowed)},
                    code="placeholder",
                )
            if key not in allowed:
                raise DomainError(
                    _("Unknown placeholder {{ %(key)s }} on line %(line)s. Allowed: %(allowed)s.")
                    % {"key": key, "line": number, "allowed": _allowed_text(allowed)},
                    code="unknown_placeholder",
                )
    return body


def parse(body: str) -> list[Block]:
    """The blocks of a validated body: paragraphs and identity tables, values not yet inserted."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n+", body.strip("\n")):
        lines: list[tuple[Segment, ...]] = []
        rows: list[tuple[str, tuple[Segment, ...]]] = []
        for line in chunk.split("\n"):
            row = _ROW.fullmatch(line)
            if row:
                if lines:
                    blocks.append(Paragraph(tuple(lines)))
                    lines = []
                rows.append((row.group("label").strip(), _segments(row.group("value").strip())))
            else:
                if rows:
                    blocks.append(Table(tuple(rows)))
                    rows = []
                lines.append(_segments(line.strip()))
        if rows:
            blocks.append(Table(tuple(rows)))
        if lines:
            blocks.append(Paragraph(tuple(lines)))
    return blocks


def clean_value(value) -> str:
    """A value as plain text: line breaks kept, tabs as spaces, other control characters dropped."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) != "Cc")
    return "\n".join(line.strip() for line in text.strip().split("\n"))


def _fill(segments: tuple[Segment, ...], values: Mapping[str, str], missing: str) -> str:
    return "".join(
        s.text if isinstance(s, Text) else (values.get(s.key) or missing.format(key=s.key)) for s in segments
    )


def fill(blocks: list[Block], values: Mapping[str, str], *, missing: str = "-") -> list[dict]:
    """The blocks with the values put in as plain strings: what the layout gets (JSON-ready).

    ``{"kind": "paragraph", "lines": ["…", …]}`` and ``{"kind": "table", "rows": [["Nama", "Budi"], …]}``.
    A key without a value shows ``missing`` (``{key}`` in it is replaced by the key).
    """
    out: list[dict] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append({"kind": "paragraph", "lines": [_fill(line, values, missing) for line in block.lines]})
        else:
            out.append({"kind": "table", "rows": [[label, _fill(v, values, missing)] for label, v in block.rows]})
    return out
