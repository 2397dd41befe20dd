"""``python -m testpeers.bsre [--port 8765]``: the BSrE-compatible signer for local development,
with three demo users (active, expired, revoked) printed on start. It needs no Django settings:
what it shares with the client (``loket.signing.signers.bsre``) is plain data."""

import argparse
import threading

from testpeers.bsre.server import BsreTestServer


def main() -> None:
    parser = argparse.ArgumentParser(description="A BSrE-compatible signing server for local development.")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = BsreTestServer(port=args.port)
    server.add_user("3674041708900001", "rahasia-aktif", name="Hendra Gunawan, S.Sos.")
    server.add_user("3674041708900002", "rahasia-kedaluwarsa", status="EXPIRED", name="Siti Aminah")
    server.add_user("3674041708900003", "rahasia-dicabut", status="REVOKED", name="Agus Salim")
    server.start()
    print(f"BSrE test server at {server.url} (client id {server.client_id!r}, secret {server.client_secret!r})")
    print("users: 3674041708900001/rahasia-aktif (ISSUE), …0002 (EXPIRED), …0003 (REVOKED)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


main()
