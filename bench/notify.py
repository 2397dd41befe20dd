"""Benchmark: the notification outbox sent by several worker processes to a local SMSC and a local
WhatsApp gateway, while the gateway goes down for a while and one worker is killed mid-send.

    python bench/notify.py                          # 20,000 messages, 4 workers, PostgreSQL
    python bench/notify.py --count 2000 --workers 2
    python bench/notify.py --db sqlite              # one SQLite file, the same worker processes

What is measured. The outbox path of a real deployment, with real processes and real protocols
on 127.0.0.1. A scratch database (PostgreSQL ``loket_bench_notify``, dropped and re-created on
every run, migrated with ``manage.py migrate``; or with ``--db sqlite`` one SQLite file in a
temporary directory) gets C = N/4 citizens. Each has a valid Indonesian mobile number (+62 811…899,
all different) and a channel preference: even citizens ``["sms", "whatsapp"]``, odd ones
``["whatsapp", "sms"]``, so half of the messages go over SMPP and half over the HTTP gateway. Each
citizen gets four messages, as the events would write them: booking confirmed, the reminder the
day before, called to a counter, document ready (real templates, realistic values, event keys
shaped like the queue's and the requests'). All N are written with ``services.enqueue`` inside
transactions of ``--enqueue-batch`` messages (default 100), before any worker starts.

- SMS: ``SmppChannel`` (a transceiver bind per worker) to the test SMSC, the npm ``smpp`` package's
  server run by node (``testpeers/smsc``). It answers every ``submit_sm`` and sends a
  delivery receipt (``deliver_sm``, ``stat:DELIVRD``) ``--receipt-delay-ms`` (50) later on the
  submitting session, or on another bound session of the same account when that one is gone. The
  channel's ``on_receipt`` is ``loket.notifications.services.handle_receipt``, so the receipts are
  applied by the workers' SMPP reader threads, as in production. For ``--undeliverable`` (1 %) of
  the SMS-first citizens the SMSC answers ``stat:UNDELIV``: their messages fall back to WhatsApp.
- WhatsApp: ``HttpGatewayChannel`` with the Cloud API payload (``whatsapp_cloud``) to the stdlib
  test gateway (``testpeers/http_gateway.py``), run in this process. Like Meta's Cloud API it has no
  idempotency (``honour_idempotency=False``, and ``gateway_dedupes`` is left False, so the channel
  does not de-duplicate): every request that reaches it is recorded, so a resend would show.
  Delivery status comes back as the Cloud API webhook: for every message the gateway accepted, a
  thread of this process builds the status body (``"delivered"``) with the gateway's own helper,
  signs it with the app secret, and hands it to the configured channel's ``parse_webhook`` and
  then ``services.apply_receipt``: what the receipts view ``/notifikasi/laporan-kirim/whatsapp/``
  does, without the HTTP request and the middleware (their cost is not in the figures). It does so
  within ~50 ms of acceptance, often before the worker has recorded the send (the early-receipt
  path, ``PendingReceipt``).

K workers (``--workers``, 4) are separate processes, ``manage.py notifications_worker --batch 10
--poll 0.2``, with ``DATABASE_URL`` pointing at the scratch database and ``NOTIFY_CHANNELS_JSON``
configuring both channels. On PostgreSQL they claim with ``SELECT … FOR UPDATE SKIP LOCKED``; on
SQLite ``BEGIN IMMEDIATE`` makes them take turns (one writer at a time; the receipts of the SMPP
readers and of the webhook thread queue for the same lock). Settings for the bench, shorter than
in production so that the run does not wait minutes: ``NOTIFY_BACKOFF_SECONDS=1`` (``--backoff``;
production 30), ``NOTIFY_LEASE_SECONDS=10`` (``--lease``; production 300), channel timeouts 5 s,
``NOTIFY_MAX_ATTEMPTS`` 5 as in production, ``DATABASE_CONN_MAX_AGE=60`` as in production.

The disturbances. When a third of the messages have left the queue (``--outage-at``), the HTTP
gateway is stopped for ``--outage-seconds`` (5) and started again on the same port: the WhatsApp
sends get "connection refused" (a temporary failure) and back off 1, 2, 4 … s. When half have left
(``--kill-at``, after the outage), the gateway is told to hold its answer to the next WhatsApp
request for ``--hold-seconds`` (3) after it has recorded the message; as soon as a delivery
attempt has been open for 0.3 s, the worker that owns it is SIGKILLed: it dies mid-send, after
the gateway got the message, before it learnt so, holding the rest of its claimed batch. A
replacement worker starts at once (as systemd would restart it); the dead worker's rows come back
when their lease expires. Its in-flight message must end *uncertain* (WhatsApp does not
de-duplicate, so it is never resent); the others are sent normally.

The run ends when every message is in a final state (delivered, failed or uncertain), or when
nothing changed for ``--stall`` seconds (60), or after ``--timeout`` (1800 s).

Counting, from the database and from the gateways' own records:

- ``created``: outbox rows written (must be N).
- ``delivered``: status *delivered*, which only a receipt sets: for SMS the SMSC's DELIVRD
  ``deliver_sm`` applied by ``handle_receipt``; for WhatsApp a ``delivered`` status webhook for the
  message id the gateway answered. Each delivered message is checked against the records: its
  gateway must have received it, and the SMSC must have sent a DELIVRD receipt for its
  ``provider_id`` (the webhook thread must have posted one); otherwise the run fails.
- ``failed``: *failed* plus *uncertain* (both final; nothing resends them by itself). The context
  line ``uncertain:`` lists the uncertain ones apart, with their cause and how many times the
  gateway received each: the killed worker's in-flight message is expected there.
- ``lost``: neither delivered nor final (pending, sending, or sent without a receipt) at the end.
- ``duplicated``: messages a gateway received more than once under our message id
  (``loket-ntf-<pk>-<channel>``; the SMSC's records carry no id of ours, so a ``submit_sm`` is
  matched to its message by destination and text; a concatenated SMS counts once, by its first
  part), plus messages that reached both gateways when the SMS copy was not reported undelivered
  (a fall-back after an UNDELIV receipt is the design, not a duplicate).
- ``per_s``: (delivered + failed) ÷ the wall time from the first worker's start to the last final
  state (the last ``delivered_at``, or the last finished attempt of a failed or uncertain message).

The last line is the machine-readable summary ``notify created=N delivered=D failed=F lost=L
duplicated=U per_s=X``; the run fails (exit status 1) when L or U is not 0, or any other check
fails (a delivered message without the gateway's record of it, a worker other than the killed one
dying, gateway records that match no message). The ``machine:`` line gives the load before the
run (the machine is shared: figures taken while other work runs are lower); the ``cpu:`` line
splits the CPU time used during the run per message between the workers, PostgreSQL (all of its
processes, other sessions' included), the node SMSC, this process (gateway, webhooks, monitor)
and everything else. The ``test`` database and ``var/`` are never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.booking import TICK, cpu_busy, drop_database, machine_ticks, recreate_database  # noqa: E402
from testpeers.http_gateway import GatewayServer  # noqa: E402
from testpeers.smsc import SmscServer  # noqa: E402

PG_DB = "loket_bench_notify"
SMPP_SYSTEM_ID = "loket"
SMPP_PASSWORD = "rahasia1"  # SMPP 3.4: at most 8 characters; the test SMSC's account only
FINAL = ("delivered", "failed", "uncertain")
OUT_OF_QUEUE = (*FINAL, "sent")
KINDS = ("booking_confirmed", "booking_reminder", "called", "document_ready")
MOBILE_PREFIXES = ("811", "812", "813", "821", "822", "852", "853", "857", "858", "877", "878", "895", "896")
FIRST_NAMES = ("Budi", "Siti", "Rahmat", "Dewi", "Andi", "Nurhayati", "Yusuf", "Rina", "Fadli", "Sri", "Aldi")
LAST_NAMES = ("Santoso", "Rahmawati", "Hidayat", "Lestari", "Saputra", "Syahputra", "Putri", "Chaniago", "Tanjung")
OFFICES = (
    ("Kecamatan Padang Utara", "Jl. Ahmad Yani No. 12, Padang"),
    ("Kelurahan Gunung Pangilun", "Jl. Gunung Pangilun No. 3, Padang"),
    ("Kecamatan Ciputat", "Jl. Dewi Sartika No. 5, Ciputat"),
    ("Kelurahan Sawah Baru", "Jl. Raya Sawah Baru No. 21, Ciputat"),
    ("Kecamatan Kuta Alam", "Jl. T. Nyak Arief No. 8, Banda Aceh"),
    ("Kelurahan Tegalsari", "Jl. Kedungdoro No. 40, Surabaya"),
)
SERVICES = (
    "Kartu Keluarga",
    "KTP elektronik",
    "Akta Kelahiran",
    "Surat Keterangan Usaha",
    "Surat Keterangan Domisili",
    "Surat Keterangan Pindah",
    "Kartu Identitas Anak",
)
SESSIONS = (("08.00-12.00 WIB", "0800"), ("13.00-15.00 WIB", "1300"))
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SMSC_RECEIVED = (0, "dropped", "unanswered")  # submit_sm the SMSC took in (and may have delivered)
HELD_FOR = 0.3  # an attempt open this long is the one the gateway holds


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--count", type=int, default=env_int("BENCH_NOTIFY_COUNT", 20000), help="messages [20000]")
    add("--workers", type=int, default=env_int("BENCH_NOTIFY_WORKERS", 4), help="worker processes [4]")
    add("--db", choices=("postgres", "sqlite"), default=os.environ.get("BENCH_NOTIFY_DB", "postgres"))
    add("--batch", type=int, default=10, help="messages a worker claims at a time [10]")
    add("--poll", type=float, default=0.2, help="seconds a worker waits when nothing is due [0.2]")
    add("--enqueue-batch", type=int, default=100, help="messages enqueued per transaction [100]")
    add("--backoff", type=float, default=1.0, help="NOTIFY_BACKOFF_SECONDS for the bench [1]")
    add("--lease", type=float, default=10.0, help="NOTIFY_LEASE_SECONDS for the bench [10]")
    add("--channel-timeout", type=float, default=5.0, help="SMPP and HTTP timeouts [5]")
    add("--outage-at", type=float, default=0.33, help="stop the gateway when this share left the queue")
    add("--outage-seconds", type=float, default=5.0, help="how long the gateway is down (0: no outage) [5]")
    add("--kill-at", type=float, default=0.5, help="kill a worker when this share left the queue")
    add("--hold-seconds", type=float, default=3.0, help="the gateway holds the doomed request's answer [3]")
    add("--no-kill", action="store_true", help="kill no worker")
    add("--undeliverable", type=float, default=0.01, help="share of SMS-first citizens whose SMS is UNDELIV")
    add("--receipt-delay-ms", type=int, default=50, help="SMSC receipt delay [50]")
    add("--stall", type=float, default=60.0, help="give up when nothing changed this long [60 s]")
    add("--timeout", type=float, default=1800.0, help="give up after this long [1800 s]")
    add("--seed", type=int, default=env_int("BENCH_SEED", 1))
    add("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"), help="PostgreSQL URL base")
    add("--keep-db", action="store_true", help=f"leave the scratch database {PG_DB} (or the SQLite file)")
    args = parser.parse_args(argv)
    if args.count < 8 or args.workers < 2 or args.batch < 1:
        parser.error("needs --count >= 8, --workers >= 2 (one is killed) and --batch >= 1")
    if args.lease <= args.channel_timeout:
        parser.error("--lease must be longer than --channel-timeout (see NOTIFY_LEASE_SECONDS)")
    if args.hold_seconds >= args.channel_timeout:
        parser.error("--hold-seconds must be shorter than --channel-timeout")
    return args


# --- the channels ---------------------------------------------------------------------------


def channels_config(args: argparse.Namespace, smsc: SmscServer, gateway: GatewayServer) -> dict:
    return {
        "sms": {
            "backend": "loket.notifications.channels.smpp.SmppChannel",
            "host": smsc.host,
            "port": smsc.port,
            "system_id": SMPP_SYSTEM_ID,
            "password": SMPP_PASSWORD,
            "timeout": args.channel_timeout,
            "on_receipt": "loket.notifications.services.handle_receipt",
        },
        "whatsapp": {
            "backend": "loket.notifications.channels.http.HttpGatewayChannel",
            "name": "whatsapp",
            "url": gateway.whatsapp_url,
            "payload": "whatsapp_cloud",
            "auth": {"type": "bearer", "token": gateway.whatsapp_token},
            "timeout": args.channel_timeout,
            "whatsapp": {"app_secret": gateway.app_secret},
        },
    }


def bench_env(args: argparse.Namespace, database_url: str, workdir: Path, channels: dict) -> dict[str, str]:
    """The environment of every Loket process here (this one and the workers)."""
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "DJANGO_ALLOWED_HOSTS"}}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="loket.settings",
        LOKET_PROFILE="development",
        DJANGO_DEBUG="false",
        DATABASE_CONN_MAX_AGE="60",
        LOKET_VAR_DIR=str(workdir),
        NOTIFY_CHANNELS_JSON=json.dumps(channels),
        NOTIFY_BACKOFF_SECONDS=str(args.backoff),
        NOTIFY_LEASE_SECONDS=str(args.lease),
        NOTIFY_MAX_ATTEMPTS="5",
    )
    return env


# --- data: citizens, preferences, the outbox ---------------------------------------------------


@dataclass
class Plan:
    citizens: int
    sms_first: int
    undeliverable: set[str]  # msisdns whose SMS receipts say UNDELIV
    transactions: int
    seconds: float
    created: int
    sms_parts: Counter  # parts per SMS-first message (gsm.plan)


def request_code(n: int, rng: random.Random) -> str:
    digits = []
    for _ in range(4):
        n, rest = divmod(n, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[rest])
    return "PMH-" + "".join(reversed(digits)) + "-" + "".join(rng.choice(CODE_ALPHABET) for _ in range(4))


def phone_for(c: int) -> str:
    prefix = MOBILE_PREFIXES[c % len(MOBILE_PREFIXES)]
    return f"+62{prefix}{(c * 7919 + 1234567) % 10**8:08d}"  # the 8 digits alone differ per citizen


def setup_data(args: argparse.Namespace) -> Plan:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from loket.accounts.factories import make_nik
    from loket.accounts.models import User, UserKind
    from loket.core import clock
    from loket.notifications import services
    from loket.notifications.channels import gsm
    from loket.notifications.models import ContactPreference, Notification
    from loket.notifications.phones import gateway_msisdn, is_mobile

    rng = random.Random(args.seed)
    started = time.perf_counter()
    citizens = -(-args.count // len(KINDS))
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(
            kind=UserKind.CITIZEN,
            nik=make_nik(c),
            username=make_nik(c),
            full_name=f"{FIRST_NAMES[c % len(FIRST_NAMES)]} {LAST_NAMES[(c // 7) % len(LAST_NAMES)]}",
            phone=phone_for(c),
            password=unusable,
        )
        for c in range(citizens)
    )
    assert all(is_mobile(u.phone) for u in users[: len(MOBILE_PREFIXES)]), "the bench's numbers must be mobile"
    assert len({u.phone for u in users}) == citizens
    now = clock.now()
    every = round(1 / args.undeliverable) if args.undeliverable > 0 else 0
    undeliverable = set()
    preferences = []
    for c, user in enumerate(users):
        sms_first = c % 2 == 0
        if sms_first and every and (c // 2) % every == every // 2:
            undeliverable.add(gateway_msisdn(user.phone))
        preferences.append(
            ContactPreference(
                user=user,
                channels=["sms", "whatsapp"] if sms_first else ["whatsapp", "sms"],
                verified_phone=user.phone,
                phone_verified_at=now,
                updated_at=now,
            )
        )
    ContactPreference.objects.bulk_create(preferences)

    base_day = (clock.now() + dt.timedelta(days=2)).date()
    contexts = []
    for c in range(citizens):
        office, address = OFFICES[c % len(OFFICES)]
        service = SERVICES[(c // 3) % len(SERVICES)]
        day = base_day + dt.timedelta(days=c % 20)
        sesi, hhmm = SESSIONS[(c // 5) % 2]
        number = f"{'ABCD'[c % 4]}-{(c // 4) % 300 + 1:03d}"
        ticket = 100000 + c
        contexts.append(
            {
                "booking_confirmed": (
                    f"queueing.booked:{ticket}:{day}:{hhmm}",
                    {"nomor": number, "layanan": service, "kantor": office, "tanggal": day, "sesi": sesi},
                ),
                "booking_reminder": (
                    f"queueing.reminder:{ticket}:{day}",
                    {"nomor": number, "layanan": service, "kantor": office, "tanggal": day, "sesi": sesi},
                ),
                "called": (
                    f"queueing.called:{ticket}:{day:%Y%m%d}{9 + c % 6:02d}{c % 60:02d}00",
                    {"nomor": number, "loket": f"Loket {1 + c % 4}", "kantor": office},
                ),
                "document_ready": (
                    f"permohonan.ready:{500000 + c}",
                    {
                        "kode_permohonan": request_code(c, rng),
                        "layanan": service,
                        "tempat": f"{office}, {address}",
                    },
                ),
            }
        )
    transactions = 0
    parts: Counter = Counter()
    for start in range(0, args.count, args.enqueue_batch):
        with transaction.atomic():
            for n in range(start, min(start + args.enqueue_batch, args.count)):
                c, kind = n % citizens, KINDS[n // citizens]
                event_key, context = contexts[c][kind]
                row = services.enqueue(event_key=event_key, template=kind, recipient=users[c], context=context)
                if row is None:
                    raise SystemExit(f"notify: enqueue wrote nothing for message {n} ({kind}, citizen {c})")
                if c % 2 == 0:
                    parts[gsm.segments(row.text)] += 1
        transactions += 1
    created = Notification.objects.count()
    return Plan(
        citizens=citizens,
        sms_first=(citizens + 1) // 2,
        undeliverable=undeliverable,
        transactions=transactions,
        seconds=time.perf_counter() - started,
        created=created,
        sms_parts=parts,
    )


# --- the WhatsApp status webhooks ------------------------------------------------------------------


class Webhooks(threading.Thread):
    """For every message the gateway accepted: a signed Cloud API ``delivered`` status, through the
    configured channel's ``parse_webhook`` and ``services.apply_receipt`` (the receipts view without
    HTTP). A failure (the database busy) is retried in the next round, as Meta retries a webhook."""

    def __init__(self, gateway: GatewayServer, interval: float = 0.05):
        super().__init__(name="bench-webhooks", daemon=True)
        self.gateway = gateway
        self.interval = interval
        self.stop_event = threading.Event()
        self.seen = 0
        self.posted: set[str] = set()  # wamids whose delivered status was applied (or kept)
        self.applied = 0
        self.kept = 0  # no message had that provider id yet: kept as a PendingReceipt
        self.errors: Counter = Counter()

    def run(self) -> None:
        from django.db import connection

        from loket.notifications import services
        from loket.notifications.channels.registry import webhook_channel

        channel = webhook_channel("whatsapp")
        retry: list[dict] = []
        try:
            while True:
                stopping = self.stop_event.is_set()
                new = self.gateway.accepted[self.seen :]
                self.seen += len(new)
                todo, retry = retry + [e for e in new if e["api"] == "whatsapp"], []
                for entry in todo:
                    body = json.dumps(
                        self.gateway.whatsapp_status_payload(
                            entry["id"], "delivered", recipient=entry["to"], callback_data=entry["ref"]
                        )
                    ).encode()
                    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": self.gateway.sign(body)}
                    try:
                        for receipt in channel.parse_webhook(body, headers):
                            if services.apply_receipt(receipt) is None:
                                self.kept += 1
                            else:
                                self.applied += 1
                        self.posted.add(entry["id"])
                    except Exception as exc:  # the view would answer 500; Meta sends it again
                        self.errors[type(exc).__name__] += 1
                        retry.append(entry)
                        with contextlib.suppress(Exception):
                            connection.close()
                if stopping and not retry:
                    break
                self.stop_event.wait(self.interval)
        finally:
            connection.close()


# --- worker processes and CPU time -------------------------------------------------------------


@dataclass
class Worker:
    wid: str
    process: subprocess.Popen
    log: Path
    started: float
    cpu: float = 0.0  # last sampled CPU seconds

    def sample(self) -> None:
        seconds = proc_seconds(self.process.pid)
        if seconds is not None:
            self.cpu = seconds[0]


def start_worker(wid: str, args: argparse.Namespace, env: dict[str, str], workdir: Path) -> Worker:
    log_path = workdir / f"{wid}.log"
    log = open(log_path, "w")  # noqa: SIM115 - handed to the child for its lifetime
    command = [sys.executable, "manage.py", "notifications_worker", "--id", wid, "--batch", str(args.batch)]
    command += ["--poll", str(args.poll)]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return Worker(wid, process, log_path, time.time())


def stop_workers(workers: list[Worker]) -> None:
    for w in workers:
        if w.process.poll() is None:
            w.process.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.process.kill()
            w.process.wait()


def proc_seconds(pid: int) -> tuple[float, float] | None:
    """(own, waited-for children's) CPU seconds of a process, from /proc; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK, (int(fields[13]) + int(fields[14])) / TICK


def postgres_seconds() -> float:
    """CPU seconds of PostgreSQL: every live ``postgres`` process, plus the postmaster's ended
    children (backends that closed: a worker's, or an SMPP reader thread's after
    ``DATABASE_CONN_MAX_AGE``). Other sessions' work on the same server is included."""
    procs = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        procs[int(stat.parent.name)] = (
            text[text.index("(") + 1 : text.rindex(")")],
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / TICK,
            (int(fields[13]) + int(fields[14])) / TICK,
        )
    total = 0.0
    for name, ppid, own, children in procs.values():
        if name != "postgres":
            continue
        total += own
        if procs.get(ppid, ("",))[0] != "postgres":  # the postmaster
            total += children
    return total


@dataclass
class CpuSnapshot:
    busy: int
    total: int
    postgres: float
    smsc: float
    bench: float

    @classmethod
    def take(cls, smsc_pid: int | None) -> CpuSnapshot:
        busy, total = machine_ticks()
        times = os.times()
        smsc = proc_seconds(smsc_pid) if smsc_pid else None
        return cls(busy, total, postgres_seconds(), smsc[0] if smsc else 0.0, times.user + times.system)


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Events:
    t0: float = 0.0
    outage_start: float | None = None
    outage_end: float | None = None
    outage_progress: int = 0
    kill_at: float | None = None
    kill_progress: int = 0
    victim: str = ""
    victim_caught_sending: bool = False
    victim_attempt: tuple[int, str] | None = None  # (notification pk, channel) of its open attempt
    victim_rows: list[int] = field(default_factory=list)
    victim_open: list[int] = field(default_factory=list)
    replacement: str = ""
    timeline: list[tuple[float, int]] = field(default_factory=list)
    ended: float = 0.0
    end_reason: str = ""
    died: list[str] = field(default_factory=list)  # workers (not the victim) that exited


def pg_activity() -> tuple[int, int] | None:
    """(transactions committed, sessions opened) in the scratch PostgreSQL database so far."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT xact_commit, sessions FROM pg_stat_database WHERE datname = current_database()")
        commits, sessions = cursor.fetchone()
    return int(commits), int(sessions)


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    from loket.notifications.models import Notification

    return dict(Notification.objects.order_by().values_list("status").annotate(n=Count("id")))


def kill_mid_send(
    args: argparse.Namespace, gateway: GatewayServer, workers: list[Worker], events: Events
) -> Worker | None:
    """Have the gateway hold the next WhatsApp answer, then SIGKILL the worker whose attempt stays
    open; failing that (no WhatsApp send in time), the live worker holding most claimed rows."""
    from django.db.models import Count

    from loket.core import clock
    from loket.notifications.models import DeliveryAttempt, Notification

    live = {w.wid: w for w in workers if w.process.poll() is None}
    gateway.delay_next(args.hold_seconds, path=gateway.whatsapp_path)
    armed = time.monotonic()
    victim = None
    while time.monotonic() - armed < args.hold_seconds - 0.2:
        held = (
            DeliveryAttempt.objects.filter(
                outcome="", channel="whatsapp", started_at__lte=clock.now() - dt.timedelta(seconds=HELD_FOR)
            )
            .order_by("started_at")
            .values_list("worker", "notification_id", "channel")
            .first()
        )
        if held is not None and held[0] in live:
            victim = live[held[0]]
            events.victim_caught_sending = True
            events.victim_attempt = (held[1], held[2])
            break
        time.sleep(0.02)
    if victim is None:
        holding = (
            Notification.objects.filter(status="sending", claimed_by__in=list(live))
            .values_list("claimed_by")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if holding is None:
            return None
        victim = live[holding[0]]
    victim.sample()
    os.kill(victim.process.pid, signal.SIGKILL)
    events.kill_at = time.time()
    victim.process.wait()
    events.victim = victim.wid
    events.victim_rows = list(
        Notification.objects.filter(status="sending", claimed_by=victim.wid).values_list("pk", flat=True)
    )
    events.victim_open = list(
        DeliveryAttempt.objects.filter(outcome="", worker=victim.wid).values_list("notification_id", flat=True)
    )
    return victim


def drive(
    args: argparse.Namespace,
    created: int,
    gateway: GatewayServer,
    workers: list[Worker],
    env: dict[str, str],
    workdir: Path,
    t0: float,
) -> Events:
    """Watch the outbox until every message is final (or a stall, or the timeout), stopping the
    gateway and killing a worker on the way."""
    events = Events(t0=t0)
    victim: Worker | None = None
    last_progress, last_change, next_mark = -1, time.time(), 10.0
    kill_wanted = not args.no_kill
    while True:
        now = time.time()
        counts = status_counts()
        final = sum(counts.get(s, 0) for s in FINAL)
        out = final + counts.get("sent", 0)
        progress = final * 2 + out  # changes whenever a row leaves the queue or becomes final
        if progress != last_progress:
            last_progress, last_change = progress, now
        for w in workers:
            if w is not victim:
                w.sample()
                if w.process.poll() is not None and w.wid not in events.died:
                    events.died.append(w.wid)
        while now - events.t0 >= next_mark:
            events.timeline.append((next_mark, final))
            next_mark += 10.0
        if final >= created:
            events.ended, events.end_reason = now, "every message final"
            break
        if now - events.t0 > args.timeout:
            events.ended, events.end_reason = now, f"timeout ({args.timeout:g} s)"
            break
        if now - last_change > args.stall:
            events.ended, events.end_reason = now, f"nothing changed for {args.stall:g} s"
            break
        if args.outage_seconds > 0 and events.outage_start is None and out >= args.outage_at * created:
            gateway.stop()
            events.outage_start, events.outage_progress = time.time(), out
        down = events.outage_start is not None and events.outage_end is None
        if down and time.time() >= events.outage_start + args.outage_seconds:
            gateway.start()
            events.outage_end = time.time()
        outage_over = args.outage_seconds <= 0 or events.outage_end is not None
        if kill_wanted and outage_over and out >= args.kill_at * created:
            kill_wanted = False
            events.kill_progress = out
            victim = kill_mid_send(args, gateway, workers, events)
            if victim is not None:
                events.replacement = f"w{len(workers)}"
                workers.append(start_worker(events.replacement, args, env, workdir))
        time.sleep(0.25)
    return events


# --- counting --------------------------------------------------------------------------------


def at(moment: dt.datetime | None, t0: float) -> float | None:
    return None if moment is None else moment.timestamp() - t0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def count(
    created_expected: int,
    plan: Plan,
    events: Events,
    smsc_records: list[dict],
    accepted: list[dict],
    webhooks: Webhooks,
    workers: list[Worker],
    gateway_requests: int,
) -> tuple[dict, list[str], list[str]]:
    """(figures, context lines, failures)."""
    from loket.notifications.models import DeliveryAttempt, Notification, PendingReceipt

    t0 = events.t0
    rows = {
        r["pk"]: r
        for r in Notification.objects.values(
            "pk", "status", "channel", "channels", "provider_id", "to_phone", "text", "sent_at", "delivered_at"
        )
    }
    attempts = defaultdict(list)
    for a in DeliveryAttempt.objects.order_by("number").values(
        "notification_id", "number", "channel", "worker", "started_at", "finished_at", "outcome", "error"
    ):
        attempts[a["notification_id"]].append(a)
    failures: list[str] = []
    lines: list[str] = []

    # The SMSC's records: submit_sm matched to messages by destination and text.
    by_msisdn = defaultdict(list)
    for r in rows.values():
        by_msisdn[r["to_phone"].lstrip("+")].append(r)
    sms_copies: Counter = Counter()
    sms_ids = defaultdict(list)  # pk -> the SMSC's message ids of the first parts it accepted
    unmatched = 0
    parts_accepted = 0
    multipart = 0
    for rec in smsc_records:
        if rec.get("type") != "submit_sm" or rec.get("status") not in SMSC_RECEIVED:
            continue
        parts_accepted += rec.get("status") == 0
        concat = rec.get("concat")
        if concat and concat.get("seq") != 1:
            continue
        multipart += bool(concat)
        text = rec.get("text", "")
        matches = [
            r
            for r in by_msisdn.get(rec.get("destination_addr", ""), [])
            if (r["text"].startswith(text) and concat) or r["text"] == text
        ]
        if len(matches) != 1:
            unmatched += 1
            continue
        sms_copies[matches[0]["pk"]] += 1
        sms_ids[matches[0]["pk"]].append(rec.get("message_id", ""))
    receipts_by_id = defaultdict(set)
    receipt_stats: Counter = Counter()
    for rec in smsc_records:
        if rec.get("type") == "receipt":
            receipts_by_id[rec["message_id"]].add(rec["stat"])
            receipt_stats[rec["stat"]] += 1
    resp_errors = sum(1 for rec in smsc_records if rec.get("type") == "deliver_sm_resp" and rec.get("status"))
    if unmatched:
        failures.append(f"{unmatched} submit_sm at the SMSC match no message (or several)")

    # The HTTP gateway's records: our message id is in biz_opaque_callback_data.
    wa_copies: Counter = Counter()
    for entry in accepted:
        match = re.fullmatch(r"loket-ntf-(\d+)-whatsapp", entry.get("ref", ""))
        if entry.get("api") != "whatsapp" or match is None or int(match.group(1)) not in rows:
            failures.append(f"the gateway accepted a message that is not ours: {entry.get('ref')!r}")
            continue
        wa_copies[int(match.group(1))] += 1

    statuses = Counter(r["status"] for r in rows.values())
    created = len(rows)
    delivered = [r for r in rows.values() if r["status"] == "delivered"]
    failed = [r for r in rows.values() if r["status"] == "failed"]
    uncertain = [r for r in rows.values() if r["status"] == "uncertain"]
    lost = [r for r in rows.values() if r["status"] not in FINAL]
    if created != created_expected:
        failures.append(f"{created} outbox rows, not {created_expected}")

    # Delivered must be backed by the gateway that carried it.
    unbacked = []
    for r in delivered:
        if r["channel"] == "sms":
            ok = sms_copies[r["pk"]] >= 1 and "DELIVRD" in receipts_by_id.get(r["provider_id"], set())
        else:
            ok = wa_copies[r["pk"]] >= 1 and r["provider_id"] in webhooks.posted
        if not ok:
            unbacked.append(r["pk"])
    if unbacked:
        failures.append(f"{len(unbacked)} delivered messages have no gateway record or receipt: {unbacked[:5]}")

    # Duplicates: a gateway that received one message id twice; both gateways without a failed SMS.
    same = {pk for pk, n in sms_copies.items() if n > 1} | {pk for pk, n in wa_copies.items() if n > 1}
    both = {pk for pk in sms_copies if wa_copies[pk]}
    fallback_ok = {pk for pk in both if any(receipts_by_id.get(i, set()) - {"DELIVRD"} for i in sms_ids[pk])}
    duplicated = same | (both - fallback_ok)

    # Uncertain: why, and how often the gateway had them.
    causes: Counter = Counter()
    uncertain_notes = []
    for r in uncertain:
        unknown = [a for a in attempts[r["pk"]] if a["outcome"] == "unknown"]
        last = unknown[-1] if unknown else None
        if last is not None and killed_attempt(last, events):
            cause = f"in flight when {events.victim} was killed"
        elif last is not None:
            cause = f"sent, no answer ({last['channel']})"
        else:
            cause = "?"
        causes[cause] += 1
        copies = sms_copies[r["pk"]] if r["channel"] == "sms" else wa_copies[r["pk"]]
        uncertain_notes.append(f"#{r['pk']} {r['channel']} ({cause}; the gateway received it {copies}x)")

    # Timing.
    last_final_times = [at(r["delivered_at"], t0) for r in delivered]
    for r in failed + uncertain:
        finished = [at(a["finished_at"], t0) for a in attempts[r["pk"]] if a["finished_at"] is not None]
        if finished:
            last_final_times.append(max(finished))
    last_final = max((t for t in last_final_times if t is not None), default=0.0)
    last_sent = max((at(r["sent_at"], t0) for r in rows.values() if r["sent_at"]), default=0.0)
    finished_count = len(delivered) + len(failed) + len(uncertain)
    per_s = finished_count / last_final if last_final > 0 else 0.0

    # Per channel.
    for channel in ("sms", "whatsapp"):
        mine = [r for r in delivered if r["channel"] == channel]
        lags = [
            (r["delivered_at"] - r["sent_at"]).total_seconds() * 1000
            for r in mine
            if r["delivered_at"] and r["sent_at"]
        ]
        first = sum(1 for r in rows.values() if r["channels"][:1] == [channel])
        if channel == "sms":
            copies = sum(sms_copies.values())
            detail = (
                f"the SMSC took {copies} messages in {parts_accepted} parts ({multipart} concatenated), sent "
                + ", ".join(f"{n} {stat}" for stat, n in sorted(receipt_stats.items()))
                + f" receipts ({resp_errors} answered with an error and sent again)"
            )
        else:
            detail = (
                f"{gateway_requests} requests reached the gateway, it accepted {sum(wa_copies.values())}; "
                f"{webhooks.applied} status webhooks applied, {webhooks.kept} kept early as PendingReceipt"
                + (f", {sum(webhooks.errors.values())} retried ({dict(webhooks.errors)})" if webhooks.errors else "")
            )
        lines.append(
            f"{channel}: {first} messages had it first; {len(mine)} delivered on it; {detail}; "
            f"receipt after the recorded send p50 {percentile(lags, 0.5):.0f} ms, p99 {percentile(lags, 0.99):.0f} ms"
            " (negative: the receipt came first)"
        )
    moved = [r for r in rows.values() if r["channels"] and r["channel"] != r["channels"][0]]
    moved_status = Counter(r["status"] for r in moved)
    lines.append(
        f"fallback: {len(moved)} messages moved to their second channel ("
        + ", ".join(f"{n} {s}" for s, n in sorted(moved_status.items()))
        + f"); {len(both)} reached both gateways, {len(fallback_ok)} of them after an SMS receipt that was not DELIVRD"
        f" ({len(plan.undeliverable)} numbers answer UNDELIV)"
    )

    outcomes = Counter(a["outcome"] or "open" for rows_attempts in attempts.values() for a in rows_attempts)
    per_worker = Counter(a["worker"] for rows_attempts in attempts.values() for a in rows_attempts)
    lines.append(
        f"attempts: {sum(outcomes.values())} ("
        + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
        + "); per worker: "
        + ", ".join(f"{w} {n}" for w, n in sorted(per_worker.items()))
    )

    # The outage.
    if events.outage_start is not None:
        up_again = events.outage_end or events.ended
        start = dt.datetime.fromtimestamp(events.outage_start, dt.UTC)
        end = dt.datetime.fromtimestamp(up_again, dt.UTC)
        temporary = [a for pk_attempts in attempts.values() for a in pk_attempts if a["outcome"] == "temporary"]
        hit = Counter(a["notification_id"] for a in temporary)
        during = sum(1 for a in temporary if start <= a["started_at"] <= end)
        done_at = [at(rows[pk]["sent_at"], t0) for pk in hit if rows[pk]["sent_at"]]
        sends_after = [
            a["started_at"]
            for pk_attempts in attempts.values()
            for a in pk_attempts
            if a["channel"] == "whatsapp" and a["outcome"] == "sent" and a["started_at"] > end
        ]
        first_after = at(min(sends_after), t0) - (up_again - t0) if sends_after else float("nan")
        last_done = max(done_at, default=float("nan"))
        lines.append(
            f"outage: the HTTP gateway stopped at {events.outage_start - t0:.1f} s ({events.outage_progress} of "
            f"{created} out of the queue), started again {up_again - events.outage_start:.1f} s later; "
            f"{len(temporary)} attempts failed temporarily ({during} during the outage) on {len(hit)} messages, "
            f"at most {max(hit.values(), default=0)} on one; the first WhatsApp send after the restart "
            f"{first_after:.2f} s later, the last of the {len(hit)} messages sent {last_done - (up_again - t0):.1f} s "
            f"after it ({sum(1 for pk in hit if rows[pk]['status'] == 'delivered')} of them delivered)"
        )

    # The kill.
    if events.victim:
        taken = []  # (seconds after the kill, by whom): its next attempt, or its open one closed as unknown
        for pk in events.victim_rows:
            moments = [(at(a["started_at"], t0), a["worker"]) for a in attempts[pk] if a["worker"] != events.victim]
            moments += [
                (at(a["finished_at"], t0), "another worker")
                for a in attempts[pk]
                if killed_attempt(a, events) and a["finished_at"] is not None
            ]
            if moments:
                moment, by = min(moments)
                taken.append((moment - (events.kill_at - t0), by))
        fates = Counter(rows[pk]["status"] for pk in events.victim_rows)
        open_note = ", ".join(
            f"#{pk} ({rows[pk]['channel']}, now {rows[pk]['status']}, gateway copies "
            f"{sms_copies[pk] if rows[pk]['channel'] == 'sms' else wa_copies[pk]})"
            for pk in events.victim_open
        )
        lines.append(
            f"kill: {events.victim} SIGKILLed at {events.kill_at - t0:.1f} s ({events.kill_progress} out of the queue), "
            + (
                f"mid-send (the gateway had recorded message #{events.victim_attempt[0]} and was holding its answer)"
                if events.victim_caught_sending
                else "NOT caught mid-send (no WhatsApp attempt stayed open): the worker holding most claimed rows"
            )
            + f"; it held {len(events.victim_rows)} claimed rows, {len(events.victim_open)} with an open attempt: "
            f"{open_note or 'none'}; {events.replacement} started in its place; the rows were taken over "
            + (
                f"{min(t for t, _ in taken):.1f}-{max(t for t, _ in taken):.1f} s after the kill "
                f"(lease {settings_lease():g} s)"
                if taken
                else "by nobody"
            )
            + "; they ended "
            + ", ".join(f"{n} {s}" for s, n in sorted(fates.items()))
        )

    lines.append(
        f"uncertain: {len(uncertain)}"
        + (
            " (" + ", ".join(f"{n} {c}" for c, n in sorted(causes.items())) + "): " + "; ".join(uncertain_notes[:6])
            if uncertain
            else ""
        )
        + f"; failed (not uncertain): {len(failed)}; counted together as failed"
    )
    left = Counter()
    for receipt in PendingReceipt.objects.values("provider_id"):
        pid = receipt["provider_id"]
        if pid.startswith("wamid."):
            left["WhatsApp status of a message whose send was never recorded"] += 1
        else:
            left["SMPP receipt matching no recorded send"] += 1
    lines.append(
        "early receipts left unmatched (PendingReceipt): "
        + (", ".join(f"{n} {what}" for what, n in left.items()) if left else "none")
    )
    if lost:
        lines.append(
            f"lost: {len(lost)} ("
            + ", ".join(f"{n} {s}" for s, n in sorted(Counter(r["status"] for r in lost).items()))
            + "): "
            + ", ".join(f"#{r['pk']} {r['channel']} {r['status']}" for r in lost[:8])
        )
    if duplicated:
        lines.append(
            "duplicated: "
            + ", ".join(f"#{pk} (SMSC {sms_copies[pk]}x, gateway {wa_copies[pk]}x)" for pk in sorted(duplicated)[:8])
        )
    lines.append(
        "progress: final at "
        + ", ".join(f"{t:.0f} s {n}" for t, n in events.timeline)
        + f"; everything out of the queue at {last_sent:.1f} s, the last final state at {last_final:.1f} s"
        f" ({events.end_reason})"
    )
    for w in workers:
        if w.wid != events.victim and (w.process.returncode or 0) != 0:
            failures.append(f"worker {w.wid} exited with {w.process.returncode} (log: {tail(w.log)})")
    for wid in events.died:
        failures.append(f"worker {wid} died during the run")
    figures = {
        "created": created,
        "delivered": len(delivered),
        "failed": len(failed) + len(uncertain),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "per_s": per_s,
        "statuses": statuses,
        "finished": finished_count,
        "last_final": last_final,
    }
    return figures, lines, failures


def finished_of(figures: dict) -> int:
    return max(figures["finished"], 1)


def killed_attempt(attempt: dict, events: Events) -> bool:
    """An attempt of the killed worker that was still open when it died (closed later as unknown by
    the worker that took the message over)."""
    return (
        bool(events.victim)
        and attempt["worker"] == events.victim
        and attempt["outcome"] == "unknown"
        and attempt["finished_at"] is not None
        and attempt["finished_at"].timestamp() >= (events.kill_at or 0)
    )


def settings_lease() -> float:
    from django.conf import settings

    return settings.NOTIFY_LEASE_SECONDS


def tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "?"


def log_problems(workers: list[Worker]) -> list[str]:
    """Tracebacks and lease losses the workers logged (their logs are INFO, one line a send)."""
    found = []
    for w in workers:
        try:
            text = w.log.read_text(errors="replace")
        except OSError:
            continue
        tracebacks = text.count("Traceback (most recent call last)")
        lease_lost = text.count("lease lost during attempt")
        unknown = text.count("outcome unknown")
        if tracebacks or lease_lost or unknown:
            found.append(f"{w.wid}: {tracebacks} tracebacks, {lease_lost} lease lost, {unknown} outcome unknown")
    return found


# --- main ---------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path) -> int:
    if args.db == "postgres":
        recreate_database(args.pg, PG_DB)
        database_url = f"{args.pg}/{PG_DB}"
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    smsc = SmscServer(accounts={SMPP_SYSTEM_ID: SMPP_PASSWORD}, receipt_delay_ms=args.receipt_delay_ms)
    gateway = GatewayServer(honour_idempotency=False)
    workers: list[Worker] = []
    webhooks = None
    try:
        smsc.start()
        gateway.start()
        env = bench_env(args, database_url, workdir, channels_config(args, smsc, gateway))
        os.environ.update(env)
        for name in ("CI", "DJANGO_ALLOWED_HOSTS"):
            os.environ.pop(name, None)
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env, capture_output=True, text=True
        )
        if migrated.returncode != 0:
            raise SystemExit(f"notify: migrate failed:\n{migrated.stdout[-2000:]}\n{migrated.stderr[-3000:]}")

        import django

        django.setup()
        import logging

        from django.db import connection

        logging.getLogger("loket").setLevel(logging.WARNING)  # this process: no line per early receipt

        plan = setup_data(args)
        parts = ", ".join(f"{n} in {k} part{'s' if k > 1 else ''}" for k, n in sorted(plan.sms_parts.items()))
        where = f"scratch PostgreSQL database {PG_DB}" if args.db == "postgres" else "a scratch SQLite file (WAL)"
        print(
            f"setup: {where}; {plan.citizens} citizens ({plan.sms_first} SMS first, {plan.citizens - plan.sms_first} "
            f"WhatsApp first; {len(plan.undeliverable)} SMS-first numbers get UNDELIV receipts); {plan.created} "
            f"messages enqueued with services.enqueue in {plan.transactions} transactions ({plan.seconds:.1f} s); "
            f"SMS-first texts: {parts}"
        )
        if plan.undeliverable:
            smsc.configure(receipt_stat=dict.fromkeys(sorted(plan.undeliverable), "UNDELIV"))
        print(
            f"channels: sms = SmppChannel to the node SMSC {smsc.host}:{smsc.port} (a transceiver bind per worker, "
            f"receipts {args.receipt_delay_ms} ms after submit_sm, on_receipt handle_receipt); whatsapp = "
            f"HttpGatewayChannel whatsapp_cloud to the test gateway {gateway.url} in this process (no idempotency), "
            "its delivered status webhooks signed and applied here (parse_webhook + apply_receipt)"
        )
        print(
            f"workers: {args.workers} x manage.py notifications_worker --batch {args.batch} --poll {args.poll:g}; "
            f"NOTIFY_BACKOFF_SECONDS={args.backoff:g} NOTIFY_LEASE_SECONDS={args.lease:g} NOTIFY_MAX_ATTEMPTS=5, "
            f"channel timeouts {args.channel_timeout:g} s, DATABASE_CONN_MAX_AGE=60; gateway down "
            f"{args.outage_seconds:g} s at {args.outage_at:.0%}, "
            + ("no kill" if args.no_kill else f"a worker SIGKILLed mid-send at {args.kill_at:.0%}")
        )
        connection.close()

        webhooks = Webhooks(gateway)
        webhooks.start()
        pg_before = pg_activity()
        connection.close()
        cpu_before = CpuSnapshot.take(smsc._process.pid if smsc._process else None)
        t_start = time.time()
        for i in range(args.workers):
            workers.append(start_worker(f"w{i}", args, env, workdir))
        events = drive(args, plan.created, gateway, workers, env, workdir, t_start)
        for w in workers:
            if w.process.poll() is None:
                w.sample()
        cpu_after = CpuSnapshot.take(smsc._process.pid if smsc._process else None)
        stop_workers(workers)
        webhooks.stop_event.set()
        webhooks.join(timeout=60)
        smsc_records = smsc.records()
        accepted = list(gateway.accepted)
        time.sleep(1.0)  # PostgreSQL's statistics reach the view within a second of a session's end
        pg_after = pg_activity()

        figures, lines, failures = count(
            args.count, plan, events, smsc_records, accepted, webhooks, workers, gateway.requests[gateway.whatsapp_path]
        )
        connection.close()
        for line in lines:
            print(line)
        if pg_before and pg_after:
            receipts = sum(1 for rec in smsc_records if rec.get("type") == "receipt")
            sessions = pg_after[1] - pg_before[1]
            print(
                f"postgres: {pg_after[0] - pg_before[0]} transactions committed during the run "
                f"({(pg_after[0] - pg_before[0]) / finished_of(figures):.1f} per finished message), {sessions} "
                f"sessions opened ({sessions / max(receipts, 1):.3f} per SMPP receipt; handle_receipt keeps the "
                "reader thread's connection within DATABASE_CONN_MAX_AGE)"
            )
        problems = log_problems(workers)
        if problems:
            print("worker logs: " + "; ".join(problems))
        finished = max(figures["finished"], 1)
        busy = (cpu_after.busy - cpu_before.busy) / TICK
        total = (cpu_after.total - cpu_before.total) / TICK
        used = {
            "workers": sum(w.cpu for w in workers),
            "postgres": cpu_after.postgres - cpu_before.postgres,
            "smsc (node)": cpu_after.smsc - cpu_before.smsc,
            "this process (gateway, webhooks, monitor)": cpu_after.bench - cpu_before.bench,
        }
        used["other"] = max(busy - sum(used.values()), 0.0)
        if total:
            print(
                f"cpu: machine {busy / total:.0%} busy from the first worker start to the end; CPU time per finished "
                "message: " + ", ".join(f"{k} {v * 1000 / finished:.1f} ms" for k, v in used.items())
            )
        load_after = os.getloadavg()[0]
        print(f"machine: load average {load_after:.2f} after the run")
        if not failures and not figures["lost"] and not figures["duplicated"]:
            print("checks: ok")
        print(
            f"notify created={figures['created']} delivered={figures['delivered']} failed={figures['failed']} "
            f"lost={figures['lost']} duplicated={figures['duplicated']} per_s={figures['per_s']:.1f}"
        )
        if figures["lost"]:
            failures.append(f"{figures['lost']} messages lost (neither delivered nor final)")
        if figures["duplicated"]:
            failures.append(f"{figures['duplicated']} messages received more than once")
        for failure in failures:
            print(f"notify FAILED: {failure}", file=sys.stderr)
        return 1 if failures else 0
    finally:
        stop_workers(workers)
        if webhooks is not None and webhooks.is_alive():
            webhooks.stop_event.set()
            webhooks.join(timeout=10)
        smsc.close()
        gateway.stop()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    load = os.getloadavg()[0]
    busy = cpu_busy()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load:.2f}, "
        f"{'?' if busy is None else f'{busy:.0%}'} busy in the second before the run"
        + (" (other work is running: the figures will be low)" if busy and busy > 0.15 else "")
    )
    SmscServer.check_installed()  # node and `make node-deps`, before anything is created
    lock = None
    if args.db == "postgres":
        import psycopg

        lock = psycopg.connect(f"{args.pg}/postgres", autocommit=True)
        if not lock.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [PG_DB]).fetchone()[0]:
            raise SystemExit(f"notify: another run is using {PG_DB} on this server; try again when it is done")
    workdir = Path(tempfile.mkdtemp(prefix="loket-bench-notify-"))
    try:
        return run(args, workdir)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.keep_db:
            print(f"kept: {PG_DB if args.db == 'postgres' else workdir} (worker logs in {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if args.db == "postgres":
                drop_database(args.pg, PG_DB)
        if lock is not None:
            lock.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
