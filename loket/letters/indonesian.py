"""Dates and month numbers as Indonesian letters write them, independent of the server's locale.

format_date(date(2026, 12, 1))  -> "1 Desember 2026"
roman_month(11)                 -> "XI"
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def format_date(day: dt.date) -> str:
    """``1 Desember 2026``: the day without a leading zero, the month's Indonesian name, the year."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def roman_month(month: int) -> str:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    return ROMAN_MONTHS[month - 1]


def date_text(value: str) -> str:
    """An ISO date (``2026-12-01``, as a date form field sends it) in Indonesian; other text unchanged."""
    match = _ISO_DATE.fullmatch(value.strip())
    if not match:
        return value
    try:
        return format_date(dt.date(*(int(part) for part in match.groups())))
    except ValueError:
        return value
