"""The office a staff page is about, for the request's officer: 404 when there is no such office,
403 when the officer holds none of the roles there. Every app's staff pages share this one check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from loket.offices.models import Office
from loket.offices.selectors import office_by_slug


def office_for_request(request, slug: str, roles, *, include_inactive: bool = False) -> Office:
    """``slug``'s office if ``request.user`` holds one of ``roles`` there (``has_office_role``: a
    city admin of its city and a system admin count as its office admin). Admin pages pass
    ``include_inactive`` so an office that was closed down can still be managed."""
    if include_inactive:
        office = Office.objects.select_related("region").filter(slug=slug).first()
    else:
        office = office_by_slug(slug)
    if office is None:
        raise Http404("office not found")
    if not request.user.has_office_role(office, roles):
        raise PermissionDenied
    return office
