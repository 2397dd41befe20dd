"""One-time codes: logging in by a code sent to the phone, and proving a phone number is yours.

- A code is 6 random digits (``secrets``), valid ``OTP_VALID_MINUTES`` (5). Only its keyed hash
  is stored (HMAC-SHA256 with SECRET_KEY, bound to the purpose, the user and the phone): someone
  reading the database cannot log in with it.
- At most ``OTP_MAX_PER_WINDOW`` (3) codes per phone in ``OTP_WINDOW_MINUTES`` (15) and
  ``OTP_MAX_PER_DAY`` (10) per phone in 24 hours: SMS cost money and a code page must not become
  a way to flood someone's phone.
- A code is sent like any message, through ``outbox.enqueue`` (templates ``otp_login`` /
  ``otp_phone``, event key ``otp.<purpose>:code:<id>``, phone channels only), in the transaction
  that stores it. The SMS is the only place the code appears: it is never logged, never in an
  audit row, never returned to the caller. The outbox row needs the text until it is sent;
  then (or when the code is used, voided or expired, whichever comes first) the text is
  scrubbed to ``******`` (``Notification.redacted_text``).
- ``verify_code`` compares in constant time; after ``OTP_MAX_WRONG_TRIES`` (5) wrong tries a code
  is void. Each wrong try is audited, without the code. Call it outside a transaction (views
  do): the count of wrong tries must be committed even though the caller gets an error.

Login by code needs a **verified** phone: the number typed at registration has not been proved to
belong to the citizen, and a code to it would let whoever holds that phone into the account.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from loket.accounts.models import User, UserKind
from loket.audit.services import record
from loket.core import clock
from loket.core.errors import DomainError
from loket.notifications.models import (
    PHONE_CHANNELS,
    CodePurpose,
    ContactPreference,
    Notification,
    OneTimeCode,
    Status,
    TemplateKey,
)
from loket.notifications.phones import is_mobile
from loket.notifications.selectors import login_user_for
from loket.notifications.services.outbox import enqueue, scrub

logger = logging.getLogger(__name__)

CODE_LENGTH = 6
TEMPLATES = {CodePurpose.LOGIN: TemplateKey.OTP_LOGIN, CodePurpose.PHONE: TemplateKey.OTP_PHONE}


def _wrong_code():
    return DomainError(_("The code is wrong or no longer valid. Check it, or ask for a new code."), code="code")


def _hash(purpose: str, user_id: int, phone: str, code: str) -> str:
    # The key salt keeps the module's old name: the hashes of codes already issued depend on it.
    return salted_hmac("loket.notifications.otp", f"{purpose}:{user_id}:{phone}:{code}", algorithm="sha256").hexdigest()


def _check_rate(phone: str, now: dt.datetime) -> None:
    window = dt.timedelta(minutes=settings.OTP_WINDOW_MINUTES)
    recent = OneTimeCode.objects.filter(phone=phone, created_at__gt=now - window).count()
    if recent >= settings.OTP_MAX_PER_WINDOW:
        raise DomainError(
            _("Too many codes were asked for this number. Wait %(minutes)s minutes, then ask again.")
            % {"minutes": settings.OTP_WINDOW_MINUTES},
            code="rate",
        )
    today = OneTimeCode.objects.filter(phone=phone, created_at__gt=now - dt.timedelta(days=1)).count()
    if today >= settings.OTP_MAX_PER_DAY:
        raise DomainError(
            _("Too many codes were asked for this number today. Try again tomorrow, or ask at the office."),
            code="rate",
        )


@transaction.atomic
def issue_code(*, purpose: str, user, phone: str) -> OneTimeCode:
    """Create a code for ``user`` and put its SMS/WhatsApp in the outbox (module docstring).

    Raises DomainError (code "rate") when the number had too many codes, or when the phone cannot
    be reached by SMS or WhatsApp."""
    if purpose not in TEMPLATES:
        raise ValueError(f"unknown code purpose {purpose!r}")
    if not is_mobile(phone):
        raise DomainError(
            _("A code can only be sent to a mobile number. Check the phone number of your account."), code="phone"
        )
    now = clock.now()
    User.objects.select_for_update().filter(pk=user.pk).first()  # one issue at a time per account
    _check_rate(phone, now)
    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    minutes = settings.OTP_VALID_MINUTES
    row = OneTimeCode.objects.create(
        purpose=purpose,
        user=user,
        phone=phone,
        code_hash=_hash(purpose, user.pk, phone, code),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    notification = enqueue(
        event_key=f"otp.{purpose}:code:{row.pk}",
        template=TEMPLATES[purpose],
        recipient=user,
        to_phone=phone,
        context={"kode": code, "menit": minutes},
        only_channels=PHONE_CHANNELS,
        expires_at=row.expires_at,
    )
    if notification is None:
        raise DomainError(_("No code can be sent to this number."), code="phone")
    row.notification = notification
    row.save(update_fields=["notification"])
    record(actor=user, action="notifications.otp.issue", obj=row, to_state="active", data={"purpose": purpose})
    return row


def _retire_message(notification_id: int | None, now: dt.datetime) -> None:
    """The code is used or void: scrub its message; one not sent yet is not sent any more."""
    if notification_id is None:
        return
    row = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if row is None:
        return
    fields = scrub(row, now)
    if row.status == Status.PENDING:
        row.status, row.last_error = Status.FAILED, _("Not sent: the code was no longer needed.")
        fields += ["status", "last_error"]
    if fields:
        row.save(update_fields=fields)


def _active_codes(purpose: str, user_or_phone, now: dt.datetime):
    codes = OneTimeCode.objects.select_for_update().filter(
        purpose=purpose, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now
    )
    if isinstance(user_or_phone, str):
        return codes.filter(phone=user_or_phone).order_by("-created_at", "-pk")
    return codes.filter(user=user_or_phone).order_by("-created_at", "-pk")


def clean_code(code: str) -> str:
    """The typed code without spaces, or DomainError when it is not 6 digits (no try counted)."""
    typed = "".join(ch for ch in (code or "") if not ch.isspace())
    if len(typed) != CODE_LENGTH or not typed.isdigit():
        raise DomainError(_("Enter the 6-digit code from the message."), code="format")
    return typed


def verify_code(*, purpose: str, user_or_phone, code: str) -> OneTimeCode:
    """The active code of ``purpose`` for a user (or a phone) that matches ``code``, now used.

    Raises DomainError: wrong, expired, used or void — one message for all of them, so it tells
    nothing about which. A wrong try counts against every active code of the user (they are
    all compared); the fifth voids them."""
    typed = clean_code(code)
    now = clock.now()
    voided = False
    with transaction.atomic():
        candidates = list(_active_codes(purpose, user_or_phone, now))
        match = None
        for row in candidates:
            if hmac.compare_digest(row.code_hash, _hash(purpose, row.user_id, row.phone, typed)) and match is None:
                match = row
        if match is not None:
            match.used_at = now
            match.save(update_fields=["used_at"])
            _retire_message(match.notification_id, now)
            others = [other for other in candidates if other.pk != match.pk]
            for other in others:
                other.voided_at = now
                other.save(update_fields=["voided_at"])
                _retire_message(other.notification_id, now)
            # The other active codes end with this one: their voiding is told in its audit row.
            record(
                actor=match.user,
                action="notifications.otp.used",
                obj=match,
                from_state="active",
                to_state="used",
                data={"voided_codes": [other.pk for other in others]},
            )
            return match
        for row in candidates:
            row.failures += 1
            fields = ["failures"]
            if row.failures >= settings.OTP_MAX_WRONG_TRIES:
                row.voided_at, voided = now, True
                fields.append("voided_at")
                _retire_message(row.notification_id, now)
            row.save(update_fields=fields)
            record(
                actor=row.user,
                action="notifications.otp.wrong",
                obj=row,
                to_state="void" if row.voided_at else "active",
                data={"purpose": purpose, "wrong_tries": row.failures},
            )
    if voided:
        raise DomainError(_("Too many wrong tries: this code no longer works. Ask for a new code."), code="void")
    raise _wrong_code()


# --- proving a phone number -----------------------------------------------------------------------


def send_phone_code(*, user) -> OneTimeCode:
    """Send a verification code to the phone number of ``user``'s account."""
    if not user.phone:
        raise DomainError(_("Your account has no phone number yet."), code="phone")
    return issue_code(purpose=CodePurpose.PHONE, user=user, phone=user.phone)


