"""Service groups: create, change and delete an office's groups (a letter, a name, its services)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loket.audit.services import record
from loket.catalog.models import Service
from loket.core.errors import DomainError
from loket.offices.models import Office
from loket.queueing.models import ServiceGroup, Ticket
from loket.queueing.selectors import is_offered, quota_sort_key
from loket.queueing.services.config.common import lock_office, require_admin, whole_number
from loket.queueing.services.config.quotas import quota_data

LETTER_RE = re.compile(r"^[A-Z]{1,3}$")
MAX_NAME = 100
MIN_MINUTES, MAX_MINUTES = 1, 240


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


def _clean_group_fields(letter: str, name: str, avg_service_minutes) -> tuple[str, str, int]:
    """The group's letter (upper case), name and minutes per visitor, checked."""
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
    minutes = whole_number(
        avg_service_minutes,
        low=MIN_MINUTES,
        high=MAX_MINUTES,
        message=_("Minutes per visitor must be a whole number from %(min)s to %(max)s.")
        % {"min": MIN_MINUTES, "max": MAX_MINUTES},
        code="avg_service_minutes",
    )
    return letter, name, minutes


def _check_letter_free(office: Office, letter: str, group: ServiceGroup | None) -> None:
    """Refuse a letter another group of the office uses (the unique constraint would only say so
    without naming the group)."""
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


def _locked_group(group: ServiceGroup) -> ServiceGroup:
    """``group`` read again under lock; refused when another admin has deleted it meanwhile."""
    locked = ServiceGroup.objects.select_for_update().filter(pk=group.pk).first()
    if locked is None:
        raise DomainError(_("This service group no longer exists. Reload the page."), code="gone")
    return locked


def _group_to_save(office: Office, group: ServiceGroup | None) -> tuple[ServiceGroup, str, dict]:
    """The row to save (a new one, or ``group`` locked) with its state before, for the audit row."""
    if group is None:
        return ServiceGroup(office=office), "", {}
    locked = _locked_group(group)
    old_services = list(locked.services.all())
    return locked, _group_state(locked, old_services), _group_data(locked, old_services)


def _store_group(group: ServiceGroup, *, created: bool) -> None:
    try:
        with transaction.atomic():
            if created:
                group.save()
            else:
                group.save(update_fields=["letter", "name", "avg_service_minutes"])
    except IntegrityError:
        # A concurrent save took the letter first (the office lock makes this all but impossible).
        raise DomainError(
            _("The letter %(letter)s was just taken by another group. Choose another letter.")
            % {"letter": group.letter},
            code="letter",
        )


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
    require_admin(actor, office)
    if group is not None and group.office_id != office.pk:
        raise DomainError(_("This service group belongs to another office."), code="wrong_office")
    lock_office(office)
    letter, name, minutes = _clean_group_fields(letter, name, avg_service_minutes)
    chosen = _clean_services(office, services, group)
    _check_letter_free(office, letter, group)
    created = group is None
    group, before, before_data = _group_to_save(office, group)
    group.letter, group.name, group.avg_service_minutes = letter, name, minutes
    _store_group(group, created=created)
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
    require_admin(actor, office)
    lock_office(office)
    locked = _locked_group(group)
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
        data={"from": _group_data(locked, services), "quotas": [quota_data(q) for q in quotas]},
    )
    try:
        with transaction.atomic():
            locked.delete()
    except (ProtectedError, IntegrityError):
        raise DomainError(
            _("Group %(letter)s cannot be deleted: tickets have just been issued for it.") % {"letter": locked.letter},
            code="has_tickets",
        )
