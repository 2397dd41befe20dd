"""Create the first system admin of an installation.

    manage.py create_system_admin --username admin --full-name "Admin Kota"

The password is read from the environment variable LOKET_ADMIN_PASSWORD when set (for
scripted installs), otherwise asked twice at the prompt. Running it again for an existing
username keeps the account and its password, and makes sure it holds the system admin role.
"""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from loket.accounts import selectors, services
from loket.accounts.models import UserKind
from loket.core.errors import DomainError

PASSWORD_ENV = "LOKET_ADMIN_PASSWORD"  # noqa: S105 - the variable name, not a password


class Command(BaseCommand):
    help = "Create (or confirm) a system admin account; password from $LOKET_ADMIN_PASSWORD or a prompt."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", default="System admin")
        parser.add_argument("--email", default="")

    def _password(self) -> str:
        password = os.environ.get(PASSWORD_ENV, "")
        if not password:
            if not os.isatty(0):
                raise CommandError(f"Set {PASSWORD_ENV} or run the command in a terminal to type the password.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        return password

    def handle(self, *args, username: str, full_name: str, email: str, **options):
        username = username.strip()
        # Checked before the password prompt, so nobody types a password for nothing.
        if selectors.looks_like_nik(username):
            raise CommandError("A 16-digit username is reserved for citizens' NIKs.")
        existing = selectors.user_by_login(username)
        if existing is not None and existing.kind != UserKind.OFFICER:
            raise CommandError(f"{username} is a citizen account.")
        try:
            user, created = services.ensure_system_admin(
                username=username,
                full_name=full_name,
                email=email,
                password=self._password() if existing is None else None,
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        verb = "Created" if created else "Confirmed"
        self.stdout.write(self.style.SUCCESS(f"{verb} system admin {user.username}."))
