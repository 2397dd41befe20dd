"""The texts of notifications: Indonesian, with ``{{ variable }}`` placeholders and nothing else.

The syntax is the one of letter templates (``loket.letters.templating``): admins edit the texts
in the Django admin, so a text can never run code; only the variables listed for its kind of
message may appear, and an unknown one is refused at save with an Indonesian message that lists
the allowed ones. The placeholder checks themselves are the letters' ``validate_body`` (imported,
notifications sit above letters in the layers); the checks that matter for an SMS are added here:
at most ``MAX_TEXT`` characters, only characters of the GSM 7-bit alphabet (one character outside
it, a curly quote or an en dash, turns the SMS into UCS-2 and cuts it from 160 to 70 characters)
and no 16-digit number typed into the text.

The text is rendered when the event happens (``services.enqueue``), never at sending time:
the message says what was true at the event, even if the template is edited later.

Identity numbers never reach a message: any run of 16 or more digits (a NIK or a nomor KK,
also written with spaces, dots or dashes; an 18-digit NIP) in the rendered text is replaced
by ``***`` (``mask_identity_numbers``). It is replaced rather than refused because the
rendering runs inside the caller's transaction: refusing would roll back the booking or the
status change that the message is about. A free text like the reason for a rejection typed by an
officer ("NIK 3674… tidak sesuai KK") is exactly where such a number comes from.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from loket.core.errors import DomainError
from loket.letters import templating as letter_templating
from loket.letters.indonesian import format_date
from loket.notifications.models import TemplateKey

logger = logging.getLogger(__name__)

MAX_TEXT = 320  # two SMS
MAX_SUBJECT = 150
MISSING = "-"
CODE_MASK = "******"
IDENTITY_MASK = "***"

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")  # the same syntax as loket.letters.templating
# 16 or more digits, single spaces, dots or dashes allowed between them: a NIK, a nomor KK, a NIP.
_IDENTITY_NUMBER = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){15,}(?!\d)")

# GSM 03.38 default alphabet (basic table; the extension table's characters count two and are
# avoided in templates too, except that braces are the placeholders' own).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


@dataclass(frozen=True)
class Kind:
    """One kind of message: its variables (name -> what it holds) and its default texts."""

    variables: dict[str, str]
    text: str
    subject: str
    secret: tuple[str, ...] = ()  # variables scrubbed from the stored text (one-time codes)


_TICKET = {
    "nomor": "Nomor tiket, mis. A-012",
    "layanan": "Nama layanan",
    "kantor": "Nama kantor",
    "tanggal": "Tanggal kunjungan, mis. Rabu, 9 Sep 2026",
    "sesi": "Jam sesi, mis. 08.00-12.00 WIB",
}
_REQUEST = {
    "kode_permohonan": "Kode permohonan, mis. PMH-7K3Q-9XTA",
    "layanan": "Nama layanan",
}

KINDS: dict[str, Kind] = {
    TemplateKey.BOOKING_CONFIRMED: Kind(
        variables=_TICKET,
        text=(
            "Loket: tiket {{ nomor }} untuk {{ layanan }} di {{ kantor }}, {{ tanggal }} sesi {{ sesi }}. "
            "Tunjukkan kode QR di kantor."
        ),
        subject="Tiket antrean {{ nomor }} - {{ kantor }}",
    ),
    TemplateKey.BOOKING_REMINDER: Kind(
        variables=_TICKET,
        text=(
            "Loket: besok {{ tanggal }} sesi {{ sesi }}, tiket {{ nomor }} ({{ layanan }}) di {{ kantor }}. "
            "Bila berhalangan, batalkan di Loket."
        ),
        subject="Pengingat: tiket {{ nomor }} besok",
    ),
    TemplateKey.TURN_NEAR: Kind(
        variables={
            "nomor": "Nomor tiket",
            "kantor": "Nama kantor",
            "sisa": "Jumlah tiket di depan Anda",
        },
        text="Loket: giliran tiket {{ nomor }} di {{ kantor }} tinggal {{ sisa }} nomor lagi. Mohon bersiap di dekat loket.",
        subject="Giliran tiket {{ nomor }} sudah dekat",
    ),
    TemplateKey.CALLED: Kind(
        variables={
            "nomor": "Nomor tiket",
            "loket": "Loket yang memanggil, mis. Loket 2",
            "kantor": "Nama kantor",
        },
        text="Loket: tiket {{ nomor }} dipanggil ke {{ loket }}, {{ kantor }}. Silakan menuju loket sekarang.",
        subject="Tiket {{ nomor }} dipanggil",
    ),
    TemplateKey.REQUEST_RETURNED: Kind(
        variables={**_REQUEST, "alasan": "Alasan dikembalikan (dari petugas)"},
        text=(
            "Loket: permohonan {{ kode_permohonan }} ({{ layanan }}) dikembalikan untuk diperbaiki: {{ alasan }}. "
            "Perbaiki di Loket."
        ),
        subject="Permohonan {{ kode_permohonan }} perlu diperbaiki",
    ),
    TemplateKey.REQUEST_REJECTED: Kind(
        variables={**_REQUEST, "alasan": "Alasan ditolak (dari petugas)"},
        text="Loket: permohonan {{ kode_permohonan }} ({{ layanan }}) ditolak. Alasan: {{ alasan }}",
        subject="Permohonan {{ kode_permohonan }} ditolak",
    ),
    TemplateKey.DOCUMENT_READY: Kind(
        variables={**_REQUEST, "tempat": "Tempat pengambilan, mis. nama kantor dan alamatnya"},
        text=(
            "Loket: dokumen {{ layanan }} (permohonan {{ kode_permohonan }}) sudah siap. "
            "Ambil di {{ tempat }} dengan kode QR permohonan."
        ),
        subject="Dokumen permohonan {{ kode_permohonan }} sudah siap",
    ),
    TemplateKey.DOCUMENT_SIGNED: Kind(
        variables=_REQUEST,
        text=(
            "Loket: {{ layanan }} (permohonan {{ kode_permohonan }}) sudah ditandatangani secara elektronik. "
            "Unduh suratnya di halaman permohonan di Loket."
        ),
        subject="Surat permohonan {{ kode_permohonan }} sudah dapat diunduh",
    ),
    TemplateKey.OTP_LOGIN: Kind(
        variables={"kode": "Kode 6 angka", "menit": "Masa berlaku kode, dalam menit"},
        text="Kode masuk Loket: {{ kode }}. Berlaku {{ menit }} menit. JANGAN berikan kode ini kepada siapa pun, termasuk petugas.",
        subject="Kode masuk Loket",
        secret=("kode",),
    ),
    TemplateKey.OTP_PHONE: Kind(
        variables={"kode": "Kode 6 angka", "menit": "Masa berlaku kode, dalam menit"},
        text="Kode verifikasi nomor HP di Loket: {{ kode }}. Berlaku {{ menit }} menit. Jangan berikan kepada siapa pun.",
        subject="Kode verifikasi nomor HP",
        secret=("kode",),
    ),
    TemplateKey.EMAIL_VERIFY: Kind(
        variables={"tautan": "Tautan verifikasi (berlaku 2 hari)"},
        text="Loket: buka tautan ini dalam 2 hari untuk memastikan email Anda: {{ tautan }} Abaikan bila tidak meminta.",
        subject="Verifikasi alamat email Loket",
    ),
}
# Texts that may never be switched off: without them nobody can log in by code or verify a phone.
ALWAYS_ACTIVE = frozenset({TemplateKey.OTP_LOGIN, TemplateKey.OTP_PHONE, TemplateKey.EMAIL_VERIFY})


def kind(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"unknown notification template {key!r}") from None


def allowed_variables(key: str) -> list[str]:
    return list(kind(key).variables)


# --- validation (admin edits) --------------------------------------------------------------


def _check_characters(text: str) -> None:
    outside = sorted({c for c in _PLACEHOLDER.sub("", text) if c not in GSM7_BASIC and c not in GSM7_EXTENSION})
    if outside:
        raise DomainError(
            _(
                "The text holds characters an SMS cannot carry in its normal alphabet: %(chars)s. Use plain "
                "letters, digits and punctuation (straight quotes, a hyphen instead of a dash)."
            )
            % {"chars": " ".join(f"“{c}”" for c in outside)},
            code="characters",
        )


def _check_no_identity_number(text: str) -> None:
    if _IDENTITY_NUMBER.search(_PLACEHOLDER.sub("", text)):
        raise DomainError(
            _("The text holds a number of 16 or more digits. No NIK, KK or other identity number may be in a message."),
            code="identity_number",
        )


def validate_text(key: str, text: str) -> str:
    """The text normalised, or DomainError saying what to fix (in Indonesian)."""
    allowed = allowed_variables(key)
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise DomainError(_("Enter the text of the message."), code="text")
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("The text is too long: at most %(max)s characters (two SMS).") % {"max": MAX_TEXT}, code="text"
        )
    text = letter_templating.validate_body(text, allowed)  # braces and variables, the letters' rules
    _check_characters(text)
    _check_no_identity_number(text)
    return text


def validate_subject(key: str, subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        return ""
    if len(subject) > MAX_SUBJECT:
        raise DomainError(
            _("The email subject is too long: at most %(max)s characters.") % {"max": MAX_SUBJECT}, code="subject"
        )
    letter_templating.validate_body(subject, allowed_variables(key))
    _check_no_identity_number(subject)
    return subject


# --- rendering ----------------------------------------------------------------------------------


def format_day(day: dt.date) -> str:
    """``Rabu, 9 September 2026``."""
    return f"{DAYS[day.weekday()]}, {format_date(day)}"


def format_session(start: dt.datetime, end: dt.datetime, *, office) -> str:
    """``08.00-12.00 WIB``: a session (aware datetimes, as stored) in the office's own zone;
    Indonesian writes times with a dot."""
    zone = ZoneInfo(office.timezone)
    return f"{start.astimezone(zone):%H.%M}-{end.astimezone(zone):%H.%M} {office.tz_label}"


def value_text(value) -> str:
    """A context value as one line of plain text; a date in Indonesian."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        raise TypeError("pass times as text in the office's zone (format_session), not as a datetime")
    if isinstance(value, dt.date):
        return format_day(value)
    return " ".join(letter_templating.clean_value(value).split())


