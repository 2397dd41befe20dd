"""Catalogue changes made in the Django admin are audited once (AuditedAdminMixin), inline rows too."""

import pytest
from django.apps import apps
from django.urls import reverse

from loket.audit.models import AuditEntry
from loket.catalog.factories import OfficeServiceFactory, ServiceFactory
from loket.catalog.models import Requirement
from loket.offices.factories import OfficeFactory
from loket.offices.tests.test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = apps.get_model("accounts", "User").objects.create_superuser("root", None, full_name="Admin Sistem")
    client.force_login(user)
    return user


def test_service_change_writes_one_audit_row_and_one_per_new_requirement(client, superuser):
    service = ServiceFactory(name="Surat keterangan domisili")
    url = reverse("admin:catalog_service_change", args=[service.pk])
    data = form_data(client, url)
    data.pop("is_active")  # unticked: switched off
    n = int(data["requirements-INITIAL_FORMS"])
    data[f"requirements-{n}-order"] = "9"
    data[f"requirements-{n}-name"] = "Surat pengantar RT/RW"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    service_rows = AuditEntry.objects.filter(object_type="catalog.service", object_id=str(service.pk))
    assert [(e.action, e.to_state) for e in service_rows] == [("admin.change", "inactive")]
    assert "is_active" in service_rows.get().data["changed"]
    requirement = Requirement.objects.get(service=service, name="Surat pengantar RT/RW")
    assert AuditEntry.objects.filter(
        action="admin.add", object_type="catalog.requirement", object_id=str(requirement.pk)
    ).exists()


def test_office_service_change_and_delete_are_audited_with_the_office(client, superuser):
    setting = OfficeServiceFactory(office=OfficeFactory(), is_offered=True)
    url = reverse("admin:catalog_officeservice_change", args=[setting.pk])
    data = form_data(client, url)
    data.pop("is_offered")
    data["note"] = "Sementara tidak tersedia"
    assert client.post(url, data).status_code == 302
    change = AuditEntry.objects.get(object_type="catalog.officeservice")
    assert (change.action, change.to_state, change.office_id) == ("admin.change", "not_offered", setting.office_id)
    assert change.reason == "Sementara tidak tersedia"

    response = client.post(reverse("admin:catalog_officeservice_delete", args=[setting.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="admin.delete", object_id=str(setting.pk)).count() == 1
