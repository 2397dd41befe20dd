"""manage.py sweep_private_files: a letter PDF left behind by a rolled-back transaction is deleted
once it is old enough; files in use, fresh files and files outside Loket's directories stay."""

import datetime as dt
import types
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import transaction

from loket.core import clock
from loket.core.files import SWEPT_DIRS, file_fields
from loket.letters import services
from loket.letters.factories import SIGNER, SKU_VALUES

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(private_storage, monkeypatch):
    """Every file field of every app on the one temporary storage, as in a deployment."""
    for _model, f in file_fields():
        monkeypatch.setattr(f, "storage", private_storage)
    return private_storage


def issue(template, office):
    return services.issue_letter(
        actor=None, template=template, office=office, values=SKU_VALUES, signer=SIGNER, reference="permohonan:x"
    )


def later(monkeypatch, **delta):
    instant = clock.now() + dt.timedelta(**delta)
    monkeypatch.setattr("loket.core.clock.now", lambda: instant)


def sweep(*args):
    out = StringIO()
    call_command("sweep_private_files", *args, stdout=out)
    return out.getvalue()


def test_an_orphan_left_by_a_rollback_is_deleted_once_old_enough(storage, template, office, monkeypatch):
    kept = issue(template, office)
    with pytest.raises(RuntimeError), transaction.atomic():
        orphan = issue(template, office)
        raise RuntimeError("a later step of the request failed")
    assert storage.exists(orphan.pdf.name)  # the row rolled back, its file did not
    foreign = storage.save("backup/readme.txt", ContentFile(b"not Loket's"))

    assert "0 unreferenced file(s) deleted, 1 in use kept, 1 newer than 24 h left" in sweep()
    assert storage.exists(orphan.pdf.name)  # its transaction might still have been open

    later(monkeypatch, hours=25)
    dry = sweep("--dry-run")
    assert f"would delete {orphan.pdf.name}" in dry and storage.exists(orphan.pdf.name)
    assert f"deleted {orphan.pdf.name}\n1 unreferenced file(s) deleted, 1 in use kept" in sweep()
    assert not storage.exists(orphan.pdf.name)
    assert storage.exists(kept.pdf.name) and storage.exists(foreign)


def test_a_sweep_younger_than_an_hour_is_refused(storage):
    with pytest.raises(CommandError, match="at least 1"):
        sweep("--hours", "0.1")


def test_every_file_field_writes_under_a_swept_directory():
    # A new file field outside SWEPT_DIRS would leave its orphans for ever: this names it.
    sample = types.SimpleNamespace(office_id=1, year=2026, letter=types.SimpleNamespace(office_id=1, year=2026))
    fields = file_fields()
    assert len(fields) >= 4
    for model, f in fields:
        path = f.upload_to(sample, "x.pdf") if callable(f.upload_to) else f.upload_to
        assert path.split("/")[0] in SWEPT_DIRS, f"{model.__name__}.{f.name} writes to {path}"
