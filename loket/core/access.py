"""Who may open a view. Every view in Loket is wrapped in exactly one of these decorators.

Each decorator records its rule on the view as ``loket_access`` so that the URL walk in
``tests/test_url_access.py`` can prove that no route is left open by accident.

Permission checks ask the access policy (``loket.core.policy``); none of these lists roles.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.http import url_has_allowed_host_and_scheme

from loket.core import policy

PUBLIC = "public"
AUTHENTICATED = "authenticated"
CITIZEN = "citizen"
OFFICER = "officer"


def _mark(view: Callable, rule) -> Callable:
    view.loket_access = rule
    return view


def public(view: Callable) -> Callable:
    """Anyone, logged in or not."""
    return _mark(view, PUBLIC)


def _require(test: Callable, rule) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _mark(wrapper, rule)

    return decorator


def login_required(view: Callable) -> Callable:
    """Any logged-in user."""
    return _require(lambda user: True, AUTHENTICATED)(view)


def citizen_required(view: Callable) -> Callable:
    """A logged-in citizen."""
    return _require(lambda user: user.is_citizen, CITIZEN)(view)


def officer_required(view: Callable) -> Callable:
    """A logged-in officer with at least one active role; the view scopes by office itself."""
    return _require(lambda user: user.is_officer and bool(user.active_roles()), OFFICER)(view)


def permission_required(permission: policy.Permission) -> Callable[[Callable], Callable]:
    """A logged-in officer who holds ``permission`` somewhere; the view still scopes to offices
    (``loket.offices.access.office_for_request``)."""

    def check(user) -> bool:
        return user.is_officer and policy.allows_somewhere(user, permission)

    return _require(check, ("permission", permission))


def safe_next_url(request, default: str) -> str:
    """The ``next`` address a form or link carries, when it stays on this site (no open redirect to
    another host, nor from https to http); ``default`` otherwise."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
