"""Changes made in the Django admin for offices, hours and holidays leave audit rows."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse

from loket.audit.models import AuditEntry
from loket.offices.factories import HolidayFactory, OfficeFactory, ScheduleExceptionFactory
from loket.offices.models import Day, ExceptionSession, Holiday, OpeningRule

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The values a browser would submit from the page's form (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._add(name, a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            if "multiple" not in a:
                self.data[name] = [""]
        elif tag == "option" and self._select and "selected" in a:
            if self.data.get(self._select) == [""]:
                self.data[self._select] = []
            self._add(self._select, a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(client, url) -> dict:
    """What a browser would post back, unchanged, from the admin form at ``url``."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {
        name: values[0] if len(values) == 1 else values
        for name, values in parser.data.items()
        if name != "csrfmiddlewaretoken"
    }


@pytest.fixture
def superuser(client):
    user = apps.get_model("accounts", "User").objects.create_superuser("root", None, full_name="Admin Sistem")
    client.force_login(user)
    return user


def test_office_change_in_the_admin_is_audited(client, superuser):
    office = OfficeFactory(name="Kantor Kecamatan Ciputat")
    url = reverse("admin:offices_office_change", args=[office.pk])
    data = form_data(client, url)
    data["name"] = "Kantor Kecamatan Ciputat (baru)"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    entry = AuditEntry.objects.get(action="admin.change")
    assert entry.actor == superuser
    assert (entry.object_type, entry.object_id, entry.office_id) == ("offices.office", str(office.pk), office.pk)
    assert entry.data["changed"] == ["name"]
    assert entry.object_repr == "Kantor Kecamatan Ciputat (baru)"


def test_opening_rules_added_and_deleted_in_the_office_inline_are_audited(client, superuser):
    office = OfficeFactory()
    url = reverse("admin:offices_office_change", args=[office.pk])
    data = form_data(client, url)
    data.update(
        {
            "opening_rules-TOTAL_FORMS": "1",
            "opening_rules-0-office": str(office.pk),
            "opening_rules-0-day": str(Day.FRIDAY.value),
            "opening_rules-0-opens": "19:00",
            "opening_rules-0-closes": "22:00",
            "opening_rules-0-label": "Layanan malam Jumat",
        }
    )
    assert client.post(url, data).status_code == 302
    rule = OpeningRule.objects.get(office=office)
    added = AuditEntry.objects.get(action="admin.add")
    assert (added.object_type, added.object_id, added.office_id) == ("offices.openingrule", str(rule.pk), office.pk)
    assert added.data["parent"] == f"offices.office#{office.pk}"
    assert "closes" in added.data["changed"]

    data = form_data(client, url)
    data["opening_rules-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not OpeningRule.objects.filter(office=office).exists()
    deleted = AuditEntry.objects.get(action="admin.delete")
    assert (deleted.object_type, deleted.object_id) == ("offices.openingrule", str(rule.pk))


def test_holiday_delete_in_the_admin_is_audited(client, superuser):
    holiday = HolidayFactory(date=dt.date(2026, 12, 24), name="Cuti bersama Natal")
    response = client.post(reverse("admin:offices_holiday_delete", args=[holiday.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    entry = AuditEntry.objects.get(action="admin.delete")
    assert (entry.object_type, entry.object_id, entry.actor) == ("offices.holiday", str(holiday.pk), superuser)
    assert "Cuti bersama Natal" in entry.object_repr


def test_holidays_deleted_with_the_list_action_are_each_audited(client, superuser):
    holidays = [HolidayFactory(date=dt.date(2026, 12, d), name=f"Libur {d}") for d in (24, 26)]
    response = client.post(
        reverse("admin:offices_holiday_changelist"),
        {"action": "delete_selected", "_selected_action": [h.pk for h in holidays], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    assert sorted(AuditEntry.objects.filter(action="admin.delete").values_list("object_id", flat=True)) == sorted(
        str(h.pk) for h in holidays
    )


def test_holiday_added_in_the_admin_is_audited(client, superuser):
    url = reverse("admin:offices_holiday_add")
    data = form_data(client, url)
    data.update({"date": "2026-08-17", "name": "Hari Kemerdekaan", "kind": "national"})
    assert client.post(url, data).status_code == 302
    holiday = Holiday.objects.get()
    entry = AuditEntry.objects.get(action="admin.add")
    assert (entry.object_type, entry.object_id) == ("offices.holiday", str(holiday.pk))
    assert {"date", "name"} <= set(entry.data["changed"])


def test_exception_session_added_in_the_admin_carries_the_office(client, superuser):
    exception = ScheduleExceptionFactory(date=dt.date(2026, 9, 12), is_closed=False, reason="Layanan akhir pekan")
    url = reverse("admin:offices_scheduleexception_change", args=[exception.pk])
    data = form_data(client, url)
    prefix = "sessions"
    initial = int(data[f"{prefix}-INITIAL_FORMS"])
    data[f"{prefix}-{initial}-opens"] = "08:00"
    data[f"{prefix}-{initial}-closes"] = "12:00"
    assert client.post(url, data).status_code == 302
    session = ExceptionSession.objects.filter(exception=exception).order_by("-pk").first()
    added = AuditEntry.objects.get(action="admin.add", object_type="offices.exceptionsession")
    assert (added.object_id, added.office_id) == (str(session.pk), exception.office_id)
