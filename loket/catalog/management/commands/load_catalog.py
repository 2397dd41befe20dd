"""``manage.py load_catalog [path]``: create or update the service catalogue from a JSON file."""

from django.core.management.base import BaseCommand, CommandError

from loket.catalog.services import STANDARD_CATALOG, load_catalog
from loket.core.errors import DomainError


class Command(BaseCommand):
    help = "Load the standard service catalogue (idempotent: services are matched by code)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(STANDARD_CATALOG), help="catalogue JSON file")

    def handle(self, *args, path: str, **options):
        try:
            result = load_catalog(actor=None, path=path)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"catalog: {result}")
