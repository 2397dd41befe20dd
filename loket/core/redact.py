"""Masking what must not reach a log line or an error message in full: NIKs (and other 16-digit
numbers such as the nomor KK), phone numbers, and the free text a server answers with.

    mask_nik("3674041708900001")   -> "3674********0001"
    mask_phone("6281234567890")    -> "62812*****890"
    redact("NIK 3674041708900001 tidak cocok dengan 081234567890")
                                   -> "NIK 3674********0001 tidak cocok dengan 08123****890"

Credentials, tokens, passphrases and message bodies are never masked: they are not logged at all.
"""

from __future__ import annotations

import re

# A NIK or KK number is 16 digits; a phone number 8 to 15 (E.164 without "+", or 0-prefixed).
_NIK_LIKE = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE_LIKE = re.compile(r"(?<!\d)\+?\d{8,15}(?!\d)")
_WHITESPACE = re.compile(r"\s+")


def mask_nik(nik: str) -> str:
    """``3674041708900001`` → ``3674********0001``; anything shorter than 12 characters is all stars."""
    nik = str(nik)
    if len(nik) < 12:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def mask_phone(number: str) -> str:
    """``6281234567890`` → ``62812*****890``: the operator's prefix and the last three digits stay,
    enough to tell numbers apart in a log. Shorter than 8 characters: not a phone number, as is."""
    number = str(number)
    return number if len(number) < 8 else number[:5] + "*" * (len(number) - 8) + number[-3:]


def redact(text: str, limit: int = 300) -> str:
    """``text`` fit for a log line or an error message: whitespace folded, NIK-like numbers and
    phone numbers masked, at most ``limit`` characters."""
    text = _WHITESPACE.sub(" ", str(text)).strip()
    text = _NIK_LIKE.sub(lambda match: mask_nik(match.group()), text)
    text = _PHONE_LIKE.sub(lambda match: mask_phone(match.group()), text)
    return text[:limit]
