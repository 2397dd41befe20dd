"""``manage.py signing_ca``: the deployment CA and the signers' keys, from the server's shell.

    signing_ca init                                  # make the CA + TSA once (idempotent)
    signing_ca issue USERNAME [--title T]            # new key + certificate; asks the PIN twice
    signing_ca import-p12 USERNAME FILE [--trust-issuer]   # asks the file's passphrase, then the PIN
    signing_ca change-pin USERNAME                   # asks the old PIN, then the new one twice
    signing_ca register-pkcs11 USERNAME --token T --key K --public-key FILE [--title T]
                                                     # certify a key that stays in a PKCS#11 token
    signing_ca revoke USERNAME --reason "…"          # revokes and re-signs the CRL
    signing_ca crl [--der FILE]                      # re-sign the CRL now, print it (PEM)
    signing_ca export-ca                             # the root certificate (PEM), to import elsewhere

PINs and passphrases are read with ``getpass`` (never echoed, never in the shell history), or for
scripts and tests one per line from standard input with ``--pin-stdin`` / ``--passphrase-stdin``
(the passphrase line first). They are never printed, logged or audited.
"""

from __future__ import annotations

import sys
from getpass import getpass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from loket.core.errors import DomainError
from loket.signing import pki, selectors, services
from loket.signing.signers.base import SignerError


