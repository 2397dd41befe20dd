"""Public pages of the catalogue: the list of services and one page per service standard."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loket.catalog import selectors
from loket.core.access import public


@public
@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/list.html", {"groups": selectors.services_by_category()})


@public
@require_GET
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = selectors.service_by_slug(slug)
    if service is None:
        raise Http404("service not found")
    return render(
        request,
        "catalog/detail.html",
        {
            "service": service,
            "requirements": selectors.requirements_of(service),
            "prerequisites": selectors.prerequisites_of(service),
            "required_by": selectors.required_by(service),
            "cities": selectors.offices_offering(service),
        },
    )
