"""NIK and nomor KK validation (domain.md §1).

Neither number has a check digit, so validation checks what can be checked: 16 digits, a region
prefix that exists in the Kemendagri list (current or retired: a NIK keeps the prefix it was issued
under), the encoded date and a non-zero serial. Only Dukcapil can confirm that a number exists.

Error messages say exactly what is wrong; each ``ValidationError`` carries a ``code`` that tests
and callers can rely on.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.regions.models import Region

_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGITS16 = re.compile(r"^\d{16}$")

# The KK recording date (digits 7–12, DDMMYY) is read as 20YY: 16-digit KK numbers are issued by
# SIAK, which started in the 2000s. A date after today is therefore an error. (The field split of
# the KK number is "reported", not verified: see domain.md §1.2.)
KK_CENTURY = 2000

FEMALE_DAY_OFFSET = 40


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province_code: str  # "36"
    kabkota_code: str  # "36.74"
    kecamatan_code: str  # "36.74.04"
    birth_date: date
    sex: str  # "L" (laki-laki) or "P" (perempuan)
    serial: str  # "0001"

    @property
    def is_female(self) -> bool:
        return self.sex == "P"


@dataclass(frozen=True)
class KkInfo:
    kk: str
    province_code: str
    kabkota_code: str
    kecamatan_code: str
    recorded_on: date
    serial: str


def normalize_identity_number(value) -> str:
    """Remove spaces, dots and dashes that people type or paste into a NIK or KK number."""
    if value is None:
        return ""
    return _SEPARATORS.sub("", str(value))


def _region_codes(digits: str) -> tuple[str, str, str]:
    province = digits[0:2]
    kabkota = f"{province}.{digits[2:4]}"
    kecamatan = f"{kabkota}.{digits[4:6]}"
    return province, kabkota, kecamatan


def _check_format(digits: str, label) -> None:
    if not digits:
        raise ValidationError(_("Enter the %(label)s: 16 digits."), code="required", params={"label": label})
    if not digits.isdigit() or not digits.isascii():
        raise ValidationError(
            _("The %(label)s may contain only digits 0–9; remove the letters or other characters."),
            code="not_digits",
            params={"label": label},
        )
    if not _DIGITS16.match(digits):
        raise ValidationError(
            _("The %(label)s must have exactly 16 digits; you entered %(count)d."),
            code="length",
            params={"label": label, "count": len(digits)},
        )
    if digits[0] == "0":
        raise ValidationError(
            _("The %(label)s cannot start with 0: its first two digits are a province code (11 to 96)."),
            code="leading_zero",
            params={"label": label},
        )


def _check_region(digits: str, label) -> tuple[str, str, str]:
    province, kabkota, kecamatan = _region_codes(digits)
    known = set(Region.objects.filter(code__in=[province, kabkota, kecamatan]).values_list("code", flat=True))
    if province not in known:
        raise ValidationError(
            _("The first two digits of the %(label)s (%(code)s) are not a known province code."),
            code="unknown_province",
            params={"label": label, "code": province},
        )
    if kabkota not in known:
        raise ValidationError(
            _("Digits 3–4 of the %(label)s give kabupaten/kota code %(code)s, which does not exist."),
            code="unknown_kabkota",
            params={"label": label, "code": kabkota},
        )
    if kecamatan not in known:
        raise ValidationError(
            _("Digits 5–6 of the %(label)s give kecamatan code %(code)s, which does not exist."),
            code="unknown_kecamatan",
            params={"label": label, "code": kecamatan},
        )
    return province, kabkota, kecamatan


def _check_serial(digits: str, label) -> str:
    serial = digits[12:16]
    if serial == "0000":
        raise ValidationError(
            _("The last four digits of the %(label)s (serial number) cannot be 0000."),
            code="serial_zero",
            params={"label": label},
        )
    return serial


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_nik(value, *, today: date | None = None) -> NikInfo:
    """Validate a NIK and read its fields; raise ``ValidationError`` saying what is wrong.

    The two-digit birth year gets the century that puts the birth date in the past (on or before
    ``today``, by default ``timezone.localdate()``): ``05`` is 2005, not 1905.
    """
    label = _("NIK")
    digits = normalize_identity_number(value)
    _check_format(digits, label)
    province, kabkota, kecamatan = _check_region(digits, label)

    raw_day, raw_month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = "P" if raw_day > FEMALE_DAY_OFFSET else "L"
    day = raw_day - FEMALE_DAY_OFFSET if sex == "P" else raw_day
    if not 1 <= day <= 31:
        raise ValidationError(
            _(
                "Digits 7–8 of the NIK (%(value)s) are not a day of birth: men have 01 to 31, "
                "women have the day plus 40 (41 to 71)."
            ),
            code="birth_day",
            params={"value": digits[6:8]},
        )
    if not 1 <= raw_month <= 12:
        raise ValidationError(
            _("Digits 9–10 of the NIK (%(value)s) are not a month of birth: use 01 to 12."),
            code="birth_month",
            params={"value": digits[8:10]},
        )
    today = today or timezone.localdate()
    birth = _real_date(2000 + yy, raw_month, day)
    if birth is None or birth > today:
        birth = _real_date(1900 + yy, raw_month, day)
    if birth is None:
        raise ValidationError(
            _(
                "Digits 7–12 of the NIK (%(value)s) are not a real date of birth: day %(day)02d of month "
                "%(month)02d does not exist (for women the day is written plus 40)."
            ),
            code="birth_date",
            params={"value": digits[6:12], "day": day, "month": raw_month},
        )
    serial = _check_serial(digits, label)
    return NikInfo(
        nik=digits,
        province_code=province,
        kabkota_code=kabkota,
        kecamatan_code=kecamatan,
        birth_date=birth,
        sex=sex,
        serial=serial,
    )


def parse_kk(value, *, today: date | None = None) -> KkInfo:
    """Validate a nomor KK (Kartu Keluarga) and read its fields; raise ``ValidationError`` if wrong."""
    label = _("KK number")
    digits = normalize_identity_number(value)
    _check_format(digits, label)
    province, kabkota, kecamatan = _check_region(digits, label)
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    recorded = _real_date(KK_CENTURY + yy, month, day)
    if recorded is None:
        raise ValidationError(
            _(
                "Digits 7–12 of the KK number (%(value)s) must be the recording date as DDMMYY, and it is not a real date."
            ),
            code="recorded_date",
            params={"value": digits[6:12]},
        )
    today = today or timezone.localdate()
    if recorded > today:
        raise ValidationError(
            _("Digits 7–12 of the KK number (%(value)s) give the recording date %(date)s, which is in the future."),
            code="recorded_future",
            params={"value": digits[6:12], "date": recorded.strftime("%d-%m-%Y")},
        )
    serial = _check_serial(digits, label)
    return KkInfo(
        kk=digits,
        province_code=province,
        kabkota_code=kabkota,
        kecamatan_code=kecamatan,
        recorded_on=recorded,
        serial=serial,
    )


def validate_nik(value) -> None:
    """Django validator: ``validators=[validate_nik]`` on a model or form field."""
    parse_nik(value)


def validate_kk(value) -> None:
    """Django validator for a nomor KK."""
    parse_kk(value)
