"""SMS text: GSM 03.38 (3GPP TS 23.038) or UCS-2, segment counting and splitting into parts.

An SMS carries 140 octets of user data. Text that uses only the GSM 7-bit default alphabet (the basic
table plus its extension table) goes as septets: 160 characters in one SMS. A character of the
extension table (``^ { } \\ [ ~ ] | €`` and form feed) is sent as ESC + a septet and counts two.
Anything else (``’`` curly quotes, emoji, ``á``, Javanese script, …) makes the whole message UCS-2:
UTF-16BE, 70 code units in one SMS. A character outside the Basic Multilingual Plane (most emoji) is
a surrogate pair there and counts two units; what handsets call "UCS-2" on the wire is in practice
UTF-16, and every current phone shows pairs correctly.

Longer text is split into parts joined again by the handset with a concatenation user data header
(UDH ``05 00 03 ref total seq``: 6 octets), which leaves 153 septets (GSM-7) or 67 units (UCS-2) per
part. A part never ends between ESC and its character or between the two halves of a surrogate
pair, so a part may hold one septet/unit less than the maximum (and a message may need one part
more than a plain division says). The count of parts is what the operator bills.

Encoding for SMPP: ``encode`` returns the text *unpacked*, one septet per octet (ESC = 0x1B), for
``data_coding`` 0 ("SMSC default alphabet"), which is what SMPP 3.4 submit_sm expects by default:
the SMSC packs septets for the air interface. UCS-2 is UTF-16BE with ``data_coding`` 8. (A few
aggregators read data_coding 0 as Latin-1 or ASCII instead; such a link needs its own setting and
is not covered here.)
"""

from __future__ import annotations

from dataclasses import dataclass

# 3GPP TS 23.038 §6.2.1, the default alphabet, in code order (0x00..0x7F). 0x1B is the escape to the
# extension table, not a character of its own: it is never accepted in a text.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
ESC = 0x1B
# §6.2.1.1, the default extension table: character -> the septet after ESC.
EXTENSION = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}

assert len(BASIC) == 128

_BASIC_CODE = {char: code for code, char in enumerate(BASIC) if code != ESC}
_BASIC_CHAR = {code: char for char, code in _BASIC_CODE.items()}
_EXTENSION_CHAR = {code: char for char, code in EXTENSION.items()}

GSM7 = "gsm7"
UCS2 = "ucs2"
DATA_CODING = {GSM7: 0, UCS2: 8}

SINGLE = {GSM7: 160, UCS2: 70}  # septets / UTF-16 units in one SMS
PER_PART = {GSM7: 153, UCS2: 67}  # in each part of a concatenated SMS (6-octet UDH)
MAX_PARTS = 255  # an 8-bit concatenation header counts to 255


def is_gsm7(text: str) -> bool:
    """True when every character is in the default alphabet or its extension table."""
    return all(char in _BASIC_CODE or char in EXTENSION for char in text)


def encoding_for(text: str) -> str:
    """``"gsm7"`` when the whole text fits the GSM default alphabet, else ``"ucs2"``."""
    return GSM7 if is_gsm7(text) else UCS2


def _char_length(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def length(text: str, encoding: str | None = None) -> int:
    """Septets (GSM-7: extension characters count 2) or UTF-16 code units (UCS-2: pairs count 2)."""
    encoding = encoding or encoding_for(text)
    return sum(_char_length(char, encoding) for char in text)


def split(text: str, encoding: str | None = None) -> list[str]:
    """The parts the text is sent in: ``[text]`` when it fits one SMS, else pieces of at most 153
    septets / 67 units, never cutting an escape sequence or a surrogate pair. Empty text is one
    (empty) part."""
    encoding = encoding or encoding_for(text)
    if encoding == GSM7 and not is_gsm7(text):
        raise ValueError("text has characters outside the GSM 7-bit alphabet")
    if length(text, encoding) <= SINGLE[encoding]:
        return [text]
    limit = PER_PART[encoding]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        size = _char_length(char, encoding)
        if used + size > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    parts.append("".join(current))
    return parts


def segments(text: str, encoding: str | None = None) -> int:
    """How many SMS the text takes (what the operator bills)."""
    return len(split(text, encoding))


def encode(text: str, encoding: str | None = None) -> bytes:
    """GSM-7 unpacked (one septet per octet, for SMPP data_coding 0) or UTF-16BE (data_coding 8)."""
    encoding = encoding or encoding_for(text)
    if encoding == UCS2:
        return text.encode("utf-16-be", errors="surrogatepass")
    out = bytearray()
    for char in text:
        code = _BASIC_CODE.get(char)
        if code is not None:
            out.append(code)
        elif char in EXTENSION:
            out += bytes((ESC, EXTENSION[char]))
        else:
            raise ValueError(f"{char!r} is not in the GSM 7-bit alphabet")
    return bytes(out)


def decode(data: bytes, encoding: str) -> str:
    """The inverse of ``encode``. In GSM-7 an ESC before a septet the extension table does not
    define stands for the basic character (23.038: a receiver shows the basic table's character);
    a dangling ESC at the end is dropped."""
    if encoding == UCS2:
        return data.decode("utf-16-be", errors="surrogatepass")
    chars: list[str] = []
    escaped = False
    for octet in data:
        septet = octet & 0x7F
        if escaped:
            escaped = False
            chars.append(_EXTENSION_CHAR.get(septet) or _BASIC_CHAR.get(septet, " "))
        elif septet == ESC:
            escaped = True
        else:
            chars.append(_BASIC_CHAR[septet])
    return "".join(chars)


@dataclass(frozen=True)
class Plan:
    """How a text goes out: its encoding, SMPP data_coding, and each part's text and bytes."""

    encoding: str
    data_coding: int
    parts: tuple[str, ...]
    payloads: tuple[bytes, ...]  # encoded parts, without any UDH

    @property
    def segments(self) -> int:
        return len(self.parts)


def plan(text: str) -> Plan:
    encoding = encoding_for(text)
    parts = tuple(split(text, encoding))
    return Plan(encoding, DATA_CODING[encoding], parts, tuple(encode(part, encoding) for part in parts))


def concat_udh(reference: int, total: int, sequence: int) -> bytes:
    """The 6-octet concatenation header (IEI 0x00, 8-bit reference) of part ``sequence`` (1-based)."""
    if not (0 <= reference <= 0xFF and 1 <= sequence <= total <= MAX_PARTS):
        raise ValueError("reference 0..255, 1 <= sequence <= total <= 255")
    return bytes((0x05, 0x00, 0x03, reference, total, sequence))
