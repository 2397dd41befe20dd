"""A citizen's channel order: which way to reach them first, and what to try when that fails."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.notifications import selectors
from loket.notifications.models import ContactPreference


def clean_channels(channels: Iterable[str]) -> list[str]:
    chosen = [c for c in channels if c]
    if not chosen:
        raise DomainError(_("Choose at least one way to reach you."), code="channels")
    if any(c not in selectors.CHANNELS for c in chosen):
        raise DomainError(_("Choose SMS, WhatsApp or email."), code="channels")
    if len(set(chosen)) != len(chosen):
        raise DomainError(_("Choose each way to reach you only once."), code="channels")
    return chosen


@transaction.atomic
def set_preference(*, actor, user, channels: Iterable[str]) -> ContactPreference:
    """Set the order in which ``user`` is reached (e.g. ["whatsapp", "sms", "email"]).
    The citizen sets their own; a system admin may set anyone's."""
    if actor is None or (actor.pk != user.pk and not policy.manages_system(actor)):
        raise NotAllowed(_("You may only change your own notification settings."))
    chosen = clean_channels(channels)
    preference, _created = ContactPreference.objects.select_for_update().get_or_create(user=user)
    before = list(preference.channels)
    preference.channels = chosen
    preference.updated_at = clock.now()
    preference.save(update_fields=["channels", "updated_at"])
    record(
        actor=actor,
        action="notifications.preference.set",
        obj=preference,
        from_state=",".join(before),
        to_state=",".join(chosen),
    )
    return preference
