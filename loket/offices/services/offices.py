"""Creating offices and their counters."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices.models import Counter, Office, OfficeKind, OfficeTimeZone
from loket.regions.models import Region


def require_office_admin(actor, office: Office) -> None:
    """Refuse unless ``actor`` manages ``office`` (None, the system itself, always may)."""
    if actor is None:
        return
    if not policy.allows(actor, policy.MANAGE_OFFICE, office):
        raise NotAllowed(_("You are not an admin of %(office)s, so you cannot change it.") % {"office": office.name})


_OFFICE_DETAIL_FIELDS = {
    "postal_code",
    "phone",
    "email",
    "latitude",
    "longitude",
    "closed_on_cuti_bersama",
    "active_from",
    "active_until",
    "description",
    "is_active",
}


def _slug_taken(slug: str) -> DomainError:
    return DomainError(_("The web name '%(slug)s' is already used by another office. Choose another.") % {"slug": slug})


def _number_taken(number: int) -> DomainError:
    return DomainError(
        _("This office already has a counter number %(number)s. Choose another number.") % {"number": number}
    )


@transaction.atomic
def create_office(
    *,
    actor,
    slug: str,
    name: str,
    kind: str,
    region: Region,
    address: str,
    timezone: str = OfficeTimeZone.WIB,
    **details,
) -> Office:
    """Create a service point. Only a system admin, or a city admin for a region in their city."""
    unknown = set(details) - _OFFICE_DETAIL_FIELDS
    if unknown:
        raise TypeError(f"create_office() got unexpected fields: {sorted(unknown)}")
    office = Office(slug=slug, name=name.strip(), kind=kind, region=region, address=address.strip(), timezone=timezone)
    for key, value in details.items():
        setattr(office, key, value)
    require_office_admin(actor, office)
    if not office.name:
        raise DomainError(_("Enter the office's name."))
    if not slug:
        raise DomainError(_("Enter a short web name (slug) for the office, e.g. 'kecamatan-ciputat'."))
    if kind not in OfficeKind.values:
        raise DomainError(_("Choose the kind of office."))
    if timezone not in OfficeTimeZone.values:
        raise DomainError(_("Choose the office's time zone: WIB, WITA or WIT."))
    if office.active_from and office.active_until and office.active_until < office.active_from:
        raise DomainError(
            _("The office's last active date is before its first. Put the end date on or after the start date.")
        )
    # Checked first for the usual case; the unique index catches an office saved concurrently.
    if Office.objects.filter(slug=slug).exists():
        raise _slug_taken(slug)
    try:
        with transaction.atomic():
            office.save()
    except IntegrityError:
        raise _slug_taken(slug)
    record(actor=actor, action="offices.office.create", obj=office, to_state=office.name, office_id=office.pk)
    return office


@transaction.atomic
def add_counter(*, actor, office: Office, number: int, name: str = "") -> Counter:
    """Add a counter (loket) to ``office``; its number must be unique in the office."""
    require_office_admin(actor, office)
    if number is None or int(number) < 1:
        raise DomainError(_("A counter number must be 1 or more."))
    # As for an office's slug: checked first, and the unique index catches a concurrent insert.
    if Counter.objects.filter(office=office, number=number).exists():
        raise _number_taken(number)
    try:
        with transaction.atomic():
            counter = Counter.objects.create(office=office, number=number, name=name.strip())
    except IntegrityError:
        raise _number_taken(number)
    record(actor=actor, action="offices.counter.add", obj=counter, to_state=str(counter), office_id=office.pk)
    return counter
