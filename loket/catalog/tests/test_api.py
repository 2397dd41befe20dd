"""The public read API: services and offices, with status and week schedule, and its OpenAPI schema."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from loket.catalog.services import load_catalog
from loket.core import clock
from loket.offices.factories import OfficeFactory
from loket.offices.models import OfficeKind

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")


def test_openapi_schema_loads_and_lists_the_public_operations(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/services", "/services/{slug}", "/offices", "/offices/{slug}"):
        assert "get" in paths["/api/v1" + path]
        assert not paths["/api/v1" + path]["get"].get("security")  # public: no authentication


def test_services_list_and_detail(client):
    load_catalog()
    OfficeFactory(name="Kecamatan Ciputat", region_code="36.74.04")
    services = client.get("/api/v1/services").json()
    assert len(services) == 12
    akta = next(s for s in services if s["slug"] == "akta-kelahiran")
    assert akta["is_adminduk"] is True and akta["fee"] == 0 and akta["is_free"] is True

    detail = client.get("/api/v1/services/surat-keterangan-ahli-waris").json()
    assert detail["completion_days"] == 3
    assert detail["prerequisites"] == [
        {"slug": "surat-pengantar-kelurahan", "name": "Surat pengantar kelurahan/desa", "at_office_kind": "kelurahan"}
    ]
    assert any(r["needs_upload"] for r in detail["requirements"])
    assert [o["name"] for o in detail["offices"]] == ["Kecamatan Ciputat"]
    assert detail["offices"][0]["kabkota_name"] == "Kota Tangerang Selatan"
    assert client.get("/api/v1/services/tidak-ada").status_code == 404


def test_offices_list_filters_by_region(client):
    OfficeFactory(name="Kecamatan Ciputat", region_code="36.74.04")
    OfficeFactory(name="Kecamatan Bekasi Timur", region_code="32.75.01")
    OfficeFactory(name="Kecamatan nonaktif", region_code="36.74.04", is_active=False)
    everything = client.get("/api/v1/offices").json()
    assert {o["name"] for o in everything} == {"Kecamatan Ciputat", "Kecamatan Bekasi Timur"}
    tangsel = client.get("/api/v1/offices", {"region": "36.74"}).json()
    assert [o["name"] for o in tangsel] == ["Kecamatan Ciputat"]
    assert tangsel[0]["timezone_label"] == "WIB"


def test_office_detail_has_status_next_opening_and_week(client, monkeypatch):
    OfficeFactory(slug="kecamatan-ciputat", kind=OfficeKind.KECAMATAN, with_weekday_hours=True)
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 11, 28, 10, 0, tzinfo=WIB))  # Saturday
    data = client.get("/api/v1/offices/kecamatan-ciputat").json()
    assert data["status"]["is_open"] is False
    assert data["status"]["next_opening"]["start"] == "2026-11-30T08:00:00+07:00"
    assert [d["date"] for d in data["week"]][:2] == ["2026-11-28", "2026-11-29"]
    assert data["week"][2]["sessions"][0]["end"] == "2026-11-30T16:00:00+07:00"
    assert data["region_path"][-1] == "Kecamatan Ciputat"

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 11, 30, 9, 0, tzinfo=WIB))
    open_now = client.get("/api/v1/offices/kecamatan-ciputat").json()["status"]
    assert open_now["is_open"] is True and open_now["current"]["end"] == "2026-11-30T16:00:00+07:00"
    assert client.get("/api/v1/offices/tidak-ada").status_code == 404