def verify_phone(*, user, code: str) -> ContactPreference:
    """Check the code and mark the account's phone number verified."""
    used = verify_code(purpose=CodePurpose.PHONE, user_or_phone=user, code=code)
    with transaction.atomic():
        if used.phone != user.phone:
            raise DomainError(_("The phone number of your account changed: ask for a new code."), code="phone")
        preference, _created = ContactPreference.objects.select_for_update().get_or_create(user=user)
        preference.verified_phone = used.phone
        preference.phone_verified_at = clock.now()
        preference.updated_at = preference.phone_verified_at
        preference.save(update_fields=["verified_phone", "phone_verified_at", "updated_at"])
        record(actor=user, action="notifications.phone.verified", obj=preference, to_state="verified")
    return preference


# --- logging in by code ---------------------------------------------------------------------------


def start_login(*, login: str) -> User | None:
    """Send a login code if ``login`` names a citizen with a verified phone. Returns the citizen
    or None; the caller answers the same either way (and a refused rate limit is not told
    apart either: the page says when to ask again)."""
    user = login_user_for(login)
    if user is None:
        return None
    try:
        issue_code(purpose=CodePurpose.LOGIN, user=user, phone=user.phone)
    except DomainError:
        logger.info("login code not sent: rate limit or unreachable phone")
    return user


def finish_login(*, user, code: str) -> User:
    """Check the login code of ``user``; returns the user to log in (audited). ``user`` None (the
    NIK or phone named no account) fails like a wrong code."""
    if user is None:
        clean_code(code)
        raise _wrong_code()
    verify_code(purpose=CodePurpose.LOGIN, user_or_phone=user, code=code)
    if not user.is_active or user.kind != UserKind.CITIZEN:
        raise _wrong_code()
    with transaction.atomic():
        record(actor=user, action="notifications.otp.login", obj=user, to_state="logged_in")
    return user
