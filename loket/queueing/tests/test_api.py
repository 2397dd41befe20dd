"""The queue JSON API end to end: availability, booking, 409 with next dates, own tickets only, OpenAPI."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from loket.accounts.factories import CitizenFactory
from loket.accounts.services import issue_token
from loket.offices.factories import OfficeFactory, add_rules
from loket.offices.models import Day
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory
from loket.queueing.models import Ticket, TicketStatus
from loket.queueing.tests.conftest import make_queue

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = dt.date(2026, 9, 8)
WEDNESDAY = dt.date(2026, 9, 9)
THURSDAY = dt.date(2026, 9, 10)


@pytest.fixture(autouse=True)
def _tuesday_morning(freeze):
    freeze(dt.datetime.combine(TUESDAY, dt.time(10), tzinfo=WIB))


def _auth(user) -> dict:
    _token, key = issue_token(actor=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _book(client, headers, office, service, day=WEDNESDAY, start="08:00"):
    body = {"office": office.slug, "service": service.slug, "date": day.isoformat(), "session_start": start}
    return client.post("/api/v1/tickets", body, content_type="application/json", **headers)


def test_availability_lists_places_left_per_date_and_session(client):
    office, service, _group = make_queue(online=3)
    url = f"/api/v1/offices/{office.slug}/services/{service.slug}/availability?from=2026-09-09&days=2"
    slots = client.get(url).json()
    assert [(s["date"], s["label"] or s["session_start"][11:16], s["online_remaining"]) for s in slots][:2] == [
        ("2026-09-09", slots[0]["label"] or "08:00", 3),
        ("2026-09-09", slots[1]["label"] or "13:00", 3),
    ]
    assert {s["date"] for s in slots} == {"2026-09-09", "2026-09-10"}


def test_unknown_office_is_404_in_indonesian(client):
    _office, service, _group = make_queue()
    response = client.get(f"/api/v1/offices/tidak-ada/services/{service.slug}/earliest")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Tidak ditemukan")


def test_book_through_the_api_then_list_show_and_cancel(client):
    office, service, _group = make_queue(online=3)
    citizen = CitizenFactory()
    headers = _auth(citizen)
    response = _book(client, headers, office, service)
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert ticket["code"].startswith("A-")
    assert ticket["date"] == "2026-09-09"
    assert ticket["status"] == TicketStatus.BOOKED
    assert len(ticket["token"]) >= 20
    assert Ticket.objects.get(citizen=citizen).token == ticket["token"]

    url = f"/api/v1/offices/{office.slug}/services/{service.slug}/availability?from=2026-09-09&days=1"
    assert client.get(url).json()[0]["online_remaining"] == 2

    assert [t["code"] for t in client.get("/api/v1/tickets", **headers).json()] == [ticket["code"]]
    shown = client.get(f"/api/v1/tickets/{ticket['token']}", **headers)
    assert shown.status_code == 200 and shown.json()["code"] == ticket["code"]

    moved = client.post(
        f"/api/v1/tickets/{ticket['token']}/reschedule",
        {"date": THURSDAY.isoformat(), "session_start": "13:00"},
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["date"] == "2026-09-10"

    cancelled = client.post(f"/api/v1/tickets/{ticket['token']}/cancel", {}, content_type="application/json", **headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == TicketStatus.CANCELLED


def test_full_day_is_409_with_next_date_and_other_offices(client):
    office, service, _group = make_queue(online=1)
    first, second = CitizenFactory(), CitizenFactory()
    assert _book(client, _auth(first), office, service).status_code == 201
    response = _book(client, _auth(second), office, service)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "full"
    # Wednesday morning is full; the same day's afternoon session still has its place (and so has
    # this Tuesday afternoon, but the citizen asked for Wednesday: the next place after it comes first)
    assert body["next_date"] == "2026-09-09"
    assert body["next_session_start"] == "13:00:00"
    assert "Kuota online sesi pukul 08.00 pada 9 September 2026 sudah penuh." in body["detail"]
    assert "9 September 2026, sesi pukul 13.00" in body["detail"]
    assert body["alternatives"] == []


def test_full_day_suggests_another_office_of_the_same_kecamatan_with_room(client):
    office, service, _group = make_queue(online=1)
    other = OfficeFactory(name="Kantor Kecamatan Sebelah")
    add_rules(other, [Day.WEDNESDAY], "08:00", "12:00")
    QuotaFactory(group=ServiceGroupFactory(office=other, letter="A", services=[service]), online_limit=4)
    assert _book(client, _auth(CitizenFactory()), office, service).status_code == 201
    response = _book(client, _auth(CitizenFactory()), office, service)
    assert response.status_code == 409
    assert [(a["office"], a["online_remaining"]) for a in response.json()["alternatives"]] == [(other.slug, 4)]


def test_double_booking_is_409_and_names_the_existing_ticket(client):
    office, service, _group = make_queue()
    headers = _auth(CitizenFactory())
    first = _book(client, headers, office, service).json()
    again = _book(client, headers, office, service, start="13:00")
    assert again.status_code == 409
    assert again.json()["code"] == "already_booked"
    assert again.json()["ticket"]["code"] == first["code"]


def test_another_citizen_can_neither_see_nor_cancel_my_ticket(client):
    office, service, _group = make_queue()
    mine = _book(client, _auth(CitizenFactory()), office, service).json()
    stranger = _auth(CitizenFactory())
    assert client.get(f"/api/v1/tickets/{mine['token']}", **stranger).status_code == 404
    cancel = client.post(f"/api/v1/tickets/{mine['token']}/cancel", {}, content_type="application/json", **stranger)
    assert cancel.status_code == 404
    assert mine["code"] not in cancel.content.decode()
    assert client.get("/api/v1/tickets", **stranger).json() == []
    assert Ticket.objects.get(token=mine["token"]).status == TicketStatus.BOOKED


def test_booking_needs_a_token(client):
    office, service, _group = make_queue()
    assert _book(client, {}, office, service).status_code == 401
    assert not Ticket.objects.exists()


def test_invalid_body_is_400_in_indonesian(client):
    headers = _auth(CitizenFactory())
    response = client.post("/api/v1/tickets", {"office": "x"}, content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Data yang dikirim tidak sah")


def test_openapi_lists_the_queue_operations_with_bearer_security(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/tickets"] and "get" in paths["/api/v1/tickets"]
    assert "/api/v1/tickets/{token}/cancel" in paths
    assert "/api/v1/offices/{slug}/services/{service_slug}/availability" in paths
    assert paths["/api/v1/tickets"]["post"]["security"] == [{"BearerAuth": []}]
    assert "security" not in paths["/api/v1/offices/{slug}/services/{service_slug}/availability"]["get"]
    assert schema["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"


def test_ticket_status_carries_the_estimate_and_the_counter(client, freeze):
    from loket.accounts.factories import OfficerFactory
    from loket.offices.factories import CounterFactory
    from loket.queueing import services
    from loket.queueing.services import counters

    office, service, group = make_queue()
    headers = _auth(citizen := CitizenFactory())
    _book(client, headers, office, service)
    booked = _book(client, _auth(citizen2 := CitizenFactory()), office, service).json()
    assert booked["ahead"] == 1 and booked["expected_at"].startswith("2026-09-09T08:10")
    assert booked["counter"] is None
    petugas = OfficerFactory(petugas=True, office=office)
    freeze(dt.datetime.combine(WEDNESDAY, dt.time(7, 50), tzinfo=WIB))
    for who in (citizen, citizen2):
        services.check_in_ticket(actor=petugas, office=office, code_or_token=Ticket.objects.get(citizen=who).token)
    counter = CounterFactory(office=office, number=2)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    freeze(dt.datetime.combine(WEDNESDAY, dt.time(8, 1), tzinfo=WIB))
    first = counters.call_next(actor=petugas, counter=counter)
    counters.finish(actor=petugas, ticket=first)
    counters.call_next(actor=petugas, counter=counter)
    shown = client.get(f"/api/v1/tickets/{booked['token']}", **_auth(citizen2)).json()
    assert (shown["status"], shown["counter"], shown["expected_at"]) == ("called", 2, None)
