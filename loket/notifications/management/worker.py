"""The workers' loop: claim and send until told to stop, and keep the outbox tidy on the way.

``manage.py notifications_worker`` runs one per process. What is sent, and how a send is recorded
so that nobody gets a message twice, is ``services/delivery.py``; what the housekeeping removes is
``services/retention.py`` (and ``receipts.retry_pending_receipts``).
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import close_old_connections, connection

from loket.notifications.channels.registry import Registry, build_registry
from loket.notifications.services.delivery import claim_batch, process, release
from loket.notifications.services.receipts import retry_pending_receipts
from loket.notifications.services.retention import forget_old_receipts, purge_old, scrub_expired

logger = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600.0
# Scrubbing expired codes and retrying early receipts: often enough for a 5-minute code, and not on
# every claim round (scrub_expired reads the outbox by expiry).
HOUSEKEEPING_EVERY_SECONDS = 5.0


def _refresh_connection() -> None:
    """Drop a connection that is too old or broken (a long-running worker), as Django does
    around each request; never inside a transaction (a test's, or a caller's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def run_worker(
    worker_id: str,
    *,
    once: bool = False,
    batch: int = 10,
    poll_seconds: float = 2.0,
    stop_event: threading.Event | None = None,
    registry: Registry | None = None,
) -> int:
    """Claim and send until ``stop_event`` is set (or, with ``once``, until nothing is due).
    Returns the number of messages processed."""
    stop_event = stop_event or threading.Event()
    registry = registry if registry is not None else build_registry()
    processed = 0
    next_purge = next_housekeeping = 0.0  # both at start, then every so often (not every round)
    try:
        while not stop_event.is_set():
            _refresh_connection()
            try:
                if time.monotonic() >= next_purge:
                    purge_old()
                    next_purge = time.monotonic() + PURGE_EVERY_SECONDS
                if time.monotonic() >= next_housekeeping:
                    scrub_expired()
                    retry_pending_receipts()
                    forget_old_receipts()
                    next_housekeeping = time.monotonic() + HOUSEKEEPING_EVERY_SECONDS
                claimed = claim_batch(worker_id, batch)
            except Exception:
                logger.exception("notifications worker %s: claiming failed", worker_id)
                if once:
                    raise
                stop_event.wait(poll_seconds)
                continue
            for position, notification in enumerate(claimed):
                if stop_event.is_set():
                    for rest in claimed[position:]:
                        release(rest)
                    break
                try:
                    process(notification, registry)
                except Exception:
                    # Nothing of the message is logged; its lease expires and another round decides.
                    logger.exception("notifications worker %s: message %s failed", worker_id, notification.pk)
                processed += 1
            if not claimed:
                if once:
                    break
                stop_event.wait(poll_seconds)
    finally:
        registry.close()
        _refresh_connection()
    return processed
