"""``load_demo`` creates every place the issue names, from real region codes, and is idempotent."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command

from loket.accounts.models import User, UserKind
from loket.audit.models import AuditEntry
from loket.catalog.models import Service
from loket.core import clock, policy
from loket.core.policy import Role
from loket.demo import data
from loket.demo.services import coming_weekend, random_password
from loket.offices import selectors
from loket.offices.models import Counter, Day, Office, OfficeKind, OpeningRule, ScheduleException
from loket.regions.validators import parse_nik

WIB = ZoneInfo("Asia/Jakarta")
PREFIX_ARGS = [arg for prefix in data.DEMO_REGION_PREFIXES for arg in ("--region-prefix", prefix)]
# A Wednesday: the BOTRAM event then falls on Saturday 28 and Sunday 29 November 2026.
FROZEN_NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", *PREFIX_ARGS, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, monkeypatch, settings):
    # Argon2 is deliberately slow; these tests check the demo, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SIGNING_KDF_TEST_PARAMS = {"memory_kib": 1024, "time_cost": 1, "parallelism": 1}  # PIN sealing
    monkeypatch.setattr(clock, "now", lambda: FROZEN_NOW)
    return run_load_demo()


def shipped_regions() -> dict[str, str]:
    with open(settings.REGIONS_CSV, encoding="utf-8") as handle:
        return {row["kode"]: row["nama"] for row in csv.DictReader(handle)}


def test_every_demo_place_uses_a_real_region_code_and_name():
    regions = shipped_regions()
    for office in data.OFFICES:
        assert regions.get(office.region) == office.region_name, office.slug
    for account in data.ACCOUNTS:
        if account.region:
            assert account.region in regions
    assert data.DEMO_CITIZEN_NIK[:6] == "367404" and regions["36.74.04"] == "Ciputat"


def test_every_place_the_issue_names_is_created(demo):
    kecamatan = Office.objects.get(slug="kecamatan-ciputat")
    assert kecamatan.kind == OfficeKind.KECAMATAN
    assert kecamatan.region.name == "Ciputat" and kecamatan.region.parent.name == "Kota Tangerang Selatan"

    kelurahan = Office.objects.filter(kind=OfficeKind.KELURAHAN, region__parent_id="36.74.04")
    assert sorted(o.region.name for o in kelurahan) == sorted(
        ["Ciputat", "Cipayung", "Sawah", "Sawah Baru", "Serua", "Serua Indah", "Jombang"]
    )

    tegal = Office.objects.get(slug="disdukcapil-kota-tegal")
    assert tegal.kind == OfficeKind.DISDUKCAPIL and tegal.region.name == "Kota Tegal"
    assert tegal.counters.count() >= 3

    bekasi = Office.objects.filter(kind=OfficeKind.KECAMATAN, region__parent_id="32.75")
    assert bekasi.count() == 12
    assert {o.region.name for o in bekasi} >= {"Bekasi Timur", "Jatisampurna", "Pondokmelati"}

    cikarang = Office.objects.get(slug="kecamatan-cikarang-utara")
    assert cikarang.region.name == "Cikarang Utara" and cikarang.region.parent.name == "Kabupaten Bekasi"

    pangilun = Office.objects.get(slug="kelurahan-gunung-pangilun")
    assert pangilun.region.name == "Gunung Pangilun" and pangilun.region.parent.parent.name == "Kota Padang"

    botram = Office.objects.get(kind=OfficeKind.EVENT)
    assert botram.region.name == "Kabupaten Bekasi"

    for office in Office.objects.all():
        assert office.address and office.postal_code and office.latitude and office.longitude, office.slug
        assert Counter.objects.filter(office=office).exists(), f"{office.slug} has no counter"
    assert Service.objects.filter(is_active=True).count() >= 10


def _at(date: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{date}T{hhmm}").replace(tzinfo=WIB)


def test_demo_opening_hours_answer_like_the_real_offices(demo):
    ciputat = Office.objects.get(slug="kecamatan-ciputat")
    # Friday 27 November 2026: day service, closed in between, evening service until 22:00.
    assert selectors.is_open_at(ciputat, _at("2026-11-27", "10:00"))
    assert not selectors.is_open_at(ciputat, _at("2026-11-27", "17:30"))
    assert selectors.is_open_at(ciputat, _at("2026-11-27", "21:30"))
    assert not selectors.is_open_at(ciputat, _at("2026-11-27", "22:00"))
    assert not selectors.is_open_at(ciputat, _at("2026-11-28", "10:00"))  # Saturday

    sawah = Office.objects.get(slug="kelurahan-sawah")
    assert not selectors.is_open_at(sawah, _at("2026-11-27", "13:00"))  # Friday afternoon

    bekasi_timur = Office.objects.get(slug="kecamatan-bekasi-timur")
    assert selectors.is_open_at(bekasi_timur, _at("2026-11-26", "20:30"))
    assert selectors.is_open_at(bekasi_timur, _at("2026-11-28", "11:00"))
    assert not selectors.is_open_at(bekasi_timur, _at("2026-11-28", "13:00"))

    cikarang = Office.objects.get(slug="kecamatan-cikarang-utara")
    assert selectors.is_open_at(cikarang, _at("2026-11-29", "10:00"))  # Sunday: MSC 9-11
    assert not selectors.is_open_at(cikarang, _at("2026-11-29", "11:30"))
    # Christmas, a Friday and a national holiday: only the holiday session 09-11.
    assert selectors.is_open_at(cikarang, _at("2026-12-25", "10:00"))
    assert not selectors.is_open_at(cikarang, _at("2026-12-25", "14:00"))
    assert OpeningRule.objects.filter(office=cikarang, day=Day.HOLIDAY).exists()
    # ...while an ordinary office is closed on that holiday.
    assert not selectors.is_open_at(bekasi_timur, _at("2026-12-25", "10:00"))
    # Cuti bersama (Thursday 24 December 2026): Cikarang Utara holds only its holiday session...
    assert selectors.is_open_at(cikarang, _at("2026-12-24", "10:00"))
    assert not selectors.is_open_at(cikarang, _at("2026-12-24", "14:00"))

    tegal = Office.objects.get(slug="disdukcapil-kota-tegal")
    assert selectors.is_open_at(tegal, _at("2026-11-28", "09:00"))  # Saturday morning
    assert not selectors.is_open_at(tegal, _at("2026-11-27", "15:30"))
    # ...while Disdukcapil Tegal keeps its weekday hours on cuti bersama.
    assert selectors.is_open_at(tegal, _at("2026-12-24", "14:00"))


def test_botram_is_open_only_on_the_coming_weekend(demo):
    botram = Office.objects.get(kind=OfficeKind.EVENT)
    assert (botram.active_from, botram.active_until) == (dt.date(2026, 11, 28), dt.date(2026, 11, 29))
    assert ScheduleException.objects.filter(office=botram, is_closed=False).count() == 2
    assert selectors.is_open_at(botram, _at("2026-11-28", "09:00"))
    assert selectors.is_open_at(botram, _at("2026-11-29", "13:00"))
    assert not selectors.is_open_at(botram, _at("2026-11-27", "09:00"))
    assert not selectors.is_open_at(botram, _at("2026-12-05", "09:00"))


@pytest.mark.parametrize(
    ("today", "saturday"),
    [
        (dt.date(2026, 11, 23), dt.date(2026, 11, 28)),  # Monday
        (dt.date(2026, 11, 28), dt.date(2026, 11, 28)),  # Saturday: this weekend
        (dt.date(2026, 11, 29), dt.date(2026, 12, 5)),  # Sunday: the next one
    ],
)
def test_coming_weekend(today, saturday):
    assert coming_weekend(today) == (saturday, saturday + dt.timedelta(days=1))


def tables(output: str) -> list[list[list[str]]]:
    """The tables printed by load_demo (passwords, then signing PINs), rows split into cells."""
    found, current = [], []
    for line in output.splitlines():
        if line.startswith("| "):
            current.append(line.split("|"))
        elif current and not line.startswith("+"):
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def test_demo_accounts_have_their_roles_and_the_printed_passwords(demo):
    table = tables(demo)[0]
    assert [cell.strip() for cell in table[0][2:5]] == ["Nama", "Peran", "Tempat"]  # Indonesian headers
    rows = {cells[1].strip(): cells[5].strip() for cells in table[1:]}
    assert set(rows) == {a.username for a in data.ACCOUNTS}
    for username, password in rows.items():
        assert User.objects.get(username=username).check_password(password), username

    def holds(username, role, office_slug=None):
        user = User.objects.get(username=username)
        if office_slug:
            return policy.holds(user, role, Office.objects.get(slug=office_slug))
        return policy.holds(user, role)

    assert holds("admin", Role.SYSTEM_ADMIN)
    assert User.objects.get(username="admin").is_staff
    tangsel = User.objects.get(username="admin.tangsel")  # a city admin of Tangerang Selatan
    assert policy.allows(tangsel, policy.MANAGE_OFFICE, Office.objects.get(slug="kelurahan-jombang"))
    assert not policy.allows(tangsel, policy.MANAGE_OFFICE, Office.objects.get(slug="kecamatan-bekasi-timur"))
    assert holds("admin.ciputat", Role.OFFICE_ADMIN, "kecamatan-ciputat")
    assert holds("petugas.ciputat", Role.PETUGAS_LOKET, "kecamatan-ciputat")
    assert holds("verifikator.ciputat", Role.VERIFIKATOR, "kecamatan-ciputat")
    assert holds("lurah.sawah", Role.PENANDATANGAN, "kelurahan-sawah")
    assert holds("camat.ciputat", Role.PENANDATANGAN, "kecamatan-ciputat")
    assert holds("petugas.tegal", Role.PETUGAS_LOKET, "disdukcapil-kota-tegal")
    assert holds("lurah.gunungpangilun", Role.PENANDATANGAN, "kelurahan-gunung-pangilun")
    assert not holds("petugas.tegal", Role.PETUGAS_LOKET, "kecamatan-ciputat")

    citizen = User.objects.get(username=data.DEMO_CITIZEN_NIK)
    assert citizen.kind == UserKind.CITIZEN
    parse_nik(citizen.nik)  # a valid NIK of Kecamatan Ciputat


def test_rerunning_changes_nothing_keeps_edits_and_prints_no_password(demo, monkeypatch):
    office = Office.objects.get(slug="kecamatan-ciputat")
    office.address = "Alamat yang diubah admin"
    office.save(update_fields=["address"])
    counts = (Office.objects.count(), OpeningRule.objects.count(), Counter.objects.count(), User.objects.count())
    audit_rows = AuditEntry.objects.count()
    hashes = dict(User.objects.values_list("username", "password"))

    output = run_load_demo()

    assert (Office.objects.count(), OpeningRule.objects.count(), Counter.objects.count(), User.objects.count()) == (
        counts
    )
    assert AuditEntry.objects.count() == audit_rows
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert Office.objects.get(slug="kecamatan-ciputat").address == "Alamat yang diubah admin"
    assert "Akun demo sudah ada" in output
    assert not any(line.startswith("| ") for line in output.splitlines()), "a credentials table was printed"
    first_passwords = [cells[5].strip() for cells in tables(demo)[0][1:]]
    assert len(first_passwords) == len(data.ACCOUNTS)
    assert not any(password in output for password in first_passwords)


def test_the_demo_leaves_an_audit_trail(demo):
    office = Office.objects.get(slug="kecamatan-ciputat")
    actions = set(AuditEntry.objects.filter(office_id=office.pk).values_list("action", flat=True))
    assert {"offices.office.create", "offices.hours.set", "offices.counter.add"} <= actions
    assert AuditEntry.objects.filter(action="accounts.grant_role").count() >= len(data.ACCOUNTS) - 1


def test_random_passwords_pass_the_password_validators():
    from django.contrib.auth.password_validation import validate_password

    for _ in range(20):
        validate_password(random_password())


def test_demo_offices_have_queues_with_the_quotas_cities_use(demo):
    from loket.queueing.models import ServiceGroup
    from loket.queueing.selectors import session_limits

    tegal = Office.objects.get(slug="disdukcapil-kota-tegal")
    groups = {g.letter: g for g in ServiceGroup.objects.filter(office=tegal)}
    assert sorted(groups) == ["A", "B"]
    assert {s.code for s in groups["A"].services.all()} == {"ADM-KTP-REKAM", "ADM-KTP-CETAK"}
    # Kota Tegal: 20 online bookings and 40 walk-ins a day (its one session: 08.00-15.00 on weekdays).
    limits = session_limits(groups["A"], dt.date(2026, 11, 26), dt.time(8))
    assert (limits.online, limits.walkin) == (20, 40)
    ciputat = Office.objects.get(slug="kecamatan-ciputat")
    assert ServiceGroup.objects.filter(office=ciputat).count() == 2
    assert ServiceGroup.objects.filter(office__slug="kelurahan-gunung-pangilun").count() == 1
    kiosk = User.objects.get(username="kiosk.tegal")
    assert policy.allows(kiosk, policy.HAND_OUT_TICKETS, tegal)
    assert not policy.allows(kiosk, policy.CALL_TICKETS, tegal)
    # Re-running keeps an office admin's own queue configuration.
    groups["A"].name = "KTP-el (diubah admin)"
    groups["A"].save()
    run_load_demo()
    assert ServiceGroup.objects.get(pk=groups["A"].pk).name == "KTP-el (diubah admin)"
    assert ServiceGroup.objects.filter(office=tegal).count() == 2


def test_demo_officials_get_a_signing_key_whose_pin_is_printed_once(demo):
    from loket.signing import sealing, selectors

    pins = {cells[1].strip(): cells[5].strip() for cells in tables(demo)[1][1:]}
    signers = {a.username for a in data.ACCOUNTS if a.role == Role.PENANDATANGAN}
    assert set(pins) == signers
    for username, pin in pins.items():
        key = selectors.active_key_for(User.objects.get(username=username))
        assert sealing.unseal(key.sealed_key, pin)  # the printed PIN opens the key
    output = run_load_demo()
    assert not any(pin in output for pin in pins.values())
