"""The stamp BSrE places on the letter: the image we send (``imageBase64``) and where it goes.

The image is a PNG at 300 dpi sized to ``Stamp.box``: the QR code of ``stamp.verify_url`` on the
left; on the right the lines "Ditandatangani secara elektronik oleh", name, a.n./Plt. line,
position, NIP and the time in the office's zone, worded as the local signers' stamp. Coordinates
(assumed, as in the open-source clients): ``page`` is 1-based, ``originX``/``originY`` the lower-left
corner of the box, ``width``/``height`` its size, in PDF points from the bottom left of the page.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import segno
from PIL import Image, ImageDraw, ImageFont

from loket.core import clock
from loket.signing.signers.base import Stamp

STAMP_DPI = 300
STAMP_LEAD_LINE = "Ditandatangani secara elektronik oleh"


def bsre_rectangle(box: Sequence[float]) -> dict[str, float]:
    """``Stamp.box`` (x0, y0, x1, y1; PDF points, origin bottom left) as BSrE's ``originX``,
    ``originY``, ``width``, ``height`` (assumed: the same origin, lower-left corner of the box)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    if x1 <= x0 or y1 <= y0:
        raise ValueError("the stamp box must have a positive width and height")
    return {"originX": x0, "originY": y0, "width": x1 - x0, "height": y1 - y0}


def bsre_page(page: int, page_count: int) -> int:
    """``Stamp.page`` (0-based, negative from the end as in pyHanko) as BSrE's 1-based page."""
    index = page if page >= 0 else page_count + page
    if not 0 <= index < page_count:
        raise ValueError(f"page {page} is outside a document of {page_count} pages")
    return index + 1


def _font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's bundled font (needs FreeType): the same image on every machine.
    return ImageFont.load_default(size=size)


def _wrap(text: str, font, width: float) -> list[str]:
    words = text.split()
    if not words:
        return []
    lines, line = [], words[0]
    for word in words[1:]:
        candidate = f"{line} {word}"
        if font.getlength(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _layouts(paragraphs: list[str], sizes, width: float, *, wrap: bool):
    for size in sizes:
        font = _font(size)
        lines = [part for text in paragraphs for part in _wrap(text, font, width)] if wrap else paragraphs
        yield font, lines, round(size * 1.2)


def stamp_lines(stamp: Stamp, moment: dt.datetime) -> list[str]:
    """The words of the stamp, as the local signers write them (``pades.signing_time_text`` for the
    time in the office's zone). ``moment`` is when the request leaves: the image is made before
    BSrE signs, so the minute shown can precede the signature's timestamp by the request's duration."""
    from loket.signing.pades import signing_time_text

    lines = [STAMP_LEAD_LINE, stamp.signer_name]
    if stamp.on_behalf_line:
        lines.append(stamp.on_behalf_line)
    lines.append(stamp.signer_title)
    if stamp.signer_nip:
        lines.append(f"NIP {stamp.signer_nip}")
    lines.append(signing_time_text(moment, getattr(stamp, "time_zone", "") or "Asia/Jakarta"))
    return [" ".join(line.split()) for line in lines if line.strip()]


def render_stamp_png(stamp: Stamp, *, moment: dt.datetime | None = None, dpi: int = STAMP_DPI) -> bytes:
    """The stamp image BSrE places in the box: QR code of ``verify_url`` beside the text lines,
    black on white, sized to ``stamp.box`` at ``dpi``; ``moment`` defaults to now."""
    rect = bsre_rectangle(stamp.box)
    scale = dpi / 72
    width, height = round(rect["width"] * scale), round(rect["height"] * scale)
    image = Image.new("RGB", (width, height), "white")

    qr = segno.make(stamp.verify_url, error="m")
    modules = qr.symbol_size(border=2)[0]
    module_px = max(1, height // modules)
    qr_png = io.BytesIO()
    qr.save(qr_png, kind="png", scale=module_px, border=2)
    qr_image = Image.open(io.BytesIO(qr_png.getvalue())).convert("RGB")
    image.paste(qr_image, (0, (height - qr_image.height) // 2))

    gap = round(4 * scale)
    text_x = qr_image.width + gap
    text_width = width - text_x - gap
    draw = ImageDraw.Draw(image)
    paragraphs = stamp_lines(stamp, moment or clock.now())
    # The largest size at which every line fits unbroken; failing that, the largest with wrapping.
    sizes = range(round(9 * scale), round(4 * scale) - 1, -1)
    for font, lines, line_height in (
        layout for wrap in (False, True) for layout in _layouts(paragraphs, sizes, text_width, wrap=wrap)
    ):
        if max(font.getlength(line) for line in lines) <= text_width and line_height * len(lines) <= height:
            break
    y = (height - line_height * len(lines)) // 2
    for line in lines:
        draw.text((text_x, y), line, fill="black", font=font)
        y += line_height
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()
