"""The Django admin: users searchable, NIKs masked in the list; the audit trail strictly read-only."""

import pytest
from django.urls import reverse

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    admin = OfficerFactory(system_admin=True, is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_user_list_masks_niks_and_searches_by_name(superuser_client):
    citizen = CitizenFactory(full_name="Wulan Sari")
    CitizenFactory(full_name="Joko Widodo")
    page = superuser_client.get(reverse("admin:accounts_user_changelist"), {"q": "Wulan"}).content.decode()
    assert "Wulan Sari" in page
    assert citizen.masked_nik in page
    assert citizen.nik not in page
    assert "Joko Widodo" not in page


def test_user_change_page_shows_the_roles_inline(superuser_client):
    officer = OfficerFactory(petugas=True)
    response = superuser_client.get(reverse("admin:accounts_user_change", args=[officer.pk]))
    assert response.status_code == 200
    assert "roles-TOTAL_FORMS" in response.content.decode()


def test_audit_admin_lists_but_never_adds_changes_or_deletes(superuser_client):
    entry = record(actor=None, action="test.admin", obj=CitizenFactory())
    assert superuser_client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert superuser_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    detail = superuser_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200  # view-only page
    assert 'name="_save"' not in detail.content.decode()
    response = superuser_client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert (
        superuser_client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    changelist = superuser_client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()
