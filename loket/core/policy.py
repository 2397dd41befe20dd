"""The access policy: the one module that names the roles and says which roles may do what.

Views, services and selectors never list roles themselves; they ask this module with a named
permission (``policy.allows(user, policy.SIGN, office)``). A new role, or a new thing a role may
do, is one change here (and a migration for ``OfficerRole.role``'s choices). A test walks the
product's syntax tree and fails when any other module spells out role names.

The rules:

- An officer holds roles (``OfficerRole`` rows of the accounts app): office roles at one office,
  a city admin role for one kabupaten/kota, a system admin role everywhere. A role that is
  revoked, at an office that was closed down, or of an inactive account grants nothing.
- A permission names the office roles that grant it at their office, and whether a city admin
  (at the offices of their kabupaten/kota) and a system admin (everywhere) hold it as well. The
  admins count as an office's *admin*, never as its petugas, verifikator or signer: they may
  change an office's settings but not call a ticket in a petugas's name or sign for the lurah.

This module works on the user object it is given (``user.active_roles()``, each with ``role``,
``office_id`` and ``region_id``), so every app may use it without importing accounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Every role an officer can hold; the values are stored in ``OfficerRole.role``."""

    PETUGAS_LOKET = "petugas_loket", _("Counter officer (petugas loket)")
    VERIFIKATOR = "verifikator", _("Verifier (verifikator)")
    PENANDATANGAN = "penandatangan", _("Signer (penandatangan)")
    # A device account: the touch-screen kiosk of an office that hands out walk-in tickets.
    KIOSK = "kiosk", _("Queue kiosk (device)")
    OFFICE_ADMIN = "office_admin", _("Office admin")
    CITY_ADMIN = "city_admin", _("City admin")
    SYSTEM_ADMIN = "system_admin", _("System admin")


# Where a role applies: at one office, for one kabupaten/kota, or everywhere.
OFFICE_ROLES = frozenset({Role.PETUGAS_LOKET, Role.VERIFIKATOR, Role.PENANDATANGAN, Role.KIOSK, Role.OFFICE_ADMIN})
CITY_ROLES = frozenset({Role.CITY_ADMIN})
SYSTEM_ROLES = frozenset({Role.SYSTEM_ADMIN})

# The office roles that an office admin hands out at their own office; a city admin also makes
# office admins in their kabupaten/kota; only a system admin makes city and system admins.
_GRANTED_BY_OFFICE_ADMIN = frozenset({Role.PETUGAS_LOKET, Role.VERIFIKATOR, Role.PENANDATANGAN, Role.KIOSK})
_GRANTED_BY_CITY_ADMIN = _GRANTED_BY_OFFICE_ADMIN | {Role.OFFICE_ADMIN}


@dataclass(frozen=True)
class Permission:
    """A thing officers may do, and who may do it (see the module docstring)."""

    name: str
    office_roles: frozenset[str] = frozenset()
    city_admin: bool = False
    system_admin: bool = False

    def granted_by(self, role: str) -> bool:
        """Whether holding ``role`` at an office grants this permission there."""
        return role in self.office_roles

    def __str__(self) -> str:
        return self.name


def _permission(name: str, *office_roles: Role, admins: bool) -> Permission:
    return Permission(name, frozenset(office_roles), city_admin=admins, system_admin=admins)


# --- the permissions ----------------------------------------------------------------------

