"""Fixtures for the offices tests.

Users and roles come from the accounts app, which sits above offices in the layer order, so they
are reached through the app registry rather than imported.
"""

import itertools

import pytest
from django.apps import apps

from loket.offices.factories import OfficeFactory, ensure_region

_seq = itertools.count(1)


def make_officer(role: str, *, office=None, region=None):
    """An active officer holding ``role`` at ``office`` (office roles) or for ``region`` (city admin)."""
    user_model = apps.get_model("accounts", "User")
    role_model = apps.get_model("accounts", "OfficerRole")
    n = next(_seq)
    user = user_model.objects.create_user(f"petugas{n}", None, kind="officer", full_name=f"Petugas {n}")
    role_model.objects.create(user=user, role=role, office=office, region=region)
    return user


@pytest.fixture
def officer():
    return make_officer


@pytest.fixture
def office(db):
    return OfficeFactory(with_weekday_hours=True)


@pytest.fixture
def tangsel(db):
    return ensure_region("36.74")
