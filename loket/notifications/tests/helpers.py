"""Shared test helpers: enqueue a booking message, run the worker once over what is due."""

from __future__ import annotations

from django.db import transaction

from loket.notifications import services
from loket.notifications.services import delivery

BOOKING = {
    "nomor": "A-012",
    "layanan": "KTP-el",
    "kantor": "Kecamatan Ciputat",
    "tanggal": "Rabu, 9 Sep 2026",
    "sesi": "08.00-12.00 WIB",
}


def enqueue_booking(user=None, *, event_key="queueing.booked:ticket:42", **kwargs):
    with transaction.atomic():
        return services.enqueue(
            event_key=event_key, template="booking_confirmed", recipient=user, context=dict(BOOKING), **kwargs
        )


def run_once(registry, worker_id="w1", limit=10):
    """One claim and the processing of every claimed row: the outcomes, in order."""
    return [delivery.process(n, registry) for n in delivery.claim_batch(worker_id, limit)]
