"""What the configuration verbs share: who may change an office's queue, the office lock, and
reading a whole number from a form."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices.models import Office


def require_admin(actor, office: Office) -> None:
    """An admin of ``office`` (or a city or system admin over it); ``None`` is the system itself."""
    if actor is None:
        return
    if not policy.allows(actor, policy.MANAGE_OFFICE, office):
        raise NotAllowed(_("Only an admin of %(office)s can change its queue settings.") % {"office": office.name})


def lock_office(office: Office) -> None:
    """Lock the office row until the transaction ends: two admins saving its queue take turns."""
    Office.objects.select_for_update().filter(pk=office.pk).first()


def whole_number(value, *, low: int, high: int, message: str, code: str) -> int:
    """``value`` as an int from ``low`` to ``high`` (an int or a string of digits), else ``message``."""
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(message, code=code)
    return value
