"""The admin sets service groups and quotas (audited); tickets are read-only there."""

import pytest
from django.urls import reverse

from loket.accounts.factories import OfficerFactory
from loket.audit.models import AuditEntry
from loket.catalog.factories import ServiceFactory
from loket.offices.factories import OfficeFactory
from loket.queueing.models import Quota, ServiceGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = OfficerFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_office_admin_adds_a_group_with_its_quota(admin_client):
    office = OfficeFactory()
    service = ServiceFactory(office_kinds=["kecamatan"])
    response = admin_client.post(
        reverse("admin:queueing_servicegroup_add"),
        {
            "office": office.pk,
            "letter": "A",
            "name": "Kependudukan",
            "services": [service.pk],
            "avg_service_minutes": "12",
            "quotas-TOTAL_FORMS": "1",
            "quotas-INITIAL_FORMS": "0",
            "quotas-0-online_limit": "20",
            "quotas-0-walkin_limit": "40",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group = ServiceGroup.objects.get(office=office)
    assert list(group.services.all()) == [service]
    assert Quota.objects.get(group=group).online_limit == 20
    assert AuditEntry.objects.filter(object_type="queueing.servicegroup", action="admin.add").exists()


def test_ticket_admin_is_read_only(admin_client):
    assert admin_client.get(reverse("admin:queueing_ticket_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:queueing_ticket_add")).status_code == 403
