"""Read-only questions about accounts and roles. Every list is scoped to what the actor may see."""

import re

from django.db.models import Q, QuerySet

from loket.accounts.models import OfficerRole, Role, User, UserKind
from loket.offices.models import Office

# Roles each administrator may hand out (at an office they administer).
BASIC_ROLES = (Role.PETUGAS_LOKET, Role.VERIFIKATOR, Role.PENANDATANGAN, Role.KIOSK)
CITY_GRANTABLE = (*BASIC_ROLES, Role.OFFICE_ADMIN)
SYSTEM_GRANTABLE = tuple(Role)

_NIK_SEPARATORS = re.compile(r"[\s.\-]")


def normalize_nik(raw: str) -> str:
    """Strip the spaces, dots and dashes people type inside a NIK (``3674 0412 ...``, ``3674.04...``)."""
    return _NIK_SEPARATORS.sub("", raw or "")


def looks_like_nik(raw: str) -> bool:
    digits = normalize_nik(raw)
    return len(digits) == 16 and digits.isdigit()


def region_covers(region_code: str, office_region_code: str) -> bool:
    """True when ``office_region_code`` is ``region_code`` itself or lies inside it."""
    return office_region_code == region_code or office_region_code.startswith(region_code + ".")


def roles_for(user) -> QuerySet[OfficerRole]:
    """The user's active roles, for display (offices and regions loaded)."""
    if not getattr(user, "pk", None) or not user.is_active or user.kind != UserKind.OFFICER:
        return OfficerRole.objects.none()
    return (
        OfficerRole.objects.filter(user=user, is_active=True)
        .select_related("office__region", "region")
        .order_by("role", "office__name")
    )


def _manageable_office_filter(actor) -> Q | None:
    """A Q over Office for the offices ``actor`` administers; None for none at all."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active or actor.kind != UserKind.OFFICER:
        return None
    condition = None
    for r in actor.active_roles():
        if r.role == Role.SYSTEM_ADMIN:
            return Q()
        if r.role == Role.CITY_ADMIN:
            part = Q(region_id=r.region_id) | Q(region__code__startswith=r.region_id + ".")
        elif r.role == Role.OFFICE_ADMIN:
            part = Q(pk=r.office_id)
        else:
            continue
        condition = part if condition is None else condition | part
    return condition


def manageable_offices_for(actor) -> QuerySet[Office]:
    """Offices ``actor`` administers: all for a system admin, their kabupaten/kota's for a city
    admin, their own for an office admin; none for anyone else."""
    condition = _manageable_office_filter(actor)
    if condition is None:
        return Office.objects.none()
    return Office.objects.filter(condition).select_related("region").order_by("region_id", "name")


def officers_for(actor) -> QuerySet[User]:
    """Officers holding (or having held) a role at an office ``actor`` manages."""
    condition = _manageable_office_filter(actor)
    if condition is None:
        return User.objects.none()
    office_ids = Office.objects.filter(condition).values("pk")
    return (
        User.objects.filter(kind=UserKind.OFFICER, roles__office_id__in=office_ids)
        .distinct()
        .order_by("full_name", "username")
    )


def roles_at_offices_for(actor, office: Office | None = None) -> QuerySet[OfficerRole]:
    """Active office-scoped roles at the offices ``actor`` manages (optionally one office)."""
    offices = manageable_offices_for(actor)
    if office is not None:
        offices = offices.filter(pk=office.pk)
    return (
        OfficerRole.objects.filter(office__in=offices, is_active=True)
        .select_related("user", "office")
        .order_by("office__name", "user__full_name", "role")
    )


def grantable_roles(actor, *, office: Office | None = None, region=None) -> tuple[str, ...]:
    """The roles ``actor`` may grant or revoke for ``office`` (or, for a city admin role, ``region``).

    - a system admin: every role, anywhere;
    - a city admin: petugas loket, verifikator, penandatangan and office admin at offices inside
      their kabupaten/kota; never city or system admin;
    - an office admin: petugas loket, verifikator and penandatangan at their own office only.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active or actor.kind != UserKind.OFFICER:
        return ()
    allowed: set[str] = set()
    for r in actor.active_roles():
        if r.role == Role.SYSTEM_ADMIN:
            return tuple(role.value for role in SYSTEM_GRANTABLE)
        if office is None:
            continue
        if r.role == Role.CITY_ADMIN and region_covers(r.region_id, office.region_id):
            allowed.update(CITY_GRANTABLE)
        elif r.role == Role.OFFICE_ADMIN and r.office_id == office.pk:
            allowed.update(BASIC_ROLES)
    return tuple(role.value for role in Role if role in allowed)


def user_by_login(login: str) -> User | None:
    """The user who logs in with ``login``: a NIK (spaces, dots, dashes allowed) or a username."""
    login = (login or "").strip()
    if not login:
        return None
    if looks_like_nik(login):
        user = User.objects.filter(nik=normalize_nik(login)).first()
        if user is not None:
            return user
    return User.objects.filter(username__iexact=login).first()


def officer_by_username(username: str) -> User | None:
    """An active officer account by its username (case-insensitive), for granting roles."""
    return User.objects.filter(kind=UserKind.OFFICER, is_active=True, username__iexact=(username or "").strip()).first()
