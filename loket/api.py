"""The JSON API (django-ninja), OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja import NinjaAPI

from loket.catalog.api import router as catalog_router
from loket.offices.api import router as offices_router

api = NinjaAPI(title="Loket API", version="1", urls_namespace="api")
api.add_router("/services", catalog_router)
api.add_router("/offices", offices_router)

# Operations anyone may call without logging in (all read-only GETs), as (method, path) pairs
# relative to /api/v1. The URL walk test checks that every other operation requires auth.
PUBLIC_API_OPERATIONS = frozenset(
    {
        ("GET", "/services"),
        ("GET", "/services/{slug}"),
        ("GET", "/offices"),
        ("GET", "/offices/{slug}"),
    }
)
