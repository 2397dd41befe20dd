"""Read-only questions about accounts and roles. Every list is scoped to what the actor may see."""

import datetime as dt
import hashlib

from django.db.models import QuerySet

from loket.accounts.models import ApiToken, OfficerRole, User, UserKind
from loket.core import policy
from loket.offices import selectors as office_selectors
from loket.offices.models import Office

# The NIK text helpers live with the region codes (loket.regions.nik); callers in other apps
# still import them from here.
from loket.regions.nik import looks_like_nik, normalize_nik


def roles_for(user) -> QuerySet[OfficerRole]:
    """The user's active roles, for display (offices and regions loaded)."""
    if not getattr(user, "pk", None) or not user.is_active or user.kind != UserKind.OFFICER:
        return OfficerRole.objects.none()
    return (
        OfficerRole.objects.filter(user=user, is_active=True)
        .select_related("office__region", "region")
        .order_by("role", "office__name")
    )


def manageable_offices_for(actor) -> QuerySet[Office]:
    """Offices ``actor`` administers: all for a system admin, their kabupaten/kota's for a city
    admin, their own for an office admin; none for anyone else (the offices app's question)."""
    return office_selectors.offices_for(actor)


def officers_for(actor) -> QuerySet[User]:
    """Officers holding (or having held) a role at an office ``actor`` manages."""
    office_ids = manageable_offices_for(actor).values("pk")
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


def managed_office(actor, office_id: int) -> Office | None:
    """The office ``office_id`` if ``actor`` administers it; None otherwise."""
    return manageable_offices_for(actor).filter(pk=office_id).first()


def managed_role(actor, officer_role_id: int) -> OfficerRole | None:
    """The active role ``officer_role_id`` if it is at an office ``actor`` manages; None otherwise."""
    return roles_at_offices_for(actor).filter(pk=officer_role_id).first()


# The officers page looks at this many of the actor's offices for the roles it offers, and lists
# this many roles: a system admin of a large city would otherwise load every office and role.
GRANT_FORM_OFFICES = 50
OFFICERS_PAGE_ROWS = 500


def office_roles_grantable_by(actor) -> list[str]:
    """The office roles ``actor`` may grant at one or more of the offices they administer."""
    return policy.office_roles_grantable_somewhere(actor, manageable_offices_for(actor)[:GRANT_FORM_OFFICES])


def officer_rows_for(actor, office: Office | None = None) -> list[tuple[OfficerRole, bool]]:
    """The roles of the officers page (of one office when given), each with whether ``actor`` may
    revoke it."""
    roles = roles_at_offices_for(actor, office)[:OFFICERS_PAGE_ROWS]
    return [(role, role.role in policy.grantable_roles(actor, office=role.office)) for role in roles]


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


# --- API tokens ---------------------------------------------------------------------------


def hash_token_key(key: str) -> str:
    """What a token is stored under: the SHA-256 of its key (the key itself is never stored)."""
    return hashlib.sha256(key.encode()).hexdigest()


def live_token(key: str, *, now: dt.datetime) -> ApiToken | None:
    """The token with this key if it may be used at ``now``: not revoked, not expired, its owner
    active; else None."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token_key(key)).first()
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    return token
