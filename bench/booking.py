"""Benchmark: many citizens booking the same office-day over HTTP, against PostgreSQL's own ceiling.

    python bench/booking.py                      # 300 attempts, quota 100, 32 clients
    python bench/booking.py --attempts 600 --quota 200 --concurrency 64 --workers 2 --worker-class sync

What is measured. A real server (gunicorn serving ``loket.wsgi``, DEBUG off, persistent database
connections) on a scratch PostgreSQL database ``loket_bench_booking`` (dropped and re-created on
every run; the ``test`` database and the developer's SQLite are never touched). One office holds a
session on a future local date (in the office's own zone) whose online quota is Q. Many concurrent
clients, each with its own keep-alive connection, send ``POST /api/v1/tickets`` with a citizen's
bearer token: one attempt in ten is the second submit of a citizen who also submits once, and both
submits of such a pair are released together. 201 counts as granted, 409 as refused (day full, or
already booked), anything else or a broken connection as an error. Throughput (rps) is all
requests over the wall time of the HTTP phase; latency is per request, send to last byte.

Correctness is part of the result: exactly Q tickets may exist afterwards, numbered 1..Q without
gaps or duplicates, held by Q different citizens, with the session counter at Q, the day counter at
Q and one audit row per ticket, and the 201 answers must name exactly those tickets. Any other
outcome, or an error, fails the run (exit status 1).

The ceiling. Every booking serialises on one row (the session counter of that office-day), so the
database alone sets a limit. pgbench runs the booking's write transaction at the SQL level, with
the same number of clients, for a few seconds: the conditional ``UPDATE queueing_sessioncounter …
WHERE online_used < limit``, the day counter ``UPDATE … RETURNING last_number``, the ticket
``INSERT`` and the audit ``INSERT``, in one transaction (on the next day's counters, with a limit
that never runs out, one pre-made citizen per transaction because a citizen may hold one booking a
day). Before that, one booking made through the API in this process is captured statement by
statement, so the script can be compared with what ``book_ticket`` really executes (a warning is
printed when its writes no longer match). ``ratio`` is rps / pg_tps. The last line is the
machine-readable summary.

Where the time goes. Server, clients and PostgreSQL share the machine's CPUs, so the ``cpu:`` line
splits the CPU time used during the HTTP phase per request between our gunicorn, PostgreSQL, the
client threads and everything else (read from /proc). The ``machine:`` line says how busy the
machine was just before the run: figures taken while other work runs are not comparable.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, SimpleQueue

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
VENV_BIN = BASE_DIR / ".venv" / "bin"
PG_DB = "loket_bench_booking"
HOST = "127.0.0.1"
OFFICE_SLUG = "kecamatan-bench-booking"
SERVICE_CODE = "ADM-KK"  # Kartu Keluarga, from the standard catalogue; offered at a kecamatan
SESSION_START = dt.time(8, 0)
# What book_ticket writes, in order; the ceiling script runs the last four (see ceiling_script).
# A session's first booking also inserts the day's counter rows (queueing/services/counting.py);
# every later one, the one captured, writes these.
EXPECTED_WRITES = [
    "UPDATE queueing_sessioncounter",  # take a place: ... WHERE online_used < limit
    "UPDATE queueing_daycounter",  # the next number: ... RETURNING last_number
    "INSERT queueing_ticket",
    "INSERT audit_auditentry",
]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--attempts", type=int, default=env_int("BENCH_ATTEMPTS", 300), help="booking requests in all [300]")
    add("--quota", type=int, default=env_int("BENCH_QUOTA", 100), help="online places in the session [100]")
    add("--concurrency", type=int, default=env_int("BENCH_CONCURRENCY", 32), help="HTTP clients and pgbench clients")
    add("--workers", type=int, default=env_int("BENCH_WORKERS", 3), help="gunicorn worker processes [3]")
    add("--worker-class", default=os.environ.get("BENCH_WORKER_CLASS", "sync"), choices=["sync", "gthread"])
    add("--threads", type=int, default=env_int("BENCH_THREADS", 1), help="threads per gthread worker [1]")
    add("--conn-max-age", type=int, default=env_int("BENCH_CONN_MAX_AGE", 60), help="DATABASE_CONN_MAX_AGE [60]")
    add("--pg-seconds", type=int, default=env_int("BENCH_PG_SECONDS", 5), help="pgbench duration [5]")
    add("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"), help="PostgreSQL URL base")
    add("--seed", type=int, default=env_int("BENCH_SEED", 1), help="order of the attempts")
    add("--keep-db", action="store_true", help=f"leave the scratch database {PG_DB} for inspection")
    args = parser.parse_args(argv)
    if args.concurrency < 2 or args.attempts < 2 or args.quota < 1:
        parser.error("needs --concurrency >= 2, --attempts >= 2 and --quota >= 1")
    if args.quota > args.attempts - args.attempts // 10:
        parser.error("the quota must not exceed the number of different citizens (attempts minus one in ten)")
    return args


# --- the scratch database -----------------------------------------------------------------


def recreate_database(pg: str, name: str = PG_DB) -> None:
    """Drop (with its sessions) and create the scratch database ``name``; also for bench/notify.py."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {name}")


