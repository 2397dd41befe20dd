"""Fixtures for letter tests, and the ``pg_concurrency`` marker.

Tests marked ``pg_concurrency`` race real threads against the database. They run on PostgreSQL;
on a local SQLite run (CI not set) they are skipped, because SQLite serialises writers by locking
the whole file and proves nothing. Under CI=true the root conftest refuses any engine but
PostgreSQL, and the tests themselves assert it, so they can never silently skip there.

Every test writes letters and logos into its own temporary private storage, never into var/.
"""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.core.files.storage import FileSystemStorage
from pypdf import PdfReader

from loket.letters.factories import OfficeLetterSettingsFactory, sku_service, sku_template
from loket.letters.models import Letter, OfficeLetterSettings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    config.addinivalue_line("markers", "pg_concurrency: races real threads on PostgreSQL (skipped on local SQLite)")


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql" or IN_CI:
        return
    skip = pytest.mark.skip(reason="concurrency tests need PostgreSQL (run with DATABASE_URL=postgres://…)")
    for item in items:
        if item.get_closest_marker("pg_concurrency"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    """The letters' file fields write into a temporary directory for the test."""
    storage = FileSystemStorage(location=str(tmp_path / "private"))
    for model, name in ((Letter, "pdf"), (OfficeLetterSettings, "logo")):
        monkeypatch.setattr(model._meta.get_field(name), "storage", storage)
    return storage


@pytest.fixture
def freeze(monkeypatch):
    """``freeze(aware_datetime)`` sets ``loket.core.clock.now``."""

    def _freeze(instant: dt.datetime) -> None:
        monkeypatch.setattr("loket.core.clock.now", lambda: instant)

    return _freeze


@pytest.fixture
def settings_row():
    return OfficeLetterSettingsFactory()


@pytest.fixture
def office(settings_row):
    return settings_row.office


@pytest.fixture
def service():
    return sku_service()


@pytest.fixture
def template(service):
    return sku_template(service)


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF, pages joined (pypdf)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def one_line(text: str) -> str:
    return " ".join(text.split())
