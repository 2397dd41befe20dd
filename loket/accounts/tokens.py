"""Bearer tokens for the JSON API: issue (key shown once, only its SHA-256 stored), look up, revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from loket.accounts.models import ApiToken, User
from loket.audit.services import record
from loket.core import clock

TOKEN_LIFETIME = dt.timedelta(days=30)

# Messages of the token API (English msgids, Indonesian in loket/accounts/locale).
MSG_BAD_CREDENTIALS = _("The NIK or password is not correct. Check both and try again.")
MSG_LOCKED = _("Too many failed login attempts. Wait 15 minutes, then try again.")
MSG_BAD_TOKEN = _("Your session has ended or is not valid. Log in again in the app.")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_token(*, actor: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``actor`` (already authenticated); returns it and the raw key (shown once)."""
    key = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user=actor, key_hash=hash_key(key), name=name[:100], created_at=now, expires_at=now + TOKEN_LIFETIME
    )
    record(actor=actor, action="accounts.api_token.issue", obj=token)
    return token, key


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke ``token``; only its owner may."""
    from loket.core.errors import NotAllowed

    if token.user_id != actor.pk:
        raise NotAllowed(MSG_BAD_TOKEN)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="accounts.api_token.revoke", obj=token)
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The live token with this key (not revoked, not expired, active user), marked as used; else None."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    now = clock.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


MSG_NOT_FOUND = _("Not found. Check the address or the code you used.")
MSG_NO_ROOM = _("No online place is left within the booking period. Try another office.")
MSG_INVALID_INPUT = _("The data sent is not valid. Check the fields listed in 'errors'.")


class BearerAuth(HttpBearer):
    """ninja auth: ``Authorization: Bearer <key>`` of a live token; sets ``request.user`` to its owner."""

    def authenticate(self, request, token: str):
        found = token_for_key(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        return found
