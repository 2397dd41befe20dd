"""The office's queue rules: late arrivals, the no-show suspension and 'your turn is near'."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core.errors import DomainError
from loket.offices.models import Office
from loket.queueing.models import QueueSettings
from loket.queueing.services.config.common import lock_office, require_admin

SETTINGS_FIELDS = (
    "late_grace_minutes",
    "late_policy",
    "noshow_limit",
    "noshow_window_days",
    "noshow_block_days",
    "turn_near_ahead",
)


def _settings_data(rules: QueueSettings) -> dict:
    return {name: getattr(rules, name) for name in SETTINGS_FIELDS}


def _settings_state(rules: QueueSettings) -> str:
    return (
        f"grace {rules.late_grace_minutes} min, {rules.late_policy}; no-show {rules.noshow_limit} in "
        f"{rules.noshow_window_days} d -> {rules.noshow_block_days} d; near at {rules.turn_near_ahead}"
    )


def _validation_message(error: ValidationError) -> tuple[str, str]:
    """One message naming each field and what is wrong with it, and the code: the field's name
    when only one field failed."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    parts = []
    for field, messages in by_field.items():
        text = " ".join(messages)
        if field in SETTINGS_FIELDS:
            label = capfirst(QueueSettings._meta.get_field(field).verbose_name)
            parts.append(f"{label}: {text}")
        else:
            parts.append(text)
    fields = [f for f in by_field if f in SETTINGS_FIELDS]
    code = fields[0] if len(by_field) == 1 and fields else "settings"
    return _("Check the queue rules. %(errors)s") % {"errors": " ".join(parts)}, code


@transaction.atomic
def update_queue_settings(
    *,
    actor,
    office: Office,
    late_grace_minutes: int,
    late_policy: str,
    noshow_limit: int,
    noshow_window_days: int,
    noshow_block_days: int,
    turn_near_ahead: int,
) -> QueueSettings:
    """Set the office's queue rules (late arrivals, no-show suspension, 'your turn is near');
    creates the office's row on first save. Ranges and choices are the model's validators."""
    require_admin(actor, office)
    lock_office(office)
    rules = QueueSettings.objects.select_for_update().filter(office=office).first()
    created = rules is None
    if created:
        rules = QueueSettings(office=office)
        before, before_data = "", {}
    else:
        before, before_data = _settings_state(rules), _settings_data(rules)
    values = {
        "late_grace_minutes": late_grace_minutes,
        "late_policy": late_policy,
        "noshow_limit": noshow_limit,
        "noshow_window_days": noshow_window_days,
        "noshow_block_days": noshow_block_days,
        "turn_near_ahead": turn_near_ahead,
    }
    for field, value in values.items():
        setattr(rules, field, value)
    try:
        rules.full_clean(exclude=["office"])
    except ValidationError as error:
        message, code = _validation_message(error)
        raise DomainError(message, code=code)
    if created:
        rules.save()
    else:
        rules.save(update_fields=list(SETTINGS_FIELDS))
    record(
        actor=actor,
        action="queueing.config.update_queue_settings",
        obj=rules,
        from_state=before,
        to_state=_settings_state(rules),
        office_id=office.pk,
        data={"created": created, "from": before_data, "to": _settings_data(rules)},
    )
    return rules
