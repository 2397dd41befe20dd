"""``manage.py load_demo``: real demo places, the standard catalogue and demo accounts.

Idempotent: running it again keeps everything as it is. New accounts' passwords are printed
once, here, and never again (only their hashes are stored).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from loket.core.errors import DomainError
from loket.demo.services import Credential, load_demo


def credentials_table(credentials: list[Credential], secret: str = "") -> str:
    header = (_("Username"), _("Name"), _("Role"), _("Where"), secret or _("Password"))
    rows = [(c.username, c.full_name, c.role, c.where, c.password) for c in credentials]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(row):
        return "| " + " | ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line, fmt(header), line, *(fmt(r) for r in rows), line])


class Command(BaseCommand):
    help = "Load the demo: real places, the standard catalogue and demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--region-prefix",
            action="append",
            dest="prefixes",
            metavar="CODE",
            help="import only these region prefixes instead of the whole list (faster; for tests)",
        )

    def handle(self, *args, prefixes=None, **options):
        try:
            result = load_demo(region_prefixes=prefixes)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        out = self.stdout
        out.write(result.regions)
        out.write(
            _("Offices: %(created)d created, %(kept)d already there (kept as they are).")
            % {"created": len(result.offices_created), "kept": len(result.offices_kept)}
        )
        out.write(result.catalog)
        if result.queues_created:
            out.write(
                _("Queues: %(count)d offices got their standard queues and quotas.")
                % {"count": len(result.queues_created)}
            )
        if result.letters_created:
            out.write(
                _("Letters: %(count)d letterheads and templates created.") % {"count": len(result.letters_created)}
            )
        if result.credentials:
            out.write("")
            out.write(self.style.WARNING(_("Demo accounts created. Their passwords are shown ONLY NOW: note them.")))
            out.write(credentials_table(result.credentials))
            out.write(_("Citizens log in with their NIK as username; officers with the username above."))
        if result.signing_pins:
            out.write("")
            out.write(self.style.WARNING(_("Signing PINs of the demo officials, shown ONLY NOW: note them.")))
            out.write(credentials_table(result.signing_pins, secret=_("Signing PIN")))
        if result.accounts_kept:
            out.write(
                _(
                    "Demo accounts already exist: %(usernames)s. Their passwords were shown once when they "
                    "were created and are not stored in clear; to set a new one: manage.py changepassword USERNAME."
                )
                % {"usernames": ", ".join(result.accounts_kept)}
            )
        out.write(self.style.SUCCESS(_("Demo ready.")))
