"""Fixtures for notification tests: fake channels, a frozen clock, and the ``pg_concurrency`` marker.

Tests marked ``pg_concurrency`` race real threads against the database. They run on PostgreSQL;
on a local SQLite run (CI not set) they are skipped, because SQLite serialises writers by locking
the whole file and proves nothing. Under CI=true the root conftest refuses any engine but
PostgreSQL, and the tests themselves assert it, so they can never silently skip there.

The fake channels stand in for the real ones (SMPP, HTTP gateway, SMTP: written and tested
beside them): each records every message it is handed, and follows a script of outcomes.
"""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest

from loket.notifications.channels.base import OutcomeUnknown, SendResult
from loket.notifications.channels.registry import Registry

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
START = dt.datetime(2026, 9, 8, 2, 0, tzinfo=dt.UTC)  # Tuesday 09:00 WIB


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


class Clock:
    """A settable ``loket.core.clock.now``."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock(START)
    monkeypatch.setattr("loket.core.clock.now", frozen)
    return frozen


SENT_BUT_UNKNOWN = "sent-but-unknown"  # the gateway got it, the answer was lost


class FakeChannel:
    """A channel that follows ``script`` (one entry per call: "ok", SENT_BUT_UNKNOWN or an
    exception to raise; "ok" once the script is used up) and records what it was handed.

    ``delivered`` is what reached the phone: a de-duplicating fake drops a second message with
    the same id, like the gateway it stands for.
    """

    def __init__(self, name: str, *, dedupes: bool = False, script=()):
        self.name = name
        self.dedupes = dedupes
        self.script = list(script)
        self.calls = []
        self.delivered = []
        self.closed = False
        self._lock = threading.Lock()

    def _deliver(self, message) -> None:
        if self.dedupes and any(m.id == message.id for m in self.delivered):
            return
        self.delivered.append(message)

    def send(self, message):
        with self._lock:
            self.calls.append(message)
            action = self.script.pop(0) if self.script else "ok"
            if action == "ok":
                self._deliver(message)
                return SendResult(provider_id=f"prov-{message.id}-{len(self.calls)}")
            if action == SENT_BUT_UNKNOWN:
                self._deliver(message)
                raise OutcomeUnknown("connection lost after the request was sent")
        raise action

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fakes():
    """Fake sms (no de-duplication), whatsapp (de-duplicates) and email channels."""
    return {
        "sms": FakeChannel("sms"),
        "whatsapp": FakeChannel("whatsapp", dedupes=True),
        "email": FakeChannel("email"),
    }


@pytest.fixture
def registry(fakes):
    return Registry(fakes)


@pytest.fixture(autouse=True)
def _notify_settings(settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["whatsapp", "sms", "email"]
    settings.NOTIFY_MAX_ATTEMPTS = 5
    settings.NOTIFY_BACKOFF_SECONDS = 30
    settings.NOTIFY_BACKOFF_MAX_SECONDS = 3600
    settings.NOTIFY_BACKOFF_JITTER = 0
    settings.NOTIFY_LEASE_SECONDS = 300


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
