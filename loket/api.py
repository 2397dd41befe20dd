"""The JSON API (django-ninja), OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from loket.accounts import services as accounts
from loket.accounts.access import MSG_BAD_CREDENTIALS, MSG_BAD_TOKEN, MSG_INVALID_INPUT, MSG_LOCKED, BearerAuth
from loket.accounts.selectors import looks_like_nik, normalize_nik
from loket.catalog.api import router as catalog_router
from loket.core.errors import DomainError, NotAllowed
from loket.offices.api import router as offices_router
from loket.queueing.api import availability_router, tickets_router

api = NinjaAPI(title="Loket API", version="1", urls_namespace="api")
api.add_router("/services", catalog_router)
api.add_router("/offices", offices_router)
api.add_router("/offices", availability_router)
api.add_router("/tickets", tickets_router)

auth_router = Router(tags=["auth"])

# Operations anyone may call without logging in (all read-only GETs), as (method, path) pairs
# relative to /api/v1. The URL walk test checks that every other operation requires auth.
# POST /auth/token is the login itself: it is the one exception, checked in tests/test_url_access.py.
PUBLIC_API_OPERATIONS = frozenset(
    {
        ("GET", "/services"),
        ("GET", "/services/{slug}"),
        ("GET", "/offices"),
        ("GET", "/offices/{slug}"),
        ("GET", "/offices/{slug}/services/{service_slug}/availability"),
        ("GET", "/offices/{slug}/services/{service_slug}/earliest"),
    }
)
LOGIN_API_OPERATIONS = frozenset({("POST", "/auth/token")})


class TokenIn(Schema):
    nik: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: str


class ErrorOut(Schema):
    detail: str


@auth_router.post(
    "/token", response={201: TokenOut, 401: ErrorOut, 429: ErrorOut}, auth=None, summary="Log in: get a token"
)
def issue_token(request: HttpRequest, payload: TokenIn):
    username = normalize_nik(payload.nik) if looks_like_nik(payload.nik) else payload.nik.strip()
    # authenticate() goes through django-axes, which counts failures and locks like the web login.
    user = authenticate(request, username=username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Answer in JSON ourselves; the axes middleware would otherwise replace it with its HTML page.
        request.axes_locked_out = False
        return Status(429, {"detail": str(MSG_LOCKED)})
    if user is None or not user.is_active or not user.is_citizen:
        return Status(401, {"detail": str(MSG_BAD_CREDENTIALS)})
    token, key = accounts.issue_token(actor=user, name=payload.name)
    return Status(201, {"token": key, "expires_at": token.expires_at.isoformat()})


@auth_router.delete("/token", response={204: None}, auth=BearerAuth(), summary="Log out: revoke this token")
def revoke_token(request: HttpRequest):
    accounts.revoke_token(actor=request.user, token=request.api_token)
    return Status(204, None)


api.add_router("/auth", auth_router)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": str(MSG_BAD_TOKEN)}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return api.create_response(request, {"detail": str(MSG_INVALID_INPUT), "errors": exc.errors}, status=400)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return api.create_response(request, {"detail": str(exc.message)}, status=exc.status_code)


@api.exception_handler(DomainError)
def _domain_error(request, exc):
    status = 403 if isinstance(exc, NotAllowed) else 400
    return api.create_response(request, {"detail": str(exc.message), "code": exc.code}, status=status)
