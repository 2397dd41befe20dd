"""Proving an e-mail address: Loket sends a signed link to it; opening the link (logged in as the
same citizen) marks the address verified. Only a verified address gets notices by e-mail, so a
mistyped address never receives someone's tickets or requests. The link is signed with the
site's secret key and expires after two days; a changed address must be proved again.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock
from loket.core.errors import DomainError
from loket.notifications.models import ContactPreference, Notification, TemplateKey
from loket.notifications.services.outbox import enqueue

SALT = "loket.notifications.email-check"
MAX_AGE = dt.timedelta(days=2)
PER_HOUR = 3


def send_link(*, user, base_url: str) -> Notification | None:
    """Send the verification link to ``user``'s e-mail address (at most ``PER_HOUR`` an hour)."""
    email = (user.email or "").strip()
    if not email:
        raise DomainError(_("Add an e-mail address to your account first."), code="no_email")
    since = clock.now() - dt.timedelta(hours=1)
    recent = Notification.objects.filter(
        template=TemplateKey.EMAIL_VERIFY, recipient_key=f"email:{email.lower()}", created_at__gte=since
    ).count()
    if recent >= PER_HOUR:
        raise DomainError(_("A link was sent several times in the last hour. Check your inbox, or try later."))
    token = signing.dumps({"u": user.pk, "e": email.lower()}, salt=SALT)
    link = base_url.rstrip("/") + reverse("notifications:verify_email_link", args=[token])
    with transaction.atomic():
        return enqueue(
            event_key=f"email_verify:{user.pk}:{clock.now().isoformat()}",
            template=TemplateKey.EMAIL_VERIFY,
            to_email=email,
            context={"tautan": link},
            only_channels=["email"],
        )


@transaction.atomic
def confirm(*, user, token: str) -> ContactPreference:
    """Mark the address in ``token`` verified for ``user`` (who must be the one it was sent to)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE.total_seconds())
    except signing.SignatureExpired:
        raise DomainError(_("This link has expired. Ask for a new one on the notification settings page.")) from None
    except signing.BadSignature:
        raise DomainError(_("This link is not valid. Ask for a new one on the notification settings page.")) from None
    if data.get("u") != user.pk or data.get("e") != (user.email or "").lower():
        raise DomainError(_("This link was made for another account or another address."))
    preference, _created = ContactPreference.objects.select_for_update().get_or_create(user=user)
    preference.verified_email, preference.email_verified_at = user.email, clock.now()
    preference.save(update_fields=["verified_email", "email_verified_at"])
    record(actor=user, action="notifications.email_verified", obj=preference)
    return preference
