"""Create the first system admin of an installation.

    manage.py create_system_admin --username admin --full-name "Admin Kota"

The password is read from the environment variable LOKET_ADMIN_PASSWORD when set (for
scripted installs), otherwise asked twice at the prompt. Running it again for an existing
username keeps the account and its password, and makes sure it holds the system admin role.
"""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from loket.accounts.models import OfficerRole, User, UserKind
from loket.accounts.selectors import looks_like_nik
from loket.audit.services import record
from loket.core.policy import Role

PASSWORD_ENV = "LOKET_ADMIN_PASSWORD"  # noqa: S105 - the variable name, not a password


class Command(BaseCommand):
    help = "Create (or confirm) a system admin account; password from $LOKET_ADMIN_PASSWORD or a prompt."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", default="System admin")
        parser.add_argument("--email", default="")

    def _password(self, user: User) -> str:
        password = os.environ.get(PASSWORD_ENV, "")
        if not password:
            if not os.isatty(0):
                raise CommandError(f"Set {PASSWORD_ENV} or run the command in a terminal to type the password.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        return password

    def handle(self, *args, username: str, full_name: str, email: str, **options):
        username = username.strip()
        if looks_like_nik(username):
            raise CommandError("A 16-digit username is reserved for citizens' NIKs.")
        user = User.objects.filter(username__iexact=username).first()
        if user is not None and user.kind != UserKind.OFFICER:
            raise CommandError(f"{username} is a citizen account.")
        with transaction.atomic():
            created = user is None
            if created:
                user = User(username=username, kind=UserKind.OFFICER, full_name=full_name, email=email)
                user.set_password(self._password(user))
                user.is_staff = True
                user.is_superuser = True
                user.save()
                record(actor=None, action="accounts.create_officer", obj=user, to_state=UserKind.OFFICER.value)
            elif not (user.is_staff and user.is_superuser and user.is_active):
                user.is_staff = user.is_superuser = user.is_active = True
                user.save(update_fields=["is_staff", "is_superuser", "is_active"])
            role, role_created = OfficerRole.objects.get_or_create(
                user=user, role=Role.SYSTEM_ADMIN, office=None, region=None
            )
            if not role.is_active:
                role.is_active = True
                role.save(update_fields=["is_active"])
                role_created = True
            if role_created:
                record(actor=None, action="accounts.grant_role", obj=role, to_state=Role.SYSTEM_ADMIN.value)
        verb = "Created" if created else "Confirmed"
        self.stdout.write(self.style.SUCCESS(f"{verb} system admin {user.username}."))
