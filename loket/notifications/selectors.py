"""Read-only questions of notifications: a citizen's channel order, which channels can reach whom,
the texts of a kind of message, a message already in the outbox, whom a login by code is for."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext as _

from loket.accounts.models import User, UserKind
from loket.accounts.selectors import looks_like_nik, normalize_nik
from loket.accounts.services import clean_phone
from loket.core.errors import DomainError
from loket.notifications import templating
from loket.notifications.models import PHONE_CHANNELS, Channel, ContactPreference, MessageTemplate, Notification
from loket.notifications.phones import is_mobile

CHANNELS = tuple(Channel.values)


def preference_for(user) -> ContactPreference | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return ContactPreference.objects.filter(user=user).first()


def default_channels() -> list[str]:
    return [c for c in settings.NOTIFY_DEFAULT_CHANNELS if c in CHANNELS]


def channel_order(user, preference: ContactPreference | None = None) -> list[str]:
    """The citizen's chosen order, or the default order if they chose none."""
    preference = preference if preference is not None else preference_for(user)
    chosen = [c for c in (preference.channels if preference else []) if c in CHANNELS]
    return chosen or default_channels()


def phone_is_verified(user) -> bool:
    preference = preference_for(user)
    return bool(preference and preference.phone_is_verified(getattr(user, "phone", "")))


def usable_channels(order: Iterable[str], *, phone: str, email: str, only: Iterable[str] | None = None) -> list[str]:
    """``order`` without the channels that cannot reach these addresses (SMS and WhatsApp need a
    mobile number, e-mail an address). With ``only``: just those channels, in ``order`` first,
    then the rest of ``only`` in the default order (a login code goes by SMS even to a citizen
    who chose e-mail for everything else)."""
    order = list(dict.fromkeys(order))
    if only is not None:
        only = list(only)
        order = [c for c in order if c in only]
        for channel in [*default_channels(), *only]:
            if channel in only and channel not in order:
                order.append(channel)
    mobile = is_mobile(phone) if phone else False
    out = []
    for channel in order:
        if channel in PHONE_CHANNELS and not mobile:
            continue
        if channel == Channel.EMAIL and not email:
            continue
        out.append(channel)
    return out


# --- the outbox -------------------------------------------------------------------------------------


def outbox_message(*, event_key: str, recipient_key: str, template: str) -> Notification | None:
    """The message of ``template`` about ``event_key`` for that recipient, if it is written already."""
    return Notification.objects.filter(event_key=event_key, recipient_key=recipient_key, template=template).first()


def template_texts(key: str) -> tuple[str, str, bool]:
    """(text, subject, active) of ``key``: the admin's row, or the default shipped in code."""
    row = MessageTemplate.objects.filter(key=key).first()
    spec = templating.kind(key)
    if row is None:
        return spec.text, spec.subject, True
    return row.text, row.subject, row.active or key in templating.ALWAYS_ACTIVE


# --- logging in by code ---------------------------------------------------------------------------


def login_user_for(login: str) -> User | None:
    """The citizen a login-by-code request is for: by NIK, or by a phone number that exactly one
    active citizen verified. None when there is no such citizen (the caller must not say so).
    Raises DomainError (code "login") only when the input is neither a NIK nor a phone number."""
    raw = (login or "").strip()
    citizens = User.objects.filter(kind=UserKind.CITIZEN, is_active=True)
    if looks_like_nik(raw):
        user = citizens.filter(nik=normalize_nik(raw)).first()
    else:
        try:
            phone = clean_phone(raw)
        except DomainError:
            raise DomainError(
                _("Enter your NIK (16 digits) or your mobile number, e.g. 0812 3456 7890."), code="login"
            ) from None
        matches = list(citizens.filter(phone=phone, contact_preference__verified_phone=phone)[:2])
        user = matches[0] if len(matches) == 1 else None  # a shared family phone: log in by NIK
    if user is None:
        return None
    preference = ContactPreference.objects.filter(user=user).first()
    return user if preference is not None and preference.phone_is_verified(user.phone) else None


def user_logging_in(pk: int | None) -> User | None:
    """The account a login by code was started for (kept in the session), if it still exists."""
    return User.objects.filter(pk=pk).first() if pk else None
