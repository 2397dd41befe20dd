"""factory_boy factories for citizens, officers and their roles.

    CitizenFactory()                                # valid NIK in Kecamatan Ciputat (region rows created)
    CitizenFactory(perempuan=True)                  # a woman: birth day + 40 in the NIK
    OfficerFactory()                                # an officer without any role
    OfficerFactory(petugas=True, office=office)     # petugas loket at ``office`` (a new office if omitted)
    OfficerFactory(verifikator=True, office=office)
    OfficerFactory(kiosk=True, office=office)       # the kiosk device account of ``office``
    OfficerFactory(signer=True, office=office, signer_title="Lurah Sawah")
    OfficerFactory(office_admin=True, office=office)
    OfficerFactory(city_admin=True, region=kota)    # kota: a kabupaten/kota Region (Kota Tangerang Selatan if omitted)
    OfficerFactory(system_admin=True)
    OfficerRoleFactory(user=officer, role=Role.VERIFIKATOR, office=office)

Everyone's password is ``DEFAULT_PASSWORD``; its Argon2 hash is computed once per process so
factories stay fast.
"""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password

from loket.accounts.models import OfficerRole, User, UserKind
from loket.core.policy import Role
from loket.offices.factories import OfficeFactory, ensure_region

DEFAULT_PASSWORD = "Rahasia-Loket-2026"  # noqa: S105 - test data only
CITIZEN_KECAMATAN = "36.74.04"  # Ciputat, Kota Tangerang Selatan
DEFAULT_CITY = "36.74"  # Kota Tangerang Selatan


@functools.cache
def default_password_hash() -> str:
    return make_password(DEFAULT_PASSWORD)


def make_nik(n: int, *, kecamatan: str = CITIZEN_KECAMATAN, female: bool = False) -> str:
    """A valid NIK for the n-th test citizen: born on a real date in 1987, a non-zero serial."""
    day = 1 + (n // 9999) % 28
    serial = 1 + n % 9999
    return f"{kecamatan.replace('.', '')}{day + (40 if female else 0):02d}1187{serial:04d}"


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        kecamatan = CITIZEN_KECAMATAN
        perempuan = False
        password_raw = None

    kind = UserKind.CITIZEN
    nik = factory.LazyAttributeSequence(
        lambda o, n: ensure_region(o.kecamatan) and make_nik(n, kecamatan=o.kecamatan, female=o.perempuan)
    )
    username = factory.SelfAttribute("nik")
    full_name = factory.Faker("name", locale="id_ID")
    phone = factory.Sequence(lambda n: f"+62812{n % 100000000:08d}")
    email = ""
    password = factory.LazyAttribute(
        lambda o: make_password(o.password_raw) if o.password_raw else default_password_hash()
    )


def _office_for(resolver):
    parent = resolver.factory_parent
    return parent.office if parent.office is not None else OfficeFactory()


def _city_for(resolver):
    parent = resolver.factory_parent
    return parent.region if parent.region is not None else ensure_region(DEFAULT_CITY)


def _role(role: str, **fields):
    return factory.RelatedFactory(
        "loket.accounts.factories.OfficerRoleFactory", factory_related_name="user", role=role, **fields
    )


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        office = None
        region = None
        signer_title = "Lurah"
        password_raw = None
        petugas = factory.Trait(petugas_role=_role(Role.PETUGAS_LOKET, office=factory.LazyAttribute(_office_for)))
        kiosk = factory.Trait(kiosk_role=_role(Role.KIOSK, office=factory.LazyAttribute(_office_for)))
        verifikator = factory.Trait(verifikator_role=_role(Role.VERIFIKATOR, office=factory.LazyAttribute(_office_for)))
        signer = factory.Trait(
            signer_role=_role(
                Role.PENANDATANGAN,
                office=factory.LazyAttribute(_office_for),
                title=factory.SelfAttribute("..signer_title"),
            )
        )
        office_admin = factory.Trait(
            office_admin_role=_role(Role.OFFICE_ADMIN, office=factory.LazyAttribute(_office_for))
        )
        city_admin = factory.Trait(
            city_admin_role=_role(Role.CITY_ADMIN, office=None, region=factory.LazyAttribute(_city_for))
        )
        system_admin = factory.Trait(system_admin_role=_role(Role.SYSTEM_ADMIN, office=None, region=None))

    kind = UserKind.OFFICER
    username = factory.Sequence(lambda n: f"petugas{n}")
    full_name = factory.Faker("name", locale="id_ID")
    nip = ""
    phone = ""
    email = ""
    password = factory.LazyAttribute(
        lambda o: make_password(o.password_raw) if o.password_raw else default_password_hash()
    )


class OfficerRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficerRole

    user = factory.SubFactory(OfficerFactory)
    role = Role.PETUGAS_LOKET
    office = factory.SubFactory(OfficeFactory)
    region = None
    title = ""
    is_active = True
