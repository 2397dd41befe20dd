"""The verbs that change an office's queue configuration: service groups, quotas and queue rules.

This is the only code that writes ``ServiceGroup``, ``Quota`` and ``QueueSettings`` rows (the
booking services only read them). Every verb takes keyword-only arguments including ``actor``
(``None`` means the system itself, e.g. a management command), runs in one transaction, requires
an admin of the office (``policy.allows(actor, policy.MANAGE_OFFICE, office)``, which also admits a
city admin of the office's kabupaten/kota and a system admin), validates with a message that
says what to fix, and writes an audit row ``queueing.config.<verb>``.

The office row is locked first (``SELECT … FOR UPDATE``), so two admins saving at the same time
are serialised: the checks that no table constraint covers (a service in one group per office,
one quota row per scope) cannot be raced.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loket.audit.services import record
from loket.catalog.models import Service
from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices import selectors as office_selectors
from loket.offices.models import Day, Office
from loket.queueing.models import QueueSettings, Quota, ServiceGroup, Ticket
from loket.queueing.selectors import is_offered, quota_scope, quota_sort_key

LETTER_RE = re.compile(r"^[A-Z]{1,3}$")
MAX_NAME = 100
MIN_MINUTES, MAX_MINUTES = 1, 240
MAX_LIMIT = 10_000
WEEKDAYS = [d for d in Day if d != Day.HOLIDAY]
SETTINGS_FIELDS = (
    "late_grace_minutes",
    "late_policy",
    "noshow_limit",
    "noshow_window_days",
    "noshow_block_days",
    "turn_near_ahead",
)


# --- audit states (language-neutral) ------------------------------------------------------


def _group_state(group: ServiceGroup, services: Iterable[Service]) -> str:
    names = ", ".join(sorted(s.name for s in services))
    return f"{group.letter} – {group.name}: {names}; {group.avg_service_minutes} min"


def _group_data(group: ServiceGroup, services: Iterable[Service]) -> dict:
    return {
        "letter": group.letter,
        "name": group.name,
        "services": sorted(s.code for s in services),
        "avg_service_minutes": group.avg_service_minutes,
    }


def _quota_scope_code(quota: Quota) -> str:
    if quota.date is not None:
        scope = quota.date.isoformat()
    elif quota.weekday is not None:
        scope = Day(quota.weekday).name.lower()
    else:
        scope = "every day"
    if quota.session_start is not None:
        scope += f" {quota.session_start:%H:%M}"
    return scope


def _quota_state(quota: Quota, letter: str) -> str:
    return f"{letter} {_quota_scope_code(quota)}: {quota.online_limit} online / {quota.walkin_limit} walk-in"


def _quota_data(quota: Quota) -> dict:
    return {
        "group": quota.group_id,
        "date": quota.date.isoformat() if quota.date else None,
        "weekday": quota.weekday,
        "session_start": quota.session_start.strftime("%H:%M") if quota.session_start else None,
        "online_limit": quota.online_limit,
        "walkin_limit": quota.walkin_limit,
    }


def _settings_data(rules: QueueSettings) -> dict:
    return {name: getattr(rules, name) for name in SETTINGS_FIELDS}


def _settings_state(rules: QueueSettings) -> str:
    return (
        f"grace {rules.late_grace_minutes} min, {rules.late_policy}; no-show {rules.noshow_limit} in "
        f"{rules.noshow_window_days} d -> {rules.noshow_block_days} d; near at {rules.turn_near_ahead}"
    )


# --- permission and locking ---------------------------------------------------------------


def _require_admin(actor, office: Office) -> None:
    if actor is None:
        return
    if not policy.allows(actor, policy.MANAGE_OFFICE, office):
        raise NotAllowed(_("Only an admin of %(office)s can change its queue settings.") % {"office": office.name})


def _lock_office(office: Office) -> None:
    Office.objects.select_for_update().filter(pk=office.pk).first()


def _whole_number(value, *, low: int, high: int, message: str, code: str) -> int:
    """``value`` as an int from ``low`` to ``high`` (an int or a string of digits), else ``message``."""
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(message, code=code)
    return value


# --- service groups -----------------------------------------------------------------------


def _clean_services(office: Office, services: Iterable[Service], group: ServiceGroup | None) -> list[Service]:
    chosen = list({s.pk: s for s in services or []}.values())
    if not chosen:
        raise DomainError(_("Choose at least one service for this group."), code="services")
    for service in chosen:
        if not is_offered(office, service):
            raise DomainError(
                _("%(service)s is not offered at %(office)s. Choose only services this office offers.")
                % {"service": service.name, "office": office.name},
                code="services",
            )
    others = ServiceGroup.objects.filter(office=office, services__in=chosen).distinct()
    if group is not None:
        others = others.exclude(pk=group.pk)
    for other in others.prefetch_related("services").order_by("letter"):
        taken = next(s for s in chosen if any(s.pk == t.pk for t in other.services.all()))
        raise DomainError(
            _(
                "%(service)s is already in group %(letter)s (%(name)s). A service can be in only one "
                "group per office: take it out of that group first."
            )
            % {"service": taken.name, "letter": other.letter, "name": other.name},
            code="services",
        )
    return sorted(chosen, key=lambda s: s.name)


@transaction.atomic
def save_service_group(
    *,
    actor,
    office: Office,
    letter: str,
    name: str,
    services: Iterable[Service],
    avg_service_minutes: int,
    group: ServiceGroup | None = None,
) -> ServiceGroup:
    """Create a service group of ``office`` (``group`` None) or change ``group``.

    The letter (1–3 capitals, stored upper case) prefixes the ticket numbers and is unique in the
    office; every service must be offered at the office and may be in only one of its groups.
    """
    _require_admin(actor, office)
    if group is not None and group.office_id != office.pk:
        raise DomainError(_("This service group belongs to another office."), code="wrong_office")
    _lock_office(office)
    letter = (letter or "").strip().upper()
    name = (name or "").strip()
    if not LETTER_RE.match(letter):
        raise DomainError(_("The group letter must be 1 to 3 capital letters (A–Z), e.g. A or KK."), code="letter")
    if not name:
        raise DomainError(_("Enter the group's name, e.g. 'KTP-el and KK'."), code="name")
    if len(name) > MAX_NAME:
        raise DomainError(
            _("The group's name can be at most %(max)s characters long.") % {"max": MAX_NAME}, code="name"
        )
    minutes = _whole_number(
        avg_service_minutes,
        low=MIN_MINUTES,
        high=MAX_MINUTES,
        message=_("Minutes per visitor must be a whole number from %(min)s to %(max)s.")
        % {"min": MIN_MINUTES, "max": MAX_MINUTES},
        code="avg_service_minutes",
    )
    chosen = _clean_services(office, services, group)
    same_letter = ServiceGroup.objects.filter(office=office, letter=letter)
    if group is not None:
        same_letter = same_letter.exclude(pk=group.pk)
    other = same_letter.first()
    if other is not None:
        raise DomainError(
            _("The letter %(letter)s is already used by group %(name)s at this office. Choose another letter.")
            % {"letter": letter, "name": other.name},
            code="letter",
        )

    if group is None:
        before, before_data = "", {}
        group = ServiceGroup(office=office)
        created = True
    else:
        locked = ServiceGroup.objects.select_for_update().filter(pk=group.pk).first()
        if locked is None:
            raise DomainError(_("This service group no longer exists. Reload the page."), code="gone")
        group = locked
        old_services = list(group.services.all())
        before, before_data = _group_state(group, old_services), _group_data(group, old_services)
        created = False
    group.letter, group.name, group.avg_service_minutes = letter, name, minutes
    try:
        with transaction.atomic():
            if created:
                group.save()
            else:
                group.save(update_fields=["letter", "name", "avg_service_minutes"])
    except IntegrityError:
        # A concurrent save took the letter first (the office lock makes this all but impossible).
        raise DomainError(
            _("The letter %(letter)s was just taken by another group. Choose another letter.") % {"letter": letter},
            code="letter",
        )
    group.services.set(chosen)
    record(
        actor=actor,
        action="queueing.config.save_service_group",
        obj=group,
        from_state=before,
        to_state=_group_state(group, chosen),
        office_id=office.pk,
        data={"created": created, "from": before_data, "to": _group_data(group, chosen)},
    )
    return group


@transaction.atomic
def delete_service_group(*, actor, group: ServiceGroup) -> None:
    """Delete ``group`` with its quota rows; refused once a ticket was issued for it (tickets are
    records and keep their group)."""
    office = group.office
    _require_admin(actor, office)
    _lock_office(office)
    locked = ServiceGroup.objects.select_for_update().filter(pk=group.pk).first()
    if locked is None:
        raise DomainError(_("This service group no longer exists. Reload the page."), code="gone")
    tickets = Ticket.objects.filter(group=locked).count()
    if tickets:
        raise DomainError(
            ngettext(
                "Group %(letter)s cannot be deleted: %(count)s ticket has already been issued for it and is "
                "kept for the records. To stop this queue, set its quotas to 0 instead.",
                "Group %(letter)s cannot be deleted: %(count)s tickets have already been issued for it and are "
                "kept for the records. To stop this queue, set its quotas to 0 instead.",
                tickets,
            )
            % {"letter": locked.letter, "count": tickets},
            code="has_tickets",
        )
    services = list(locked.services.all())
    quotas = sorted(locked.quotas.all(), key=quota_sort_key)
    record(
        actor=actor,
        action="queueing.config.delete_service_group",
        obj=locked,
        from_state=_group_state(locked, services),
        to_state="",
        office_id=office.pk,
        data={"from": _group_data(locked, services), "quotas": [_quota_data(q) for q in quotas]},
    )
    try:
        with transaction.atomic():
            locked.delete()
    except (ProtectedError, IntegrityError):
        raise DomainError(
            _("Group %(letter)s cannot be deleted: tickets have just been issued for it.") % {"letter": locked.letter},
            code="has_tickets",
        )


# --- quotas -------------------------------------------------------------------------------


@transaction.atomic
def save_quota(
    *,
    actor,
    group: ServiceGroup,
    date: dt.date | None = None,
    weekday: int | None = None,
    session_start: dt.time | None = None,
    online_limit: int,
    walkin_limit: int,
    quota: Quota | None = None,
) -> Quota:
    """Create a quota row of ``group`` (``quota`` None) or change ``quota`` (it may move to another
    group of the same office). Which row applies to a session: see ``Quota``."""
    office = group.office
    _require_admin(actor, office)
    if quota is not None and quota.group.office_id != office.pk:
        raise DomainError(_("This quota row belongs to another office."), code="wrong_office")
    _lock_office(office)
    if date is not None and weekday is not None:
        raise DomainError(_("Choose either a date or a weekday, not both: leave one of them empty."), code="scope")
    if weekday is not None:
        if isinstance(weekday, bool) or weekday not in {d.value for d in WEEKDAYS}:
            raise DomainError(_("Choose a weekday from Monday to Sunday."), code="weekday")
        weekday = int(weekday)
    if date is not None:
        today = office_selectors.local_today(office)
        if date < today:
            raise DomainError(
                _("%(date)s has already passed. Choose today or a later date.")
                % {"date": formats.date_format(date, "j F Y")},
                code="date",
            )
    max_text = formats.number_format(MAX_LIMIT, force_grouping=True)
    online = _whole_number(
        online_limit,
        low=0,
        high=MAX_LIMIT,
        message=_("The online bookings per session must be a whole number from 0 to %(max)s.") % {"max": max_text},
        code="online_limit",
    )
    walkin = _whole_number(
        walkin_limit,
        low=0,
        high=MAX_LIMIT,
        message=_("The walk-in tickets per session must be a whole number from 0 to %(max)s.") % {"max": max_text},
        code="walkin_limit",
    )
    if not ServiceGroup.objects.filter(pk=group.pk, office=office).exists():
        raise DomainError(_("This service group no longer exists. Reload the page."), code="gone")
    same_scope = Quota.objects.filter(group=group, date=date, weekday=weekday, session_start=session_start)
    if quota is not None:
        same_scope = same_scope.exclude(pk=quota.pk)
    existing = same_scope.first()
    if existing is not None:
        raise DomainError(
            _(
                "Group %(letter)s already has a quota row for the same days and session: “%(scope)s” "
                "(%(online)s online, %(walkin)s walk-in). Change that row instead of adding a second one."
            )
            % {
                "letter": group.letter,
                "scope": quota_scope(existing),
                "online": existing.online_limit,
                "walkin": existing.walkin_limit,
            },
            code="duplicate",
        )

    if quota is None:
        before, before_data = "", {}
        row = Quota(group=group)
        created = True
    else:
        row = Quota.objects.select_for_update().select_related("group").filter(pk=quota.pk).first()
        if row is None:
            raise DomainError(_("This quota row no longer exists. Reload the page."), code="gone")
        before, before_data = _quota_state(row, row.group.letter), _quota_data(row)
        row.group = group
        created = False
    row.date, row.weekday, row.session_start = date, weekday, session_start
    row.online_limit, row.walkin_limit = online, walkin
    if created:
        row.save()
    else:
        row.save(update_fields=["group", "date", "weekday", "session_start", "online_limit", "walkin_limit"])
    record(
        actor=actor,
        action="queueing.config.save_quota",
        obj=row,
        from_state=before,
        to_state=_quota_state(row, group.letter),
        office_id=office.pk,
        data={"created": created, "from": before_data, "to": _quota_data(row)},
    )
    return row


@transaction.atomic
def delete_quota(*, actor, quota: Quota) -> None:
    """Delete a quota row. Places already taken stay taken; sessions it covered fall back to the
    next less specific row (or have no places)."""
    office = quota.group.office
    _require_admin(actor, office)
    _lock_office(office)
    locked = Quota.objects.select_for_update().select_related("group").filter(pk=quota.pk).first()
    if locked is None:
        raise DomainError(_("This quota row no longer exists. Reload the page."), code="gone")
    record(
        actor=actor,
        action="queueing.config.delete_quota",
        obj=locked,
        from_state=_quota_state(locked, locked.group.letter),
        to_state="",
        office_id=office.pk,
        data={"from": _quota_data(locked)},
    )
    locked.delete()


# --- queue rules --------------------------------------------------------------------------


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
    _require_admin(actor, office)
    _lock_office(office)
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