def drop_database(pg: str, name: str = PG_DB) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    """The environment of every Loket process here: the scratch database, development profile."""
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "DJANGO_ALLOWED_HOSTS"}}
    env.update(
        DATABASE_URL=f"{args.pg}/{PG_DB}",
        DJANGO_SETTINGS_MODULE="loket.settings",
        LOKET_PROFILE="development",
        DJANGO_DEBUG="false",
        DATABASE_CONN_MAX_AGE=str(args.conn_max_age),
    )
    return env


# --- data: office, quota, citizens with tokens ---------------------------------------------


@dataclass
class Plan:
    office_id: int
    office_slug: str
    zone: str
    service_id: int
    service_code: str
    service_slug: str
    group_id: int
    letter: str
    target: dt.date
    ceiling_date: dt.date
    keys: list[str]  # one bearer key per citizen, in citizen order
    citizen_ids: list[int]
    pg_citizen_base: int  # pgbench citizen ids run from here (see ceiling_script)
    pg_citizens: int


def open_dates(office, horizon: int) -> list[dt.date]:
    """Future office-local dates within the booking horizon that hold a session at SESSION_START."""
    from loket.offices.selectors import local_today, sessions_on

    today = local_today(office)
    found = []
    for offset in range(1, horizon + 1):
        day = today + dt.timedelta(days=offset)
        if any(s.start.time() == SESSION_START for s in sessions_on(office, day)):
            found.append(day)
    return found


