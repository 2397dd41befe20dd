"""The one clock pages ask for "now". Tests monkeypatch ``loket.core.clock.now`` to freeze time.

Call it as ``clock.now()`` (module attribute), never ``from loket.core.clock import now``,
so that a patched clock is seen everywhere.
"""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return timezone.now()
