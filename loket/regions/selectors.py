"""Read-only questions about the region tree."""

import re

from django.db.models import Q, QuerySet

from loket.regions.models import Region, RegionLevel

_CODE_QUERY = re.compile(r"^[\d.]+$")


def get_region(code: str) -> Region | None:
    """The region with this dotted code (current or retired), or None."""
    return Region.objects.select_related("parent").filter(code=code).first()


def children_of(code: str | None, *, current_only: bool = True) -> QuerySet[Region]:
    """Direct children of ``code`` ordered by code; provinces when ``code`` is None."""
    qs = Region.objects.filter(parent__isnull=True) if code is None else Region.objects.filter(parent_id=code)
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.order_by("code")


def regions_by_codes(codes) -> list[Region]:
    """The regions with these codes, by code (unknown codes are left out)."""
    return list(Region.objects.filter(code__in=list(codes)).order_by("code"))


def regions_within(codes, *, deepest: int) -> list[Region]:
    """The regions ``codes`` and every region inside them down to level ``deepest``, by code."""
    codes = list(codes)
    if not codes:
        return []
    subtree = Q()
    for code in codes:
        subtree |= Q(code=code) | Q(code__startswith=code + ".")
    return list(Region.objects.filter(subtree, level__lte=deepest).order_by("code"))


def ancestor_codes(code: str) -> list[str]:
    """``"36.74.04.1003"`` -> ``["36", "36.74", "36.74.04"]`` (no database access)."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def ancestors_of(code: str, *, include_self: bool = False) -> list[Region]:
    """The regions above ``code``, from the province down (for breadcrumbs and addresses)."""
    codes = ancestor_codes(code) + ([code] if include_self else [])
    found = {region.code: region for region in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def kabkota_of(region: Region) -> Region | None:
    """The kabupaten/kota a region lies in (itself if it is one); None for a province."""
    if region.level == RegionLevel.PROVINSI:
        return None
    if region.level == RegionLevel.KABUPATEN_KOTA:
        return region
    return Region.objects.filter(code=region.code[:5]).first()


def kecamatan_of(region: Region) -> Region | None:
    """The kecamatan a region lies in (itself if it is one); None above kecamatan level."""
    if region.level < RegionLevel.KECAMATAN:
        return None
    if region.level == RegionLevel.KECAMATAN:
        return region
    return Region.objects.filter(code=region.code[:8]).first()


def kecamatan_exists(code: str) -> bool:
    """True if ``code`` (e.g. ``"36.74.04"``) is a kecamatan in the list, current or retired."""
    return Region.objects.filter(code=code, level=RegionLevel.KECAMATAN).exists()


def search_regions(query: str, level: int | None = None, *, limit: int = 50) -> list[Region]:
    """Regions whose code starts with ``query`` (digits and dots) or whose name contains it.

    Current regions first, then by level and code. Returns at most ``limit`` rows.
    """
    query = (query or "").strip()
    if not query:
        return []
    qs = Region.objects.select_related("parent")
    qs = qs.filter(code__startswith=query) if _CODE_QUERY.match(query) else qs.filter(name__icontains=query)
    if level is not None:
        qs = qs.filter(level=level)
    return list(qs.order_by("-is_current", "level", "code")[:limit])
