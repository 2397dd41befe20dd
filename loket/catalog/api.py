"""Public read API of the catalogue: GET /api/v1/services and /api/v1/services/{slug}."""

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from loket.catalog import selectors

router = Router(tags=["services"])


class RequirementOut(Schema):
    name: str
    description: str
    needs_upload: bool
    is_mandatory: bool


class PrerequisiteOut(Schema):
    slug: str
    name: str
    at_office_kind: str


class ServiceSummaryOut(Schema):
    slug: str
    code: str
    name: str
    category: str
    summary: str
    is_adminduk: bool
    fee: int
    is_free: bool
    completion_days: int
    office_kinds: list[str]


class OfficeRefOut(Schema):
    slug: str
    name: str
    kind: str
    region_code: str
    kabkota_code: str
    kabkota_name: str


class ServiceOut(ServiceSummaryOut):
    product: str
    procedure: str
    legal_basis: str
    complaint_channel: str
    signer_role: str
    allows_online_request: bool
    allows_queue_booking: bool
    requirements: list[RequirementOut]
    prerequisites: list[PrerequisiteOut]
    offices: list[OfficeRefOut]


def _summary(service) -> dict:
    return {
        "slug": service.slug,
        "code": service.code,
        "name": service.name,
        "category": service.category,
        "summary": service.summary,
        "is_adminduk": service.is_adminduk,
        "fee": service.fee,
        "is_free": service.is_free,
        "completion_days": service.completion_days,
        "office_kinds": list(service.office_kinds),
    }


@router.get("", response=list[ServiceSummaryOut], auth=None, summary="Active services")
def list_services(request: HttpRequest):
    return [_summary(s) for s in selectors.active_services()]


@router.get("/{slug}", response=ServiceOut, auth=None, summary="One service with its published standard")
def get_service(request: HttpRequest, slug: str):
    service = selectors.service_by_slug(slug)
    if service is None:
        raise Http404("service not found")
    offices = [
        {
            "slug": o.slug,
            "name": o.name,
            "kind": o.kind,
            "region_code": o.region_id,
            "kabkota_code": city.region.code,
            "kabkota_name": city.region.name,
        }
        for city in selectors.offices_offering(service)
        for o in city.offices
    ]
    return {
        **_summary(service),
        "product": service.product,
        "procedure": service.procedure,
        "legal_basis": service.legal_basis,
        "complaint_channel": service.complaint_channel,
        "signer_role": service.signer_role,
        "allows_online_request": service.allows_online_request,
        "allows_queue_booking": service.allows_queue_booking,
        "requirements": [
            {
                "name": r.name,
                "description": r.description,
                "needs_upload": r.needs_upload,
                "is_mandatory": r.is_mandatory,
            }
            for r in selectors.requirements_of(service)
        ],
        "prerequisites": [
            {"slug": p.required_service.slug, "name": p.required_service.name, "at_office_kind": p.at_office_kind}
            for p in selectors.prerequisites_of(service)
        ],
        "offices": offices,
    }
