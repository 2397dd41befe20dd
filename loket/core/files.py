"""Private files no row refers to any more: found and removed (``manage.py sweep_private_files``).

Files are written before the transaction that records them commits (a letter's PDF, a signed PDF,
an upload). When that transaction rolls back — a later step fails, the caller's transaction fails —
the row is gone but the file stays, unreferenced: a copy of personal data nobody can reach through
Loket. Django has no "on rollback" hook, so the sweep goes the other way: it lists the files under
the directories Loket's file fields write to, and deletes those no file field names, once they are
old enough that no transaction writing them can still be open.

Every ``FileField`` of a Loket app is found through the app registry, so a new one is covered as
long as its files go under one of ``SWEPT_DIRS`` (a test checks that).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.storage import Storage
from django.db import models

from loket.core import clock

# The top-level directories of the private storage that Loket's file fields write to. Nothing
# else there is touched.
SWEPT_DIRS = ("letters", "permohonan", "signed")


@dataclass
class SweepResult:
    kept: int = 0
    too_new: int = 0
    removed: list[str] = field(default_factory=list)


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every file field of a Loket model."""
    return [
        (model, f)
        for model in apps.get_models()
        if model.__module__.startswith("loket.")
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField)
    ]


def _storage_key(storage: Storage) -> tuple:
    """Two storage objects over the same place are one place: a file of one field must never look
    unreferenced because another field's storage object is a different instance."""
    return (type(storage).__name__, getattr(storage, "bucket_name", ""), str(getattr(storage, "location", id(storage))))


def _referenced_by_storage() -> dict[tuple, tuple[Storage, set[str]]]:
    found: dict[tuple, tuple[Storage, set[str]]] = {}
    for model, f in file_fields():
        _storage, names = found.setdefault(_storage_key(f.storage), (f.storage, set()))
        names.update(name for name in model._default_manager.exclude(**{f.name: ""}).values_list(f.name, flat=True))
    return found


def _walk(storage: Storage, directory: str):
    try:
        subdirs, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for sub in subdirs:
        yield from _walk(storage, f"{directory}/{sub}")


def sweep_private_files(*, older_than: dt.timedelta = dt.timedelta(hours=24), dry_run: bool = False) -> SweepResult:
    """Delete (or with ``dry_run`` only list) the unreferenced files under ``SWEPT_DIRS`` that were
    last changed more than ``older_than`` ago."""
    result = SweepResult()
    cutoff = clock.now() - older_than
    for storage, referenced in _referenced_by_storage().values():
        for directory in SWEPT_DIRS:
            for name in _walk(storage, directory):
                if name in referenced:
                    result.kept += 1
                elif storage.get_modified_time(name) > cutoff:
                    result.too_new += 1  # its transaction may still be open
                else:
                    if not dry_run:
                        storage.delete(name)
                    result.removed.append(name)
    return result
