"""Benchmark: issuing official letters (surat keterangan usaha of a kelurahan) one after another.

    python bench/letters.py                     # 500 letters on a scratch SQLite database
    python bench/letters.py --count 2000        # more letters
    python bench/letters.py --db postgres       # scratch PostgreSQL database at $BENCH_PG

What is measured. ``issue_letter`` end to end, the path a real letter takes: permission check,
template validation and parse, values, the next number by the counter's conditional UPDATE, the
Typst render of the final PDF (A4, PDF/A-2b, letterhead with logo, identity tables, signer), the
SHA-256, the PDF written to the private storage, the Letter row and its audit row, committed. The
office is Kelurahan Gunung Pangilun (Kota Padang, regions imported from the shipped Kemendagri list),
its letterhead and the SKU template are the demo ones (``loket.letters.services.demo``), the logo a neutral
240x288 PNG made here at run time (no emblem is shipped), the values realistic and different for
every letter. A few previews are rendered first so the Typst compiler is warm; then each letter
is timed on its own (p50, p99) and ``per_s`` is letters over the wall time of the whole batch.

Everything lives in a scratch directory (the database file, the private storage) or the PostgreSQL
database ``loket_bench_letters`` (dropped and re-created, dropped again at the end); the developer's
``var/`` and the ``test`` database are never touched.

Correctness is part of the result: the letters must be numbered exactly 1..N, each PDF must match its
SHA-256 and hold its own number, and rendering a sample of the letters' stored documents again must
give the same bytes; otherwise the run fails (exit status 1).

The ceiling: Typst alone (``rendering.render_pdf``, warm, in this process) rendering N documents
built exactly as ``issue_letter`` builds them, with values no letter had (a document Typst has laid
out before would be served from its caches), timed around the render only. What is left over is the
database, the storage, validation and the audit row. The last line is the machine-readable summary.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import os
import random
import statistics
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "loket_bench_letters"

FIRST_NAMES = ["Budi", "Siti", "Rahmat", "Dewi", "Andi", "Nurhayati", "Yusuf", "Rina", "Fadli", "Sri", "Aldi", "Wulan"]
LAST_NAMES = ["Santoso", "Rahmawati", "Hidayat", "Lestari", "Saputra", "Syahputra", "Putri", "Chaniago", "Tanjung"]
BUSINESSES = [
    ("Warung Makan", "Warung makan"),
    ("Jahit", "Penjahit pakaian"),
    ("Bengkel Motor", "Bengkel sepeda motor"),
    ("Toko Kelontong", "Toko kelontong"),
    ("Rendang", "Produksi rendang kemasan"),
    ("Laundry", "Jasa cuci pakaian"),
]
STREETS = ["Jl. Gunung Pangilun", "Jl. Ikhlas", "Jl. Tabing Banda Gadang", "Jl. Jhoni Anwar", "Jl. Rimbo Kaluang"]


def neutral_logo(width: int = 240, height: int = 288) -> bytes:
    """A neutral test image (gradient with noise, ~ the size of a real logo file); no emblem."""
    rng = random.Random(7)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            v = (x * 255 // width + y * 255 // height) // 2
            row += bytes((v, (v + rng.randrange(6)) % 256, 200 - v // 2))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def values_for(i: int) -> dict[str, str]:
    rng = random.Random(i)
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    prefix, kind = rng.choice(BUSINESSES)
    year = rng.randrange(1960, 2004)
    return {
        "nama": name,
        "nik": f"137104{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{year % 100:02d}{rng.randrange(1, 9999):04d}",
        "tempat_lahir": rng.choice(["Padang", "Bukittinggi", "Payakumbuh", "Solok", "Pariaman"]),
        "tanggal_lahir": f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "jenis_kelamin": rng.choice(["Laki-laki", "Perempuan"]),
        "agama": rng.choice(["Islam", "Islam", "Islam", "Kristen", "Katolik"]),
        "pekerjaan": rng.choice(["Wiraswasta", "Pedagang", "Ibu rumah tangga", "Karyawan swasta"]),
        "alamat": f"{rng.choice(STREETS)} No. {rng.randrange(1, 120)}, RT {rng.randrange(1, 6):03d}/RW "
        f"{rng.randrange(1, 12):03d}",
        "kelurahan": "Gunung Pangilun",
        "kecamatan": "Padang Utara",
        "kota": "Kota Padang",
        "kode_permohonan": f"PMH-{i:04d}-{rng.randrange(1000, 9999)}",
        "tanggal_permohonan": "2026-11-30",
        "nama_usaha": f"{prefix} {name.split()[0]}",
        "jenis_usaha": kind,
        "alamat_usaha": f"{rng.choice(STREETS)} No. {rng.randrange(1, 120)}, Gunung Pangilun, Padang Utara",
        "mulai_usaha": f"{rng.randrange(2005, 2026)}-{rng.randrange(1, 13):02d}-01",
    }


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def setup_database(engine: str, tmp: str) -> None:
    os.environ["LOKET_VAR_DIR"] = tmp  # the private storage (letters, logo) goes here
    if engine == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            con.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"{PG}/{PG_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    os.environ.pop("CI", None)


def demo_office(logo: bytes):
    """On a freshly set-up scratch database: migrate, Kelurahan Gunung Pangilun with the demo
    letterhead (and ``logo``) and its SKU template, as the demo has them. Returns (office, template).
    Also used by bench/signing.py."""
    from django.core.management import call_command

    from loket.catalog.models import Service
    from loket.catalog.services import load_catalog
    from loket.demo import data as demo_data
    from loket.letters import services
    from loket.letters.selectors import settings_for, template_for
    from loket.letters.services.demo import ensure_demo_letters
    from loket.offices.models import Office
    from loket.regions.models import Region
    from loket.regions.services import import_regions

    call_command("migrate", verbosity=0)
    import_regions(prefixes=("13.71",))
    place = demo_data.KELURAHAN_GUNUNG_PANGILUN
    office = Office.objects.create(
        slug=place.slug,
        name=place.name,
        kind=place.kind,
        region=Region.objects.get(code=place.region),
        address=place.address,
        postal_code=place.postal_code,
        timezone=place.timezone,
    )
    load_catalog()
    ensure_demo_letters(actor=None)
    row = settings_for(office)
    settings = {name: getattr(row, name) for name in services.SETTINGS_FIELDS}
    services.save_office_settings(actor=None, office=office, settings=services.LetterSettings(**settings, logo=logo))
    template = template_for(office, Service.objects.get(code="KEL-SKU"))
    return office, template


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=int(os.environ.get("BENCH_LETTERS", "500")))
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    tmp = tempfile.TemporaryDirectory(prefix="loket-bench-letters-")
    setup_database(args.db, tmp.name)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from loket.letters import indonesian, rendering, services, templating
    from loket.letters.models import Letter, OfficeLetterSettings
    from loket.letters.selectors import letter_pdf, settings_for

    assert str(settings.STORAGES["private"]["OPTIONS"]["location"]).startswith(tmp.name)
    logo = neutral_logo()
    office, template = demo_office(logo)
    signer = services.Signer(name="Yusrizal, S.H.", title="Lurah Gunung Pangilun", nip="197208151998031004")
    for i in range(5):  # warm the Typst compiler; previews take no number
        services.render_preview(template=template, office=office, values=values_for(-i - 1), signer=signer)

    times = []
    started = time.perf_counter()
    for i in range(args.count):
        t0 = time.perf_counter()
        services.issue_letter(
            actor=None,
            template=template,
            office=office,
            values=values_for(i),
            signer=signer,
            reference=f"permohonan:BENCH-{i:05d}",
        )
        times.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started

    letters = list(Letter.objects.order_by("sequence"))
    ok = [letter.sequence for letter in letters] == list(range(1, args.count + 1))
    from pypdf import PdfReader

    sizes = []
    for letter in letters:
        pdf = letter_pdf(letter)  # raises when the file does not match its SHA-256
        sizes.append(len(pdf))
    sample = letters[len(letters) // 2]
    text = PdfReader(io.BytesIO(letter_pdf(sample))).pages[0].extract_text()
    ok = ok and f"Nomor : {sample.number}" in text and "KELURAHAN GUNUNG PANGILUN" in text
    has_logo = bool(OfficeLetterSettings.objects.get(office=office).logo)

    logo_obj = rendering.Logo(logo, "png")
    for letter in letters[:: max(1, len(letters) // 20)]:  # reproducible, byte for byte
        again = rendering.render_pdf(letter.document, logo=logo_obj, timestamp=int(letter.created_at.timestamp()))
        ok = ok and hashlib.sha256(again).hexdigest() == letter.pdf_sha256

    # The ceiling: documents built exactly as issue_letter builds them, with values no letter had
    # (a document Typst has laid out before would come from its caches), timed around the render only.
    row = settings_for(office)
    blocks = templating.parse(template.body)
    keys = templating.placeholders_in(template.body)
    ceiling = []
    for i in range(args.count):
        values = {k: v for k, v in values_for(100_000 + i).items() if k in keys}
        values["tanggal_lahir"] = indonesian.date_text(values["tanggal_lahir"])
        document = services.build_document(
            settings_row=row,
            office=office,
            title=template.title,
            number=f"500/{i + 1:03d}/Kel.GP/XII/2026",
            blocks=templating.fill(blocks, values),
            issued_on=sample.issued_on,
            signer=signer,
        )
        t0 = time.perf_counter()
        rendering.render_pdf(document, logo=logo_obj, timestamp=int(sample.created_at.timestamp()))
        ceiling.append(time.perf_counter() - t0)
    connection.close()
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
    tmp.cleanup()

    print(f"machine: {os.cpu_count()} CPUs, load average {load_before:.2f} just before the run")
    print(
        f"db={args.db} logo={'yes' if has_logo else 'no'} pdf_kb_mean={statistics.mean(sizes) / 1024:.1f} "
        f"checks={'ok' if ok else 'FAILED'}"
    )
    print(
        f"ceiling: Typst alone renders {args.count} such letters at {args.count / sum(ceiling):.1f}/s "
        f"(p50 {percentile(ceiling, 0.5) * 1000:.1f} ms, p99 {percentile(ceiling, 0.99) * 1000:.1f} ms)"
    )
    print(
        f"letters rendered={args.count} per_s={args.count / wall:.1f} "
        f"p50_ms={percentile(times, 0.5) * 1000:.1f} p99_ms={percentile(times, 0.99) * 1000:.1f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
