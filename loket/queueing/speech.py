"""Spoken announcements for the waiting-room display board.

Pure Python, no database: turns a ticket code and a counter number into the sentence the browser's
speech synthesis reads aloud, with numbers written out in words so every voice pronounces them the
same way ("A dua belas", never "A nol satu dua").

Indonesian number words follow the standard rules (KBBI / Pedoman Umum Ejaan):

* 0-9: nol, satu, dua, tiga, empat, lima, enam, tujuh, delapan, sembilan;
* 10 sepuluh, 11 sebelas, 12-19 "<unit> belas";
* tens "<unit> puluh", hundreds "<unit> ratus", thousands "<group> ribu", millions "<group> juta";
* the prefix "se-" replaces "satu" only for 10, 11, 100 and 1000 as a whole group:
  seratus, seribu, but "satu juta" and "seratus satu ribu" (101,000).
"""

from __future__ import annotations

import re

__all__ = ["MAX_NUMBER", "number_to_words_en", "number_to_words_id", "split_ticket_code", "ticket_announcement"]

MAX_NUMBER = 999_999_999

_UNITS_ID = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")


def _check_range(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number out of range 0..{MAX_NUMBER}: {n}")


def _below_thousand_id(n: int) -> list[str]:
    """Words for 1..999 (empty list for 0)."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_UNITS_ID[hundreds], "ratus"]
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif 12 <= rest <= 19:
        words += [_UNITS_ID[rest - 10], "belas"]
    elif rest >= 20:
        tens, units = divmod(rest, 10)
        words += [_UNITS_ID[tens], "puluh"]
        if units:
            words.append(_UNITS_ID[units])
    elif rest > 0:
        words.append(_UNITS_ID[rest])
    return words


def number_to_words_id(n: int) -> str:
    """Indonesian words for 0..999,999,999, e.g. 12 -> "dua belas", 1100 -> "seribu seratus"."""
    _check_range(n)
    if n == 0:
        return "nol"
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words: list[str] = []
    if millions:
        words += [*_below_thousand_id(millions), "juta"]
    if thousands == 1:
        words.append("seribu")
    elif thousands:
        words += [*_below_thousand_id(thousands), "ribu"]
    words += _below_thousand_id(units)
    return " ".join(words)


_ONES_EN = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS_EN = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _below_thousand_en(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_ONES_EN[hundreds], "hundred"]
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_TENS_EN[tens] + (f"-{_ONES_EN[units]}" if units else ""))
    elif rest:
        words.append(_ONES_EN[rest])
    return words


def number_to_words_en(n: int) -> str:
    """English words for 0..999,999,999, e.g. 12 -> "twelve", 1234 -> "one thousand two hundred thirty-four"."""
    _check_range(n)
    if n == 0:
        return "zero"
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words: list[str] = []
    if millions:
        words += [*_below_thousand_en(millions), "million"]
    if thousands:
        words += [*_below_thousand_en(thousands), "thousand"]
    words += _below_thousand_en(units)
    return " ".join(words)


_CODE_RE = re.compile(r"^\s*([A-Za-z]*)\s*[-./ ]?\s*(\d+)\s*$")


def split_ticket_code(code: str) -> tuple[str, int | None]:
    """Split a ticket code into its letter prefix and number: "A-012" -> ("A", 12), "B7" -> ("B", 7).

    A code that does not look like letters + digits comes back unchanged with no number.
    """
    match = _CODE_RE.match(code)
    if not match:
        return code.strip(), None
    return match.group(1).upper(), int(match.group(2))


_TEMPLATES = {
    "id": ("Nomor antrean {ticket}, silakan ke loket {counter}.", number_to_words_id),
    "en": ("Queue number {ticket}, please go to counter {counter}.", number_to_words_en),
}


def ticket_announcement(code: str, counter_number: int, *, language: str = "id") -> str:
    """The sentence announcing a call, e.g. ("A-012", 3) -> "Nomor antrean A dua belas, silakan ke loket tiga."

    The letter prefix is kept as written (speech engines say a lone capital letter by its name); a
    multi-letter prefix is spaced out so it is spelled, not read as a word. Leading zeros are dropped.
    Languages: "id" (default) and "en"; a regional variant such as "id-ID" or "en-us" is accepted.
    """
    lang = language.lower().split("-")[0].split("_")[0]
    if lang not in _TEMPLATES:
        raise ValueError(f"unsupported language: {language!r}")
    template, to_words = _TEMPLATES[lang]
    prefix, number = split_ticket_code(code)
    ticket = prefix if number is None else " ".join([*prefix, to_words(number)])
    return template.format(ticket=ticket, counter=to_words(counter_number))
