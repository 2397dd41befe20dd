"""The counters behind quotas and ticket numbers, changed only by conditional updates (DESIGN.md).

- A place is taken by ``UPDATE session_counter SET used = used + 1 WHERE … AND used < limit``: the
  row count says whether there was room. PostgreSQL serialises updates of one row, so a quota can
  never be exceeded, and there is no count-then-insert race.
- The next ticket number is ``UPDATE day_counter SET last_number = last_number + 1 … RETURNING``,
  in the caller's transaction: the row stays locked until commit, so two tickets never get the
  same number, and a rollback gives the number back (no gaps).
- The counter rows of a day are created on first use by ``INSERT … ON CONFLICT DO NOTHING``, and
  only when the update found no row: an insert on every booking would queue behind the hot row's
  lock too.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import F

from loket.queueing.models import DayCounter, SessionCounter


def ensure_counters(group_id: int, local_date: dt.date, session_start: dt.time) -> None:
    SessionCounter.objects.bulk_create(
        [SessionCounter(group_id=group_id, local_date=local_date, session_start=session_start)],
        ignore_conflicts=True,
    )
    DayCounter.objects.bulk_create([DayCounter(group_id=group_id, local_date=local_date)], ignore_conflicts=True)


def _update_place(group_id, local_date, session_start, field: str, limit: int) -> int:
    return SessionCounter.objects.filter(
        group_id=group_id, local_date=local_date, session_start=session_start, **{f"{field}__lt": limit}
    ).update(**{field: F(field) + 1})


def take_place(group_id: int, local_date: dt.date, session_start: dt.time, *, field: str, limit: int) -> bool:
    """Take one place of ``field`` ("online_used" or "walkin_used"); False when the limit is reached."""
    if limit <= 0:
        return False
    if _update_place(group_id, local_date, session_start, field, limit):
        return True
    # No row yet, or full, or created by a concurrent first booking that committed just after the
    # update looked: make sure the row exists (waits for that booking), then decide on a fresh update.
    ensure_counters(group_id, local_date, session_start)
    return _update_place(group_id, local_date, session_start, field, limit) == 1


def release_place(group_id: int, local_date: dt.date, session_start: dt.time, *, field: str) -> None:
    SessionCounter.objects.filter(
        group_id=group_id, local_date=local_date, session_start=session_start, **{f"{field}__gt": 0}
    ).update(**{field: F(field) - 1})


_NEXT_NUMBER_SQL = (
    f"UPDATE {DayCounter._meta.db_table} SET last_number = last_number + 1 "  # noqa: S608 - table name only
    "WHERE group_id = %s AND local_date = %s RETURNING last_number"
)


def next_number(group_id: int, local_date: dt.date) -> int:
    """The next ticket number of the group's local day (one round trip while the row is held)."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER_SQL, [group_id, local_date])
        row = cursor.fetchone()
        if row is None:
            DayCounter.objects.bulk_create(
                [DayCounter(group_id=group_id, local_date=local_date)], ignore_conflicts=True
            )
            cursor.execute(_NEXT_NUMBER_SQL, [group_id, local_date])
            row = cursor.fetchone()
    return int(row[0])
