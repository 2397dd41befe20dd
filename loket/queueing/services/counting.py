"""The counters behind quotas and ticket numbers, changed only by conditional updates (DESIGN.md).

- A place is taken by ``UPDATE session_counter SET used = used + 1 WHERE … AND used < limit``: the
  row count says whether there was room. PostgreSQL serialises updates of one row, so a quota can
  never be exceeded, and there is no count-then-insert race. When it finds no row (the session's
  first booking, or a full session), one upsert decides: ``INSERT … VALUES (…, 1) ON CONFLICT DO
  UPDATE SET used = used + 1 WHERE used < limit RETURNING``, which creates the row, takes a place
  in a row a concurrent first booking has just created, or returns nothing when the session is
  full. The plain UPDATE stays first because it is the cheaper statement while the row is
  contended (with the upsert on every booking, pgbench's one-row ceiling here fell from about
  360–430 to 300–370 transactions a second).
- The next ticket number is ``UPDATE day_counter SET last_number = last_number + 1 … RETURNING``,
  in the caller's transaction: the row stays locked until commit, so two tickets never get the
  same number, and a rollback gives the number back (no gaps).
- The day counter row is created on first use by ``INSERT … ON CONFLICT DO NOTHING``, only when
  the number update found no row.
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


PLACE_FIELDS = ("online_used", "walkin_used")


def _take_place_sql(field: str) -> str:
    table = SessionCounter._meta.db_table
    return (
        f"INSERT INTO {table} (group_id, local_date, session_start, online_used, walkin_used) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT (group_id, local_date, session_start) DO UPDATE SET {field} = {table}.{field} + 1 "
        f"WHERE {table}.{field} < %s RETURNING {field}"
    )


def _update_place(group_id, local_date, session_start, field: str, limit: int) -> int:
    return SessionCounter.objects.filter(
        group_id=group_id, local_date=local_date, session_start=session_start, **{f"{field}__lt": limit}
    ).update(**{field: F(field) + 1})


def take_place(group_id: int, local_date: dt.date, session_start: dt.time, *, field: str, limit: int) -> bool:
    """Take one place of ``field`` ("online_used" or "walkin_used"); False when the limit is reached."""
    if field not in PLACE_FIELDS:
        raise ValueError(f"unknown counter field {field!r}")
    if limit <= 0:
        return False
    if _update_place(group_id, local_date, session_start, field, limit):
        return True
    ops = connection.ops
    first = (1, 0) if field == "online_used" else (0, 1)  # the session's first place, if no row yet
    params = [group_id, ops.adapt_datefield_value(local_date), ops.adapt_timefield_value(session_start), *first]
    with connection.cursor() as cursor:
        cursor.execute(_take_place_sql(field), [*params, limit])
        return cursor.fetchone() is not None


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
