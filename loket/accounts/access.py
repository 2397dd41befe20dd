"""The JSON API's door: ``BearerAuth`` (django-ninja's auth for ``Authorization: Bearer <key>``)
and the messages the API answers with. The token verbs themselves are in ``services``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from loket.accounts import services
from loket.accounts.services import MSG_BAD_TOKEN

__all__ = [
    "MSG_BAD_CREDENTIALS",
    "MSG_BAD_TOKEN",
    "MSG_INVALID_INPUT",
    "MSG_LOCKED",
    "MSG_NOT_FOUND",
    "MSG_NO_ROOM",
    "BearerAuth",
]

# Messages of the API (English msgids, Indonesian in loket/accounts/locale).
MSG_BAD_CREDENTIALS = _("The NIK or password is not correct. Check both and try again.")
MSG_LOCKED = _("Too many failed login attempts. Wait 15 minutes, then try again.")
MSG_NOT_FOUND = _("Not found. Check the address or the code you used.")
MSG_NO_ROOM = _("No online place is left within the booking period. Try another office.")
MSG_INVALID_INPUT = _("The data sent is not valid. Check the fields listed in 'errors'.")


class BearerAuth(HttpBearer):
    """ninja auth: ``Authorization: Bearer <key>`` of a live token; sets ``request.user`` to its owner."""

    def authenticate(self, request, token: str):
        found = services.use_token(key=token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        return found
