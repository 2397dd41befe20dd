import pytest
from django.apps import apps
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from loket.catalog.factories import PrerequisiteFactory
from loket.catalog.templatetags.catalog_tags import rupiah


@given(st.integers(min_value=1, max_value=10**12))
def test_rupiah_uses_indonesian_thousands_separators(amount):
    text = rupiah(amount)
    assert text.startswith("Rp ")
    digits = text[3:]
    assert int(digits.replace(".", "")) == amount
    assert all(len(group) == 3 for group in digits.split(".")[1:])


def test_zero_fee_reads_gratis():
    with translation.override("id"):
        assert rupiah(0) == "Gratis / Rp 0"


@pytest.mark.django_db
def test_admin_pages_for_services_render(client):
    user_model = apps.get_model("accounts", "User")
    admin = user_model.objects.create_superuser("root", "rahasia-Loket-123", full_name="Admin")
    client.force_login(admin)
    link = PrerequisiteFactory()
    assert client.get("/admin/catalog/service/").status_code == 200
    change = client.get(f"/admin/catalog/service/{link.service.pk}/change/")
    assert change.status_code == 200
    assert link.required_service.name in change.content.decode()
    assert client.get("/admin/catalog/officeservice/").status_code == 200
