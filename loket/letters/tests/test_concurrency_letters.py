"""Real races on PostgreSQL: many threads, each with its own connection, issue letters of one office
and series at once. The numbers are exactly 1..N: no duplicates, no gaps (also when some of the
racing transactions roll back after taking their number).

Skipped only on a local SQLite run (CI unset); under CI=true they must run on PostgreSQL and fail
otherwise (see conftest.py).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from loket.accounts.factories import OfficerFactory
from loket.catalog.factories import ServiceFactory
from loket.core.errors import DomainError
from loket.letters import services
from loket.letters.factories import SIGNER, SKU_VALUES, OfficeLetterSettingsFactory, sku_service, sku_template
from loket.letters.models import Letter, LetterCounter
from loket.letters.selectors import letter_pdf
from loket.letters.tests.conftest import IN_CI, pdf_text

pytestmark = [
    pytest.mark.pg_concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("pg-concurrency"),
]

THREADS = 20


@pytest.fixture(autouse=True)
def _postgres_in_ci():
    if IN_CI:
        assert connection.vendor == "postgresql", "concurrency tests must run on PostgreSQL in CI"


class Rollback(Exception):
    """Raised inside a racing transaction after its letter was issued, to roll it back."""


def race(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released together; each thread closes its connection."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return work(i)
        except (DomainError, Rollback) as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def sequences(office, series: str) -> list[int]:
    return sorted(Letter.objects.filter(office=office, series=series).values_list("sequence", flat=True))


def test_twenty_letters_issued_at_once_are_numbered_exactly_1_to_20():
    office = OfficeLetterSettingsFactory().office
    template = sku_template(sku_service())
    officers = [OfficerFactory(petugas=True, office=office) for _ in range(THREADS)]

    def work(i):
        return services.issue_letter(
            actor=officers[i],
            template=template,
            office=office,
            values={**SKU_VALUES, "kode_permohonan": f"PMH-{i:04d}"},
            signer=SIGNER,
            reference=f"permohonan:PMH-{i:04d}",
        )

    results = race(THREADS, work)
    assert all(isinstance(r, Letter) for r in results), [r for r in results if not isinstance(r, Letter)]
    assert sequences(office, "500") == list(range(1, THREADS + 1))
    letters = list(Letter.objects.filter(office=office))
    assert len({letter.number for letter in letters}) == THREADS
    assert LetterCounter.objects.get(office=office, series="500").last_number == THREADS
    for letter in letters:  # each PDF is intact (SHA-256 checked) and carries its own letter's number
        text = pdf_text(letter_pdf(letter))
        assert f"Nomor : {letter.number}" in text and letter.values["kode_permohonan"] in text
    assert len({letter.reference for letter in letters}) == THREADS


def test_racing_offices_and_series_each_count_from_one():
    offices = [OfficeLetterSettingsFactory().office for _ in range(2)]
    templates = [
        sku_template(sku_service()),
        sku_template(ServiceFactory(code="KEL-DOMISILI"), classification_code="470", body="Nama : {{ nama }}"),
    ]

    def work(i):
        return services.issue_letter(
            actor=None,
            template=templates[i % 2],
            office=offices[(i // 2) % 2],
            values=SKU_VALUES,
            signer=SIGNER,
            reference="",
        )

    race(24, work)
    for office in offices:
        assert sequences(office, "500") == list(range(1, 7))
        assert sequences(office, "470") == list(range(1, 7))


def test_rollbacks_in_the_race_return_their_numbers():
    office = OfficeLetterSettingsFactory().office
    template = sku_template(sku_service())

    def work(i):
        with transaction.atomic():
            letter = services.issue_letter(
                actor=None, template=template, office=office, values=SKU_VALUES, signer=SIGNER, reference=str(i)
            )
            if i % 3 == 0:
                raise Rollback(letter.sequence)
            return letter

    results = race(THREADS, work)
    kept = [r for r in results if isinstance(r, Letter)]
    rolled_back = [r for r in results if isinstance(r, Rollback)]
    assert len(rolled_back) == 7 and len(kept) == THREADS - 7
    assert sequences(office, "500") == list(range(1, len(kept) + 1))
    assert LetterCounter.objects.get(office=office, series="500").last_number == len(kept)
