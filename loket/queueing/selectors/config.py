"""An office's queue configuration as it is read: its service groups, quota rows (and how a row
is named in words) and queue rules, for the admin page and for the services that change them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from loket.catalog.models import Service
from loket.offices import selectors as office_selectors
from loket.offices.models import Day, Office
from loket.queueing.models import QueueSettings, Quota, ServiceGroup


def queue_settings(office: Office) -> QueueSettings:
    """The office's queue rules; the defaults (an unsaved row) when it has set none."""
    found = QueueSettings.objects.filter(office=office).first()
    return found if found is not None else QueueSettings(office=office)


def service_groups(office: Office) -> QuerySet[ServiceGroup]:
    """The office's service groups by letter; a queryset, because a form chooses from it."""
    return ServiceGroup.objects.filter(office=office).order_by("letter")


def office_group(office: Office, pk: int) -> ServiceGroup | None:
    """The service group ``pk`` if it belongs to ``office`` (another office's id finds nothing)."""
    return service_groups(office).filter(pk=pk).first()


def office_groups(office: Office, ids: list[str]) -> list[ServiceGroup]:
    """The groups of ``office`` among ``ids`` (as a form posted them; other offices' are left out)."""
    return list(ServiceGroup.objects.filter(office=office, pk__in=ids))


def office_quota(office: Office, pk: int) -> Quota | None:
    """The quota row ``pk`` with its group, if it belongs to a group of ``office``."""
    return Quota.objects.filter(group__office=office).select_related("group").filter(pk=pk).first()


def services_taken(office: Office, group: ServiceGroup | None) -> dict[int, str]:
    """{service id: letter} of the services in the office's groups other than ``group``."""
    others = service_groups(office)
    if group is not None:
        others = others.exclude(pk=group.pk)
    return {s.pk: g.letter for g in others.prefetch_related("services") for s in g.services.all()}


# --- describing a quota row ---------------------------------------------------------------


def scope_text(*, date: dt.date | None, weekday: int | None, session_start: dt.time | None) -> str:
    """The days and session a quota row applies to, in words: "Every day", "Every Monday",
    "On 9 September 2026", each followed by ", session 08.00" when it is for one session."""
    if date is not None:
        text = _("On %(date)s") % {"date": formats.date_format(date, "j F Y")}
    elif weekday is not None:
        text = _("Every %(day)s") % {"day": Day(weekday).label}
    else:
        text = _("Every day")
    if session_start is not None:
        text = _("%(scope)s, session %(time)s") % {"scope": text, "time": session_start.strftime("%H.%M")}
    return text


def quota_scope(quota: Quota) -> str:
    return scope_text(date=quota.date, weekday=quota.weekday, session_start=quota.session_start)


def quota_sort_key(quota: Quota) -> tuple:
    """Least specific first: every day, then weekdays (Monday first), then dates; within each, the
    row for all sessions before the rows for one session."""
    level = 2 if quota.date is not None else (1 if quota.weekday is not None else 0)
    return (
        level,
        quota.weekday if quota.weekday is not None else -1,
        quota.date or dt.date.min,
        quota.session_start is not None,
        quota.session_start or dt.time.min,
        quota.pk or 0,
    )


# --- the admin page's overview -------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRow:
    quota: Quota
    scope: str
    is_past: bool


@dataclass(frozen=True)
class GroupOverview:
    group: ServiceGroup
    services: list[Service]
    not_offered: list[Service]
    quotas: list[QuotaRow]


def group_overviews(office: Office, offered: list[Service]) -> list[GroupOverview]:
    """Each service group of ``office`` with its services (and those the office no longer offers)
    and its quota rows, least specific first, a date that has passed marked as such."""
    today = office_selectors.local_today(office)
    offered_ids = {s.pk for s in offered}
    overviews = []
    for group in service_groups(office).prefetch_related("services", "quotas"):
        services = sorted(group.services.all(), key=lambda s: s.name)
        rows = [
            QuotaRow(quota=q, scope=quota_scope(q), is_past=q.date is not None and q.date < today)
            for q in sorted(group.quotas.all(), key=quota_sort_key)
        ]
        not_offered = [s for s in services if s.pk not in offered_ids]
        overviews.append(GroupOverview(group=group, services=services, not_offered=not_offered, quotas=rows))
    return overviews