def setup_data(args: argparse.Namespace, citizens: int, pg_citizens: int) -> Plan:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from loket.accounts.factories import make_nik
    from loket.accounts.models import User, UserKind
    from loket.accounts.services import issue_token
    from loket.catalog.models import Service
    from loket.catalog.services import load_catalog
    from loket.offices.factories import OfficeFactory, add_rules
    from loket.offices.models import Day
    from loket.queueing.models import Quota, ServiceGroup
    from loket.queueing.selectors import booking_horizon_days

    assert connection.settings_dict["NAME"] == PG_DB, connection.settings_dict["NAME"]
    load_catalog(actor=None)
    service = Service.objects.get(code=SERVICE_CODE)
    office = OfficeFactory(slug=OFFICE_SLUG, name="Kecamatan Uji Beban")
    # Open every day, public holidays included, so that any date in the horizon will do.
    add_rules(office, list(Day), "08:00", "12:00")
    add_rules(office, list(Day), "13:00", "15:00")
    group = ServiceGroup.objects.create(office=office, letter="A", name="Administrasi kependudukan")
    group.services.set([service])
    Quota.objects.create(group=group, online_limit=args.quota, walkin_limit=args.quota)
    dates = open_dates(office, booking_horizon_days())
    if len(dates) < 2:
        raise SystemExit(f"booking: {office.slug} needs two open dates in the booking horizon, found {dates}")

    unusable = make_password(None)  # citizens log in by token only here; no password hashing needed
    users = User.objects.bulk_create(
        User(
            kind=UserKind.CITIZEN, nik=make_nik(n), username=make_nik(n), full_name=f"Warga Uji {n}", password=unusable
        )
        for n in range(1, citizens + 3)  # the last two book on the ceiling date (capture_booking)
    )
    keys = [issue_token(actor=user, name="bench")[1] for user in users]
    # Citizens for the pgbench transactions, in one statement so their ids are consecutive. The
    # NIKs follow make_nik() (same formula), after the ones above.
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, kind, full_name, nik, nip, phone,
                                       email, is_active, is_staff, date_joined)
            SELECT %s, false, nik, 'citizen', 'Warga Uji ' || n, nik, '', '', '', true, false, now()
            FROM (SELECT n, %s || lpad((1 + (n / 9999) %% 28)::text, 2, '0') || '1187'
                            || lpad((1 + n %% 9999)::text, 4, '0') AS nik
                  FROM generate_series(%s, %s) AS n) AS s
            RETURNING id
            """,
            [unusable, make_nik(0)[:6], citizens + 3, citizens + 2 + pg_citizens],
        )
        ids = sorted(row[0] for row in cur.fetchall())
    assert ids == list(range(ids[0], ids[0] + pg_citizens)), "pgbench citizens must have consecutive ids"
    return Plan(
        office_id=office.pk,
        office_slug=office.slug,
        zone=str(office.timezone),
        service_id=service.pk,
        service_code=service.code,
        service_slug=service.slug,
        group_id=group.pk,
        letter=group.letter,
        target=dates[0],
        ceiling_date=dates[1],
        keys=keys,
        citizen_ids=[u.pk for u in users],
        pg_citizen_base=ids[0],
        pg_citizens=pg_citizens,
    )


def booking_body(plan: Plan, day: dt.date) -> dict[str, str]:
    return {
        "office": plan.office_slug,
        "service": plan.service_slug,
        "date": day.isoformat(),
        "session_start": SESSION_START.strftime("%H:%M"),
    }


def capture_booking(plan: Plan) -> list[str]:
    """Book twice through the API in this process, on the ceiling date, by the two spare citizens,
    and return the SQL of the second booking: the first creates the date's counter rows (for it and
    for pgbench), the second is a booking as all but a session's first one run."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for key in plan.keys[-2:]:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/tickets",
                booking_body(plan, plan.ceiling_date),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
        if response.status_code != 201:
            break
    if response.status_code != 201:
        raise SystemExit(f"booking: the captured booking failed: {response.status_code} {response.content[:300]!r}")
    return [q["sql"] for q in queries.captured_queries]


