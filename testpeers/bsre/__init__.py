"""A BSrE-compatible remote signer on 127.0.0.1 that really signs (``server``), with its own CA and
time-stamping authority (``pki``). ``python -m testpeers.bsre`` runs it for local development."""

from testpeers.bsre.pki import BsrePki
from testpeers.bsre.server import BsreTestServer, BsreUser

__all__ = ["BsrePki", "BsreTestServer", "BsreUser"]