# Change an office: its hours, counters, queues and quotas, letterhead and letter templates, staff.
MANAGE_OFFICE = _permission("manage_office", Role.OFFICE_ADMIN, admins=True)
# Work a counter: open it, call, recall, serve, skip, transfer and finish tickets.
CALL_TICKETS = _permission("call_tickets", Role.PETUGAS_LOKET, Role.OFFICE_ADMIN, admins=True)
# Hand out walk-in tickets and print them (the kiosk device, and the staff beside it).
HAND_OUT_TICKETS = _permission("hand_out_tickets", Role.KIOSK, Role.PETUGAS_LOKET, Role.OFFICE_ADMIN, admins=True)
# See the tickets of an office: anyone who works there (a city admin is not staff of each office).
SEE_TICKETS = Permission("see_tickets", OFFICE_ROLES, system_admin=True)
# Work on requests (permohonan): verify, return, reject, process, send for signature, hand over.
HANDLE_REQUESTS = _permission("handle_requests", Role.VERIFIKATOR, Role.PETUGAS_LOKET, Role.OFFICE_ADMIN, admins=True)
# See requests and a citizen's documents: the staff who handle them and the official who signs.
SEE_REQUESTS = _permission(
    "see_requests", Role.VERIFIKATOR, Role.PETUGAS_LOKET, Role.OFFICE_ADMIN, Role.PENANDATANGAN, admins=True
)
# Issue a numbered letter of the office (and see the office's signing documents).
ISSUE_LETTERS = _permission(
    "issue_letters", Role.VERIFIKATOR, Role.PETUGAS_LOKET, Role.OFFICE_ADMIN, Role.PENANDATANGAN, admins=True
)
# Sign documents electronically with one's own key and PIN: only the official, never an admin.
SIGN = _permission("sign", Role.PENANDATANGAN, admins=False)
# Keep the holiday list and the local closures of a kabupaten/kota, and its city-wide rules.
MANAGE_CITY = Permission("manage_city", city_admin=True, system_admin=True)
# The whole deployment: the service catalogue, message templates, the signing CA, passwords.
MANAGE_SYSTEM = Permission("manage_system", system_admin=True)

PERMISSIONS = (
    MANAGE_OFFICE,
    CALL_TICKETS,
    HAND_OUT_TICKETS,
    SEE_TICKETS,
    HANDLE_REQUESTS,
    SEE_REQUESTS,
    ISSUE_LETTERS,
    SIGN,
    MANAGE_CITY,
    MANAGE_SYSTEM,
)


# --- asking -------------------------------------------------------------------------------


def region_covers(region_code: str, other_code: str | None) -> bool:
    """``other_code`` is ``region_code`` or lies inside it (``32.75`` covers ``32.75.01``, not ``32.751``)."""
    return other_code is not None and (other_code == region_code or other_code.startswith(region_code + "."))


def _grants(user) -> list:
    """The user's active role rows (none for an anonymous visitor, a citizen or an inactive account)."""
    if user is None or not getattr(user, "is_authenticated", False) or not hasattr(user, "active_roles"):
        return []
    return list(user.active_roles())


def allows(user, permission: Permission, office) -> bool:
    """May ``user`` do ``permission`` at ``office``?"""
    for grant in _grants(user):
        if grant.role == Role.SYSTEM_ADMIN and permission.system_admin:
            return True
        if grant.role == Role.CITY_ADMIN and permission.city_admin and region_covers(grant.region_id, office.region_id):
            return True
        if grant.office_id == office.pk and permission.granted_by(grant.role):
            return True
    return False


def allows_somewhere(user, permission: Permission) -> bool:
    """May ``user`` do ``permission`` at some office (to show a menu entry or open a list page)?"""
    for grant in _grants(user):
        if grant.role == Role.SYSTEM_ADMIN and permission.system_admin:
            return True
        if grant.role == Role.CITY_ADMIN and permission.city_admin:
            return True
        if grant.office_id and permission.granted_by(grant.role):
            return True
    return False


def allows_in_region(user, permission: Permission, region_code: str | None) -> bool:
    """May ``user`` do the city-wide ``permission`` for the region ``region_code`` (a city admin of
    the kabupaten/kota that covers it, or a system admin)?"""
    for grant in _grants(user):
        if grant.role == Role.SYSTEM_ADMIN and permission.system_admin:
            return True
        if grant.role == Role.CITY_ADMIN and permission.city_admin and region_covers(grant.region_id, region_code):
            return True
    return False


