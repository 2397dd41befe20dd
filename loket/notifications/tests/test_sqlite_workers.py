"""The embedded default: several worker processes on one SQLite file send each message once.

SQLite has no SKIP LOCKED; the claim relies on the project's ``BEGIN IMMEDIATE`` transactions
(one writer at a time, the others wait on the busy timeout). This runs real processes
(``manage.py notifications_worker --once``) against a fresh SQLite file, whatever database the
rest of the suite uses.
"""

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WORKERS = 3
MESSAGES = 90

CREATE = f"""
from django.db import transaction
from loket.notifications import services
for n in range({MESSAGES}):
    with transaction.atomic():
        services.enqueue(event_key=f"queueing.booked:ticket:{{n}}", template="called",
                         to_phone=f"+62812{{n:08d}}", context={{"nomor": f"A-{{n:03d}}", "loket": "Loket 1", "kantor": "Uji"}})
"""


@pytest.mark.xdist_group("sqlite-workers")
def test_three_worker_processes_on_sqlite_send_each_message_once(tmp_path):
    sent_log = tmp_path / "sent.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "loket.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'loket.sqlite3'}",
        "LOKET_VAR_DIR": str(tmp_path),
        "NOTIFY_DEFAULT_CHANNELS": "sms",
        "NOTIFY_CHANNELS_JSON": json.dumps(
            {
                "sms": {
                    "backend": "loket.notifications.tests.file_channel.FileChannel",
                    "name": "sms",
                    "path": str(sent_log),
                    "delay": 0.03,
                }
            }
        ),
    }

    def manage(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            **kwargs,
        )

    manage("migrate", "--noinput")
    manage("shell", "-c", CREATE)
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "notifications_worker", "--once", "--batch", "2", "--id", f"w{i}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=240) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    sends = Counter(line.split()[0] for line in sent_log.read_text().splitlines())
    assert len(sends) == MESSAGES and set(sends.values()) == {1}
    with sqlite3.connect(tmp_path / "loket.sqlite3") as db:
        statuses = dict(db.execute("SELECT status, COUNT(*) FROM notifications_notification GROUP BY status"))
        attempts = db.execute("SELECT COUNT(*) FROM notifications_deliveryattempt").fetchone()[0]
    assert statuses == {"sent": MESSAGES} and attempts == MESSAGES
    processes = Counter(line.split()[1] for line in sent_log.read_text().splitlines())
    assert len(processes) >= 2, f"one process sent everything: {outputs}"
