"""Read-only questions of notifications: a citizen's channel order, which channels can reach whom."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from loket.notifications.models import PHONE_CHANNELS, Channel, ContactPreference
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