def describe_sql(statements: list[str]) -> tuple[str, list[str]]:
    """One line about a booking's SQL, and the writes of its transaction as 'VERB table'."""

    def short(sql: str) -> str:
        match = re.match(r'\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', sql)
        return f"{match.group(1).split()[0]} {match.group(2)}" if match else ""

    def first(predicate, default=None):
        return next((i for i, sql in enumerate(statements) if predicate(sql)), default)

    begin = first(lambda sql: sql.strip().upper() == "BEGIN", 0)
    end = first(lambda sql: sql.strip().upper() == "COMMIT", len(statements) - 1)
    # The counter row serialises bookings from the first statement on it: even the INSERT … ON
    # CONFLICT DO NOTHING waits for a booking in flight that has updated the row.
    hot = first(lambda sql: short(sql).endswith(" queueing_sessioncounter"), end)
    outside = [w for w in map(short, statements[:begin] + statements[end + 1 :]) if w]
    writes = [w for w in map(short, statements[begin : end + 1]) if w]
    line = (
        f"a granted booking over the API runs {len(statements)} SQL statements: {begin} before its transaction"
        f" (writes: {', '.join(outside) or 'none'}), {end - begin + 1} in it (BEGIN..COMMIT), the last {end - hot + 1}"
        f" serialised on the session counter row; writes in the transaction: {', '.join(writes)}"
    )
    return line, writes


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(args: argparse.Namespace, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        "loket.wsgi",
        f"--bind={HOST}:{port}",
        f"--workers={args.workers}",
        f"--worker-class={args.worker_class}",
        f"--threads={args.threads}",
        "--keep-alive=5",
        "--log-level=warning",
    ]
    log = open(log_path, "w")  # noqa: SIM115 - handed to the child for its lifetime
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"booking: gunicorn exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port
            conn.close()
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise SystemExit(f"booking: gunicorn did not answer /healthz within 30 s:\n{log_path.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- where the CPU time goes (Linux /proc) ------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot; (0, 0) without /proc."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Fraction of the machine's CPU time that was busy over the next ``seconds``."""
    busy, total = machine_ticks()
    time.sleep(seconds)
    busy2, total2 = machine_ticks()
    return (busy2 - busy) / (total2 - total) if total2 > total else None


def process_seconds(server_pid: int) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) used so far, per process, of: our gunicorn (master and workers),
    PostgreSQL (all its processes) and this process (the clients)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid = int(stat.parent.name)
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        ppid, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK
        if server_pid in (pid, ppid):
            found[pid] = ("gunicorn", used)
        elif name == "postgres":
            found[pid] = ("postgres", used)
        elif pid == os.getpid():
            found[pid] = ("clients", used)
    return found


