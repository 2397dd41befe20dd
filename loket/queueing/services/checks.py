"""Who may work the queue: the permission check the desk, kiosk and counter verbs share (the roles
behind each permission are in ``loket.core.policy``)."""

from __future__ import annotations

from loket.core import policy
from loket.core.errors import NotAllowed


def require_staff(actor, office, permission: policy.Permission, message: str) -> None:
    """Raise ``NotAllowed(message)`` unless ``actor`` is an officer account that holds
    ``permission`` at ``office``; ``message`` names what was refused."""
    if actor is None or not getattr(actor, "is_officer", False) or not policy.allows(actor, permission, office):
        raise NotAllowed(message)
