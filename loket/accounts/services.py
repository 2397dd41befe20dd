"""The verbs of accounts: registering citizens, creating officers, granting and revoking roles,
issuing and revoking the JSON API's bearer tokens.

Every function here is keyword-only, runs in one transaction, checks the actor's permission,
and writes an audit row. Errors carry an Indonesian (translated) message that says what to fix;
``DomainError.code`` names the form field the message belongs to where there is one.
"""

import datetime as dt
import re
import secrets

import phonenumbers
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import ApiToken, OfficerRole, User, UserKind
from loket.accounts.selectors import hash_token_key, live_token, looks_like_nik, normalize_nik
from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices.models import Office
from loket.regions.models import Region, RegionLevel
from loket.regions.validators import parse_nik

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,32}$")

TOKEN_LIFETIME = dt.timedelta(days=30)
# A token's last use is written at most once a minute, not on every API call.
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)
# English msgid, Indonesian in loket/accounts/locale; the API answers it for a token it refuses.
MSG_BAD_TOKEN = gettext_lazy("Your session has ended or is not valid. Log in again in the app.")


def _messages(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def clean_nik(raw: str) -> str:
    """Return the NIK as 16 digits, or raise DomainError(code="nik") saying what is wrong."""
    nik = normalize_nik(raw)
    if not nik:
        raise DomainError(_("Enter your NIK: the 16-digit number on your KTP-el or Kartu Keluarga."), code="nik")
    try:
        parse_nik(nik)
    except ValidationError as exc:
        raise DomainError(_messages(exc), code="nik")
    return nik


_PHONE_CHARACTERS = re.compile(r"^[\d\s().\-/+]+$")
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def clean_phone(raw: str) -> str:
    """Return an Indonesian mobile number in E.164 (``+62812...``), or raise DomainError(code="phone").

    Digits with the usual separators only: ``phonenumbers`` would read letters as keypad digits
    ("0812-abcd-7890"), and a landline cannot receive the SMS or WhatsApp messages it is for."""
    raw = (raw or "").strip()
    message = _("Enter a valid Indonesian phone number, for example 0812 3456 7890 or +62 812 3456 7890.")
    if not raw or not _PHONE_CHARACTERS.match(raw) or raw.count("+") > 1:
        raise DomainError(message, code="phone")
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise DomainError(message, code="phone")
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise DomainError(message, code="phone")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise DomainError(
            _("This looks like a landline number. Enter a mobile number (08…) that can receive SMS or WhatsApp."),
            code="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _clean_email(raw: str) -> str:
    email = (raw or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                _("Enter a valid email address, for example nama@contoh.id, or leave it empty."), code="email"
            )
    return email.lower()


def _clean_full_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if len(name) < 2:
        raise DomainError(_("Enter your full name as written on your KTP-el."), code="full_name")
    if len(name) > 150:
        raise DomainError(_("The name is too long: use at most 150 characters."), code="full_name")
    return name


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise DomainError(_messages(exc), code="password")


def _refuse_nik_username(username: str) -> None:
    if looks_like_nik(username):
        raise DomainError(
            _("An officer's username cannot be a 16-digit number: that is how citizens log in with their NIK."),
            code="username",
        )


def _require_active_officer(actor) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active or actor.kind != UserKind.OFFICER:
        raise NotAllowed(_("Only an active officer may do this."))


@transaction.atomic
def register_citizen(*, nik: str, full_name: str, phone: str, password: str, email: str = "") -> User:
    """Create a citizen account keyed by NIK. The new citizen is the actor of their own audit row."""
    nik = clean_nik(nik)
    full_name = _clean_full_name(full_name)
    phone = clean_phone(phone)
    email = _clean_email(email)
    if User.objects.filter(nik=nik).exists() or User.objects.filter(username=nik).exists():
        raise DomainError(
            _("An account with this NIK already exists. Log in with your NIK, or ask the office to help you."),
            code="duplicate_nik",
        )
    user = User(username=nik, nik=nik, kind=UserKind.CITIZEN, full_name=full_name, phone=phone, email=email)
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent registration of the same NIK won the race
        raise DomainError(
            _("An account with this NIK already exists. Log in with your NIK, or ask the office to help you."),
            code="duplicate_nik",
        )
    record(actor=user, action="accounts.register_citizen", obj=user, to_state=UserKind.CITIZEN.value)
    return user


@transaction.atomic
def create_officer(
    *,
    actor,
    username: str,
    full_name: str,
    nip: str = "",
    phone: str = "",
    email: str = "",
    password: str,
) -> User:
    """Create an officer account (without roles: grant them with ``grant_role``).

    Any office, city or system admin may create officer accounts; what the officer may do
    is decided by the roles an admin grants within their own scope.
    """
    _require_active_officer(actor)
    if not policy.allows_somewhere(actor, policy.MANAGE_OFFICE):
        raise NotAllowed(_("Only an office, city or system admin may create officer accounts."))
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise DomainError(
            _("The username must be 3–32 letters, digits, dots, dashes or underscores, without spaces."),
            code="username",
        )
    _refuse_nik_username(username)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This username is already taken: choose another one."), code="username")
    nip = (nip or "").replace(" ", "")
    if nip and (not nip.isdigit() or len(nip) != 18):
        raise DomainError(_("A NIP has 18 digits; leave it empty if the officer has none."), code="nip")
    user = User(
        username=username,
        kind=UserKind.OFFICER,
        full_name=_clean_full_name(full_name),
        nip=nip,
        phone=clean_phone(phone) if (phone or "").strip() else "",
        email=_clean_email(email),
    )
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username was created concurrently
        raise DomainError(_("This username is already taken: choose another one."), code="username")
    record(actor=actor, action="accounts.create_officer", obj=user, to_state=UserKind.OFFICER.value)
    return user


def _check_role_scope(role: str, office: Office | None, region: Region | None) -> None:
    scope = policy.scope_of(role)
    if not scope:
        raise DomainError(_("Choose one of the listed roles."), code="role")
    if scope == "office":
        if office is None or region is not None:
            raise DomainError(_("Choose the office where this role applies."), code="office")
    elif scope == "city":
        if office is not None or region is None or region.level != RegionLevel.KABUPATEN_KOTA:
            raise DomainError(_("A city admin role needs a kabupaten/kota and no office."), code="region")
    elif office is not None or region is not None:
        raise DomainError(_("A system admin role applies everywhere: choose no office or region."), code="role")


def _check_may_manage(actor, role: str, office: Office | None, region: Region | None) -> None:
    _require_active_officer(actor)
    if role not in policy.grantable_roles(actor, office=office):
        where = str(office or region or _("the whole system"))
        raise NotAllowed(
            _("You may not grant or revoke the role “%(role)s” at %(where)s.")
            % {"role": policy.Role(role).label, "where": where}
        )


@transaction.atomic
def grant_role(
    *,
    actor,
    user: User,
    role: str,
    office: Office | None = None,
    region: Region | None = None,
    title: str = "",
) -> OfficerRole:
    """Give ``user`` the ``role`` at ``office`` (or for ``region``, for a city admin).

    Re-granting a revoked role re-activates it; granting a role the officer already holds
    is refused with a clear message.
    """
    _check_role_scope(role, office, region)
    _check_may_manage(actor, role, office, region)
    if user.kind != UserKind.OFFICER:
        raise DomainError(_("Roles can only be given to officer accounts, not to citizens."), code="user")
    if not user.is_active:
        raise DomainError(_("This officer account is inactive; activate it before giving it a role."), code="user")
    title = (title or "").strip()[:100]
    existing = (
        OfficerRole.objects.select_for_update()
        .filter(user=user, role=role, office=office, region=region)
        .order_by("pk")
        .first()
    )
    if existing is not None and existing.is_active:
        raise DomainError(_("This officer already holds this role there."), code="role")
    if existing is not None:
        existing.is_active = True
        existing.title = title or existing.title
        existing.save(update_fields=["is_active", "title"])
        officer_role = existing
    else:
        officer_role = OfficerRole.objects.create(user=user, role=role, office=office, region=region, title=title)
    user._active_roles_cache = None
    record(
        actor=actor,
        action="accounts.grant_role",
        obj=officer_role,
        from_state="revoked" if existing is not None else "",
        to_state=role,
        office_id=office.pk if office else None,
        data={"user_id": user.pk, "role": role, "region": region.pk if region else None, "title": title},
    )
    return officer_role


@transaction.atomic
def revoke_role(*, actor, officer_role: OfficerRole, reason: str) -> OfficerRole:
    """Take a role away (the row stays, inactive, so history keeps who held it)."""
    officer_role = (
        OfficerRole.objects.select_for_update(of=("self",)).select_related("office", "region").get(pk=officer_role.pk)
    )
    _check_may_manage(actor, officer_role.role, officer_role.office, officer_role.region)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write the reason for revoking this role."), code="reason")
    if not officer_role.is_active:
        raise DomainError(_("This role has already been revoked."), code="role")
    if (
        policy.scope_of(officer_role.role) == "system"
        and not OfficerRole.objects.filter(role=officer_role.role, is_active=True, user__is_active=True)
        .exclude(pk=officer_role.pk)
        .exists()
    ):
        raise DomainError(_("This is the last system admin; grant the role to someone else first."), code="role")
    officer_role.is_active = False
    officer_role.save(update_fields=["is_active"])
    record(
        actor=actor,
        action="accounts.revoke_role",
        obj=officer_role,
        from_state=officer_role.role,
        to_state="revoked",
        reason=reason,
        office_id=officer_role.office_id,
        data={"user_id": officer_role.user_id, "role": officer_role.role},
    )
    return officer_role


@transaction.atomic
def ensure_system_admin(
    *, username: str, full_name: str, email: str = "", password: str | None = None
) -> tuple[User, bool]:
    """Create a system admin of an installation, or make sure an existing officer account is one.

    Nobody is above the first system admin, so the system (``actor=None``) is the actor. A new
    account needs ``password``; an existing one keeps its password and is made active, staff and
    superuser again, and holds the system admin role. Returns the account and whether it is new."""
    username = (username or "").strip()
    user = User.objects.select_for_update().filter(username__iexact=username).first()
    if user is not None and user.kind != UserKind.OFFICER:
        raise DomainError(_("Roles can only be given to officer accounts, not to citizens."), code="user")
    created = user is None
    if created:
        user = _new_system_admin(username=username, full_name=full_name, email=email, password=password or "")
    elif not (user.is_staff and user.is_superuser and user.is_active):
        user.is_staff = user.is_superuser = user.is_active = True
        user.save(update_fields=["is_staff", "is_superuser", "is_active"])
        record(actor=None, action="accounts.restore_system_admin", obj=user, to_state=UserKind.OFFICER.value)
    role, role_created = OfficerRole.objects.get_or_create(
        user=user, role=policy.Role.SYSTEM_ADMIN, office=None, region=None
    )
    if not role.is_active:
        role.is_active = True
        role.save(update_fields=["is_active"])
        role_created = True
    if role_created:
        user._active_roles_cache = None
        record(actor=None, action="accounts.grant_role", obj=role, to_state=policy.Role.SYSTEM_ADMIN.value)
    return user, created


def _new_system_admin(*, username: str, full_name: str, email: str, password: str) -> User:
    _refuse_nik_username(username)
    user = User(username=username, kind=UserKind.OFFICER, full_name=full_name, email=email)
    user.is_staff = user.is_superuser = True
    _check_password(password, user)
    user.set_password(password)
    user.save()
    record(actor=None, action="accounts.create_officer", obj=user, to_state=UserKind.OFFICER.value)
    return user


@transaction.atomic
def change_password(*, actor, user: User, new_password: str, old_password: str | None = None) -> None:
    """Change a password: one's own (the old password is required), or anyone's by a system admin."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowed(_("Log in first."))
    if actor.pk == user.pk:
        if not old_password or not user.check_password(old_password):
            raise DomainError(_("Your current password is not correct."), code="old_password")
    elif not policy.allows_somewhere(actor, policy.MANAGE_SYSTEM):
        raise NotAllowed(_("Only a system admin may set another person's password."))
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record(
        actor=actor,
        action="accounts.change_password",
        obj=user,
        reason="own password" if actor.pk == user.pk else "reset by system admin",
    )


# --- API tokens ---------------------------------------------------------------------------


@transaction.atomic
def issue_token(*, actor: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``actor`` (already authenticated); returns it and the raw key (shown once,
    only its hash is stored)."""
    key = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user=actor, key_hash=hash_token_key(key), name=name[:100], created_at=now, expires_at=now + TOKEN_LIFETIME
    )
    record(actor=actor, action="accounts.api_token.issue", obj=token)
    return token, key


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke ``token``; only its owner may."""
    if token.user_id != actor.pk:
        raise NotAllowed(MSG_BAD_TOKEN)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="accounts.api_token.revoke", obj=token)
    return token


def use_token(*, key: str) -> ApiToken | None:
    """The live token with this key, its last use noted; None when it may not be used.

    Every API call comes through here, so the use is noted by one UPDATE (a transaction of its
    own) at most once a minute, and without an audit row: ``last_used_at`` is the token's own
    bookkeeping, not a change anyone made."""
    now = clock.now()
    token = live_token(key, now=now)
    if token is not None and (token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
