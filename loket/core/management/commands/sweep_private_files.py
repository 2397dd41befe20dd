"""``manage.py sweep_private_files [--hours N] [--dry-run]``: delete private files no row refers to
(left behind by a rolled-back transaction), see ``loket/core/files.py``. Run it daily (cron)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.management.base import BaseCommand, CommandError

from loket.core.files import SWEPT_DIRS, sweep_private_files

logger = logging.getLogger("loket.files")


class Command(BaseCommand):
    help = "Delete private files (letters, signed PDFs, uploads) that no record refers to."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24.0, help="Only files older than this (default 24).")
        parser.add_argument("--dry-run", action="store_true", help="List what would be deleted; delete nothing.")

    def handle(self, *args, hours: float, dry_run: bool, **options):
        if hours < 1:
            raise CommandError(
                "--hours must be at least 1: a file younger than that may belong to an open transaction."
            )
        result = sweep_private_files(older_than=dt.timedelta(hours=hours), dry_run=dry_run)
        for name in result.removed:
            self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {name}")
        verb = "would be deleted" if dry_run else "deleted"
        summary = (
            f"{len(result.removed)} unreferenced file(s) {verb}, {result.kept} in use kept, "
            f"{result.too_new} newer than {hours:g} h left (under {', '.join(SWEPT_DIRS)})"
        )
        if result.removed and not dry_run:
            logger.info("sweep_private_files: %s", summary)
        self.stdout.write(summary)
