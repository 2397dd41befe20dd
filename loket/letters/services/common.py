"""What the verbs of letters share: who may change an office's letter settings and templates, who
may issue its letters, and how a line of typed text is cleaned."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.letters import templating
from loket.offices.models import Office


def _is_live(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def _is_system_admin(actor) -> bool:
    if actor is None:
        return True  # the system itself (demo loader, management command)
    return policy.manages_system(actor)


def require_manager(actor, office: Office | None) -> None:
    """Office settings and templates: the office's admin; default templates: a system admin."""
    if _is_system_admin(actor):
        return
    if office is None:
        raise NotAllowed(_("Only a system admin may change the default letter templates."))
    if not (_is_live(actor) and policy.allows(actor, policy.MANAGE_OFFICE, office)):
        raise NotAllowed(
            _("Only an admin of %(office)s may change its letter settings and templates.") % {"office": office.name}
        )


def require_issuer(actor, office: Office) -> None:
    if actor is None:
        return
    if not (
        _is_live(actor) and getattr(actor, "is_officer", False) and policy.allows(actor, policy.ISSUE_LETTERS, office)
    ):
        raise NotAllowed(_("Only the officers of %(office)s may issue its letters.") % {"office": office.name})


def clean_line(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    """One line of text as it goes into a letter: plain text, spaces collapsed, not too long."""
    text = " ".join(templating.clean_value(value or "").split())
    if required and not text:
        raise DomainError(_("Enter the %(field)s.") % {"field": label}, code="required")
    if len(text) > max_length:
        raise DomainError(
            _("The %(field)s is too long (at most %(max)s characters).") % {"field": label, "max": max_length},
            code="too_long",
        )
    return text
