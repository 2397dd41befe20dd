"""The office a staff page is about, for the request's officer: 404 when there is no such office,
403 when the officer holds none of the roles there. Every app's staff pages share this one check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from loket.core import policy
from loket.offices.models import Office
from loket.offices.selectors import any_office_by_slug, office_by_slug


def office_for_request(request, slug: str, permission: policy.Permission, *, include_inactive: bool = False) -> Office:
    """``slug``'s office if ``request.user`` holds ``permission`` there (``policy.allows``). Admin
    pages pass ``include_inactive`` so an office that was closed down can still be managed."""
    office = any_office_by_slug(slug) if include_inactive else office_by_slug(slug)
    if office is None:
        raise Http404("office not found")
    if not policy.allows(request.user, permission, office):
        raise PermissionDenied
    return office
