"""Read-only grouping of offices for the public directory: by kabupaten/kota, then kecamatan.

Kemendagri codes have fixed-width segments (``PP.KK.CC.DDDD``), so an office's province,
kabupaten/kota and kecamatan are prefixes of its region code; each grouping loads the
regions it names in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from loket.offices.models import Office
from loket.regions.models import Region


@dataclass
class KecamatanGroup:
    """Offices of one kecamatan; ``region`` is None for offices of the kabupaten/kota itself."""

    region: Region | None
    offices: list[Office] = field(default_factory=list)


@dataclass
class CityGroup:
    region: Region
    province: Region | None
    kecamatans: list[KecamatanGroup] = field(default_factory=list)

    @property
    def offices(self) -> list[Office]:
        return [o for group in self.kecamatans for o in group.offices]

    @property
    def office_count(self) -> int:
        return sum(len(group.offices) for group in self.kecamatans)


def _prefixes(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def region_path(region: Region) -> list[Region]:
    """The region and its ancestors, from the provinsi down to ``region`` itself (one query)."""
    found = Region.objects.in_bulk(_prefixes(region.code))
    return [found[code] for code in _prefixes(region.code) if code in found]


def group_by_city(offices: Iterable[Office]) -> list[CityGroup]:
    """Offices grouped by kabupaten/kota (by code) and, inside, by kecamatan (offices of the city
    level itself first). Offices keep their given order inside a group."""
    offices = list(offices)
    codes: set[str] = set()
    for office in offices:
        prefixes = _prefixes(office.region_id)
        codes.update(prefixes[:3])
    regions = Region.objects.in_bulk(codes) if codes else {}
    cities: dict[str, dict[str | None, list[Office]]] = defaultdict(lambda: defaultdict(list))
    for office in offices:
        prefixes = _prefixes(office.region_id)
        if len(prefixes) < 2:
            continue  # an office registered at province level has no city; not expected
        kecamatan = prefixes[2] if len(prefixes) >= 3 else None
        cities[prefixes[1]][kecamatan].append(office)
    result = []
    for city_code in sorted(cities):
        by_kecamatan = cities[city_code]
        groups = []
        if None in by_kecamatan:
            groups.append(KecamatanGroup(region=None, offices=by_kecamatan[None]))
        for code in sorted(k for k in by_kecamatan if k is not None):
            groups.append(KecamatanGroup(region=regions.get(code), offices=by_kecamatan[code]))
        result.append(CityGroup(region=regions[city_code], province=regions.get(city_code[:2]), kecamatans=groups))
    return result


@dataclass(frozen=True)
class CitySummary:
    region: Region
    province: Region | None
    office_count: int


def cities_with_offices() -> list[CitySummary]:
    """Every kabupaten/kota with at least one active office, with its count of active offices."""
    counts: dict[str, int] = defaultdict(int)
    rows = Office.objects.filter(is_active=True).values("region_id").annotate(n=Count("id"))
    for row in rows:
        counts[row["region_id"][:5]] += row["n"]
    codes = set(counts) | {code[:2] for code in counts}
    regions = Region.objects.in_bulk(codes) if codes else {}
    return [
        CitySummary(region=regions[code], province=regions.get(code[:2]), office_count=counts[code])
        for code in sorted(counts)
        if code in regions
    ]


def public_offices():
    """Every active office, with its region, in directory order."""
    return Office.objects.filter(is_active=True).select_related("region").order_by("region_id", "name")


def map_url(office: Office) -> str:
    """An OpenStreetMap link to the office's coordinates, or "" when it has none."""
    if office.latitude is None or office.longitude is None:
        return ""
    lat, lon = office.latitude, office.longitude
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"


def region_label(region: Region) -> str:
    """How a region is named in an address: "Kelurahan Sawah", "Kecamatan Ciputat", "Kota Bekasi",
    "Provinsi Banten" (kabupaten/kota names already carry their kind)."""
    if region.level == 1:
        return f"Provinsi {region.name}"
    if region.level == 3:
        return f"Kecamatan {region.name}"
    if region.level == 4:
        return f"{region.village_kind.title()} {region.name}"
    return region.name
