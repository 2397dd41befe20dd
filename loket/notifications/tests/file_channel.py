"""A channel for tests that run real worker processes: it appends every message id it is handed
to a file (one line each, O_APPEND), so that the test can count sends across processes."""

from __future__ import annotations

import os
import time

from loket.notifications.channels.base import SendResult


class FileChannel:
    dedupes = False

    def __init__(self, *, name: str, path: str, delay: float = 0.0):
        self.name = name
        self.path = path
        self.delay = delay

    def send(self, message):
        time.sleep(self.delay)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(f"{message.id} {os.getpid()}\n")
        return SendResult(provider_id=f"file-{message.id}")

    def close(self) -> None:
        return None
