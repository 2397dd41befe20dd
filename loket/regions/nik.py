"""NIK and nomor KK helpers (validation lives in loket.regions.validators)."""


def mask_nik(nik: str) -> str:
    """Mask the middle of a 16-digit number for lists and logs: ``3674********0001``."""
    if not nik:
        return ""
    if len(nik) != 16:
        return "*" * len(nik)
    return f"{nik[:4]}{'*' * 8}{nik[12:]}"
