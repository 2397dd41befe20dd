"""API tokens: issued for NIK + password (key shown once, hash stored), throttled by axes, revoked, expiring."""

import datetime as dt
import hashlib

import pytest
from django.test import override_settings

from loket.accounts import services
from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.accounts.models import ApiToken
from loket.audit.models import AuditEntry
from loket.core import clock
from loket.core.errors import NotAllowed

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token"
PASSWORD = "rahasia-Warga-2026"


@pytest.fixture
def citizen():
    return CitizenFactory(password_raw=PASSWORD)


def _login(client, nik, password=PASSWORD):
    return client.post(URL, {"nik": nik, "password": password, "name": "HP Android"}, content_type="application/json")


def _me(client, key):
    return client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_nik_with_separators_and_password_give_a_token_stored_only_as_hash(client, citizen):
    nik = citizen.nik
    response = _login(client, f"{nik[:6]}.{nik[6:12]}-{nik[12:]}")
    assert response.status_code == 201
    key = response.json()["token"]
    assert len(key) >= 43  # 32 random bytes, url-safe base64
    token = ApiToken.objects.get(user=citizen)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.name}
    assert _me(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_wrong_password_is_401_in_indonesian(client, citizen):
    response = _login(client, citizen.nik, "salah")
    assert response.status_code == 401
    assert response.json()["detail"] == "NIK atau kata sandi salah. Periksa keduanya lalu coba lagi."
    assert not ApiToken.objects.exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_with_429_json(client, citizen):
    for _ in range(2):
        assert _login(client, citizen.nik, "salah").status_code == 401
    locked = _login(client, citizen.nik, "salah")
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert "Terlalu banyak percobaan" in locked.json()["detail"]
    # even the right password is refused while locked
    assert _login(client, citizen.nik).status_code == 429
    assert not ApiToken.objects.exists()


def test_revoked_token_is_refused(client, citizen):
    key = _login(client, citizen.nik).json()["token"]
    assert client.delete(URL, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    refused = _me(client, key)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Sesi Anda sudah berakhir atau tidak sah. Masuk lagi di aplikasi."


def test_expired_token_and_inactive_user_are_refused(client, citizen, monkeypatch):
    key = _login(client, citizen.nik).json()["token"]
    later = clock.now() + dt.timedelta(days=31)
    monkeypatch.setattr("loket.core.clock.now", lambda: later)
    assert _me(client, key).status_code == 401
    monkeypatch.undo()
    key2 = _login(client, citizen.nik).json()["token"]
    assert _me(client, key2).status_code == 200
    citizen.is_active = False
    citizen.save()
    assert _me(client, key2).status_code == 401


def test_missing_or_made_up_token_is_401(client, citizen):
    assert client.get("/api/v1/tickets").status_code == 401
    assert _me(client, "bukan-token").status_code == 401


def test_issue_and_revoke_are_audited_but_using_a_token_is_not(client, citizen):
    token, key = services.issue_token(actor=citizen, name="HP")
    assert _me(client, key).status_code == 200
    assert _me(client, key).status_code == 200
    services.revoke_token(actor=citizen, token=token)
    services.revoke_token(actor=citizen, token=token)  # already revoked: nothing more to record
    rows = AuditEntry.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk))
    assert list(rows.order_by("id").values_list("action", flat=True)) == [
        "accounts.api_token.issue",
        "accounts.api_token.revoke",
    ]


def test_only_the_owner_may_revoke_a_token(citizen):
    token, _key = services.issue_token(actor=citizen)
    with pytest.raises(NotAllowed):
        services.revoke_token(actor=OfficerFactory(), token=token)
    token.refresh_from_db()
    assert token.revoked_at is None