class CpuMeter:
    """CPU time per request during the HTTP phase, split by who used it (processes that end
    during the phase are not counted)."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def start(self) -> None:
        self.before, self.machine_before = process_seconds(self.server_pid), machine_ticks()

    def stop(self) -> None:
        self.after, self.machine_after = process_seconds(self.server_pid), machine_ticks()

    def line(self, requests: int) -> str:
        busy = (self.machine_after[0] - self.machine_before[0]) / TICK
        total = (self.machine_after[1] - self.machine_before[1]) / TICK
        if not total:
            return "cpu: not measured (no /proc)"
        used = {"gunicorn": 0.0, "postgres": 0.0, "clients": 0.0}
        for pid, (group, seconds) in self.after.items():
            used[group] += seconds - self.before.get(pid, (group, 0.0))[1]
        used["other"] = max(busy - sum(used.values()), 0.0)
        parts = ", ".join(f"{group} {seconds * 1000 / requests:.1f} ms" for group, seconds in used.items())
        return f"cpu: machine {busy / total:.0%} busy during the HTTP phase; CPU time per request: {parts}"


# --- the clients --------------------------------------------------------------------------


@dataclass
class Job:
    citizen: int  # index into Plan.keys / Plan.citizen_ids
    pair: threading.Barrier | None  # shared by both submits of a double submit


@dataclass
class Result:
    citizen: int
    status: int | None  # None: no HTTP answer
    code: str  # the ticket code (201) or the refusal code (409)
    seconds: float
    error: str = ""


def make_jobs(citizens: int, doubles: int, seed: int) -> list[Job]:
    """Citizens 0..doubles-1 submit twice (both submits adjacent, released together), the rest once;
    in a shuffled order."""
    units = list(range(citizens))
    random.Random(seed).shuffle(units)
    jobs = []
    for citizen in units:
        if citizen < doubles:
            pair = threading.Barrier(2)
            jobs += [Job(citizen, pair), Job(citizen, pair)]
        else:
            jobs.append(Job(citizen, None))
    return jobs


def run_clients(
    plan: Plan, port: int, jobs: list[Job], concurrency: int, meter: CpuMeter
) -> tuple[list[Result], float]:
    """Send every job from ``concurrency`` threads, each with its own keep-alive connection; returns
    the results and the wall time from the common start to the last answer."""
    queue: SimpleQueue[Job] = SimpleQueue()
    for job in jobs:
        queue.put(job)
    body = json.dumps(booking_body(plan, plan.target))
    warm_up = f"/api/v1/offices/{plan.office_slug}/services/{plan.service_slug}/availability?days=1"
    start = threading.Barrier(concurrency + 1, timeout=60)
    results: list[Result] = []  # appended to by every client thread (list.append is atomic)

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            conn.request("GET", warm_up)  # opens the connection and warms a worker
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            conn.close()
        start.wait()
        while True:
            try:
                job = queue.get_nowait()
            except Empty:
                break
            if job.pair is not None:
                # Release both submits of a pair together; after 10 s send anyway.
                with contextlib.suppress(threading.BrokenBarrierError):
                    job.pair.wait(timeout=10)
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {plan.keys[job.citizen]}"}
            began = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/tickets", body, headers)
                response = conn.getresponse()
                payload = response.read()
                seconds = time.perf_counter() - began
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                results.append(Result(job.citizen, None, "", time.perf_counter() - began, repr(exc)))
                continue
            code, error = "", ""
            try:
                answer = json.loads(payload)
                code = answer.get("code", "") if isinstance(answer, dict) else ""
            except ValueError:
                error = payload[:200].decode(errors="replace")
            if response.status not in (201, 409):
                error = error or payload[:200].decode(errors="replace")
            results.append(Result(job.citizen, response.status, code, seconds, error))
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    meter.start()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    meter.stop()
    return results, seconds


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1]


# --- checks -------------------------------------------------------------------------------


def verify(plan: Plan, quota: int, results: list[Result]) -> list[str]:
    """What must hold in the database after the HTTP phase; returns the failures (empty: all good)."""
    from django.db.models import Count

    from loket.audit.models import AuditEntry
    from loket.queueing.models import ACTIVE_STATUSES, DayCounter, SessionCounter, Ticket

    failures = []
    tickets = list(Ticket.objects.filter(group_id=plan.group_id, local_date=plan.target))
    numbers = sorted(t.number for t in tickets)
    if numbers != list(range(1, quota + 1)):
        failures.append(f"ticket numbers are not 1..{quota}: {len(numbers)} tickets, numbers {numbers[:5]}…")
    if any(t.status != "booked" or t.kind != "online" for t in tickets):
        failures.append("a ticket is not an online booking in status booked")
    doubled = (
        Ticket.objects.filter(local_date=plan.target, kind="online", status__in=ACTIVE_STATUSES)
        .values("citizen")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    if doubled:
        failures.append(f"{len(doubled)} citizens hold two active tickets")
    counter = SessionCounter.objects.filter(
        group_id=plan.group_id, local_date=plan.target, session_start=SESSION_START
    ).first()
    if counter is None or counter.online_used != quota:
        failures.append(f"session counter says {counter and counter.online_used} online places used, not {quota}")
    day = DayCounter.objects.filter(group_id=plan.group_id, local_date=plan.target).first()
    if day is None or day.last_number != quota:
        failures.append(f"day counter is at {day and day.last_number}, not {quota}")
    audited = AuditEntry.objects.filter(
        action="queueing.ticket.book", object_type="queueing.ticket", object_id__in=[str(t.pk) for t in tickets]
    ).count()
    if audited != len(tickets):
        failures.append(f"{audited} audit rows for {len(tickets)} tickets")
    answered = sorted(r.code for r in results if r.status == 201)
    if answered != sorted(t.code for t in tickets):
        failures.append("the 201 answers do not name exactly the tickets in the database")
    owners = {plan.citizen_ids[r.citizen] for r in results if r.status == 201}
    if owners != {t.citizen_id for t in tickets}:
        failures.append("the tickets do not belong to the citizens who were told 201")
    return failures


# --- the ceiling --------------------------------------------------------------------------


def ceiling_script(plan: Plan) -> str:
    """The booking's write transaction for pgbench, on the ceiling date (its counters exist: the
    captured bookings made them and took numbers 1 and 2). The limit never runs out; transaction n
    (its ticket number) books for pre-made citizen ``pg_citizen_base + n - 3``, so no citizen books twice."""
    day = plan.ceiling_date.isoformat()
    start, end = f"{day} 08:00:00 {plan.zone}", f"{day} 12:00:00 {plan.zone}"
    citizen = f"{plan.pg_citizen_base - 3} + :number"
    data = json.dumps({"service": plan.service_code, "date": day, "session": SESSION_START.strftime("%H:%M")})
    code = f"'{plan.letter}-' || lpad(:number::text, greatest(3, length(:number::text)), '0')"
    return f"""BEGIN;
