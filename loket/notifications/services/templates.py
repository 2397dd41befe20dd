"""The texts of the messages: the default rows, and an admin's edits (variables only, ``templating``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.notifications import templating
from loket.notifications.models import MessageTemplate


def ensure_default_templates() -> int:
    """Create the rows of the kinds of message that have none yet, with the default texts; never
    touches a text an admin edited. Runs after every ``migrate`` (apps.py). Returns how many."""
    existing = set(MessageTemplate.objects.values_list("key", flat=True))
    now = clock.now()
    missing = [
        MessageTemplate(key=key, text=spec.text, subject=spec.subject, active=True, updated_at=now)
        for key, spec in templating.KINDS.items()
        if key not in existing
    ]
    MessageTemplate.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def _require_template_admin(actor) -> None:
    if not policy.manages_system(actor):
        raise NotAllowed(_("Only a system admin may change the texts of notifications."))


def check_template(*, actor, key: str, text: str, subject: str, active: bool) -> dict:
    """The cleaned values of a template edit, or DomainError / NotAllowed saying what is wrong."""
    _require_template_admin(actor)
    if key not in templating.KINDS:
        raise DomainError(_("Choose one of the listed kinds of message."), code="key")
    if not active and key in templating.ALWAYS_ACTIVE:
        raise DomainError(
            _("This message cannot be switched off: citizens need it to log in or to verify their phone."),
            code="active",
        )
    return {
        "text": templating.validate_text(key, text),
        "subject": templating.validate_subject(key, subject),
        "active": bool(active),
    }


@transaction.atomic
def save_template(*, actor, key: str, text: str, subject: str = "", active: bool = True) -> MessageTemplate:
    """Save the text of one kind of message (validated: variables only, see ``templating``)."""
    cleaned = check_template(actor=actor, key=key, text=text, subject=subject, active=active)
    row = MessageTemplate.objects.select_for_update().filter(key=key).first()
    before = {"text": row.text, "subject": row.subject, "active": row.active} if row else {}
    if row is None:
        row = MessageTemplate(key=key)
    row.text, row.subject, row.active = cleaned["text"], cleaned["subject"], cleaned["active"]
    row.updated_at, row.updated_by = clock.now(), actor
    row.save()
    record(
        actor=actor,
        action="notifications.template.save",
        obj=row,
        from_state="active" if before.get("active", True) else "inactive",
        to_state="active" if row.active else "inactive",
        data={"key": key, "before": before, "after": cleaned},
    )
    return row


def reset_template(*, actor, key: str) -> MessageTemplate:
    """Put the default text of ``key`` back."""
    spec = templating.kind(key)
    return save_template(actor=actor, key=key, text=spec.text, subject=spec.subject, active=True)
