"""Every route needs login and the right role unless it is on the explicit public list.

GOV.UK Notify style: walk every URL pattern of ``loket.urls`` (app includes too) and prove
that each view carries the rule of one ``loket.core.access`` decorator, that the views marked
public are exactly the ones listed below, and that the rule is enforced for real requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from loket.accounts.models import OfficerRole, User, UserKind
from loket.api import LOGIN_API_OPERATIONS, PUBLIC_API_OPERATIONS
from loket.catalog.factories import ServiceFactory
from loket.core import access, policy
from loket.core.policy import Role
from loket.offices.models import Office, OfficeKind
from loket.regions.models import Region

# Adding a name here makes a page visible to anyone on the internet: review it.
PUBLIC_URL_NAMES = {
    "home",
    "healthz",
    "catalog:list",
    "catalog:detail",
    "offices:list",
    "offices:region",
    "offices:detail",
    "accounts:login",
    "accounts:logout",
    "accounts:register",
    # the waiting room: display board, live queue status, a ticket's status behind its QR token
    "queueing:board",
    "queueing:board_data",
    "queueing:office_status",
    "queueing:ticket_status",
    # anyone checks a signed document: the page its QR code opens, and the PDF upload
    "signing:verify",
    "signing:verify_upload",
    # log in with a code sent to a verified phone (the same answer whether or not the NIK/number
    # exists; limited per phone and per client address: loket/notifications/otp.py, throttle.py)
    "notifications:login_code",
    # SMS/WhatsApp gateways report delivery here (no account; each channel checks its own signature)
    "notifications:receipts",
}

# Public JSON API operations (GET only) are listed beside the API, in loket/api.py; every
# other API operation must require authentication.

# Routes outside the walk: the Django admin guards itself (tested below), set_language is
# Django's own POST endpoint, and the ninja API is checked operation by operation below.
EXCLUDED_NAMESPACES = {"admin", "api"}
EXCLUDED_NAMES = {"set_language"}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    pattern: URLPattern

    @property
    def rule(self):
        return getattr(self.pattern.callback, "loket_access", None)

    def __str__(self) -> str:
        return f"{self.name} ({self.route})"


def _walk(patterns, prefix: str = "", namespace: str = "", inside_excluded: bool = False):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            excluded = inside_excluded or (p.namespace in EXCLUDED_NAMESPACES)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns, excluded)
        elif isinstance(p, URLPattern):
            if inside_excluded:
                continue
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            if name in EXCLUDED_NAMES:
                continue
            yield Route(name=name, route=prefix + str(p.pattern), pattern=p)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


ROUTES = all_routes()


def test_the_walk_finds_the_pages_of_every_app():
    names = {r.name for r in ROUTES}
    assert {"home", "catalog:list", "offices:list", "offices:detail", "accounts:login"} <= names


def test_every_route_has_a_name():
    assert [str(r) for r in ROUTES if not r.name] == []


def test_every_view_is_wrapped_in_an_access_decorator():
    unguarded = [str(r) for r in ROUTES if r.rule is None]
    assert unguarded == [], "views without a loket.core.access decorator"


def test_public_views_are_exactly_the_allowlist():
    marked_public = {r.name for r in ROUTES if r.rule == access.PUBLIC}
    assert marked_public == PUBLIC_URL_NAMES


# --- real requests ---------------------------------------------------------------------


@pytest.fixture
def sample_objects(db):
    prov = Region.objects.create(code="36", name="Banten", level=1)
    kota = Region.objects.create(code="36.74", name="Kota Tangerang Selatan", level=2, parent=prov)
    kec = Region.objects.create(code="36.74.04", name="Ciputat", level=3, parent=kota)
    kel = Region.objects.create(code="36.74.04.1004", name="Sawah", level=4, parent=kec)
    office = Office.objects.create(
        slug="kelurahan-sawah",
        name="Kantor Kelurahan Sawah",
        kind=OfficeKind.KELURAHAN,
        region=kel,
        address="Jl. Sawah",
    )
    service = ServiceFactory(slug="surat-pengantar-demo", office_kinds=[OfficeKind.KELURAHAN])
    return {"office": office, "region": kel, "service": service}


def _candidates(param: str, objects) -> list[str]:
    office, region = objects["office"], objects["region"]
    by_name = {
        "slug": office.slug,
        "code": region.code,
        "region": region.code,
        "pk": str(office.pk),
        "id": str(office.pk),
    }
    values = [by_name.get(param), str(office.pk), office.slug, region.code, region.code[:5], "1"]
    return [v for v in values if v]


def sample_kwargs(route: Route, objects) -> dict[str, str]:
    kwargs = {}
    converters = getattr(route.pattern.pattern, "converters", {})
    for param, converter in converters.items():
        for value in _candidates(param, objects):
            if re.fullmatch(converter.regex, value):
                kwargs[param] = value
                break
        else:
            raise AssertionError(f"no sample value for <{param}> in {route}")
    regex_groups = re.compile(str(route.pattern.pattern)).groupindex if not converters else {}
    for param in regex_groups:
        kwargs[param] = _candidates(param, objects)[0]
    return kwargs


def sample_url(route: Route, objects) -> str:
    return reverse(route.name, kwargs=sample_kwargs(route, objects))


def _user(username: str, kind: str, **fields) -> User:
    if kind == UserKind.CITIZEN:
        fields.setdefault("nik", username)
    return User.objects.create_user(username=username, password=None, kind=kind, full_name=username, **fields)


@pytest.fixture
def citizen(db):
    return _user("3674045708900001", UserKind.CITIZEN)


def _officer_with(role: str | None, office: Office) -> User:
    username = f"officer-{role or 'none'}"
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    user = _user(username, UserKind.OFFICER)
    if role in (Role.CITY_ADMIN,):
        OfficerRole.objects.create(user=user, role=role, region=office.region.parent.parent)
    elif role == Role.SYSTEM_ADMIN:
        OfficerRole.objects.create(user=user, role=role)
    elif role:
        OfficerRole.objects.create(user=user, role=role, office=office)
    return user


NON_PUBLIC = [r for r in ROUTES if r.rule not in (None, access.PUBLIC)]


def _ids(routes):
    return [r.name for r in routes]


def test_there_are_guarded_routes_to_check():
    # The parametrised tests below must not silently check nothing.
    assert NON_PUBLIC, "no guarded route found: the walk is broken"


@pytest.mark.parametrize("route", NON_PUBLIC, ids=_ids(NON_PUBLIC))
def test_anonymous_visitor_is_sent_to_the_login_page(client, sample_objects, route):
    url = sample_url(route, sample_objects)
    response = client.get(url)
    assert response.status_code == 302, f"{route}: {response.status_code}"
    login = resolve_url(settings.LOGIN_URL)
    assert response["Location"].startswith(login + "?next="), f"{route} -> {response['Location']}"


def _status(client, user, url) -> int:
    client.force_login(user)
    response = client.get(url)
    client.logout()
    if response.status_code == 302:
        assert not response["Location"].startswith(resolve_url(settings.LOGIN_URL)), "logged in, yet sent to login"
    return response.status_code


@pytest.mark.parametrize("route", NON_PUBLIC, ids=_ids(NON_PUBLIC))
def test_only_the_right_kind_of_user_gets_in(client, sample_objects, route, citizen):
    """Citizen pages refuse officers; officer pages refuse citizens and officers without a role;
    role pages refuse citizens and officers without the role, and let in one who holds it."""
    url = sample_url(route, sample_objects)
    office = sample_objects["office"]
    rule = route.rule
    if rule == access.AUTHENTICATED:
        assert _status(client, citizen, url) != 403
        assert _status(client, _officer_with(Role.PETUGAS_LOKET, office), url) != 403
    elif rule == access.CITIZEN:
        assert _status(client, _officer_with(Role.PETUGAS_LOKET, office), url) == 403
        assert _status(client, citizen, url) != 403
    elif rule == access.OFFICER:
        assert _status(client, citizen, url) == 403
        assert _status(client, _officer_with(None, office), url) == 403
        assert _status(client, _officer_with(Role.PETUGAS_LOKET, office), url) != 403
    else:
        assert isinstance(rule, tuple) and rule[0] == "permission", f"{route}: unknown rule {rule!r}"
        permission = rule[1]
        assert _status(client, citizen, url) == 403, f"{route}: citizen let in"
        outsiders = [r for r in Role.values if not _role_grants(r, permission)]
        outsider = _officer_with(outsiders[0] if outsiders else None, office)
        assert _status(client, outsider, url) == 403, f"{route}: officer with {outsiders[:1]} let in"
        insider_role = next(r for r in Role.values if _role_grants(r, permission))
        insider = _officer_with(insider_role, office)
        assert _status(client, insider, url) != 403, f"{route}: officer with {insider_role} refused"


def _role_grants(role: str, permission: policy.Permission) -> bool:
    """Whether an officer holding just ``role`` holds ``permission`` somewhere (the policy's rule)."""
    scope = policy.scope_of(role)
    if scope == "city":
        return permission.city_admin
    if scope == "system":
        return permission.system_admin
    return permission.granted_by(role)


def test_every_access_rule_is_one_the_tests_know():
    known = {access.PUBLIC, access.AUTHENTICATED, access.CITIZEN, access.OFFICER}
    unknown = [
        str(r) for r in ROUTES if r.rule not in known and not (isinstance(r.rule, tuple) and r.rule[0] == "permission")
    ]
    assert unknown == []


def test_admin_sends_anonymous_visitors_to_its_login(client, db):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- the JSON API ----------------------------------------------------------------------


def _api_operations():
    from loket.api import api

    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = "/" + "/".join(part.strip("/") for part in (prefix, path) if part.strip("/"))
                for method in operation.methods:
                    yield method, full, operation


def test_every_api_operation_is_a_public_get_or_requires_authentication():
    problems = []
    for method, path, operation in _api_operations():
        public = not operation.auth_callbacks
        if (method, path) in LOGIN_API_OPERATIONS:  # the login itself (throttled by django-axes)
            continue
        if public and (method != "GET" or (method, path) not in PUBLIC_API_OPERATIONS):
            problems.append(f"{method} {path} needs no authentication but is not on the public GET list")
    assert problems == []


def test_the_public_api_list_names_only_real_get_operations():
    real = {(m, p) for m, p, _op in _api_operations()}
    assert PUBLIC_API_OPERATIONS.issubset(real)
    assert all(method == "GET" for method, _path in PUBLIC_API_OPERATIONS)


def test_public_api_operations_answer_anonymous_visitors(client, sample_objects):
    for method, path in sorted(PUBLIC_API_OPERATIONS):
        slug = sample_objects["service" if path.startswith("/services") else "office"].slug
        url = "/api/v1" + path.replace("{slug}", slug).replace("{service_slug}", sample_objects["service"].slug)
        response = client.generic(method, url)
        assert response.status_code == 200, f"{method} {url}: {response.status_code}"
        assert response["Content-Type"].startswith("application/json")
