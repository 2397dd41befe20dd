"""The protocol peers that tests and benchmarks talk to, all on 127.0.0.1 with ephemeral ports:

- ``testpeers.server``: the life cycle and JSON handler the HTTP peers share;
- ``testpeers.smsc``: an SMPP 3.4 SMSC (the npm ``smpp`` package's server, run by ``node``);
- ``testpeers.http_gateway``: an HTTP SMS gateway and the WhatsApp Business Cloud API (stdlib);
- ``testpeers.smtp``: an SMTP server (aiosmtpd);
- ``testpeers.bsre``: a BSrE-compatible remote signer that really signs (pyHanko).

Never installed or imported in production: ``pyproject.toml`` packages ``loket`` only, an
import-linter contract forbids ``loket`` (outside its tests) to import this package, and
``tests/test_architecture_testpeers.py`` fails when a peer turns up under ``loket/`` again.
"""
