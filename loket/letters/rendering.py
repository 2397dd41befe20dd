"""Turning a letter's data into a PDF with Typst: the document the layout reads
(``build_document``, with its ``Signer``) and the PDF made from it (``render_pdf``).

One fixed layout ships with the project (``loket/letters/typst/letter.typ``). Each render copies it
into a fresh temporary directory, the *render root*, together with the office's logo when it has
one (``/logo.png`` or ``/logo.jpg``); Typst may read nothing outside that root. The data goes in as
one JSON string through ``sys.inputs`` and the layout only ever places its strings as text.

Output is the same on every machine and for every re-render of the same data: system fonts are
ignored (the serif is Libertinus Serif, embedded in Typst itself), the PDF's timestamp is the
letter's own creation time, and the PDF is PDF/A-2b (``pdf_standards=["a-2b"]``; Typst refuses to
write a PDF that would break the standard).

The signature box: the signer block sits at the bottom right of the last page, always the same size,
so the box between the position and the name is at a fixed place: ``SIGNATURE_BOX`` (PDF points,
origin bottom left, as pyHanko's field boxes; page -1 = the last page). The e-signature stamp
(QR + text, issue 6) goes there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typst
from django.utils.translation import gettext as _

from loket.core.errors import DomainError
from loket.letters.indonesian import format_date

if TYPE_CHECKING:
    from loket.letters.models import OfficeLetterSettings
    from loket.offices.models import Office

logger = logging.getLogger(__name__)

LAYOUT_FILE = Path(__file__).resolve().parent / "typst" / "letter.typ"
PDF_STANDARD = "a-2b"
MAX_LOGO_BYTES = 1024 * 1024

# The mark on every preview page (the letter's language is Indonesian whatever the UI language).
PREVIEW_BANNER = "PRATINJAU — belum bernomor dan belum ditandatangani"
PREVIEW_WATERMARK = "PRATINJAU"

# Sizes of the layout in millimetres (and the font size), given to letter.typ with every render.
# Margins as usual for naskah dinas: left 3 cm, right 2 cm, top 2 cm, bottom 2.5 cm.
LAYOUT: dict[str, float] = {
    "margin_top_mm": 20,
    "margin_bottom_mm": 25,
    "margin_left_mm": 30,
    "margin_right_mm": 20,
    "font_size_pt": 12,
    "indent_mm": 12.5,
    "logo_column_mm": 26,
    "logo_width_mm": 22,
    "signer_width_mm": 85,  # the signer block, right-aligned to the right margin
    "signer_top_mm": 30,  # place and date, a.n./Plt. line, position
    "signature_height_mm": 30,  # the empty box for the signature/stamp or the e-signature stamp
    "signer_bottom_mm": 14,  # name and NIP
}

A4_WIDTH_PT = 210 / 25.4 * 72
A4_HEIGHT_PT = 297 / 25.4 * 72


def _pt(mm: float) -> float:
    return mm / 25.4 * 72


@dataclass(frozen=True)
class Box:
    """A rectangle on a page in PDF points, origin at the bottom left; ``page`` -1 is the last page."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def as_tuple(self) -> tuple[int, int, int, int]:
        """Rounded inwards, as pyHanko's ``SigFieldSpec(box=…)`` takes it."""
        return (math.ceil(self.x0), math.ceil(self.y0), math.floor(self.x1), math.floor(self.y1))


def _signature_box() -> Box:
    x1 = A4_WIDTH_PT - _pt(LAYOUT["margin_right_mm"])
    x0 = x1 - _pt(LAYOUT["signer_width_mm"])
    y0 = _pt(LAYOUT["margin_bottom_mm"] + LAYOUT["signer_bottom_mm"])
    y1 = y0 + _pt(LAYOUT["signature_height_mm"])
    return Box(page=-1, x0=round(x0, 2), y0=round(y0, 2), x1=round(x1, 2), y1=round(y1, 2))


# About (297.64, 110.55) - (538.58, 195.59) on the last page: 85 mm x 30 mm.
SIGNATURE_BOX = _signature_box()

_LAYOUT_SOURCE = LAYOUT_FILE.read_bytes()
_local = threading.local()


class RenderError(DomainError):
    """Typst could not make the PDF (a fault of the layout or the data, logged in full)."""


@dataclass(frozen=True)
class Logo:
    content: bytes
    extension: str  # "png" or "jpg"

    @property
    def path(self) -> str:
        return f"/logo.{self.extension}"


@dataclass(frozen=True)
class Signer:
    """Who signs: name, position (e.g. "Lurah Gunung Pangilun"), NIP (18 digits, empty for a signer
    without one, e.g. a kepala desa), and an optional stand-in line above the position, e.g.
    "a.n. LURAH GUNUNG PANGILUN" (with the title "Sekretaris Kelurahan") or "Plt."."""

    name: str
    title: str
    nip: str = ""
    on_behalf_line: str = ""


