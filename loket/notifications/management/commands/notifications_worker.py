"""``manage.py notifications_worker [--once] [--batch N]``: send the outbox (``management/worker.py``).

Run one process per worker; several may run at once, on one or more machines. SIGTERM or
Ctrl-C finishes the message being sent, gives the rest of the batch back and stops.
"""

from __future__ import annotations

import os
import signal
import socket
import threading

from django.core.management.base import BaseCommand

from loket.notifications.management.worker import run_worker


class Command(BaseCommand):
    help = "Send the notifications in the outbox (SMS, WhatsApp, email)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due now, then stop.")
        parser.add_argument("--batch", type=int, default=10, help="Messages claimed at a time (default 10).")
        parser.add_argument("--poll", type=float, default=2.0, help="Seconds to wait when nothing is due.")
        parser.add_argument("--id", default="", help="Worker name (default: host:pid); unique per process.")

    def handle(self, *args, once=False, batch=10, poll=2.0, id="", **options):
        worker_id = id or f"{socket.gethostname()}:{os.getpid()}"
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        count = run_worker(worker_id, once=once, batch=max(1, batch), poll_seconds=poll, stop_event=stop)
        self.stdout.write(f"{worker_id}: {count} message(s) processed")
