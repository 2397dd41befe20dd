"""Turning a letter's data into a PDF with Typst.

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

import json
import logging
import math
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typst
from django.utils.translation import gettext as _

from loket.core.errors import DomainError

logger = logging.getLogger(__name__)

LAYOUT_FILE = Path(__file__).resolve().parent / "typst" / "letter.typ"
PDF_STANDARD = "a-2b"
MAX_LOGO_BYTES = 1024 * 1024

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


def render_pdf(document: dict[str, Any], *, logo: Logo | None, timestamp: int) -> bytes:
    """The PDF of ``document`` (see ``build_document`` in services); ``timestamp`` in UNIX seconds."""
    document = {**document, "layout": LAYOUT}
    document["letterhead"] = {**document["letterhead"], "logo": logo.path if logo else None}
    with tempfile.TemporaryDirectory(prefix="loket-letter-") as tmp:
        root = Path(tmp)
        main = root / "letter.typ"
        main.write_bytes(_LAYOUT_SOURCE)
        if logo:
            (root / logo.path.lstrip("/")).write_bytes(logo.content)
        return _compile(root, main, document, timestamp=timestamp)


def query_signature_box(document: dict[str, Any], *, logo: Logo | None = None) -> dict[str, Any]:
    """Where the layout actually draws the signature box: ``{"page": n, "x": "…pt", "y": "…pt"}``
    (top left, from the top left of the page). For tests and for checking ``SIGNATURE_BOX``."""
    document = {**document, "layout": LAYOUT}
    document["letterhead"] = {**document["letterhead"], "logo": logo.path if logo else None}
    with tempfile.TemporaryDirectory(prefix="loket-letter-") as tmp:
        root = Path(tmp)
        (root / "letter.typ").write_bytes(_LAYOUT_SOURCE)
        if logo:
            (root / logo.path.lstrip("/")).write_bytes(logo.content)
        compiler = typst.Compiler(
            input=str(root / "letter.typ"),
            root=str(root),
            ignore_system_fonts=True,
            sys_inputs={"data": json.dumps(document, ensure_ascii=False)},
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
