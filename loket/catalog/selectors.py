"""Read-only questions about the service catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from loket.catalog.models import OfficeService, Prerequisite, Requirement, Service, ServiceCategory
from loket.offices.directory import CityGroup, group_by_city
from loket.offices.models import Office


def active_services() -> QuerySet[Service]:
    """Services shown to the public, by category then name."""
    return Service.objects.filter(is_active=True).order_by("category", "name")


@dataclass
class CategoryGroup:
    category: str
    label: str
    services: list[Service]


def services_by_category() -> list[CategoryGroup]:
    """Active services grouped by category, in the order categories are declared."""
    services = list(active_services())
    groups = []
    for value, label in ServiceCategory.choices:
        members = [s for s in services if s.category == value]
        if members:
            groups.append(CategoryGroup(category=value, label=str(label), services=members))
    return groups


def service_by_slug(slug: str) -> Service | None:
    """An active service with its requirements prefetched; None if unknown or inactive."""
    return (
        active_services()
        .prefetch_related(Prefetch("requirements", queryset=Requirement.objects.order_by("order", "id")))
        .filter(slug=slug)
        .first()
    )


def requirements_of(service: Service) -> list[Requirement]:
    """The service's requirements in order (prefetched by ``service_by_slug``)."""
    return list(service.requirements.all())


def _switched_off(office_ids) -> set[tuple[int, int]]:
    return set(
        OfficeService.objects.filter(office_id__in=office_ids, is_offered=False).values_list("office_id", "service_id")
    )


def is_service_offered_at(office: Office, service: Service) -> bool:
    """Whether ``office`` offers ``service``: active, provided at its kind, not switched off there.
    (Two cheap checks and one query, for hot paths; ``services_offered_at`` lists them all.)"""
    if not service.is_active or office.kind not in (service.office_kinds or []):
        return False
    return not OfficeService.objects.filter(office=office, service=service, is_offered=False).exists()


def services_offered_at(office: Office) -> list[Service]:
    """Active services whose office kinds include the office's kind, minus those it switched off."""
    off = {service_id for _, service_id in _switched_off([office.pk])}
    return [s for s in active_services() if office.kind in s.office_kinds and s.pk not in off]


def offices_offering(service: Service) -> list[CityGroup]:
    """Active offices that offer ``service``, grouped by kabupaten/kota and kecamatan."""
    offices = list(
        Office.objects.filter(is_active=True, kind__in=list(service.office_kinds))
        .exclude(service_settings__service=service, service_settings__is_offered=False)
        .select_related("region")
        .order_by("region_id", "name")
    )
    return group_by_city(offices)


def prerequisites_of(service: Service) -> list[Prerequisite]:
    """What the citizen must get first, in order, each with the required service loaded."""
    return list(
        Prerequisite.objects.filter(service=service, required_service__is_active=True)
        .select_related("required_service")
        .order_by("order", "id")
    )


def required_by(service: Service) -> list[Service]:
    """Active services that need ``service`` first."""
    return list(active_services().filter(prerequisite_links__required_service=service).distinct().order_by("name"))
