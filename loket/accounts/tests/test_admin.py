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


def test_changes_made_in_the_admin_are_audited(superuser_client):
    officer = OfficerFactory(username="ujang", full_name="Ujang Lama", petugas=True)
    role = officer.roles.get()
    data = {
        "username": "ujang",
        "kind": "officer",
        "full_name": "Ujang Baru",
        "nik": "",
        "nip": "",
        "phone": "",
        "email": "",
        "is_active": "on",
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "1",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-id": role.pk,
        "roles-0-user": officer.pk,
        "roles-0-role": role.role,
        "roles-0-office": role.office_id,
        "roles-0-region": "",
        "roles-0-title": "",
        # is_active of the role left out: unticked, i.e. revoked in the admin
    }
    response = superuser_client.post(reverse("admin:accounts_user_change", args=[officer.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    officer.refresh_from_db()
    role.refresh_from_db()
    assert officer.full_name == "Ujang Baru" and not role.is_active
    change = AuditEntry.objects.get(action="admin.change_user", object_id=str(officer.pk))
    assert change.data == {"fields": ["full_name"]}
    assert AuditEntry.objects.get(action="admin.change_role", object_id=str(role.pk)).to_state.endswith("(revoked)")
