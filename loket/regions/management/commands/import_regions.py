"""``manage.py import_regions [--file F] [--prefix P ...]``: load or refresh the Kemendagri region list."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loket.core.errors import DomainError
from loket.regions.services import import_regions


class Command(BaseCommand):
    help = "Import the Kemendagri region codes (idempotent: re-running changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(settings.REGIONS_CSV), help="CSV with columns kode,nama")
        parser.add_argument(
            "--prefix",
            action="append",
            dest="prefixes",
            metavar="CODE",
            help="only codes under this prefix (and its ancestors); repeat for several",
        )

    def handle(self, *args, file: str, prefixes: list[str] | None, **options):
        try:
            result = import_regions(path=file, prefixes=prefixes)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(result.summary())
