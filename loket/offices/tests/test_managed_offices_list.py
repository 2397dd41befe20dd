"""The one list of managed offices (offices/_managed_offices.html) on the three admin index pages:
each links to its own management page, and an admin with no office is told what to do."""

import pytest
from django.urls import reverse

from loket.offices.factories import OfficeFactory, ensure_region
from loket.offices.tests.conftest import make_officer

pytestmark = pytest.mark.django_db

PAGES = [
    ("offices:manage_hours_index", "offices:manage_hours"),
    ("letters:manage_index", "letters:manage"),
    ("queueing:manage_index", "queueing:manage"),
]


@pytest.mark.parametrize(("index", "manage"), PAGES)
def test_each_index_links_every_managed_office_to_its_own_page(client, index, manage):
    first = OfficeFactory(name="Kantor Kecamatan Ciputat", region_code="36.74.04")
    second = OfficeFactory(name="Kantor Kecamatan Pamulang", region_code="36.74.06")
    client.force_login(make_officer("city_admin", region=ensure_region("36.74")))
    html = client.get(reverse(index)).content.decode()
    for office in (first, second):
        assert f'href="{reverse(manage, args=[office.slug])}"' in html and office.name in html


@pytest.mark.parametrize(("index", "manage"), PAGES)
def test_an_admin_without_offices_is_told_whom_to_ask_in_indonesian(client, index, manage):
    client.force_login(make_officer("city_admin", region=ensure_region("32.75")))
    html = client.get(reverse(index)).content.decode()
    assert "Anda belum mengelola kantor mana pun" in html
