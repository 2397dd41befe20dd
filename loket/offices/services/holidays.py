"""Holidays kept by admins on top of the ``holidays`` package: national days and cuti bersama
added or cancelled (system admins), local closures of a region (its city admins)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices.models import Holiday, HolidayKind
from loket.regions.models import Region


def _require_holiday_admin(actor, region: Region | None) -> None:
    if actor is None:
        return
    if policy.office_scope(actor, policy.MANAGE_CITY).everywhere:
        return
    if region is None:
        raise NotAllowed(_("Only a system admin can add or change a holiday for the whole country."))
    if not policy.allows_in_region(actor, policy.MANAGE_CITY, region.code):
        raise NotAllowed(
            _("Only a city admin of %(region)s (or a system admin) can add a closure there.") % {"region": region.name}
        )


@transaction.atomic
def add_holiday(
    *,
    actor,
    date: dt.date,
    name: str,
    kind: str,
    region: Region | None = None,
    cancelled: bool = False,
) -> Holiday:
    """Add a holiday day, cancel one (``cancelled=True``), or close a region's offices (kind LOCAL).

    National holidays and cuti bersama (and their cancellation) apply to the whole country and need a
    system admin; a LOCAL closure of a region subtree needs a city admin of that region.
    """
    name = (name or "").strip()
    if kind not in HolidayKind.values:
        raise DomainError(_("Choose the kind of holiday: national holiday, cuti bersama or local closure."))
    if kind != HolidayKind.LOCAL and region is not None:
        raise DomainError(
            _(
                "National holidays and cuti bersama apply to the whole country. Leave the region empty, or choose 'local closure'."
            )
        )
    _require_holiday_admin(actor, region)
    if not name:
        raise DomainError(_("Enter the name of the holiday, e.g. 'Hari Jadi Kota'."))
    if len(name) > 150:
        raise DomainError(_("The holiday's name can be at most 150 characters long."))
    if Holiday.objects.filter(date=date, kind=kind, region=region, cancelled=cancelled, name=name).exists():
        raise DomainError(_("This holiday is already recorded for that date."))
    holiday = Holiday.objects.create(date=date, name=name, kind=kind, region=region, cancelled=cancelled)
    record(
        actor=actor,
        action="offices.holiday.cancel" if cancelled else "offices.holiday.add",
        obj=holiday,
        to_state=f"{date.isoformat()} {name}" + (" (cancelled)" if cancelled else ""),
        data={"kind": kind, "region": region.code if region else None, "cancelled": cancelled},
    )
    return holiday


@transaction.atomic
def remove_holiday(*, actor, holiday: Holiday) -> None:
    """Remove an admin-managed holiday row (the package's days stay; cancel those instead)."""
    _require_holiday_admin(actor, holiday.region)
    record(
        actor=actor,
        action="offices.holiday.remove",
        obj=holiday,
        from_state=f"{holiday.date.isoformat()} {holiday.name}",
        data={"kind": holiday.kind, "region": holiday.region_id, "cancelled": holiday.cancelled},
    )
    holiday.delete()
