"""Fixtures for queue tests, and the ``pg_concurrency`` marker.

Tests marked ``pg_concurrency`` race real threads against the database. They run on PostgreSQL;
on a local SQLite run (CI not set) they are skipped, because SQLite serialises writers by locking
the whole file and proves nothing. Under CI=true the root conftest refuses any engine but
PostgreSQL, and the tests themselves assert it, so they can never silently skip there.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.catalog.factories import ServiceFactory
from loket.offices.factories import OfficeFactory, add_rules
from loket.offices.models import Day
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory

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


@pytest.fixture
def freeze(monkeypatch):
    """``freeze(aware_datetime)`` sets ``loket.core.clock.now``."""

    def _freeze(instant: dt.datetime) -> None:
        monkeypatch.setattr("loket.core.clock.now", lambda: instant)

    return _freeze


def make_queue(*, wit: bool = False, online: int = 20, walkin: int = 40, every_day: bool = False, **office_kw):
    """A kecamatan office (Mon-Fri 08:00-12:00 and 13:00-15:00) with one service in group A."""
    office = OfficeFactory(wit=wit, **office_kw) if wit else OfficeFactory(**office_kw)
    days = list(Day) if every_day else [Day.MONDAY, Day.TUESDAY, Day.WEDNESDAY, Day.THURSDAY, Day.FRIDAY]
    add_rules(office, days, "08:00", "12:00")
    add_rules(office, days, "13:00", "15:00")
    service = ServiceFactory(office_kinds=["kecamatan"], name="Rekomendasi uji")
    group = ServiceGroupFactory(office=office, letter="A", name="Umum", services=[service])
    QuotaFactory(group=group, online_limit=online, walkin_limit=walkin)
    return office, service, group


@pytest.fixture
def queue():
    return make_queue()


@pytest.fixture
def citizen():
    return CitizenFactory()


@pytest.fixture
def petugas(queue):
    return OfficerFactory(petugas=True, office=queue[0])