UPDATE queueing_sessioncounter SET online_used = online_used + 1
  WHERE group_id = {plan.group_id} AND local_date = '{day}' AND online_used < 2000000000 AND session_start = '08:00';
UPDATE queueing_daycounter SET last_number = last_number + 1
  WHERE group_id = {plan.group_id} AND local_date = '{day}' RETURNING last_number AS number \\gset
INSERT INTO queueing_ticket (office_id, group_id, service_id, citizen_id, local_date, session_start, session_end,
    number, code, token, kind, priority, status, created_at, recall_count)
  VALUES ({plan.office_id}, {plan.group_id}, {plan.service_id}, {citizen}, '{day}', '{start}', '{end}',
    :number, {code}, md5(random()::text) || md5(random()::text), 'online', false, 'booked', now(), 0)
  RETURNING id AS ticket_id \\gset
INSERT INTO audit_auditentry (at, actor_id, actor_label, action, object_type, object_id, object_repr, from_state,
    to_state, reason, office_id, data)
  VALUES (now(), {citizen}, 'Warga Uji ' || :number, 'queueing.ticket.book', 'queueing.ticket', :ticket_id,
    {code} || ' ({day})', '', 'booked', '', {plan.office_id}, '{data}');
COMMIT;
"""


def run_pgbench(args: argparse.Namespace, plan: Plan, workdir: Path) -> float:
    pgbench = os.environ.get("BENCH_PGBENCH") or shutil.which("pgbench") or "/usr/bin/pgbench"
    script = workdir / "booking.sql"
    script.write_text(ceiling_script(plan))
    command = [
        pgbench,
        "--no-vacuum",
        "--protocol=simple",  # like Django's psycopg backend (client-side parameter binding)
        f"--client={args.concurrency}",
        f"--jobs={min(args.concurrency, os.cpu_count() or 1)}",
        f"--time={args.pg_seconds}",
        f"--file={script}",
        f"{args.pg}/{PG_DB}",
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    if done.returncode != 0 or tps is None or (failed and failed.group(1) != "0"):
        raise SystemExit(f"booking: pgbench failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    if processed and int(processed.group(1)) >= plan.pg_citizens:
        raise SystemExit("booking: pgbench ran out of pre-made citizens; raise PG_CITIZENS_PER_SECOND")
    return float(tps.group(1))


# --- main ---------------------------------------------------------------------------------

PG_CITIZENS_PER_SECOND = 4000  # pgbench transactions per second this machine will not reach


def run(args: argparse.Namespace, workdir: Path) -> int:
    doubles = args.attempts // 10
    citizens = args.attempts - doubles
    env = bench_env(args)
    recreate_database(args.pg)
    os.environ.update(env)
    for name in ("CI", "DJANGO_ALLOWED_HOSTS"):
        os.environ.pop(name, None)
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    if migrated.returncode != 0:
        raise SystemExit(f"booking: migrate failed:\n{migrated.stdout[-2000:]}\n{migrated.stderr[-3000:]}")
    # WhiteNoise notes that STATIC_ROOT is not collected; the API needs no static files.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)

    import django

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    plan = setup_data(args, citizens, PG_CITIZENS_PER_SECOND * args.pg_seconds)
    line, writes = describe_sql(capture_booking(plan))
    connection.close()
    print(
        f"setup: scratch database {PG_DB}, office {plan.office_slug} ({plan.zone}), service {plan.service_slug}, "
        f"session {plan.target} {SESSION_START:%H:%M} with quota {args.quota}; {citizens} citizens with a bearer "
        f"token each, {doubles} of them submit twice ({time.perf_counter() - started:.1f} s)"
    )
    print(f"sql: {line}")
    if writes != EXPECTED_WRITES:
        print(f"WARNING: book_ticket's writes changed (expected {', '.join(EXPECTED_WRITES)}); update ceiling_script")

    server, port = start_server(args, env, workdir / "gunicorn.log")
    try:
        threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
        print(
            f"server: gunicorn {args.worker_class}, {args.workers} workers{threads}, DEBUG off, "
            f"DATABASE_CONN_MAX_AGE={args.conn_max_age}, on the same CPUs as the clients"
        )
        meter = CpuMeter(server.pid)
        results, seconds = run_clients(plan, port, make_jobs(citizens, doubles, args.seed), args.concurrency, meter)
    finally:
        stop_server(server)

    granted = [r for r in results if r.status == 201]
    refused = [r for r in results if r.status == 409]
    errors = [r for r in results if r.status not in (201, 409)]
    latencies = [r.seconds * 1000 for r in results]
    reasons = {code: sum(1 for r in refused if r.code == code) for code in sorted({r.code for r in refused})}
    rps = len(results) / seconds
    print(
        f"http: {len(results)} requests from {args.concurrency} clients in {seconds:.2f} s: "
        f"{len(granted)} granted (201), {len(refused)} refused (409: "
        + ", ".join(f"{n} {code}" for code, n in reasons.items())
        + f"), {len(errors)} errors; granted p50 {percentile([r.seconds * 1000 for r in granted] or [0], 0.5):.1f} ms"
    )
    print(meter.line(len(results)))
    for r in errors[:5]:
        print(f"  error: citizen {r.citizen} status {r.status} {r.error}")

    failures = verify(plan, args.quota, results)
    connection.close()
    if len(granted) != args.quota:
        failures.append(f"granted {len(granted)}, not the quota {args.quota}")
    if errors:
        failures.append(f"{len(errors)} requests failed (see the error lines)")
    if len(results) != args.attempts:
        failures.append(f"{len(results)} answers for {args.attempts} attempts")
    if not failures:
        print(
            f"verify: ok, {args.quota} tickets numbered 1..{args.quota} for {args.quota} different citizens, "
            f"session counter {args.quota}/{args.quota}, day counter {args.quota}, one audit row each"
        )

    pg_tps = run_pgbench(args, plan, workdir)
    print(
        f"ceiling: pgbench, {args.concurrency} clients, {args.pg_seconds} s, the booking's writes in one "
        f"transaction on one session counter row (UPDATE … < limit, day counter UPDATE … RETURNING, "
        f"ticket INSERT, audit INSERT): {pg_tps:.1f} tps"
    )
    print(
        f"booking quota={args.quota} granted={len(granted)} refused={len(refused)} errors={len(errors)} "
        f"rps={rps:.1f} p50_ms={percentile(latencies, 0.5):.1f} p99_ms={percentile(latencies, 0.99):.1f} "
        f"pg_tps={pg_tps:.1f} ratio={rps / pg_tps:.2f}"
    )
    for failure in failures:
        print(f"booking FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    import psycopg

    args = parse_args(argv)
    busy = cpu_busy()
    print(
        f"machine: {os.cpu_count()} CPUs, {'?' if busy is None else f'{busy:.0%}'} busy in the second before the run"
        + (" (other work is running: the figures will be low)" if busy and busy > 0.15 else "")
    )
    # One run at a time per PostgreSQL server: a second run would drop the first one's database.
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as lock:
        if not lock.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [PG_DB]).fetchone()[0]:
            raise SystemExit(f"booking: another run is using {PG_DB} on this server; try again when it is done")
        workdir = Path(tempfile.mkdtemp(prefix="loket-bench-booking-"))
        try:
            return run(args, workdir)
        finally:
            if "django" in sys.modules:
                from django.db import connections

                connections.close_all()
            shutil.rmtree(workdir, ignore_errors=True)
            if not args.keep_db:
                drop_database(args.pg)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
