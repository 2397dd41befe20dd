"""``python -m testpeers.smsc``: the test SMSC for local development."""

from testpeers.smsc.server import main

main()
