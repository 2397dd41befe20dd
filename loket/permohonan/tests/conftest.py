import pytest


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """Uploads of a test go to its own temporary directory, never to var/private."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture
def freeze(monkeypatch):
    """``freeze(aware_datetime)`` sets ``loket.core.clock.now``."""

    def _freeze(instant):
        monkeypatch.setattr("loket.core.clock.now", lambda: instant)

    return _freeze
