"""ESC/POS output for queue tickets on 58 mm and 80 mm thermal receipt printers.

Pure Python, no database: the kiosk (or a print agent beside it) sends these bytes unchanged to the printer,
e.g. over USB/serial/TCP port 9100. The commands used are the common Epson ESC/POS subset that cheap
58/80 mm printers sold in Indonesia understand:

* ``ESC @`` initialise, ``ESC t 0`` code page PC437;
* ``ESC a n`` alignment, ``ESC E n`` bold, ``GS ! n`` character size;
* ``GS ( k`` native QR code (model 2, module size, error correction M, store data, print);
* ``ESC d n`` feed n lines, ``GS V 66 0`` feed to the cutter and partial cut.

Text is reduced to what code page 437 can print: accents are dropped when the letter exists without them,
typographic punctuation becomes its ASCII look-alike, control characters become spaces (so user-supplied
text can never smuggle printer commands), anything else becomes "?". Lines are wrapped to the printer's
columns in Font A: 32 on 58 mm paper, 48 on 80 mm paper (half that for double-width text).
"""

from __future__ import annotations

import datetime
import textwrap
import unicodedata

from django.utils import formats
from django.utils.translation import gettext as _

__all__ = ["COLUMNS", "QR_MAX_BYTES", "render_ticket_escpos", "to_printable", "wrap_text"]

ESC = b"\x1b"
GS = b"\x1d"
LF = b"\n"

INIT = ESC + b"@"
CODE_PAGE_PC437 = ESC + b"t\x00"
ALIGN_LEFT = ESC + b"a\x00"
ALIGN_CENTER = ESC + b"a\x01"
BOLD_ON = ESC + b"E\x01"
BOLD_OFF = ESC + b"E\x00"
SIZE_NORMAL = GS + b"!\x00"
SIZE_DOUBLE = GS + b"!\x11"  # double width and double height
PARTIAL_CUT = GS + b"V\x42\x00"  # function B: feed to the cutting position, then partial cut

# Characters per line in Font A (12x24 dots): 384 dots on 58 mm paper, 576 dots on 80 mm paper.
COLUMNS = {58: 32, 80: 48}
# QR module size in dots: about 25 mm wide for a short URL on 58 mm, a little larger on 80 mm.
_QR_MODULE = {58: 6, 80: 8}
# Byte-mode capacity of a version 40 QR code at error correction level M.
QR_MAX_BYTES = 2331

_ASCII_LOOKALIKES = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2026": "...",
    "\u2022": "*",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
}


def _printable_char(char: str) -> str:
    if char in _ASCII_LOOKALIKES:
        return _ASCII_LOOKALIKES[char]
    if unicodedata.combining(char):
        return ""
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
        return " "
    try:
        char.encode("cp437")
        return char
    except UnicodeEncodeError:
        pass
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    try:
        base.encode("cp437")
    except UnicodeEncodeError:
        return "?"
    return base if base and all(unicodedata.category(c)[0] != "C" for c in base) else "?"


def to_printable(text: str) -> str:
    """The text reduced to single-line characters that code page 437 prints (one character per column)."""
    return "".join(_printable_char(char) for char in unicodedata.normalize("NFC", str(text)))


def wrap_text(text: str, columns: int) -> list[str]:
    """Printable lines of at most ``columns`` characters; long words are broken, blank text gives no lines."""
    return textwrap.wrap(to_printable(text), width=columns, break_long_words=True, break_on_hyphens=False)


def _lines(text: str, columns: int) -> bytes:
    return b"".join(line.encode("cp437") + LF for line in wrap_text(text, columns))


def _qr_command(fn: int, params: bytes) -> bytes:
    """GS ( k pL pH cn fn params, where pL + 256 * pH counts cn, fn and params."""
    length = len(params) + 2
    return GS + b"(k" + bytes([length % 256, length // 256, 49, fn]) + params


def qr_code(payload: bytes, *, module_size: int) -> bytes:
    """Native QR code commands: model 2, module size, error correction M, store payload, print."""
    if not payload:
        raise ValueError("QR payload is empty")
    if len(payload) > QR_MAX_BYTES:
        raise ValueError(f"QR payload too long: {len(payload)} bytes (max {QR_MAX_BYTES})")
    return b"".join(
        [
            _qr_command(65, bytes([50, 0])),  # fn 165: select model 2
            _qr_command(67, bytes([module_size])),  # fn 167: module size in dots
            _qr_command(69, bytes([49])),  # fn 169: error correction level M (15 %)
            _qr_command(80, b"0" + payload),  # fn 180: store data in the symbol storage area
            _qr_command(81, b"0"),  # fn 181: print the stored symbol
        ]
    )


def _format_date(value: datetime.date | str) -> str:
    if isinstance(value, datetime.date):
        return formats.date_format(value, "l, j F Y")
    return str(value)


def render_ticket_escpos(
    *,
    office_name: str,
    service_name: str,
    code: str,
    local_date: datetime.date | str,
    session_label: str,
    qr_payload: str | bytes,
    width_mm: int = 58,
    estimated_time: str = "",
) -> bytes:
    """ESC/POS bytes printing one queue ticket, ending with a partial cut.

    ``local_date`` is the office-local day (a date is formatted in the active language, e.g.
    "Senin, 23 November 2026"); ``qr_payload`` is what the check-in scanner must read (the ticket's
    unguessable token or URL), printed as a native QR code. ``width_mm`` is 58 or 80.
    """
    if width_mm not in COLUMNS:
        raise ValueError(f"unsupported paper width {width_mm} mm (use 58 or 80)")
    columns = COLUMNS[width_mm]
    payload = qr_payload.encode("utf-8") if isinstance(qr_payload, str) else bytes(qr_payload)

    out = [INIT, CODE_PAGE_PC437, ALIGN_CENTER, SIZE_NORMAL]
    out += [BOLD_ON, _lines(office_name, columns), BOLD_OFF]
    out += [_lines(service_name, columns), LF]
    out += [_lines(_("Queue number"), columns)]
    out += [SIZE_DOUBLE, BOLD_ON, _lines(code, columns // 2), BOLD_OFF, SIZE_NORMAL, LF]
    out += [_lines(_format_date(local_date), columns), _lines(session_label, columns)]
    if estimated_time:
        out += [_lines(_("Estimated time: %(time)s") % {"time": estimated_time}, columns)]
    out += [LF, qr_code(payload, module_size=_QR_MODULE[width_mm]), LF]
    out += [_lines(_("Keep this ticket until you have been served."), columns)]
    out += [ALIGN_LEFT, ESC + b"d\x03", PARTIAL_CUT]
    return b"".join(out)
