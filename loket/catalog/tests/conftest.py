"""Fixtures for catalogue tests.

Users and roles come from the accounts app, which sits above the catalogue in the layer order,
so they are reached through the app registry rather than imported.
"""

import itertools

import pytest
from django.apps import apps

_seq = itertools.count(1)


def make_officer(role: str, *, office=None, region=None):
    user_model = apps.get_model("accounts", "User")
    role_model = apps.get_model("accounts", "OfficerRole")
    n = next(_seq)
    user = user_model.objects.create_user(f"katalog{n}", "rahasia-Loket-123", kind="officer", full_name=f"Petugas {n}")
    role_model.objects.create(user=user, role=role, office=office, region=region)
    return user


@pytest.fixture
def officer():
    return make_officer


@pytest.fixture
def system_admin(db):
    return make_officer("system_admin")
