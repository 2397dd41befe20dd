"""Project-level pages: the home page and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loket.core.access import public
from loket.offices.directory import cities_with_offices


@public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"cities": cities_with_offices()})


@public
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
