"""The rules a kabupaten/kota sets for requests in its offices."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import policy
from loket.core.errors import NotAllowed
from loket.permohonan.models import CityPolicy


@transaction.atomic
def set_city_policy(*, actor, region, any_kecamatan: bool) -> None:
    """Whether citizens of the kabupaten/kota ``region`` may take a kecamatan service to any of its
    kecamatan (Kota Bekasi). A system admin or the city's own admin (None: the system, for the demo)."""
    if actor is not None and not policy.allows_in_region(actor, policy.MANAGE_CITY, region.code):
        raise NotAllowed(_("Only the admin of %(city)s can change its rules.") % {"city": region.name})
    city_policy, _created = CityPolicy.objects.select_for_update().get_or_create(region=region)
    before = city_policy.any_kecamatan
    city_policy.any_kecamatan = any_kecamatan
    city_policy.save(update_fields=["any_kecamatan"])
    record(
        actor=actor,
        action="permohonan.city_policy",
        obj=city_policy,
        from_state=str(before),
        to_state=str(any_kecamatan),
    )
