"""The queue configuration services: service groups, quota rows and the office's queue rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from loket.accounts.factories import OfficerFactory
from loket.audit.models import AuditEntry
from loket.catalog.factories import OfficeServiceFactory, ServiceFactory
from loket.core.errors import DomainError, NotAllowed
from loket.offices.factories import OfficeFactory, ensure_region
from loket.offices.models import Day
from loket.queueing import selectors
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory
from loket.queueing.models import LatePolicy, QueueSettings, Quota, ServiceGroup, Ticket, TicketKind, TicketStatus
from loket.queueing.services import config
from loket.queueing.tests.conftest import make_queue

pytestmark = pytest.mark.django_db

# Friday 4 September 2026, 10:00 WIB
NOW = dt.datetime(2026, 9, 4, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW)


@pytest.fixture(autouse=True)
def indonesian():
    with translation.override("id"):
        yield


@pytest.fixture
def admin(queue):
    return OfficerFactory(office_admin=True, office=queue[0])


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=f"queueing.config.{action}").order_by("pk"))


def group_kwargs(office, **overrides):
    kwargs = {
        "office": office,
        "letter": "B",
        "name": "Surat pindah",
        "services": [ServiceFactory(office_kinds=["kecamatan"], name="Surat pindah datang")],
        "avg_service_minutes": 12,
    }
    kwargs.update(overrides)
    return kwargs


def settings_kwargs(**overrides):
    kwargs = {
        "late_grace_minutes": 20,
        "late_policy": LatePolicy.REFUSE,
        "noshow_limit": 2,
        "noshow_window_days": 60,
        "noshow_block_days": 14,
        "turn_near_ahead": 5,
    }
    kwargs.update(overrides)
    return kwargs


def make_ticket(office, group, service) -> Ticket:
    start = dt.datetime(2026, 9, 3, 1, 0, tzinfo=dt.UTC)
    return Ticket.objects.create(
        office=office,
        group=group,
        service=service,
        local_date=dt.date(2026, 9, 3),
        session_start=start,
        session_end=start + dt.timedelta(hours=4),
        number=1,
        code="A-001",
        kind=TicketKind.WALKIN,
        status=TicketStatus.DONE,
        created_at=start,
    )


# --- permission ---------------------------------------------------------------------------


def _attempts(office, group, quota):
    return {
        "save_service_group": lambda actor: config.save_service_group(actor=actor, **group_kwargs(office)),
        "delete_service_group": lambda actor: config.delete_service_group(actor=actor, group=group),
        "save_quota": lambda actor: config.save_quota(
            actor=actor, group=group, weekday=Day.MONDAY, online_limit=5, walkin_limit=5
        ),
        "delete_quota": lambda actor: config.delete_quota(actor=actor, quota=quota),
        "update_queue_settings": lambda actor: config.update_queue_settings(
            actor=actor, office=office, **settings_kwargs()
        ),
    }


VERBS = ["save_service_group", "delete_service_group", "save_quota", "delete_quota", "update_queue_settings"]


@pytest.mark.parametrize("verb", VERBS)
def test_a_petugas_of_the_office_is_refused(queue, petugas, verb):
    office, _service, group = queue
    attempt = _attempts(office, group, group.quotas.get())[verb]
    with pytest.raises(NotAllowed) as refused:
        attempt(petugas)
    assert refused.value.code == "not_allowed"
    assert refused.value.message == f"Hanya admin {office.name} yang dapat mengubah pengaturan antreannya."
    assert not AuditEntry.objects.filter(action__startswith="queueing.config.").exists()
    assert ServiceGroup.objects.filter(office=office).count() == 1
    assert Quota.objects.filter(group=group).count() == 1
    assert not QueueSettings.objects.exists()


@pytest.mark.parametrize("verb", VERBS)
def test_the_admin_of_another_office_is_refused(queue, verb):
    office, _service, group = queue
    other_admin = OfficerFactory(office_admin=True, office=OfficeFactory())
    attempt = _attempts(office, group, group.quotas.get())[verb]
    with pytest.raises(NotAllowed):
        attempt(other_admin)
    assert not AuditEntry.objects.filter(action__startswith="queueing.config.").exists()


def test_a_city_admin_of_another_city_is_refused(queue):
    office, _service, _group = queue
    bekasi_admin = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    with pytest.raises(NotAllowed):
        config.update_queue_settings(actor=bekasi_admin, office=office, **settings_kwargs())


@pytest.mark.parametrize("verb", VERBS)
def test_the_city_admin_of_the_city_is_allowed(queue, verb):
    office, _service, group = queue
    city_admin = OfficerFactory(city_admin=True)  # Kota Tangerang Selatan, where the office is
    _attempts(office, group, group.quotas.get())[verb](city_admin)
    entry = AuditEntry.objects.get(action=f"queueing.config.{verb}")
    assert entry.actor == city_admin
    assert entry.office_id == office.pk


def test_a_system_admin_is_allowed(queue):
    office, _service, _group = queue
    config.update_queue_settings(actor=OfficerFactory(system_admin=True), office=office, **settings_kwargs())
    assert QueueSettings.objects.filter(office=office).exists()


# --- service groups -----------------------------------------------------------------------


def test_admin_creates_a_group_letter_upper_case_and_audited(queue, admin):
    office, _service, _group = queue
    kwargs = group_kwargs(office, letter=" kk ", name="  KTP-el dan KK ")
    group = config.save_service_group(actor=admin, **kwargs)
    assert group.letter == "KK"
    assert group.name == "KTP-el dan KK"
    assert group.avg_service_minutes == 12
    assert list(group.services.all()) == kwargs["services"]
    [entry] = audit("save_service_group")
    assert entry.actor == admin
    assert entry.office_id == office.pk
    assert entry.object_id == str(group.pk)
    assert entry.from_state == ""
    assert entry.to_state == "KK – KTP-el dan KK: Surat pindah datang; 12 min"
    assert entry.data["created"] is True
    assert entry.data["to"]["services"] == [kwargs["services"][0].code]


def test_admin_changes_a_group_and_the_audit_keeps_before_and_after(queue, admin):
    office, service, group = queue
    extra = ServiceFactory(office_kinds=["kecamatan"], name="Legalisir")
    config.save_service_group(
        actor=admin,
        office=office,
        group=group,
        letter="A",
        name="Umum",
        services=[service, extra],
        avg_service_minutes=8,
    )
    group.refresh_from_db()
    assert group.avg_service_minutes == 8
    assert set(group.services.all()) == {service, extra}
    [entry] = audit("save_service_group")
    assert entry.from_state == "A – Umum: Rekomendasi uji; 10 min"
    assert entry.to_state == "A – Umum: Legalisir, Rekomendasi uji; 8 min"
    assert entry.data["created"] is False
    assert entry.data["from"]["avg_service_minutes"] == 10


@pytest.mark.parametrize("letter", ["", "A1", "ABCD", "É", "A B", "-"])
def test_a_letter_must_be_one_to_three_capitals(queue, admin, letter):
    office, _service, _group = queue
    with pytest.raises(DomainError) as refused:
        config.save_service_group(actor=admin, **group_kwargs(office, letter=letter))
    assert refused.value.code == "letter"
    assert refused.value.message == (
        "Huruf kelompok harus terdiri dari 1 sampai 3 huruf kapital (A–Z), misalnya A atau KK."
    )
    assert not audit("save_service_group")


def test_a_letter_is_unique_per_office(queue, admin):
    office, _service, _group = queue
    with pytest.raises(DomainError) as refused:
        config.save_service_group(actor=admin, **group_kwargs(office, letter="a"))
    assert refused.value.code == "letter"
    assert refused.value.message == "Huruf A sudah dipakai oleh kelompok Umum di kantor ini. Pilih huruf lain."
    # Another office may use the same letter.
    other, _s, _g = make_queue(slug="kecamatan-lain")
    other_group = config.save_service_group(actor=None, **group_kwargs(other, letter="B"))
    assert other_group.letter == "B"
    assert config.save_service_group(actor=admin, **group_kwargs(office, letter="B")).letter == "B"


def test_a_group_keeps_its_own_letter_when_changed(queue, admin):
    office, service, group = queue
    saved = config.save_service_group(
        actor=admin,
        office=office,
        group=group,
        letter="A",
        name="Umum baru",
        services=[service],
        avg_service_minutes=10,
    )
    assert saved.pk == group.pk
    assert ServiceGroup.objects.get(pk=group.pk).name == "Umum baru"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Isi nama kelompok, misalnya 'KTP-el dan KK'."),
        ("x" * 101, "Nama kelompok paling panjang 100 karakter."),
    ],
)
def test_a_group_needs_a_name(queue, admin, name, message):
    office, _service, _group = queue
    with pytest.raises(DomainError) as refused:
        config.save_service_group(actor=admin, **group_kwargs(office, name=name))
    assert refused.value.code == "name"
    assert refused.value.message == message


def test_a_group_needs_at_least_one_service(queue, admin):
    office, _service, _group = queue
    with pytest.raises(DomainError) as refused:
        config.save_service_group(actor=admin, **group_kwargs(office, services=[]))
    assert refused.value.code == "services"
    assert refused.value.message == "Pilih sekurang-kurangnya satu layanan untuk kelompok ini."


def test_a_service_not_offered_at_the_office_is_refused(queue, admin):
    office, _service, _group = queue
    kelurahan_only = ServiceFactory(office_kinds=["kelurahan"], name="Surat pengantar RT")
    inactive = ServiceFactory(office_kinds=["kecamatan"], name="Layanan lama", is_active=False)
    switched_off = ServiceFactory(office_kinds=["kecamatan"], name="Dispensasi nikah")
    OfficeServiceFactory(office=office, service=switched_off, is_offered=False)
    for service in (kelurahan_only, inactive, switched_off):
        with pytest.raises(DomainError) as refused:
            config.save_service_group(actor=admin, **group_kwargs(office, services=[service]))
        assert refused.value.code == "services"
        assert refused.value.message == (
            f"Layanan {service.name} tidak tersedia di {office.name}. Pilih hanya layanan yang tersedia di kantor ini."
        )
    assert ServiceGroup.objects.filter(office=office).count() == 1


def test_a_service_is_in_one_group_per_office(queue, admin):
    office, service, group = queue
    with pytest.raises(DomainError) as refused:
        config.save_service_group(actor=admin, **group_kwargs(office, services=[service]))
    assert refused.value.code == "services"
    assert refused.value.message == (
        "Layanan Rekomendasi uji sudah masuk kelompok A (Umum). Satu layanan hanya dapat masuk satu kelompok "
        "di setiap kantor: keluarkan dahulu dari kelompok tersebut."
    )
    # The same service may be queued at another office.
    other = OfficeFactory(slug="kecamatan-lain")
    assert config.save_service_group(actor=None, **group_kwargs(other, services=[service])).office == other


@pytest.mark.parametrize("minutes", [0, 241, -5, "sepuluh", None, 2.5, True])
def test_minutes_per_visitor_from_1_to_240(queue, admin, minutes):
    office, _service, _group = queue
    with pytest.raises(DomainError) as refused:
        config.save_service_group(actor=admin, **group_kwargs(office, avg_service_minutes=minutes))
    assert refused.value.code == "avg_service_minutes"
    assert refused.value.message == "Menit per pengunjung harus berupa bilangan bulat dari 1 sampai 240."


@pytest.mark.parametrize("minutes", [1, 240, "15"])
def test_minutes_per_visitor_at_the_bounds_are_accepted(queue, admin, minutes):
    office, _service, _group = queue
    group = config.save_service_group(actor=admin, **group_kwargs(office, avg_service_minutes=minutes))
    assert group.avg_service_minutes == int(minutes)


def test_a_group_of_another_office_cannot_be_saved_under_this_one(queue, admin):
    office, _service, _group = queue
    foreign = ServiceGroupFactory(office=OfficeFactory(), letter="Z")
    with pytest.raises(DomainError) as refused:
        config.save_service_group(actor=admin, **group_kwargs(office, group=foreign))
    assert refused.value.code == "wrong_office"
    assert ServiceGroup.objects.get(pk=foreign.pk).office != office


# --- deleting a group ---------------------------------------------------------------------


def test_a_group_without_tickets_is_deleted_with_its_quotas(queue, admin):
    office, _service, group = queue
    QuotaFactory(group=group, weekday=Day.MONDAY, online_limit=5, walkin_limit=6)
    config.delete_service_group(actor=admin, group=group)
    assert not ServiceGroup.objects.filter(pk=group.pk).exists()
    assert not Quota.objects.filter(group_id=group.pk).exists()
    [entry] = audit("delete_service_group")
    assert entry.object_id == str(group.pk)
    assert entry.office_id == office.pk
    assert entry.from_state == "A – Umum: Rekomendasi uji; 10 min"
    assert [q["weekday"] for q in entry.data["quotas"]] == [None, Day.MONDAY]


def test_a_group_with_tickets_cannot_be_deleted(queue, admin):
    office, service, group = queue
    make_ticket(office, group, service)
    with pytest.raises(DomainError) as refused:
        config.delete_service_group(actor=admin, group=group)
    assert refused.value.code == "has_tickets"
    assert refused.value.message == (
        "Kelompok A tidak dapat dihapus: sudah ada 1 tiket yang diterbitkan untuk kelompok ini dan tiket tersebut "
        "disimpan sebagai arsip. Untuk menghentikan antrean ini, ubah kuotanya menjadi 0."
    )
    assert ServiceGroup.objects.filter(pk=group.pk).exists()
    assert group.quotas.count() == 1
    assert not audit("delete_service_group")


def test_the_refusal_counts_the_tickets_in_english_too(queue, admin):
    office, service, group = queue
    make_ticket(office, group, service)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        config.delete_service_group(actor=admin, group=group)
    assert "1 ticket has already been issued" in refused.value.message


# --- quota rows ---------------------------------------------------------------------------


def test_admin_adds_a_weekday_session_row_audited(queue, admin):
    office, _service, group = queue
    quota = config.save_quota(
        actor=admin, group=group, weekday=Day.MONDAY, session_start=dt.time(8, 0), online_limit=25, walkin_limit=30
    )
    assert (quota.weekday, quota.session_start, quota.online_limit, quota.walkin_limit) == (0, dt.time(8), 25, 30)
    [entry] = audit("save_quota")
    assert entry.actor == admin
    assert entry.office_id == office.pk
    assert entry.object_id == str(quota.pk)
    assert entry.to_state == "A monday 08:00: 25 online / 30 walk-in"
    assert entry.data["created"] is True
    assert entry.data["to"]["session_start"] == "08:00"


def test_admin_changes_a_row_and_the_audit_keeps_before_and_after(queue, admin):
    _office, _service, group = queue
    quota = group.quotas.get()
    config.save_quota(actor=admin, group=group, quota=quota, online_limit=15, walkin_limit=45)
    quota.refresh_from_db()
    assert (quota.online_limit, quota.walkin_limit) == (15, 45)
    [entry] = audit("save_quota")
    assert entry.from_state == "A every day: 20 online / 40 walk-in"
    assert entry.to_state == "A every day: 15 online / 45 walk-in"
    assert entry.data["created"] is False


def test_a_row_moves_to_another_group_of_the_same_office(queue, admin):
    office, _service, group = queue
    other_group = config.save_service_group(actor=admin, **group_kwargs(office))
    quota = group.quotas.get()
    config.save_quota(actor=admin, group=other_group, quota=quota, online_limit=20, walkin_limit=40)
    assert Quota.objects.get(pk=quota.pk).group == other_group


def test_date_and_weekday_are_exclusive(queue, admin):
    _office, _service, group = queue
    with pytest.raises(DomainError) as refused:
        config.save_quota(
            actor=admin, group=group, date=dt.date(2026, 9, 9), weekday=Day.WEDNESDAY, online_limit=1, walkin_limit=1
        )
    assert refused.value.code == "scope"
    assert refused.value.message == "Pilih tanggal atau hari saja, jangan keduanya: kosongkan salah satunya."
    assert group.quotas.count() == 1


@pytest.mark.parametrize("weekday", [Day.HOLIDAY, 8, -1, True])
def test_a_weekday_is_monday_to_sunday(queue, admin, weekday):
    _office, _service, group = queue
    with pytest.raises(DomainError) as refused:
        config.save_quota(actor=admin, group=group, weekday=weekday, online_limit=1, walkin_limit=1)
    assert refused.value.code == "weekday"
    assert refused.value.message == "Pilih hari dari Senin sampai Minggu."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("online_limit", -1, "Jumlah pesan online per sesi harus berupa bilangan bulat dari 0 sampai 10.000."),
        ("online_limit", 10_001, "Jumlah pesan online per sesi harus berupa bilangan bulat dari 0 sampai 10.000."),
        ("online_limit", "banyak", "Jumlah pesan online per sesi harus berupa bilangan bulat dari 0 sampai 10.000."),
        (
            "walkin_limit",
            -1,
            "Jumlah tiket datang langsung per sesi harus berupa bilangan bulat dari 0 sampai 10.000.",
        ),
        (
            "walkin_limit",
            10_001,
            "Jumlah tiket datang langsung per sesi harus berupa bilangan bulat dari 0 sampai 10.000.",
        ),
    ],
)
def test_limits_from_0_to_10000(queue, admin, field, value, message):
    _office, _service, group = queue
    limits = {"online_limit": 5, "walkin_limit": 5, field: value}
    with pytest.raises(DomainError) as refused:
        config.save_quota(actor=admin, group=group, weekday=Day.MONDAY, **limits)
    assert refused.value.code == field
    assert refused.value.message == message


def test_limits_at_the_bounds_are_accepted(queue, admin):
    _office, _service, group = queue
    quota = config.save_quota(actor=admin, group=group, weekday=Day.MONDAY, online_limit=0, walkin_limit=10_000)
    assert (quota.online_limit, quota.walkin_limit) == (0, 10_000)


def test_a_second_row_with_the_same_scope_is_refused_naming_the_first(queue, admin):
    _office, _service, group = queue
    with pytest.raises(DomainError) as refused:
        config.save_quota(actor=admin, group=group, online_limit=5, walkin_limit=5)
    assert refused.value.code == "duplicate"
    assert refused.value.message == (
        "Kelompok A sudah memiliki baris kuota untuk hari dan sesi yang sama: “Setiap hari” (20 pesan online, "
        "40 datang langsung). Ubah baris tersebut, jangan menambah baris kedua."
    )
    config.save_quota(
        actor=admin, group=group, date=dt.date(2026, 9, 9), session_start=dt.time(8), online_limit=3, walkin_limit=4
    )
    with pytest.raises(DomainError) as refused:
        config.save_quota(
            actor=admin, group=group, date=dt.date(2026, 9, 9), session_start=dt.time(8), online_limit=1, walkin_limit=1
        )
    assert "“Tanggal 9 September 2026, sesi 08.00” (3 pesan online, 4 datang langsung)" in refused.value.message
    # Another session of that date, and the date for all sessions, are different scopes.
    config.save_quota(
        actor=admin, group=group, date=dt.date(2026, 9, 9), session_start=dt.time(13), online_limit=1, walkin_limit=1
    )
    config.save_quota(actor=admin, group=group, date=dt.date(2026, 9, 9), online_limit=1, walkin_limit=1)
    assert group.quotas.count() == 4


def test_a_row_saved_again_with_its_own_scope_is_not_a_duplicate(queue, admin):
    _office, _service, group = queue
    quota = group.quotas.get()
    config.save_quota(actor=admin, group=group, quota=quota, online_limit=20, walkin_limit=41)
    assert group.quotas.get().walkin_limit == 41


def test_a_past_date_is_refused_and_today_is_accepted(queue, admin):
    _office, _service, group = queue
    with pytest.raises(DomainError) as refused:
        config.save_quota(actor=admin, group=group, date=dt.date(2026, 9, 3), online_limit=1, walkin_limit=1)
    assert refused.value.code == "date"
    assert refused.value.message == "Tanggal 3 September 2026 sudah lewat. Pilih hari ini atau tanggal sesudahnya."
    assert config.save_quota(actor=admin, group=group, date=dt.date(2026, 9, 4), online_limit=1, walkin_limit=1)


def test_past_means_the_office_local_date(freeze):
    # 16:00 UTC on 4 September is already 01:00 on 5 September in Jayapura (WIT).
    freeze(dt.datetime(2026, 9, 4, 16, 0, tzinfo=dt.UTC))
    _office, _service, group = make_queue(wit=True)
    with pytest.raises(DomainError) as refused:
        config.save_quota(actor=None, group=group, date=dt.date(2026, 9, 4), online_limit=1, walkin_limit=1)
    assert refused.value.code == "date"
    assert config.save_quota(actor=None, group=group, date=dt.date(2026, 9, 5), online_limit=1, walkin_limit=1)


def test_a_row_of_another_office_cannot_be_saved_under_this_group(queue, admin):
    _office, _service, group = queue
    foreign = QuotaFactory(group=ServiceGroupFactory(office=OfficeFactory(), letter="Z"))
    with pytest.raises(DomainError) as refused:
        config.save_quota(actor=admin, group=group, quota=foreign, online_limit=1, walkin_limit=1)
    assert refused.value.code == "wrong_office"
    assert Quota.objects.get(pk=foreign.pk).online_limit == 20


def test_admin_deletes_a_row_audited(queue, admin):
    office, _service, group = queue
    quota = group.quotas.get()
    config.delete_quota(actor=admin, quota=quota)
    assert not Quota.objects.filter(pk=quota.pk).exists()
    [entry] = audit("delete_quota")
    assert entry.object_id == str(quota.pk)
    assert entry.office_id == office.pk
    assert entry.from_state == "A every day: 20 online / 40 walk-in"
    assert entry.to_state == ""


def test_scope_in_words():
    assert selectors.scope_text(date=None, weekday=None, session_start=None) == "Setiap hari"
    assert selectors.scope_text(date=None, weekday=Day.MONDAY, session_start=None) == "Setiap Senin"
    assert (
        selectors.scope_text(date=dt.date(2026, 9, 9), weekday=None, session_start=None) == "Tanggal 9 September 2026"
    )
    assert selectors.scope_text(date=None, weekday=None, session_start=dt.time(8)) == "Setiap hari, sesi 08.00"
    with translation.override("en"):
        assert selectors.scope_text(date=None, weekday=Day.FRIDAY, session_start=dt.time(13, 30)) == (
            "Every Friday, session 13.30"
        )


# --- queue rules --------------------------------------------------------------------------


def test_the_first_save_creates_the_office_row_audited(queue, admin):
    office, _service, _group = queue
    rules = config.update_queue_settings(actor=admin, office=office, **settings_kwargs())
    stored = QueueSettings.objects.get(office=office)
    assert stored.pk == rules.pk
    assert (stored.late_grace_minutes, stored.late_policy, stored.noshow_limit) == (20, "refuse", 2)
    assert (stored.noshow_window_days, stored.noshow_block_days, stored.turn_near_ahead) == (60, 14, 5)
    [entry] = audit("update_queue_settings")
    assert entry.actor == admin
    assert entry.office_id == office.pk
    assert entry.from_state == ""
    assert entry.data["created"] is True
    assert entry.data["to"]["late_policy"] == "refuse"


def test_a_later_save_changes_the_row_and_keeps_the_old_values_in_the_audit(queue, admin):
    office, _service, _group = queue
    config.update_queue_settings(actor=admin, office=office, **settings_kwargs())
    config.update_queue_settings(actor=admin, office=office, **settings_kwargs(late_grace_minutes=0, noshow_limit=0))
    assert QueueSettings.objects.filter(office=office).count() == 1
    stored = QueueSettings.objects.get(office=office)
    assert (stored.late_grace_minutes, stored.noshow_limit) == (0, 0)
    latest = audit("update_queue_settings")[-1]
    assert latest.data["created"] is False
    assert latest.data["from"]["late_grace_minutes"] == 20
    assert latest.data["to"]["late_grace_minutes"] == 0


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("late_grace_minutes", 601, "Toleransi keterlambatan pemesan (menit)"),
        ("late_grace_minutes", -1, "Toleransi keterlambatan pemesan (menit)"),
        ("late_policy", "lupakan", "Bila lebih terlambat"),
        ("noshow_limit", 51, "Jumlah tidak hadir sebelum pemesanan online ditangguhkan"),
        ("noshow_window_days", 0, "Rentang penghitungan tidak hadir (hari)"),
        ("noshow_window_days", 366, "Rentang penghitungan tidak hadir (hari)"),
        ("noshow_block_days", 0, "Lama penangguhan (hari)"),
        ("noshow_block_days", 91, "Lama penangguhan (hari)"),
        ("turn_near_ahead", 0, None),
        ("turn_near_ahead", 51, None),
    ],
)
def test_queue_rules_out_of_range_are_refused_naming_the_field(queue, admin, field, value, label):
    office, _service, _group = queue
    with pytest.raises(DomainError) as refused:
        config.update_queue_settings(actor=admin, office=office, **settings_kwargs(**{field: value}))
    assert refused.value.code == field
    assert refused.value.message.startswith("Periksa aturan antrean. ")
    if label:
        assert f"{label}: " in refused.value.message
    assert not QueueSettings.objects.exists()
    assert not audit("update_queue_settings")


def test_several_bad_queue_rules_are_named_together(queue, admin):
    office, _service, _group = queue
    with pytest.raises(DomainError) as refused:
        config.update_queue_settings(
            actor=admin, office=office, **settings_kwargs(late_grace_minutes=999, noshow_block_days=0)
        )
    assert refused.value.code == "settings"
    assert "Toleransi keterlambatan pemesan (menit): " in refused.value.message
    assert "Lama penangguhan (hari): " in refused.value.message
