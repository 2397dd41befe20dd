"""A citizen on a phone finds an office and a service from the home page, in Indonesian and English."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from loket.demo import data

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def demo_site(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    args = [arg for prefix in data.DEMO_REGION_PREFIXES for arg in ("--region-prefix", prefix)]
    call_command("load_demo", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return live_server.url


def test_home_to_office_to_service_and_language_switch(page, demo_site):
    page.goto(demo_site + "/")
    expect(page.locator("html")).to_have_attribute("lang", "id")

    # Home -> the city -> the kecamatan office.
    page.get_by_role("link", name="Kota Tangerang Selatan").first.click()
    expect(page.locator("h1")).to_contain_text("Kota Tangerang Selatan")
    page.get_by_role("link", name="Kantor Kecamatan Ciputat").click()

    # The office page: address, open/closed now, the week's hours with the Friday evening service.
    expect(page.locator("h1")).to_have_text("Kantor Kecamatan Ciputat")
    expect(page.locator("address")).to_contain_text("Jl. Arya Putra No. 1")
    expect(page.locator("address")).to_contain_text("15414")
    expect(page.locator(".status .badge")).to_have_text(re.compile(r"^(Buka|Tutup)"))
    week = page.locator("table.week")
    expect(week.locator("tr")).to_have_count(7)
    friday = week.locator("tr", has_text="Jumat")
    expect(friday).to_contain_text("08.00–16.00")
    expect(friday).to_contain_text("19.00–22.00")
    expect(week.locator("tr", has_text="Minggu")).to_contain_text("Tutup")

    # A service offered there: its standard, and the plain statement that it is free.
    page.locator("ul.services a", has_text="KTP-el").first.click()
    expect(page.locator("h1")).to_contain_text("KTP-el")
    main = page.locator("main")
    expect(main).to_contain_text("Persyaratan")
    expect(main.locator(".fee").first).to_contain_text("Gratis")

    # Switch to English and back; the page stays the same.
    url = page.url
    page.locator("form.lang button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(main).to_contain_text("Requirements")
    expect(main.locator(".fee").first).to_contain_text("Free")
    assert page.url == url
    page.locator("form.lang button[value=id]").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(main).to_contain_text("Persyaratan")


def test_every_demo_city_is_reachable_from_the_home_page(page, demo_site):
    page.goto(demo_site + "/")
    for city in ["Kota Tangerang Selatan", "Kota Tegal", "Kota Bekasi", "Kabupaten Bekasi", "Kota Padang"]:
        expect(page.get_by_role("link", name=city, exact=True).first).to_be_visible()
    page.get_by_role("link", name="Kota Padang", exact=True).first.click()
    page.get_by_role("link", name="Kantor Kelurahan Gunung Pangilun").click()
    expect(page.locator("h1")).to_have_text("Kantor Kelurahan Gunung Pangilun")
    expect(page.locator("address")).to_contain_text("Padang Utara")
