"""The verbs that change an office's queue configuration: service groups (``groups``), quota rows
(``quotas``) and queue rules (``rules``).

This is the only code that writes ``ServiceGroup``, ``Quota`` and ``QueueSettings`` rows (the
booking services only read them). Every verb takes keyword-only arguments including ``actor``
(``None`` means the system itself, e.g. a management command), runs in one transaction, requires
an admin of the office (``policy.allows(actor, policy.MANAGE_OFFICE, office)``, which also admits a
city admin of the office's kabupaten/kota and a system admin), validates with a message that
says what to fix, and writes an audit row ``queueing.config.<verb>``.

The office row is locked first (``SELECT … FOR UPDATE``), so two admins saving at the same time
are serialised: the checks that no table constraint covers (a service in one group per office,
one quota row per scope) cannot be raced.
"""

from loket.queueing.services.config.groups import (
    LETTER_RE,
    MAX_MINUTES,
    MAX_NAME,
    MIN_MINUTES,
    delete_service_group,
    save_service_group,
)
from loket.queueing.services.config.quotas import MAX_LIMIT, WEEKDAYS, delete_quota, save_quota
from loket.queueing.services.config.rules import SETTINGS_FIELDS, update_queue_settings

__all__ = [
    "LETTER_RE",
    "MAX_LIMIT",
    "MAX_MINUTES",
    "MAX_NAME",
    "MIN_MINUTES",
    "SETTINGS_FIELDS",
    "WEEKDAYS",
    "delete_quota",
    "delete_service_group",
    "save_quota",
    "save_service_group",
    "update_queue_settings",
]
