"""Demo letterheads and default templates: created once through the services, real letters."""

import pytest

from loket.catalog.services import load_catalog
from loket.letters import services
from loket.letters.models import LetterTemplate, OfficeLetterSettings
from loket.letters.selectors import allowed_placeholders
from loket.letters.services.demo import LETTERHEADS, TEMPLATES, ensure_demo_letters
from loket.letters.templating import placeholders_in
from loket.letters.tests.conftest import pdf_text
from loket.offices.factories import OfficeFactory, ensure_region
from loket.offices.models import OfficeKind

pytestmark = pytest.mark.django_db

KELURAHAN_CIPUTAT = ["ciputat", "cipayung", "sawah", "sawah-baru", "serua", "serua-indah", "jombang"]


@pytest.fixture
def demo_offices():
    ensure_region("13.71.04.1007", "Gunung Pangilun")
    offices = {
        "kelurahan-gunung-pangilun": OfficeFactory(
            slug="kelurahan-gunung-pangilun",
            name="Kantor Kelurahan Gunung Pangilun",
            kind=OfficeKind.KELURAHAN,
            region_code="13.71.04.1007",
            address="Jl. Gunung Pangilun No. 21, Padang Utara, Kota Padang",
            postal_code="25137",
        ),
        "kecamatan-ciputat": OfficeFactory(
            slug="kecamatan-ciputat",
            name="Kantor Kecamatan Ciputat",
            address="Jl. Arya Putra No. 1, Serua Indah, Ciputat, Kota Tangerang Selatan",
            postal_code="15414",
            phone="021-7490000",
        ),
    }
    for slug in KELURAHAN_CIPUTAT:
        offices[f"kelurahan-{slug}"] = OfficeFactory(slug=f"kelurahan-{slug}", kelurahan=True)
    return offices


def test_demo_letters_are_created_once(demo_offices):
    load_catalog()
    first = ensure_demo_letters(actor=None)
    assert sorted(first.settings_created) == sorted(demo_offices)
    assert sorted(first.templates_created) == sorted(t.service_code for t in TEMPLATES)
    again = ensure_demo_letters(actor=None)
    assert not again.settings_created and not again.templates_created
    assert OfficeLetterSettings.objects.count() == 9 and LetterTemplate.objects.filter(office=None).count() == 6

    padang = OfficeLetterSettings.objects.get(office__slug="kelurahan-gunung-pangilun")
    assert (padang.government_line, padang.unit_line_list, padang.place_name, padang.unit_code) == (
        "PEMERINTAH KOTA PADANG",
        ["KECAMATAN PADANG UTARA", "KELURAHAN GUNUNG PANGILUN"],
        "Padang",
        "Kel.GP",
    )
    assert padang.address_line == "Jl. Gunung Pangilun No. 21, Padang Utara, Kota Padang 25137"
    assert not padang.logo  # no emblem is shipped
    ciputat = OfficeLetterSettings.objects.get(office__slug="kecamatan-ciputat")
    assert ciputat.unit_line_list == ["KECAMATAN CIPUTAT"] and ciputat.unit_code == "Kec.Cpt"
    assert "Telepon 021-7490000" in ciputat.contact_line
    sawah_baru = OfficeLetterSettings.objects.get(office__slug="kelurahan-sawah-baru")
    assert sawah_baru.unit_line_list == ["KECAMATAN CIPUTAT", "KELURAHAN SAWAH BARU"]
    assert sawah_baru.government_line == "PEMERINTAH KOTA TANGERANG SELATAN"
    assert len({h.unit_code for h in LETTERHEADS}) == len(LETTERHEADS)


def test_an_existing_setting_or_template_is_kept(demo_offices):
    load_catalog()
    ensure_demo_letters(actor=None)
    row = OfficeLetterSettings.objects.get(office__slug="kelurahan-sawah")
    row.place_name = "Ciputat"
    row.save()
    ensure_demo_letters(actor=None)
    row.refresh_from_db()
    assert row.place_name == "Ciputat"


@pytest.mark.parametrize("demo", TEMPLATES, ids=lambda t: t.service_code)
def test_each_demo_template_uses_its_services_fields_and_renders(demo, demo_offices):
    load_catalog()
    ensure_demo_letters(actor=None)
    template = LetterTemplate.objects.get(service__code=demo.service_code, office=None)
    keys = placeholders_in(template.body)
    fields = [f.key for f in template.service.fields.all()]
    assert set(fields) <= set(keys), "every request form field is used in the letter"
    assert set(keys) <= set(allowed_placeholders(template.service))
    if demo.service_code.startswith("KEC"):
        assert "kelurahan" not in keys  # a kecamatan office has no kelurahan of its own
    office = demo_offices["kecamatan-ciputat" if demo.service_code.startswith("KEC") else "kelurahan-gunung-pangilun"]
    values = {key: f"<{key}>" for key in keys}
    signer = services.Signer(name="Yusrizal", title="Lurah Gunung Pangilun", nip="197001011995031002")
    text = pdf_text(services.render_preview(template=template, office=office, values=values, signer=signer))
    assert demo.title in text
    for key in keys:
        assert f"<{key}>" in text
