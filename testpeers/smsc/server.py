"""Start, control and stop the test SMSC (``smsc.js`` beside this module: the npm ``smpp`` package's
server) from Python. For tests and local development, never for production.

::

    with SmscServer(accounts={"loket": "rahasia"}) as smsc:     # node, 127.0.0.1, ephemeral ports
        channel = SmppChannel(host=smsc.host, port=smsc.port, system_id="loket", password="rahasia")
        smsc.faults(throttle=2)                 # the next 2 submit_sm answered ESME_RTHROTTLED
        smsc.faults(drop_after_submit=1)        # read the next submit_sm, close without answering
        smsc.faults(refuse_binds=True)          # binds answered ESME_RBINDFAIL
        smsc.faults(no_answer=1)                # record the next submit_sm, never answer it
        smsc.faults(after=1, throttle=1)        # let one submit_sm pass, then throttle one
        smsc.configure(receipt_stat={"6281299990000": "UNDELIV"}, receipt_delay_ms=20)
        smsc.submits()                          # every submit_sm received (decoded by node's smpp)
        smsc.wait_for(lambda: len(smsc.records("receipt")) >= 1)
        smsc.stop(); smsc.start()               # the same ports again; records survive

The Node dependencies are installed by ``make node-deps`` (``npm ci`` in ``testpeers/smsc/``). Without
``node`` or without them, ``start()`` raises ``SmscUnavailable`` with what to do: the tests that
need the SMSC fail, they are not skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

SMSC_DIR = Path(__file__).resolve().parent
SCRIPT = SMSC_DIR / "smsc.js"
INSTALL_HINT = "run `make node-deps` (npm ci --prefix testpeers/smsc)"


class SmscUnavailable(RuntimeError):
    """node, or the npm dependencies of the test SMSC, are missing."""


class SmscServer:
    def __init__(
        self,
        *,
        accounts: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        receipt_delay_ms: int = 50,
        valid_destination: str = r"^62[0-9]{8,13}$",
        start_timeout: float = 15.0,
    ):
        self.accounts = dict(accounts or {"loket": "rahasia"})
        self.host = host
        self.port = 0
        self.control_port = 0
        self.receipt_delay_ms = receipt_delay_ms
        self.valid_destination = valid_destination
        self.start_timeout = start_timeout
        self._dir = Path(tempfile.mkdtemp(prefix="loket-smsc-"))
        self.records_path = self._dir / "records.jsonl"
        self.records_path.touch()
        self._process: subprocess.Popen | None = None
        self._stderr_lines: list[str] = []
        self._lock = threading.Lock()

    # -- life cycle ----------------------------------------------------------------------------

    @staticmethod
    def check_installed() -> str:
        """The path of ``node``; ``SmscUnavailable`` when node or the npm package is missing."""
        node = shutil.which("node")
        if node is None:
            raise SmscUnavailable(
                f"the test SMSC needs Node.js (`node` is not on PATH): install nodejs and npm, then {INSTALL_HINT}"
            )
        if not (SMSC_DIR / "node_modules" / "smpp" / "package.json").is_file():
            raise SmscUnavailable(f"the test SMSC's npm dependencies are not installed: {INSTALL_HINT}")
        return node

    def start(self) -> SmscServer:
        if self._process is not None and self._process.poll() is None:
            return self
        node = self.check_installed()
        config = {
            "host": self.host,
            "port": self.port,
            "control_port": self.control_port,
            "records": str(self.records_path),
            "accounts": self.accounts,
            "receipt_delay_ms": self.receipt_delay_ms,
            "valid_destination": self.valid_destination,
        }
        config_path = self._dir / "config.json"
        config_path.write_text(json.dumps(config))
        process = subprocess.Popen(  # noqa: S603 - our own script, no shell
            [node, str(SCRIPT), "--config", str(config_path)],
            cwd=SMSC_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._process = process
        threading.Thread(target=self._drain_stderr, args=(process,), daemon=True).start()
        line = self._read_line(process, self.start_timeout)
        try:
            event = json.loads(line)
        except ValueError:
            event = {}
        if event.get("event") != "listening":
            self._kill()
            raise SmscUnavailable(f"the test SMSC did not start: {line!r} {''.join(self._stderr_lines)[-2000:]}")
        # Restarts come back on the same ports (clients reconnect to where they were).
        self.port = int(event["smpp_port"])
        self.control_port = int(event["control_port"])
        return self

    def _read_line(self, process: subprocess.Popen, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        assert process.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.1)
            if ready:
                return process.stdout.readline()
            if process.poll() is not None:
                break
        return ""

    def _drain_stderr(self, process: subprocess.Popen) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            with self._lock:
                self._stderr_lines.append(line)
                del self._stderr_lines[:-200]

    def stop(self) -> None:
        """Stop the SMSC (SIGTERM: its sessions close); ``start()`` brings it back on the same ports."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=5)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SmscServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- control -------------------------------------------------------------------------------

    def _control(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            f"http://{self.host}:{self.control_port}{path}", data=data, method=method
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")

    def faults(self, **faults) -> dict:
        """``refuse_binds=True|False``, ``throttle=N``, ``queue_full=N``, ``drop_after_submit=N``,
        ``no_answer=N``; ``after=M`` lets M more submit_sm pass before the counted faults apply."""
        return self._control("POST", "/faults", faults)

    def configure(self, **settings) -> dict:
        """``receipt_delay_ms``, ``receipt_tlvs`` (bool), ``receipt_id_format`` ("same"/"decimal"),
        ``receipt_stat`` ({destination: "UNDELIV"}), ``receipts`` (bool)."""
        return self._control("POST", "/config", settings)

    def send_enquire_link(self) -> int:
        """Send enquire_link to every bound session; how many."""
        return self._control("POST", "/enquire_link")["sent"]

    def disconnect_all(self) -> int:
        """Close every session at once (a network drop); how many."""
        return self._control("POST", "/disconnect")["closed"]

    def state(self) -> dict:
        return self._control("GET", "/state")

    def reset(self) -> None:
        """No faults, default configuration, and an empty record (sessions stay)."""
        self._control("POST", "/reset")
        with self._lock:
            self.records_path.write_text("")

    # -- records -------------------------------------------------------------------------------

    def records(self, kind: str | None = None) -> list[dict]:
        entries = []
        with self._lock:
            text = self.records_path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line being written
            if kind is None or entry.get("type") == kind:
                entries.append(entry)
        return entries

    def submits(self, **match) -> list[dict]:
        """submit_sm received, optionally only those whose fields equal ``match``."""
        return [e for e in self.records("submit_sm") if all(e.get(k) == v for k, v in match.items())]

    def wait_for(self, condition, timeout: float = 5.0, interval: float = 0.02) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(interval)
        return bool(condition())

    @staticmethod
    def reassemble(parts: list[dict]) -> str:
        """The text of a concatenated message from its submit_sm records (ordered by UDH seq)."""
        return "".join(p["text"] for p in sorted(parts, key=lambda p: (p.get("concat") or {}).get("seq", 0)))


def main() -> None:  # pragma: no cover - a developer's tool: python -m testpeers.smsc
    import argparse

    parser = argparse.ArgumentParser(description="The test SMSC for local development.")
    parser.add_argument("--system-id", default="loket")
    parser.add_argument("--password", default=os.environ.get("SMSC_PASSWORD", "rahasia"))
    args = parser.parse_args()
    with SmscServer(accounts={args.system_id: args.password}) as server:
        print(
            f"SMSC at {server.host}:{server.port} (control port {server.control_port}); records in {server.records_path}"
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
