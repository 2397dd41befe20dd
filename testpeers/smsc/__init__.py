"""The test SMSC: ``smsc.js`` (the npm ``smpp`` package's server, installed by ``make node-deps``)
and ``SmscServer``, which starts, controls and stops it from Python."""

from testpeers.smsc.server import SmscServer, SmscUnavailable

__all__ = ["SmscServer", "SmscUnavailable"]
