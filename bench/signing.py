"""Benchmark: a lurah's batch of letters rendered, then signed with one PIN entry (local signer).

    python bench/signing.py                     # 200 letters on a scratch SQLite database
    python bench/signing.py --count 100         # another batch size
    python bench/signing.py --db postgres       # scratch PostgreSQL database at $BENCH_PG

What is measured. The path a batch of letters takes from the counter to a signed PDF, as in the
signing inbox. First N letters are issued one after another with ``issue_letter`` (number, Typst
render of the final PDF/A-2b, SHA-256, private storage, letter and audit rows: the "render") and each
is put before the lurah with ``request_signature``. Then the lurah signs all N in ONE
``sign_documents`` call with the PIN: the local key is unsealed once (one Argon2id derivation with
the PRODUCTION parameters, 64 MiB and 4 passes; ``SIGNING_KDF_TEST_PARAMS`` is never set here, and
the run refuses to start if it is), and for every document the attempt is marked and committed, the
letter's PDF read back and checked against its SHA-256, pyHanko signs it (``pades.sign_pdf``: the
visible stamp with the QR code, the CMS signature with RSA 3072, a signature timestamp from the
deployment's TSA, the CA and TSA certificates and the CRL in the DSS), and the signed PDF is stored
with its SHA-256 and an audit row, committed. The office is Kelurahan Gunung Pangilun with the demo
letterhead and SKU template and a neutral logo, as in ``bench/letters.py``; the CA is made here by
``services.init_authority`` and the lurah's key by ``services.issue_signer_key`` with a PIN.

The figures. Each letter's render (``issue_letter``), request and signature (from marking its attempt
to its committed signature, read by wrapping ``services.documents._start_attempt`` and ``_finish``) is
timed on its own; the pyHanko part of a signature (``pades.sign_pdf``) and the unseal are timed by
wrapping them too. The summary line's ``per_s`` is letters rendered AND signed per second over the
whole batch (N over the wall time of the render phase plus the ``sign_documents`` call, the one
unseal included); ``p50_ms``/``p99_ms`` are per letter, its render + request + signature. Render and
signature are also reported apart on context lines.

The reference (a ceiling of sorts), measured before the batch in the same process: pyHanko alone,
through ``pades.sign_pdf`` with the same key (unsealed by the bench itself), the same timestamper,
stamp and DSS, signing one already-rendered letter 10 times (mean): no database, no storage, no
audit. Also: a bare pyHanko signature (same key and timestamper, no visible stamp, no validation
data); the part of ``pades.sign_pdf`` that parses the signed output again (timestamp time,
certificate); and the once-per-process costs, the first session's context (it unseals the TSA key
with the CA passphrase, one more Argon2id run) and the first signature (it subsets the stamp font).
That warm-up is why the batch's count of Argon2id runs can be exactly one; a worker's first batch
after a start pays it on top. A sample of the signed PDFs is then verified the way the public page
does (``verification.analyse_pdf``), timed.

Correctness is part of the result: exactly N documents must be signed, none failed, each stored
signed PDF must match its recorded SHA-256 (all different), the inbox must be empty, there must be
N ``signing.sign`` audit rows, a sample must verify GENUINE (naming its own record), and during
``sign_documents`` Argon2id must have run exactly once, for the lurah's key; otherwise the run fails
(exit status 1).

Everything lives in a scratch directory (the database file, the private storage) or the PostgreSQL
database ``loket_bench_signing`` (dropped and re-created, dropped again at the end); the developer's
``var/`` and the ``test`` database are never touched. The ``machine:`` line gives the load average
before and after the run: the machine is shared, and figures taken while other work runs scatter.
The last line is the machine-readable summary.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.letters import demo_office, neutral_logo, percentile, values_for  # noqa: E402 - after the path

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "loket_bench_signing"
PIN = "31415926"  # the lurah's PIN in this scratch run only
BASE_URL = "https://loket.padang.example.go.id/"
REFERENCE_SIGNATURES = 10


def setup_database(engine: str, tmp: str) -> None:
    os.environ["LOKET_VAR_DIR"] = tmp  # the private storage (letters, signed PDFs, logo) goes here
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


class Timed:
    """Wrap ``module.name`` so that every call's duration is recorded: ``calls`` holds (args, tag,
    seconds), the tag being what ``tag()`` returned at the call (e.g. the document being signed)."""

    def __init__(self, module, name: str, tag=lambda: None):
        self.module, self.name, self.tag = module, name, tag
        self.real = getattr(module, name)
        self.calls: list[tuple[tuple, object, float]] = []

    def __enter__(self) -> Timed:
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return self.real(*args, **kwargs)
            finally:
                self.calls.append((args, self.tag(), time.perf_counter() - t0))

        setattr(self.module, self.name, wrapper)
        return self

    def __exit__(self, *exc) -> None:
        setattr(self.module, self.name, self.real)

    @property
    def seconds(self) -> list[float]:
        return [s for _args, _tag, s in self.calls]

    def by_tag(self) -> dict[object, float]:
        out: dict[object, float] = {}
        for _args, tag, seconds in self.calls:
            out[tag] = out.get(tag, 0.0) + seconds
        return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=int(os.environ.get("BENCH_SIGNING", "200")))
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sample", type=int, default=10, help="signed PDFs verified with analyse_pdf (at least 1)")
    args = parser.parse_args()
    args.sample = max(1, args.sample)
    load_before = os.getloadavg()
    tmp = tempfile.TemporaryDirectory(prefix="loket-bench-signing-")
    setup_database(args.db, tmp.name)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from loket.accounts.models import OfficerRole, User, UserKind
    from loket.audit.models import AuditEntry
    from loket.core import clock
    from loket.core.policy import Role
    from loket.letters import rendering, templating
    from loket.letters import selectors as letter_selectors
    from loket.letters import services as letter_services
    from loket.letters.selectors import settings_for
    from loket.signing import pades, pki, sealing, selectors, services, verification
    from loket.signing.models import DocumentStatus, SignedDocument
    from loket.signing.signers import local
    from loket.signing.signers.base import Stamp

    assert str(settings.STORAGES["private"]["OPTIONS"]["location"]).startswith(tmp.name)
    if getattr(settings, "SIGNING_KDF_TEST_PARAMS", None) or sealing.kdf_params() != sealing.DEFAULT_KDF:
        print("SIGNING_KDF_TEST_PARAMS is set: this benchmark measures the production Argon2id parameters")
        return 1

    # --- the office, its letterhead and template, the CA, the lurah and their key -----------------
    logo = neutral_logo()
    office, template = demo_office(logo)

    t0 = time.perf_counter()
    authority, created = services.init_authority(actor=None)
    ca_seconds = time.perf_counter() - t0
    lurah = User.objects.create(
        username="lurah.gunung-pangilun",
        kind=UserKind.OFFICER,
        full_name="Yusrizal, S.H.",
        nip="197208151998031004",
    )
    lurah_title = "Lurah Gunung Pangilun"
    OfficerRole.objects.create(user=lurah, role=Role.PENANDATANGAN, office=office, title=lurah_title)
    staff = User.objects.create(username="verifikator.gunung-pangilun", kind=UserKind.OFFICER, full_name="Rina Putri")
    OfficerRole.objects.create(user=staff, role=Role.VERIFIKATOR, office=office)
    t0 = time.perf_counter()
    signer_key = services.issue_signer_key(actor=None, user=lurah, pin=PIN)
    key_seconds = time.perf_counter() - t0
    blob = signer_key.sealed_key
    kdf = {name: blob[name] for name in sealing.DEFAULT_KDF}
    failed: list[str] = []  # the checks that did not hold
    if not (created and kdf == sealing.DEFAULT_KDF):
        failed.append("a fresh CA and a key sealed with the production Argon2id parameters")
    signer = letter_services.Signer(name=lurah.full_name, title=lurah_title, nip=lurah.nip)

    # --- warm-up and the reference: pyHanko alone on one rendered letter ------------------------
    for i in range(5):  # warm the Typst compiler; previews take no number
        letter_services.render_preview(template=template, office=office, values=values_for(-i - 1), signer=signer)
    blocks = templating.parse(template.body)
    keys_used = templating.placeholders_in(template.body)
    values = {k: v for k, v in values_for(100_000).items() if k in keys_used}
    document = letter_services.build_document(
        settings_row=settings_for(office),
        office=office,
        title=template.title,
        number="500/999/Kel.GP/XII/2026",
        blocks=templating.fill(blocks, values),
        issued_on=clock.now().date(),
        signer=signer,
    )
    rendered = rendering.render_pdf(document, logo=rendering.Logo(logo, "png"), timestamp=int(time.time()))
    with Timed(sealing, "derive_key") as reference_kdf:
        t0 = time.perf_counter()
        der = sealing.unseal(blob, PIN)
        reference_unseal = time.perf_counter() - t0
        t0 = time.perf_counter()
        context = pades.PadesContext.load()  # the TSA key is unsealed here, once per process
        context_seconds = time.perf_counter() - t0
    pyhanko_signer = pades.PreloadedKeySigner(
        signing_cert=local.check_certificate_active(signer_key),
        private_key=pki.load_private_key(der),
        cert_registry=SimpleCertificateStore.from_certs(context.trust_roots),
    )
    stamp = Stamp(
        signer_name=signer.name,
        signer_title=signer.title,
        signer_nip=signer.nip,
        verify_url=f"{BASE_URL}verifikasi/ReferenceToken0123456789abcdef/",
        page=rendering.SIGNATURE_BOX.page,
        box=rendering.SIGNATURE_BOX.as_tuple,
        time_zone=str(office.timezone),
    )

    def reference_sign() -> float:
        t = time.perf_counter()
        pades.sign_pdf(
            rendered,
            signer=pyhanko_signer,
            context=context,
            stamp=stamp,
            reason="Tanda tangan elektronik (referensi)",
            location="Padang",
        )
        return time.perf_counter() - t

    def bare_sign() -> float:
        t = time.perf_counter()
        meta = signers.PdfSignatureMetadata(
            field_name="Signature1", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
        )
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(rendered), strict=False),
            meta,
            signer=pyhanko_signer,
            timestamper=context.timestamper,
        )
        return time.perf_counter() - t

    def reread(signed_pdf: bytes) -> float:
        # what pades.sign_pdf does after pyHanko returns: parse the signed output again for the
        # timestamp's time and the certificate's subject and serial
        t = time.perf_counter()
        embedded = PdfFileReader(io.BytesIO(signed_pdf)).embedded_signatures[-1]
        pades.timestamp_time(embedded.signer_info)
        pades.certificate_subject(embedded.signer_cert)
        return time.perf_counter() - t

    first_signature = reference_sign()  # subsets the stamp font (once per process)
    reference = [reference_sign() for _ in range(REFERENCE_SIGNATURES)]
    bare_sign()
    bare = [bare_sign() for _ in range(REFERENCE_SIGNATURES)]
    one_signed = pades.sign_pdf(
        rendered, signer=pyhanko_signer, context=context, stamp=stamp, reason="Referensi", location="Padang"
    ).pdf
    rereads = [reread(one_signed) for _ in range(REFERENCE_SIGNATURES)]

    # --- the batch: render N letters, put each before the lurah ---------------------------------
    render_times, request_times, documents = [], [], []
    started = time.perf_counter()
    for i in range(args.count):
        t0 = time.perf_counter()
        letter = letter_services.issue_letter(
            actor=staff,
            template=template,
            office=office,
            values=values_for(i),
            signer=signer,
            reference=f"permohonan:BENCH-{i:05d}",
        )
        t1 = time.perf_counter()
        documents.append(services.request_signature(actor=staff, letter=letter, signer=lurah))
        request_times.append(time.perf_counter() - t1)
        render_times.append(t1 - t0)
    render_wall = time.perf_counter() - started

    # --- ... and sign them all with one PIN entry ----------------------------------------------
    begun: dict[int, float] = {}
    sign_times: dict[int, float] = {}
    current: list[int | None] = [None]  # the document being signed
    real_start, real_finish = services.documents._start_attempt, services.documents._finish

    def start_attempt(document, **kw):
        current[0] = document.pk
        begun[document.pk] = time.perf_counter()
        return real_start(document, **kw)

    def finish(document, *a, **kw):
        try:
            return real_finish(document, *a, **kw)
        finally:
            sign_times[document.pk] = time.perf_counter() - begun[document.pk]

    services.documents._start_attempt, services.documents._finish = start_attempt, finish
    try:
        with (
            Timed(sealing, "derive_key") as kdf_calls,
            Timed(sealing, "unseal") as unseal_calls,
            Timed(pades, "sign_pdf", lambda: current[0]) as pyhanko_calls,
            Timed(letter_selectors, "letter_pdf", lambda: current[0]) as read_calls,
        ):
            # the inbox's own selection: everything waiting for the lurah, in one call (the inbox
            # page signs at most SIGNING_MAX_BATCH, 50, per request; the key is unsealed once per call)
            inbox = list(selectors.inbox_for(lurah))
            settings.SIGNING_MAX_BATCH = max(len(inbox), 1)
            t0 = time.perf_counter()
            result = services.sign_documents(actor=lurah, documents=inbox, pin=PIN, base_url=BASE_URL)
            sign_wall = time.perf_counter() - t0
    finally:
        services.documents._start_attempt, services.documents._finish = real_start, real_finish
    # --- checks ---------------------------------------------------------------------------------
    signed = list(SignedDocument.objects.filter(status=DocumentStatus.SIGNED).select_related("letter"))
    if not (len(result.signed) == args.count and not result.failed and len(signed) == args.count):
        failed.append(f"{args.count} signed, none failed ({len(result.signed)} signed, {len(result.failed)} failed)")
    if not sorted(d.pk for d in documents) == sorted(d.pk for d in signed) == sorted(sign_times):
        failed.append("every requested document signed, each once")
    if selectors.inbox_for(lurah).exists():
        failed.append("the inbox empty afterwards")
    if AuditEntry.objects.filter(action="signing.sign").count() != args.count:
        failed.append("one signing.sign audit row per document")
    hashes, sizes, letter_sizes = set(), [], []
    for row in signed:
        pdf = selectors.signed_pdf(row)
        if not (len(row.signed_sha256) == 64 and hashlib.sha256(pdf).hexdigest() == row.signed_sha256):
            failed.append(f"the stored signed PDF of {row.letter.number} matches its recorded SHA-256")
        hashes.add(row.signed_sha256)
        sizes.append(len(pdf))
        letter_sizes.append(row.letter.pdf.size)
    if len(hashes) != args.count:
        failed.append("every signed PDF different")
    # Argon2id ran exactly once during the batch, and that once for the lurah's key
    once = len(kdf_calls.calls) == 1 and len(unseal_calls.calls) == 1
    if not (once and unseal_calls.calls[0][0][0]["salt"] == blob["salt"]):
        failed.append(f"one Argon2id derivation in the batch, for the lurah's key ({len(kdf_calls.calls)} ran)")
    if len(pyhanko_calls.calls) != args.count:
        failed.append("one pades.sign_pdf call per document")
    step = max(1, len(signed) // max(1, args.sample))
    sample = sorted(signed, key=lambda d: d.pk)[::step][: args.sample]
    verify_times, genuine = [], 0
    for row in sample:
        t0 = time.perf_counter()
        analysis = verification.analyse_pdf(selectors.signed_pdf(row), recorded_hashes=selectors.document_by_hash)
        verify_times.append(time.perf_counter() - t0)
        if analysis.outcome == verification.Outcome.GENUINE and getattr(analysis.record, "pk", None) == row.pk:
            genuine += 1
    if not genuine == len(sample) > 0:
        failed.append(f"the sampled signed PDFs GENUINE ({genuine} of {len(sample)})")

    connection.close()
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
    tmp.cleanup()
    load_after = os.getloadavg()

    # --- report ---------------------------------------------------------------------------------
    n = args.count
    pk_order = [d.pk for d in documents]
    per_sign = [sign_times.get(pk, 0.0) for pk in pk_order]
    per_letter = [render_times[i] + request_times[i] + per_sign[i] for i in range(n)]
    pyhanko_of, read_of = pyhanko_calls.by_tag(), read_calls.by_tag()
    pyhanko = [pyhanko_of.get(pk, 0.0) for pk in pk_order]
    reads = [read_of.get(pk, 0.0) for pk in pk_order]
    rest = [s - p - r for s, p, r in zip(per_sign, pyhanko, reads, strict=True)]
    unseal_seconds = unseal_calls.seconds[0] if unseal_calls.calls else float("nan")
    total_wall = render_wall + sign_wall
    tenth = max(1, n // 10)

    def dist(samples: list[float]) -> str:
        return (
            f"mean {ms(statistics.mean(samples))} ms, p50 {ms(percentile(samples, 0.5))} ms, "
            f"p99 {ms(percentile(samples, 0.99))} ms"
        )

    print(
        f"machine: {os.cpu_count()} CPUs, load average {load_before[0]:.2f} before the run, "
        f"{load_after[0]:.2f} after (1-min), {load_after[1]:.2f} (5-min)"
    )
    print(
        f"setup: CA init {ca_seconds:.2f} s (two RSA 3072 keys, two seals); lurah's key issued in "
        f"{key_seconds:.2f} s (RSA 3072 + one Argon2id seal)"
    )
    print(
        f"kdf: argon2id memory_kib={kdf['memory_kib']} time_cost={kdf['time_cost']} "
        f"parallelism={kdf['parallelism']} (production); during sign_documents: {len(kdf_calls.calls)} "
        f"derivation(s), {len(unseal_calls.calls)} unseal of the lurah's key taking {ms(unseal_seconds)} ms "
        f"({ms(reference_unseal)} ms when the bench unsealed it for the reference)"
    )
    print(
        f"render: {n} letters by issue_letter in {render_wall:.2f} s incl. request_signature: "
        f"{n / render_wall:.1f}/s; issue_letter {dist(render_times)}; "
        f"request_signature mean {ms(statistics.mean(request_times))} ms"
    )
    print(
        f"sign: {n} documents in one sign_documents call, {sign_wall:.2f} s ({n / sign_wall:.1f}/s), "
        f"of which the one unseal {unseal_seconds:.2f} s; per document {dist(per_sign)}; first tenth "
        f"mean {ms(statistics.mean(per_sign[:tenth]))} ms, last tenth {ms(statistics.mean(per_sign[-tenth:]))} ms"
    )
    print(
        f"sign, per document: pades.sign_pdf (pyHanko + stamp) {dist(pyhanko)}; letter PDF read and "
        f"checked mean {ms(statistics.mean(reads))} ms; attempt mark + settings + store + audit + commit "
        f"mean {ms(statistics.mean(rest))} ms"
    )
    print(
        f"reference: pades.sign_pdf alone (same key, timestamper, stamp, DSS; no database) on one rendered "
        f"letter: mean of {REFERENCE_SIGNATURES} {ms(statistics.mean(reference))} ms "
        f"(min {ms(min(reference))}), of which re-reading the signed output (timestamp time, certificate) "
        f"{ms(statistics.mean(rereads))} ms; bare pyHanko signature (same key and timestamper, no stamp, "
        f"no DSS) mean {ms(statistics.mean(bare))} ms"
    )
    print(
        f"once per process: the first signature {ms(first_signature)} ms (stamp font subset), the signing "
        f"context {ms(context_seconds)} ms (TSA key unsealed; {len(reference_kdf.calls)} derivations with "
        f"the bench's own unseal of the lurah's key)"
    )
    print(
        f"verify: {genuine}/{len(sample)} sampled signed PDFs GENUINE by analyse_pdf, "
        f"mean {ms(statistics.mean(verify_times))} ms each"
    )
    print(
        f"db={args.db} letter_kb_mean={statistics.mean(letter_sizes) / 1024:.1f} "
        f"signed_kb_mean={statistics.mean(sizes) / 1024:.1f} total_s={total_wall:.2f} "
        f"checks={'ok' if not failed else 'FAILED'}"
    )
    print(
        f"signing signed={len(result.signed)} per_s={n / total_wall:.1f} "
        f"p50_ms={ms(percentile(per_letter, 0.5))} p99_ms={ms(percentile(per_letter, 0.99))}"
    )
    for what in dict.fromkeys(failed):
        print(f"FAILED: {what}", file=sys.stderr)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
