"""Test-suite wide checks: in CI the suite must run on PostgreSQL, never silently on SQLite."""

import os

import pytest


def pytest_configure(config):
    from django.conf import settings

    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"CI=true but the database engine is {engine}; the suite must run on PostgreSQL.")


@pytest.fixture(autouse=True)
def _indonesian_by_default(settings):
    settings.LANGUAGE_CODE = "id"


@pytest.fixture(autouse=True)
def _fresh_queue_hints(settings):
    # Tests change places and ask again at once: they see fresh hints unless they test the cache.
    settings.QUEUE_HINT_CACHE_SECONDS = 0