def manages_system(user) -> bool:
    """A system admin (or an active Django superuser, who configures the deployment in the admin)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or allows_somewhere(user, MANAGE_SYSTEM)


@dataclass(frozen=True)
class OfficeScope:
    """The offices where a user holds a permission, as a filter: every office, some offices by
    id, and every office inside some kabupaten/kota codes."""

    everywhere: bool = False
    office_ids: frozenset[int] = frozenset()
    region_codes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.everywhere or self.office_ids or self.region_codes)

    def office_q(self, prefix: str = "") -> Q | None:
        """A ``Q`` over offices (``prefix="office__"`` over rows that belong to an office); None
        when the scope is empty, so that the caller returns ``.none()``."""
        if self.everywhere:
            return Q()
        if self.is_empty:
            return None
        q = Q(**{f"{prefix}pk__in": sorted(self.office_ids)})
        for code in self.region_codes:
            q |= Q(**{f"{prefix}region_id": code}) | Q(**{f"{prefix}region__code__startswith": code + "."})
        return q


def office_scope(user, permission: Permission) -> OfficeScope:
    """Where ``user`` holds ``permission``, for selectors that list an office's rows."""
    office_ids: set[int] = set()
    region_codes: list[str] = []
    for grant in _grants(user):
        if grant.role == Role.SYSTEM_ADMIN and permission.system_admin:
            return OfficeScope(everywhere=True)
        if grant.role == Role.CITY_ADMIN and permission.city_admin and grant.region_id:
            region_codes.append(grant.region_id)
        elif grant.office_id and permission.granted_by(grant.role):
            office_ids.add(grant.office_id)
    return OfficeScope(office_ids=frozenset(office_ids), region_codes=tuple(sorted(set(region_codes))))


def holds(user, role: str, office=None) -> bool:
    """Whether ``user`` holds exactly ``role`` (at ``office`` when given). For checks about the role
    itself, such as "is this person one of the office's signers"; ask ``allows`` for a permission."""
    return any(g.role == role and (office is None or g.office_id == office.pk) for g in _grants(user))


# --- granting roles -----------------------------------------------------------------------


def scope_of(role: str) -> str:
    """Where ``role`` applies: ``"office"``, ``"city"`` or ``"system"`` ("" for an unknown role)."""
    if role in OFFICE_ROLES:
        return "office"
    if role in CITY_ROLES:
        return "city"
    if role in SYSTEM_ROLES:
        return "system"
    return ""


def grantable_roles(user, *, office=None) -> tuple[str, ...]:
    """The roles ``user`` may grant or revoke at ``office`` (None: city and system roles).

    - a system admin: every role, anywhere;
    - a city admin: petugas loket, verifikator, penandatangan, kiosk and office admin at offices
      inside their kabupaten/kota; never city or system admin;
    - an office admin: petugas loket, verifikator, penandatangan and kiosk at their own office.
    """
    allowed: set[str] = set()
    for grant in _grants(user):
        if grant.role == Role.SYSTEM_ADMIN:
            return tuple(Role.values)
        if office is None:
            continue
        if grant.role == Role.CITY_ADMIN and region_covers(grant.region_id, office.region_id):
            allowed |= _GRANTED_BY_CITY_ADMIN
        elif grant.role == Role.OFFICE_ADMIN and grant.office_id == office.pk:
            allowed |= _GRANTED_BY_OFFICE_ADMIN
    return tuple(role for role in Role.values if role in allowed)


def office_roles_grantable_somewhere(user, offices: Iterable) -> list[str]:
    """The office roles ``user`` may grant at one or more of ``offices`` (for a form's choices)."""
    found: set[str] = set()
    for office in offices:
        found.update(grantable_roles(user, office=office))
    return [role for role in Role.values if role in found and role in OFFICE_ROLES]