def build_document(
    *,
    settings_row: OfficeLetterSettings,
    office: Office,
    title: str,
    number: str,
    blocks: list[dict],
    issued_on: dt.date,
    signer: Signer,
    preview: bool = False,
) -> dict[str, Any]:
    """The JSON document ``letter.typ`` lays out (stored with the letter, so it can be re-rendered)."""
    return {
        "meta": {"author": office.name, "keywords": [number]},
        "letterhead": {
            "government": settings_row.government_line,
            "units": settings_row.unit_line_list,
            "address": settings_row.address_line,
            "contact": settings_row.contact_line,
            "logo_sha256": settings_row.logo_sha256 if settings_row.logo else "",
        },
        "title": title,
        "number": number,
        "blocks": blocks,
        "place_date": f"{settings_row.place_name}, {format_date(issued_on)}",
        "signer": {
            "on_behalf": signer.on_behalf_line,
            "title": signer.title,
            "name": signer.name,
            "nip": signer.nip,
        },
        "preview": {"banner": PREVIEW_BANNER, "watermark": PREVIEW_WATERMARK} if preview else None,
    }


def _compiler() -> typst.Compiler:
    # A Compiler keeps Typst's fonts and caches (a render is ~10x faster on a warm one) but may not
    # be shared between threads ("Already borrowed"), so each thread keeps its own.
    compiler = getattr(_local, "compiler", None)
    if compiler is None:
        compiler = _local.compiler = typst.Compiler(ignore_system_fonts=True)
    return compiler


def _compile(root: Path, main: Path, document: dict[str, Any], *, timestamp: int) -> bytes:
    try:
        pdf, warnings = _compiler().compile_with_warnings(
            input=str(main),
            root=str(root),
            sys_inputs={"data": json.dumps(document, ensure_ascii=False)},
            pdf_standards=[PDF_STANDARD],
            timestamp=timestamp,
        )
    except typst.TypstError as exc:
        logger.error("Typst failed: %s %s %s", exc.message, getattr(exc, "hints", ""), getattr(exc, "trace", ""))
        raise RenderError(_("The letter could not be turned into a PDF. Please tell the system admin.")) from exc
    for warning in warnings:
        logger.warning("Typst warning: %s", getattr(warning, "message", warning))
    return pdf


def _with_layout(document: dict[str, Any], logo: Logo | None) -> dict[str, Any]:
    """``document`` as the layout reads it: with its sizes, and the logo's path in the render root."""
    document = {**document, "layout": LAYOUT}
    document["letterhead"] = {**document["letterhead"], "logo": logo.path if logo else None}
    return document


@contextmanager
def _render_root(logo: Logo | None) -> Iterator[Path]:
    """A fresh render root holding the layout (``letter.typ``) and the logo, deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="loket-letter-") as tmp:
        root = Path(tmp)
        (root / "letter.typ").write_bytes(_LAYOUT_SOURCE)
        if logo:
            (root / logo.path.lstrip("/")).write_bytes(logo.content)
        yield root


def render_pdf(document: dict[str, Any], *, logo: Logo | None, timestamp: int) -> bytes:
    """The PDF of ``document`` (see ``build_document``); ``timestamp`` in UNIX seconds."""
    with _render_root(logo) as root:
        return _compile(root, root / "letter.typ", _with_layout(document, logo), timestamp=timestamp)


def query_signature_box(document: dict[str, Any], *, logo: Logo | None = None) -> dict[str, Any]:
    """Where the layout actually draws the signature box: ``{"page": n, "x": "…pt", "y": "…pt"}``
    (top left, from the top left of the page). For tests and for checking ``SIGNATURE_BOX``."""
    with _render_root(logo) as root:
        compiler = typst.Compiler(
            input=str(root / "letter.typ"),
            root=str(root),
            ignore_system_fonts=True,
            sys_inputs={"data": json.dumps(_with_layout(document, logo), ensure_ascii=False)},
        )
        found = json.loads(compiler.query("<signature-box>", field="value"))
    return found[0] if found else {}


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def check_logo(content: bytes) -> Logo:
    """A logo Typst can place in a PDF/A letter: PNG or JPEG by its bytes, at most 1 MB, decodable."""
    if len(content) > MAX_LOGO_BYTES:
        raise DomainError(_("The logo is too large: at most 1 MB."), code="logo")
    if content.startswith(PNG_MAGIC):
        logo = Logo(content, "png")
    elif content.startswith(JPEG_MAGIC):
        logo = Logo(content, "jpg")
    else:
        raise DomainError(_("The logo must be a PNG or JPEG image."), code="logo")
    with tempfile.TemporaryDirectory(prefix="loket-logo-") as tmp:
        root = Path(tmp)
        (root / logo.path.lstrip("/")).write_bytes(content)
        (root / "check.typ").write_text(f'#image("{logo.path}", width: 2cm)', encoding="utf-8")
        try:
            _compiler().compile(input=str(root / "check.typ"), root=str(root), pdf_standards=[PDF_STANDARD])
        except typst.TypstError as exc:
            raise DomainError(_("The logo file is damaged or not a usable image."), code="logo") from exc
    return logo
