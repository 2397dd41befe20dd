"""The JSON API (django-ninja), OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="Loket API", version="1", urls_namespace="api")
