"""factory_boy factories for offices, counters, opening rules, exceptions and holidays.

Regions are created on demand with their whole parent chain (``ensure_region``), so a test never
needs the national list. Traits pick real places in each time zone:

    OfficeFactory()                          # Kecamatan Ciputat, Kota Tangerang Selatan (WIB)
    OfficeFactory(kelurahan=True)            # Kelurahan Ciputat (WIB)
    OfficeFactory(wita=True)                 # Kecamatan Mariso, Kota Makassar (WITA)
    OfficeFactory(wit=True)                  # Kecamatan Jayapura Utara, Kota Jayapura (WIT)
    OfficeFactory(event=True, active_from=..., active_until=...)
    OfficeFactory(with_weekday_hours=True)   # Mon-Fri 08:00-16:00
    OfficeFactory(with_friday_evening=True)  # + Friday 19:00-22:00
"""

from __future__ import annotations

import datetime as dt

import factory

from loket.offices.models import (
    Counter,
    Day,
    ExceptionSession,
    Holiday,
    HolidayKind,
    Office,
    OfficeKind,
    OfficeTimeZone,
    OpeningRule,
    ScheduleException,
)
from loket.regions.models import Region, RegionLevel

# Real Kemendagri codes and names used by the factories.
KNOWN_REGIONS = {
    "36": "Banten",
    "36.74": "Kota Tangerang Selatan",
    "36.74.04": "Ciputat",
    "36.74.04.1003": "Ciputat",
    "36.74.06": "Pamulang",
    "32": "Jawa Barat",
    "32.16": "Kabupaten Bekasi",
    "32.16.09": "Cikarang Utara",
    "32.75": "Kota Bekasi",
    "32.75.01": "Bekasi Timur",
    "73": "Sulawesi Selatan",
    "73.71": "Kota Makassar",
    "73.71.01": "Mariso",
    "91": "Papua",
    "91.71": "Kota Jayapura",
    "91.71.01": "Jayapura Utara",
}


def ensure_region(code: str, name: str | None = None) -> Region:
    """The region ``code`` and all its parents, created if missing (names from KNOWN_REGIONS)."""
    parts = code.split(".")
    parent = None
    region = None
    for depth in range(1, len(parts) + 1):
        sub = ".".join(parts[:depth])
        label = name if (sub == code and name) else KNOWN_REGIONS.get(sub, f"Wilayah {sub}")
        region, _ = Region.objects.get_or_create(
            code=sub, defaults={"name": label, "level": RegionLevel(depth), "parent": parent}
        )
        parent = region
    return region


WEEKDAYS = (Day.MONDAY, Day.TUESDAY, Day.WEDNESDAY, Day.THURSDAY, Day.FRIDAY)


def add_rules(office: Office, days, opens: str, closes: str, label: str = "", **extra) -> list[OpeningRule]:
    """Add one session for each of ``days`` ("HH:MM" times), directly (no service, no audit)."""
    return [
        OpeningRule.objects.create(
            office=office,
            day=int(day),
            opens=dt.time.fromisoformat(opens),
            closes=dt.time.fromisoformat(closes),
            label=label,
            **extra,
        )
        for day in days
    ]


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        skip_postgeneration_save = True

    class Params:
        region_code = "36.74.04"
        kelurahan = factory.Trait(
            kind=OfficeKind.KELURAHAN, region_code="36.74.04.1003", name=factory.Sequence(lambda n: f"Kelurahan {n}")
        )
        kecamatan = factory.Trait(kind=OfficeKind.KECAMATAN)
        wita = factory.Trait(region_code="73.71.01", timezone=OfficeTimeZone.WITA)
        wit = factory.Trait(region_code="91.71.01", timezone=OfficeTimeZone.WIT)
        event = factory.Trait(
            kind=OfficeKind.EVENT,
            active_from=dt.date(2026, 9, 5),
            active_until=dt.date(2026, 9, 6),
            name=factory.Sequence(lambda n: f"BOTRAM {n}"),
        )

    slug = factory.Sequence(lambda n: f"kantor-{n}")
    name = factory.Sequence(lambda n: f"Kecamatan Uji {n}")
    kind = OfficeKind.KECAMATAN
    region = factory.LazyAttribute(lambda o: ensure_region(o.region_code))
    address = "Jl. Uji No. 1"
    timezone = OfficeTimeZone.WIB

    @factory.post_generation
    def with_weekday_hours(obj, create, extracted, **kwargs):
        """Mon-Fri 08:00-16:00 (pass a ("HH:MM", "HH:MM") tuple for other hours)."""
        if create and extracted:
            opens, closes = extracted if isinstance(extracted, tuple) else ("08:00", "16:00")
            add_rules(obj, WEEKDAYS, opens, closes)

    @factory.post_generation
    def with_friday_evening(obj, create, extracted, **kwargs):
        """Friday 19:00-22:00 in addition to the day's other sessions."""
        if create and extracted:
            add_rules(obj, [Day.FRIDAY], "19:00", "22:00", "Layanan malam Jumat")

    @factory.post_generation
    def with_holiday_session(obj, create, extracted, **kwargs):
        """Sunday and public-holiday session 09:00-11:00 (Cikarang Utara style)."""
        if create and extracted:
            add_rules(obj, [Day.SUNDAY, Day.HOLIDAY], "09:00", "11:00", "Layanan hari libur")


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter

    office = factory.SubFactory(OfficeFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = ""


class OpeningRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningRule

    office = factory.SubFactory(OfficeFactory)
    day = Day.MONDAY
    opens = dt.time(8, 0)
    closes = dt.time(16, 0)
    label = ""


class ScheduleExceptionFactory(factory.django.DjangoModelFactory):
    """A closed day by default; pass ``sessions=[("08:00", "12:00")]`` for an opening."""

    class Meta:
        model = ScheduleException
        skip_postgeneration_save = True

    office = factory.SubFactory(OfficeFactory)
    date = dt.date(2026, 9, 1)
    is_closed = True
    reason = "Rapat dinas"

    @factory.post_generation
    def sessions(obj, create, extracted, **kwargs):
        if create and extracted:
            for opens, closes, *label in extracted:
                ExceptionSession.objects.create(
                    exception=obj,
                    opens=dt.time.fromisoformat(opens) if isinstance(opens, str) else opens,
                    closes=dt.time.fromisoformat(closes) if isinstance(closes, str) else closes,
                    label=label[0] if label else "",
                )


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    date = dt.date(2026, 9, 1)
    name = "Hari Jadi Kota"
    kind = HolidayKind.LOCAL
    region = None
    cancelled = False