def mask_identity_numbers(text: str) -> tuple[str, int]:
    """The text with every run of 16+ digits replaced by ``***``, and how many were replaced."""
    return _IDENTITY_NUMBER.subn(IDENTITY_MASK, text)


def _substitute(template_text: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1).strip()) or MISSING, template_text)


@dataclass(frozen=True)
class Rendered:
    text: str
    subject: str
    redacted_text: str  # empty unless the kind has secret variables


def render(key: str, *, text: str, subject: str, context: Mapping[str, object]) -> Rendered:
    """Fill ``text`` and ``subject`` (a template of kind ``key``) with ``context``.

    Every variable of the kind must be in ``context`` (a caller that forgets one is a bug, caught
    by its tests, never by a citizen); a value that is empty shows as ``-``. Identity numbers are
    masked (module docstring); the variable names are logged, never the values.
    """
    spec = kind(key)
    missing = [name for name in spec.variables if name not in context]
    if missing:
        raise ValueError(f"context for {key!r} lacks {', '.join(missing)}")
    values = {name: value_text(context[name]) for name in spec.variables}
    filled, masked = mask_identity_numbers(_substitute(text, values))
    filled_subject, masked_subject = mask_identity_numbers(_substitute(subject, values))
    if masked or masked_subject:
        logger.warning("notification %s: an identity number in the text was replaced by %s", key, IDENTITY_MASK)
    redacted = ""
    if spec.secret:
        redacted = mask_identity_numbers(_substitute(text, {**values, **dict.fromkeys(spec.secret, CODE_MASK)}))[0]
    return Rendered(text=filled, subject=filled_subject, redacted_text=redacted)
