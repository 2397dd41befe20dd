"""Holiday calendar: the ``holidays`` package for Indonesia merged with admin-managed ``Holiday`` rows.

Sources, for one office and one local date:

- the package's national public holidays (category ``public``) and cuti bersama (category
  ``government``), in Indonesian, cached per year;
- ``Holiday`` rows of kind NATIONAL / CUTI_BERSAMA add days the package does not know yet;
- ``Holiday`` rows with ``cancelled=True`` revoke every holiday of that date and kind (package
  day or added row) for the offices in their scope;
- ``Holiday`` rows of kind LOCAL close the offices in their region subtree (everywhere when the
  region is empty).

A row's scope is its region subtree (every office when ``region`` is empty). Cuti bersama only
counts for offices with ``Office.closed_on_cuti_bersama``. When several holidays fall on one
date, the national one names the day, then a local one, then cuti bersama.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import holidays as holidays_lib

from loket.offices.models import Holiday, HolidayKind, Office

# Which kind wins when a date carries several holidays.
_PRIORITY = {HolidayKind.NATIONAL: 0, HolidayKind.LOCAL: 1, HolidayKind.CUTI_BERSAMA: 2}


@dataclass(frozen=True)
class HolidayInfo:
    name: str
    kind: str  # a HolidayKind value


@lru_cache(maxsize=64)
def package_holidays(year: int) -> dict[dt.date, tuple[HolidayInfo, ...]]:
    """National holidays and cuti bersama of ``year`` from the ``holidays`` package (cached)."""
    days: dict[dt.date, list[HolidayInfo]] = defaultdict(list)
    for category, kind in (("public", HolidayKind.NATIONAL), ("government", HolidayKind.CUTI_BERSAMA)):
        calendar = holidays_lib.country_holidays("ID", years=year, categories=(category,), language="id")
        for day, names in calendar.items():
            # The package joins two holidays on one date with "; ".
            for name in str(names).split("; "):
                days[day].append(HolidayInfo(name=name, kind=kind.value))
    return {day: tuple(infos) for day, infos in days.items()}


def in_scope(office: Office, region_id: str | None) -> bool:
    """Whether a row scoped to ``region_id`` (None = everywhere) covers ``office``.

    Kemendagri codes have fixed-width segments, so a prefix match is the subtree.
    """
    return region_id is None or office.region_id == region_id or office.region_id.startswith(region_id + ".")


def admin_rows(start: dt.date, end: dt.date) -> list[Holiday]:
    """All admin-managed holiday rows between ``start`` and ``end`` (inclusive): one query."""
    return list(Holiday.objects.filter(date__gte=start, date__lte=end).order_by("date", "pk"))


def group_rows_by_date(rows: Iterable[Holiday]) -> dict[dt.date, list[Holiday]]:
    grouped: dict[dt.date, list[Holiday]] = defaultdict(list)
    for row in rows:
        grouped[row.date].append(row)
    return grouped


def holidays_on(office: Office, day: dt.date, rows: Iterable[Holiday]) -> list[HolidayInfo]:
    """Every holiday that applies to ``office`` on ``day``, most important first.

    ``rows`` are the admin rows of that date (the caller fetched them; see ``admin_rows``).
    """
    rows = [r for r in rows if r.date == day and in_scope(office, r.region_id)]
    cancelled_kinds = {r.kind for r in rows if r.cancelled}
    found = [info for info in package_holidays(day.year).get(day, ()) if info.kind not in cancelled_kinds]
    found += [HolidayInfo(name=r.name, kind=r.kind) for r in rows if not r.cancelled and r.kind not in cancelled_kinds]
    if not office.closed_on_cuti_bersama:
        found = [info for info in found if info.kind != HolidayKind.CUTI_BERSAMA]
    # Stable sort keeps the package's order within one kind; drop duplicate names.
    found.sort(key=lambda info: _PRIORITY[HolidayKind(info.kind)])
    unique: list[HolidayInfo] = []
    for info in found:
        if info.name not in {u.name for u in unique}:
            unique.append(info)
    return unique


def holiday_for(office: Office, day: dt.date, *, rows: Iterable[Holiday] | None = None) -> HolidayInfo | None:
    """The holiday that closes ``office`` on its local date ``day`` (the most important one), or None.

    Pass ``rows`` (admin rows covering ``day``) to avoid a query; otherwise one query is made.
    """
    if rows is None:
        rows = admin_rows(day, day)
    found = holidays_on(office, day, rows)
    return found[0] if found else None
