"""Benchmark: importing the full Kemendagri region list (91,599 rows), fresh and re-run.

    python bench/regions_import.py sqlite
    python bench/regions_import.py postgres   # needs PostgreSQL at $BENCH_PG (default 127.0.0.1:5432)

Each run uses a scratch database (a temporary SQLite file, or the PostgreSQL database
``loket_bench`` which it drops and re-creates), never a real one. The ceiling is the same rows
written by the driver alone (sqlite3 executemany / PostgreSQL COPY) into a bare table, in the
same run, so the result reads as a ratio. The last line is the machine-readable summary.
"""

import csv
import os
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
CSV = BASE_DIR / "loket" / "regions" / "data" / "wilayah_kemendagri_2025.csv"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "loket_bench"


def rows():
    with open(CSV, encoding="utf-8") as handle:
        return [(r["kode"], r["nama"]) for r in csv.DictReader(handle)]


def ceiling_sqlite(path: str) -> float:
    import sqlite3

    data = rows()
    started = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE ceiling (code varchar(13) PRIMARY KEY, name varchar(120))")
    with con:
        con.executemany("INSERT INTO ceiling VALUES (?, ?)", data)
    con.close()
    return time.perf_counter() - started


def ceiling_postgres(url: str) -> float:
    import psycopg

    data = rows()
    started = time.perf_counter()
    with psycopg.connect(url) as con, con.cursor() as cur:
        cur.execute("CREATE TABLE ceiling (code varchar(13) PRIMARY KEY, name varchar(120))")
        with cur.copy("COPY ceiling (code, name) FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
    return time.perf_counter() - started


def main(engine: str) -> None:
    tmp = tempfile.TemporaryDirectory()
    if engine == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    elif engine == "postgres":
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            con.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"{PG}/{PG_DB}"
    else:
        raise SystemExit("usage: regions_import.py sqlite|postgres")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    os.environ.pop("CI", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from loket.regions.models import Region
    from loket.regions.services import import_regions

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    first = import_regions()
    fresh = time.perf_counter() - started
    started = time.perf_counter()
    again = import_regions()
    rerun = time.perf_counter() - started
    count = Region.objects.count()
    connection.close()
    assert first.created == count == 91599, (first, count)
    assert again.created == again.updated == 0

    if engine == "sqlite":
        ceiling = ceiling_sqlite(f"{tmp.name}/ceiling.sqlite3")
    else:
        ceiling = ceiling_postgres(f"{PG}/{PG_DB}")
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
    tmp.cleanup()
    print(f"ceiling: the driver alone writes the same {count} rows into a bare table in {ceiling:.2f} s")
    print(
        f"regions db={engine} rows={count} fresh_s={fresh:.2f} rerun_s={rerun:.2f} "
        f"ceiling_s={ceiling:.2f} fresh_vs_ceiling={fresh / ceiling:.1f}x"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
