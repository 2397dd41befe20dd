"""The verbs of the offices app: the only code that changes offices, counters, hours and holidays.

Every service takes keyword-only arguments including ``actor`` (the user acting; ``None`` means
the system itself, e.g. a management command loading demo data), runs in one transaction,
checks permission, validates with a message that says what to fix, and writes an audit row.

- ``offices``: ``create_office``, ``add_counter``;
- ``hours``: ``set_opening_rules``, ``add_schedule_exception``, ``remove_schedule_exception`` and
  the ``RuleSpec`` / ``SessionSpec`` they take;
- ``holidays``: ``add_holiday``, ``remove_holiday``.
"""

from loket.offices.services.holidays import add_holiday, remove_holiday
from loket.offices.services.hours import (
    RuleSpec,
    SessionSpec,
    add_schedule_exception,
    remove_schedule_exception,
    set_opening_rules,
)
from loket.offices.services.offices import add_counter, create_office

__all__ = [
    "RuleSpec",
    "SessionSpec",
    "add_counter",
    "add_holiday",
    "add_schedule_exception",
    "create_office",
    "remove_holiday",
    "remove_schedule_exception",
    "set_opening_rules",
]