class Command(BaseCommand):
    help = "The deployment's signing CA and the signers' keys (init, issue, import-p12, change-pin, revoke, crl)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init", help="Create the root CA and the TSA certificate (once; idempotent).")

        issue = sub.add_parser("issue", help="Issue a key and certificate to a signer.")
        issue.add_argument("username")
        issue.add_argument("--title", default="", help="The position in the certificate (default: the signer role's).")
        issue.add_argument("--pin-stdin", action="store_true", help="Read the new PIN from standard input.")

        p12 = sub.add_parser("import-p12", help="Import a signer's key and certificate from a PKCS#12 file.")
        p12.add_argument("username")
        p12.add_argument("file")
        p12.add_argument("--passphrase-stdin", action="store_true", help="Read the file's passphrase from stdin.")
        p12.add_argument("--pin-stdin", action="store_true", help="Read the new PIN from standard input.")
        p12.add_argument(
            "--trust-issuer",
            action="store_true",
            help="Accept the certificate's issuer (in the file) as a trusted issuer of this deployment.",
        )

        change = sub.add_parser("change-pin", help="Change a local key's PIN (the old PIN is required).")
        change.add_argument("username")
        change.add_argument("--pin-stdin", action="store_true", help="Read the old and the new PIN from stdin.")

        token = sub.add_parser(
            "register-pkcs11", help="Certify a key kept in a PKCS#11 token (its public key) and register it."
        )
        token.add_argument("username")
        token.add_argument("--token", required=True, help="The token's label.")
        token.add_argument("--key", required=True, help="The private key's label in the token.")
        token.add_argument(
            "--public-key", required=True, help="The key's public key, PEM or DER (SubjectPublicKeyInfo)."
        )
        token.add_argument("--title", default="", help="The position in the certificate (default: the signer role's).")

        revoke = sub.add_parser("revoke", help="Revoke a signer's key (its certificate goes into the CRL).")
        revoke.add_argument("username")
        revoke.add_argument("--reason", required=True)

        crl = sub.add_parser("crl", help="Sign a new CRL now and print it (PEM).")
        crl.add_argument("--der", default="", help="Also write the CRL in DER form to this file.")

        sub.add_parser("export-ca", help="Print the root CA certificate (PEM).")

    # --- input --------------------------------------------------------------------------------

    def _stdin_line(self, what: str) -> str:
        line = self._stdin.readline()
        if not line:
            raise CommandError(f"Expected the {what} on standard input.")
        return line.rstrip("\r\n")

    def _new_pin(self, from_stdin: bool) -> str:
        if from_stdin:
            return self._stdin_line("new PIN")
        pin = getpass("New PIN: ")
        if getpass("New PIN again: ") != pin:
            raise CommandError("The two PINs differ; nothing was changed.")
        return pin

    def _user(self, username: str):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.")

    def _active_key(self, user):
        signer_key = selectors.active_key_for(user)
        if signer_key is None:
            raise CommandError(f"{user.username} has no active signing key.")
        return signer_key

    # --- actions ------------------------------------------------------------------------------

    def handle(self, *args, **options):
        self._stdin = options.get("stdin") or sys.stdin
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except (DomainError, SignerError) as exc:
            raise CommandError(str(exc.message))

    def do_init(self, options):
        authority, created = services.init_authority(actor=None)
        cert = pki.ca_certificate(authority)
        verb = "Created" if created else "Already set up:"
        self.stdout.write(f"{verb} {pki.display_name(cert.subject)}")
        self.stdout.write(f"SHA-256 fingerprint: {cert.fingerprint(hashes.SHA256()).hex(':').upper()}")

    def do_issue(self, options):
        user = self._user(options["username"])
        pin = self._new_pin(options["pin_stdin"])
        signer_key = services.issue_signer_key(actor=None, user=user, pin=pin, title=options["title"])
        self.stdout.write(f"Issued certificate {signer_key.certificate_serial} to {user.username}")

    def do_import_p12(self, options):
        user = self._user(options["username"])
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}")
        if options["passphrase_stdin"]:
            passphrase = self._stdin_line("PKCS#12 passphrase")
        else:
            passphrase = getpass("Passphrase of the PKCS#12 file: ")
        pin = self._new_pin(options["pin_stdin"])
        signer_key = services.import_pkcs12(
            actor=None, user=user, data=data, passphrase=passphrase, pin=pin, trust_issuer=options["trust_issuer"]
        )
        self.stdout.write(f"Imported certificate {signer_key.certificate_serial} for {user.username}")

    def do_change_pin(self, options):
        user = self._user(options["username"])
        signer_key = self._active_key(user)
        old_pin = self._stdin_line("old PIN") if options["pin_stdin"] else getpass("Current PIN: ")
        new_pin = self._new_pin(options["pin_stdin"])
        services.change_pin(actor=None, signer_key=signer_key, old_pin=old_pin, new_pin=new_pin)
        self.stdout.write(f"PIN changed for {user.username}")

    def do_register_pkcs11(self, options):
        user = self._user(options["username"])
        try:
            data = Path(options["public_key"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['public_key']}: {exc.strerror}")
        try:
            public_key = (
                serialization.load_pem_public_key(data)
                if data.lstrip().startswith(b"-----")
                else serialization.load_der_public_key(data)
            )
        except ValueError:
            raise CommandError("The public key file is neither a PEM nor a DER public key.")
        title = " ".join((options["title"] or selectors.signer_title(user)).split())
        if not title:
            raise CommandError("Give the signer's position with --title.")
        cert = pki.issue_certificate_for_public_key(
            public_key=public_key, name=user.full_name or user.username, title=title, nip=user.nip, email=user.email
        )
        signer_key = services.register_pkcs11_key(
            actor=None,
            user=user,
            token_label=options["token"],
            key_label=options["key"],
            certificate_pem=pki.pem(cert),
        )
        self.stdout.write(
            f"Registered certificate {signer_key.certificate_serial} (token {options['token']}) for {user.username}"
        )

    def do_revoke(self, options):
        user = self._user(options["username"])
        signer_key = services.revoke_signer_key(actor=None, signer_key=self._active_key(user), reason=options["reason"])
        self.stdout.write(f"Revoked certificate {signer_key.certificate_serial} of {user.username}")

    def do_crl(self, options):
        authority = services.regenerate_crl(actor=None)
        if options["der"]:
            Path(options["der"]).write_bytes(bytes(authority.crl_der))
        self.stdout.write(authority.crl_pem, ending="")

    def do_export_ca(self, options):
        self.stdout.write(pki.active_authority().ca_certificate_pem, ending="")
