"""Timed queue work: run every few minutes (cron or a systemd timer, see docs/operations.md).

- bookings whose session ended without a check-in become no-shows;
- bookings of the next office-local day get their ``reminder_due`` event, once.
Both are idempotent: overlapping or repeated runs change nothing twice.
"""

from django.core.management.base import BaseCommand

from loket.queueing import services


class Command(BaseCommand):
    help = "Expire missed queue bookings and emit the reminders due (idempotent; run every few minutes)."

    def handle(self, *args, **options):
        expired = services.expire_missed_bookings()
        reminded = services.send_due_reminders()
        self.stdout.write(f"queue housekeeping: expired={expired} reminders={reminded}")
