"""Changing the region tree: importing the Kemendagri code list.

The list is reference data: an import adds new codes, renames changed ones and marks codes that
disappeared as retired (``is_current=False``). It never deletes, because old NIKs and KK numbers
keep the prefix they were issued under.
"""

import csv
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core.errors import DomainError
from loket.regions.models import Region, RegionLevel

CODE_RE = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")
PREFIX_RE = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")

# Rows per INSERT ... ON CONFLICT statement. SQLite caps bound parameters per statement (999 before
# 3.32, 32766 after; Django 5.2 assumes 999 and splits further by itself), PostgreSQL at 65535.
_PG_BATCH = 5000
# Codes per "code IN (...)" when retiring; below every SQLite limit.
_IN_BATCH = 900


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    retired: int
    total: int  # rows in scope in the file
    seconds: float

    def summary(self) -> str:
        return _(
            "Regions: %(total)d in the list, %(created)d created, %(updated)d updated, "
            "%(retired)d retired, in %(seconds).1f s."
        ) % {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "retired": self.retired,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    level: int
    parent_id: str | None


def level_of(code: str) -> int:
    """1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 kelurahan/desa: the number of dotted parts."""
    return code.count(".") + 1


def parent_code_of(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


# Parsed files, keyed by (path, modification time, size): tests and the demo import subsets of the
# same 91,599-row file many times in one process.
_PARSED: dict[tuple[str, int, int], tuple[_Row, ...]] = {}


def _read_rows(path: Path) -> tuple[_Row, ...]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise DomainError(_("Cannot read the region file %(path)s: %(error)s") % {"path": path, "error": exc})
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        _PARSED.clear()
        _PARSED[key] = tuple(_parse_rows(path))
    return _PARSED[key]


def _parse_rows(path: Path) -> list[_Row]:
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DomainError(_("Cannot read the region file %(path)s: %(error)s") % {"path": path, "error": exc})
    rows: list[_Row] = []
    seen: set[str] = set()
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header or [h.strip().lower() for h in header[:2]] != ["kode", "nama"]:
            raise DomainError(_("The region file must start with the header line 'kode,nama'."))
        for line_no, fields in enumerate(reader, start=2):
            if not fields or not "".join(fields).strip():
                continue
            if len(fields) < 2:
                raise DomainError(
                    _("Line %(line)d of the region file needs two columns: kode,nama.") % {"line": line_no}
                )
            code, name = fields[0].strip(), " ".join(fields[1].split())
            if not CODE_RE.match(code):
                raise DomainError(
                    _("Line %(line)d of the region file has an invalid code '%(code)s' (expected e.g. 36.74.04.1003).")
                    % {"line": line_no, "code": code}
                )
            if not name:
                raise DomainError(_("Line %(line)d of the region file has no name.") % {"line": line_no})
            if code in seen:
                raise DomainError(_("Line %(line)d repeats the code %(code)s.") % {"line": line_no, "code": code})
            seen.add(code)
            rows.append(_Row(code=code, name=name[:120], level=level_of(code), parent_id=parent_code_of(code)))
    for row in rows:
        if row.parent_id is not None and row.parent_id not in seen:
            raise DomainError(
                _("The region file lists %(code)s but not its parent %(parent)s.")
                % {"code": row.code, "parent": row.parent_id}
            )
    return rows


def _ancestors(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _under(code: str, prefixes: Sequence[str]) -> bool:
    return any(code == prefix or code.startswith(prefix + ".") for prefix in prefixes)


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_regions(
    *,
    path: Path | str | None = None,
    prefixes: Sequence[str] | None = None,
    actor=None,
) -> ImportResult:
    """Bring the Region table in line with the CSV at ``path`` (default ``settings.REGIONS_CSV``).

    ``prefixes`` (e.g. ``["36.74.04", "13.71"]``) limits the import to the codes under those prefixes
    plus their ancestors; only codes under a prefix can then be retired. Without prefixes, every current
    code missing from the file is retired. Re-running with the same file changes nothing.
    """
    started = time.perf_counter()
    path = Path(path or settings.REGIONS_CSV)
    prefixes = _clean_prefixes(prefixes)
    rows = _rows_in_scope(_read_rows(path), prefixes)
    with transaction.atomic():
        existing = _existing_regions(prefixes)
        created, updated = _write_regions(rows, existing)
        retired = _retire_regions(existing, rows, prefixes)
        result = ImportResult(
            created=created,
            updated=updated,
            retired=len(retired),
            total=len(rows),
            seconds=round(time.perf_counter() - started, 3),
        )
        if created or updated or retired:
            _record_import(actor, path, prefixes, result, retired)
    return result


def _clean_prefixes(prefixes: Sequence[str] | None) -> list[str] | None:
    """The prefixes asked for, blanks dropped (None when none are left: the whole list)."""
    if prefixes is None:
        return None
    cleaned = [p.strip() for p in prefixes if p and p.strip()] or None
    for prefix in cleaned or ():
        if not PREFIX_RE.match(prefix):
            raise DomainError(
                _("'%(prefix)s' is not a region code prefix; write it like 36.74 or 36.74.04.") % {"prefix": prefix}
            )
    return cleaned


def _scope(prefixes: Sequence[str]) -> tuple[set[str], tuple[str, ...]]:
    """The codes a prefixed import covers: the prefixes and their ancestors exactly, and every
    code below a prefix (``"36.74."`` starts them)."""
    exact = set(prefixes) | {a for p in prefixes for a in _ancestors(p)}
    return exact, tuple(p + "." for p in prefixes)


def _rows_in_scope(rows: Sequence[_Row], prefixes: Sequence[str] | None) -> Sequence[_Row]:
    if not prefixes:
        return rows
    exact, below = _scope(prefixes)
    rows = [row for row in rows if row.code in exact or row.code.startswith(below)]
    found = {row.code for row in rows}
    missing = [p for p in prefixes if p not in found]
    if missing:
        raise DomainError(
            _("These codes are not in the region file: %(codes)s.") % {"codes": ", ".join(sorted(missing))}
        )
    return rows


def _existing_regions(prefixes: Sequence[str] | None) -> dict[str, tuple]:
    """The regions in scope now, by code: (name, level, parent_id, is_current)."""
    in_db = Region.objects.all()
    if prefixes:
        exact, below = _scope(prefixes)
        scope = Q(code__in=exact)
        for prefix in below:
            scope |= Q(code__startswith=prefix)
        in_db = in_db.filter(scope)
    return {
        code: (name, level, parent_id, is_current)
        for code, name, level, parent_id, is_current in in_db.values_list(
            "code", "name", "level", "parent_id", "is_current"
        ).iterator(chunk_size=10000)
    }


def _write_regions(rows: Sequence[_Row], existing: dict[str, tuple]) -> tuple[int, int]:
    """Insert new codes and update changed ones in bulk; returns (created, updated)."""
    to_write: list[Region] = []
    created = updated = 0
    for row in rows:  # the file lists parents before children; keep that order
        have = existing.get(row.code)
        if have == (row.name, row.level, row.parent_id, True):
            continue
        if have is None:
            created += 1
        else:
            updated += 1
        to_write.append(Region(code=row.code, name=row.name, level=row.level, parent_id=row.parent_id, is_current=True))
    # Parents first, whatever order the file had.
    to_write.sort(key=lambda region: region.level)
    if to_write:
        batch = _PG_BATCH if connection.vendor == "postgresql" else None
        Region.objects.bulk_create(
            to_write,
            batch_size=batch,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "parent", "is_current"],
        )
    return created, updated


def _retire_regions(existing: dict[str, tuple], rows: Sequence[_Row], prefixes: Sequence[str] | None) -> list[str]:
    """Mark the current codes in scope that the file no longer lists as retired; returns them."""
    in_file = {row.code for row in rows}
    to_retire = sorted(
        code
        for code, (_name, _level, _parent, is_current) in existing.items()
        if is_current and code not in in_file and (prefixes is None or _under(code, prefixes))
    )
    for chunk in _chunks(to_retire, _IN_BATCH):
        Region.objects.filter(code__in=chunk).update(is_current=False)
    return to_retire


def _record_import(actor, path: Path, prefixes, result: ImportResult, retired: list[str]) -> None:
    # One row for the whole import, about an unsaved stand-in region: the list is the object changed.
    record(
        actor=actor,
        action="regions.import",
        obj=Region(code="*", name=path.name, level=RegionLevel.PROVINSI),
        to_state=f"created={result.created} updated={result.updated} retired={result.retired}",
        data={
            "file": path.name,
            "prefixes": list(prefixes) if prefixes else None,
            "created": result.created,
            "updated": result.updated,
            "retired": result.retired,
            "retired_sample": retired[:50],
        },
    )
