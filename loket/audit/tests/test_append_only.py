"""The audit trail is append-only: the model, the queryset and the database all refuse changes.

Runs on whichever database is configured (SQLite locally, PostgreSQL in CI).
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction

from loket.audit.models import AuditEntry, AuditImmutableError
from loket.audit.selectors import audit_trail_for_object, audit_trail_for_offices
from loket.audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    # The user model comes through Django's auth API: audit must not import the accounts app.
    actor = get_user_model().objects.create_user(username="rina.w", kind="officer", full_name="Rina Wati")
    return record(actor=actor, action="test.touch", obj=actor, from_state="a", to_state="b", reason="uji", office_id=7)


def _table() -> str:
    return connection.ops.quote_name(AuditEntry._meta.db_table)


def test_record_writes_who_what_when_from_to_why(entry):
    row = AuditEntry.objects.get(pk=entry.pk)
    assert row.actor_label == "Rina Wati"
    assert (row.action, row.from_state, row.to_state, row.reason, row.office_id) == ("test.touch", "a", "b", "uji", 7)
    assert row.object_type == "accounts.user"
    assert row.at is not None and row.at.utcoffset().total_seconds() == 0
    assert list(audit_trail_for_object(row.actor)) == [row]
    assert list(audit_trail_for_offices([7])) == [row]


def test_system_actor_is_labelled_sistem(entry):
    row = record(actor=None, action="test.system", obj=entry.actor)
    assert row.actor_id is None and row.actor_label == "sistem"


def test_saving_an_existing_row_is_refused(entry):
    entry.reason = "ditulis ulang"
    with pytest.raises(AuditImmutableError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "uji"


def test_deleting_a_row_is_refused(entry):
    with pytest.raises(AuditImmutableError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.bulk_update([entry], ["reason"])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "uji"


def test_raw_sql_update_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_table()} SET reason = %s WHERE id = %s", ["diubah", entry.pk])  # noqa: S608
    assert AuditEntry.objects.get(pk=entry.pk).reason == "uji"


def test_raw_sql_delete_is_refused_by_postgresql(entry):
    """PostgreSQL refuses a raw DELETE too. SQLite cannot (its test-database reset deletes rows one by
    one), so there the model and queryset guards above are what refuses deletes, and the database
    holds the UPDATE trigger."""
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_table()} WHERE id = %s", [entry.pk])  # noqa: S608
        assert AuditEntry.objects.filter(pk=entry.pk).exists()
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [AuditEntry._meta.db_table]
            )
            assert [name for (name,) in cursor.fetchall()] == ["audit_entry_no_update"]
