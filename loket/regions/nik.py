"""NIK and nomor KK helpers (validation lives in loket.regions.validators)."""

import re

_NIK_SEPARATORS = re.compile(r"[\s.\-]")


def normalize_nik(raw: str) -> str:
    """Strip the spaces, dots and dashes people type inside a NIK (``3674 0412 ...``, ``3674.04...``)."""
    return _NIK_SEPARATORS.sub("", raw or "")


def looks_like_nik(raw: str) -> bool:
    """Whether ``raw`` is 16 digits once the separators are stripped (not whether it is a valid NIK)."""
    digits = normalize_nik(raw)
    return len(digits) == 16 and digits.isdigit()


def mask_nik(nik: str) -> str:
    """Mask the middle of a 16-digit number for lists and logs: ``3674********0001``."""
    if not nik:
        return ""
    if len(nik) != 16:
        return "*" * len(nik)
    return f"{nik[:4]}{'*' * 8}{nik[12:]}"
