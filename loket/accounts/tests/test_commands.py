import pytest
from django.core.management import CommandError, call_command

from loket.accounts.models import User
from loket.audit.models import AuditEntry
from loket.core.policy import Role

pytestmark = pytest.mark.django_db


def test_create_system_admin_from_the_environment_is_idempotent(monkeypatch):
    monkeypatch.setenv("LOKET_ADMIN_PASSWORD", "Sangat-Rahasia-2026")
    call_command("create_system_admin", "--username", "admin", "--full-name", "Admin Kota")
    call_command("create_system_admin", "--username", "admin")
    user = User.objects.get(username="admin")
    assert user.is_officer and user.is_staff and user.is_superuser
    assert user.password.startswith("argon2$")
    assert user.check_password("Sangat-Rahasia-2026")
    assert [r.role for r in user.roles.filter(is_active=True)] == [Role.SYSTEM_ADMIN]
    assert AuditEntry.objects.filter(action="accounts.grant_role", object_type="accounts.officerrole").count() == 1


def test_create_system_admin_refuses_weak_passwords_and_nik_usernames(monkeypatch):
    monkeypatch.setenv("LOKET_ADMIN_PASSWORD", "12345678")
    with pytest.raises(CommandError):
        call_command("create_system_admin", "--username", "admin")
    monkeypatch.setenv("LOKET_ADMIN_PASSWORD", "Sangat-Rahasia-2026")
    with pytest.raises(CommandError):
        call_command("create_system_admin", "--username", "3674041211870001")
    assert not User.objects.exists()


def test_create_system_admin_restores_a_disabled_admin_and_audits_it(monkeypatch):
    monkeypatch.setenv("LOKET_ADMIN_PASSWORD", "Sangat-Rahasia-2026")
    call_command("create_system_admin", "--username", "admin")
    User.objects.filter(username="admin").update(is_active=False, is_superuser=False)
    call_command("create_system_admin", "--username", "ADMIN")
    user = User.objects.get(username="admin")
    assert user.is_active and user.is_superuser and user.check_password("Sangat-Rahasia-2026")
    assert AuditEntry.objects.filter(action="accounts.restore_system_admin", object_id=str(user.pk)).count() == 1
