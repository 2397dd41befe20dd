"""AuditedAdminMixin: changes made through a ModelAdmin leave audit rows.

The audit app is the bottom layer, so this test uses a Django model (auth Group) rather than
a loket app's; the offices and catalog tests post real admin forms through the test client.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import RequestFactory

from loket.audit.admin import AuditedAdminMixin
from loket.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


class AuditedGroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass


class FakeForm:
    def __init__(self, changed_data):
        self.changed_data = changed_data


@pytest.fixture
def model_admin():
    return AuditedGroupAdmin(Group, admin.AdminSite(name="audit-test"))


@pytest.fixture
def request_by():
    user = get_user_model().objects.create_superuser("root", None, full_name="Admin Sistem")
    request = RequestFactory().post("/admin/")
    request.user = user
    return request


def test_add_and_change_are_recorded_with_the_changed_fields(model_admin, request_by):
    group = Group(name="Petugas")
    model_admin.save_model(request_by, group, FakeForm(["name"]), change=False)
    group.name = "Petugas loket"
    model_admin.save_model(request_by, group, FakeForm(["name"]), change=True)

    add, change = AuditEntry.objects.order_by("id")
    assert (add.action, change.action) == ("admin.add", "admin.change")
    assert add.actor == request_by.user and add.actor_label == "Admin Sistem"
    assert change.object_type == "auth.group" and change.object_id == str(group.pk)
    assert change.object_repr == "Petugas loket"
    assert change.data == {"changed": ["name"]}


def test_delete_is_recorded_with_the_object_it_removed(model_admin, request_by):
    group = Group.objects.create(name="Verifikator")
    pk = group.pk
    model_admin.delete_model(request_by, group)
    assert not Group.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action="admin.delete")
    assert (entry.object_id, entry.object_repr) == (str(pk), "Verifikator")


def test_bulk_delete_records_every_row(model_admin, request_by):
    groups = [Group.objects.create(name=f"Grup {i}") for i in range(3)]
    model_admin.delete_queryset(request_by, Group.objects.all())
    assert not Group.objects.exists()
    assert sorted(AuditEntry.objects.filter(action="admin.delete").values_list("object_id", flat=True)) == sorted(
        str(g.pk) for g in groups
    )


def test_a_refused_bulk_delete_leaves_no_audit_row(model_admin, request_by, monkeypatch):
    Group.objects.create(name="Penandatangan")

    def refuse(self, request, queryset):
        raise RuntimeError("protected")

    monkeypatch.setattr(admin.ModelAdmin, "delete_queryset", refuse)
    with pytest.raises(RuntimeError):
        model_admin.delete_queryset(request_by, Group.objects.all())
    assert Group.objects.exists()
    assert not AuditEntry.objects.filter(action="admin.delete").exists()
