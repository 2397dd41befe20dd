"""The production profile passes Django's deployment checks and refuses unsafe configuration."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def _random_secret(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _production_env(**overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOKET_", "DATABASE_"))}
    env.pop("CI", None)
    env.update(
        LOKET_PROFILE="production",
        DJANGO_SECRET_KEY=_random_secret(),
        DJANGO_ALLOWED_HOSTS="loket.example.go.id",
        DATABASE_URL="postgres://loket:secret@db.example.go.id:5432/loket",
        DJANGO_SETTINGS_MODULE="loket.settings",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_profile_passes_check_deploy_without_any_issue():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_would_catch_a_weak_production_setting():
    # The same check fails when DEBUG is forced on: proof that the test above can fail.
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(DJANGO_DEBUG="true"))
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///var/loket.sqlite3"}, "DATABASE_URL"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS"),
    ],
    ids=["no-secret", "short-secret", "no-database", "sqlite", "no-hosts"],
)
def test_production_refuses_to_start_with_unsafe_configuration(overrides, message):
    result = _manage("check", env=_production_env(**overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
