"""The office admin's queue settings page (/antrean/kelola/…), in Indonesian by default."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.urls import reverse

from loket.accounts.factories import OfficerFactory
from loket.audit.models import AuditEntry
from loket.catalog.factories import ServiceFactory
from loket.offices.factories import OfficeFactory
from loket.offices.models import Day
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory
from loket.queueing.models import QueueSettings, Quota, ServiceGroup, Ticket, TicketKind, TicketStatus
from loket.queueing.tests.conftest import make_queue

pytestmark = pytest.mark.django_db

# Friday 4 September 2026, 10:00 WIB
NOW = dt.datetime(2026, 9, 4, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW)


@pytest.fixture
def office(queue):
    return queue[0]


@pytest.fixture
def group(queue):
    return queue[2]


@pytest.fixture
def admin(office):
    return OfficerFactory(office_admin=True, office=office)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def page(office) -> str:
    return reverse("queueing:manage", kwargs={"slug": office.slug})


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


def quota_post(group, **fields) -> dict:
    data = {
        "action": "quota",
        "kuota-group": str(group.pk),
        "kuota-weekday": "",
        "kuota-date": "",
        "kuota-session_start": "",
        "kuota-online_limit": "25",
        "kuota-walkin_limit": "30",
    }
    data.update(fields)
    return data


# --- reading the page ---------------------------------------------------------------------


def test_the_page_shows_groups_quotas_and_the_rule_in_indonesian(admin_client, office, group):
    QuotaFactory(group=group, weekday=Day.MONDAY, online_limit=12, walkin_limit=18)
    QuotaFactory(group=group, date=dt.date(2026, 9, 9), session_start=dt.time(8), online_limit=5, walkin_limit=7)
    ServiceGroupFactory(
        office=office,
        letter="B",
        name="Kependudukan",
        services=[ServiceFactory(office_kinds=["kecamatan"], name="KTP-el")],
    )
    response = admin_client.get(page(office))
    assert response.status_code == 200
    body = text(response)
    assert f"Pengaturan antrean {office.name}" in body
    assert "Kuota dihitung per sesi" in body
    assert "yang berlaku adalah yang paling khusus" in body
    # Group A with its service, minutes and rows (least specific first).
    assert "Umum" in body and "Rekomendasi uji" in body and "Menit per pengunjung" in body
    rows = [row.scope for row in response.context["groups"][0].quotas]
    assert rows == ["Setiap hari", "Setiap Senin", "Tanggal 9 September 2026, sesi 08.00"]
    for scope in rows:
        assert scope in body
    assert "Pesan online" in body and "Datang langsung" in body
    assert "<td>12</td>" in body and "<td>18</td>" in body
    # Group B without quotas warns that it has no places.
    assert "Kependudukan" in body and "KTP-el" in body
    assert "Belum ada baris kuota" in body
    # The forms.
    assert "Tambah baris kuota" in body
    assert "Tambah kelompok layanan" in body
    assert "Aturan antrean" in body
    assert "Toleransi keterlambatan pemesan (menit)" in body


def test_the_edit_links_fill_the_forms(admin_client, office, group):
    quota = group.quotas.get()
    body = text(admin_client.get(page(office), {"kuota": quota.pk}))
    assert "Ubah baris kuota" in body
    assert f'name="quota" value="{quota.pk}"' in body
    assert 'name="kuota-online_limit" value="20"' in body
    body = text(admin_client.get(page(office), {"kelompok": group.pk}))
    assert "Ubah kelompok A" in body
    assert 'name="kelompok-letter" value="A"' in body
    assert "Hapus kelompok A" in body


def test_a_service_in_another_group_is_marked_in_the_choices(admin_client, office, group):
    body = text(admin_client.get(page(office)))
    assert "Rekomendasi uji (saat ini di kelompok A)" in body
    body = text(admin_client.get(page(office), {"kelompok": group.pk}))
    assert "Rekomendasi uji (saat ini" not in body


# --- changing quotas ----------------------------------------------------------------------


def test_adding_a_quota_row_through_the_form(admin_client, admin, office, group):
    response = admin_client.post(
        page(office), quota_post(group, **{"kuota-weekday": "0", "kuota-session_start": "08:00"})
    )
    assert response.status_code == 302
    assert response["Location"] == page(office) + f"#kelompok-{group.pk}"
    quota = Quota.objects.get(group=group, weekday=Day.MONDAY)
    assert (quota.session_start, quota.online_limit, quota.walkin_limit) == (dt.time(8), 25, 30)
    assert AuditEntry.objects.get(action="queueing.config.save_quota").actor == admin
    body = text(admin_client.get(response["Location"]))
    assert (
        "Tersimpan untuk kelompok A (“Setiap Senin, sesi 08.00”): 25 pesan online dan 30 tiket datang langsung per sesi."
        in body
    )
    assert "Setiap Senin, sesi 08.00" in body


def test_a_bad_quota_form_keeps_the_typed_values_and_shows_the_indonesian_error(admin_client, office, group):
    data = quota_post(group, **{"kuota-weekday": "2", "kuota-date": "2026-09-09", "kuota-session_start": "13:00"})
    response = admin_client.post(page(office), data)
    assert response.status_code == 400
    body = text(response)
    assert "Pilih tanggal atau hari saja, jangan keduanya: kosongkan salah satunya." in body
    assert 'name="kuota-date" value="2026-09-09"' in body
    assert 'name="kuota-session_start" value="13:00"' in body
    assert 'name="kuota-online_limit" value="25"' in body
    assert 'name="kuota-walkin_limit" value="30"' in body
    assert '<option value="2" selected>Rabu</option>' in body
    assert group.quotas.count() == 1


def test_a_field_error_from_the_service_lands_on_its_field(admin_client, office, group):
    response = admin_client.post(page(office), quota_post(group, **{"kuota-date": "2026-09-01"}))
    assert response.status_code == 400
    form = response.context["quota_form"]
    assert form.errors["date"] == ["Tanggal 1 September 2026 sudah lewat. Pilih hari ini atau tanggal sesudahnya."]
    response = admin_client.post(page(office), quota_post(group, **{"kuota-online_limit": "10001"}))
    assert response.status_code == 400
    assert "dari 0 sampai 10.000" in response.context["quota_form"].errors["online_limit"][0]


def test_a_missing_limit_is_asked_for_in_indonesian(admin_client, office, group):
    response = admin_client.post(page(office), quota_post(group, **{"kuota-walkin_limit": ""}))
    assert response.status_code == 400
    assert "Isi jumlah tiket datang langsung per sesi (0 bila tidak ada)." in text(response)


def test_changing_and_deleting_a_quota_row(admin_client, office, group):
    quota = group.quotas.get()
    response = admin_client.post(
        page(office) + f"?kuota={quota.pk}", quota_post(group, quota=str(quota.pk), **{"kuota-online_limit": "8"})
    )
    assert response.status_code == 302
    assert Quota.objects.get(pk=quota.pk).online_limit == 8
    response = admin_client.post(page(office), {"action": "delete_quota", "quota": str(quota.pk)})
    assert response.status_code == 302
    assert not Quota.objects.filter(pk=quota.pk).exists()
    assert "Terhapus: baris kuota “Setiap hari” kelompok A." in text(admin_client.get(page(office)))


# --- rows of another office ---------------------------------------------------------------


@pytest.fixture
def foreign():
    other_office, _service, other_group = make_queue(slug="kecamatan-lain")
    return other_group, other_group.quotas.get()


def test_another_offices_rows_are_404(admin_client, office, group, foreign):
    other_group, other_quota = foreign
    assert admin_client.get(page(office), {"kuota": other_quota.pk}).status_code == 404
    assert admin_client.get(page(office), {"kelompok": other_group.pk}).status_code == 404
    assert admin_client.get(page(office), {"tambah_kuota": other_group.pk}).status_code == 404
    assert admin_client.get(page(office), {"kuota": "abc"}).status_code == 404
    edit = quota_post(group, quota=str(other_quota.pk))
    assert admin_client.post(page(office), edit).status_code == 404
    assert admin_client.post(page(office), {"action": "delete_quota", "quota": str(other_quota.pk)}).status_code == 404
    assert admin_client.post(page(office), {"action": "delete_group", "group": str(other_group.pk)}).status_code == 404
    assert admin_client.post(page(office), {"action": "delete_quota"}).status_code == 404
    assert Quota.objects.filter(pk=other_quota.pk, online_limit=20).exists()
    assert ServiceGroup.objects.filter(pk=other_group.pk).exists()


def test_a_quota_cannot_be_put_in_another_offices_group(admin_client, office, group, foreign):
    other_group, _other_quota = foreign
    response = admin_client.post(page(office), quota_post(group, **{"kuota-group": str(other_group.pk)}))
    assert response.status_code == 400
    assert "Pilih kelompok layanan kantor ini." in text(response)
    assert other_group.quotas.count() == 1


# --- who may open it ----------------------------------------------------------------------


def test_a_petugas_gets_403(client, office, group, petugas):
    client.force_login(petugas)
    assert client.get(page(office)).status_code == 403
    assert client.post(page(office), quota_post(group)).status_code == 403
    assert client.get(reverse("queueing:manage_index")).status_code == 403
    assert group.quotas.count() == 1


def test_the_admin_of_another_office_gets_403(client, office, group):
    client.force_login(OfficerFactory(office_admin=True, office=OfficeFactory()))
    assert client.get(page(office)).status_code == 403
    assert client.post(page(office), quota_post(group)).status_code == 403


def test_the_city_admin_of_the_city_may_configure(client, office, group):
    client.force_login(OfficerFactory(city_admin=True))
    assert client.get(page(office)).status_code == 200
    response = client.post(page(office), quota_post(group, **{"kuota-weekday": "4"}))
    assert response.status_code == 302
    assert group.quotas.filter(weekday=Day.FRIDAY).exists()


def test_an_unknown_office_is_404(admin_client):
    assert admin_client.get(reverse("queueing:manage", kwargs={"slug": "tidak-ada"})).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, office):
    response = client.get(page(office))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_index_goes_straight_to_the_one_office(admin_client, office):
    response = admin_client.get(reverse("queueing:manage_index"))
    assert response.status_code == 302
    assert response["Location"] == page(office)


def test_the_index_lists_the_offices_of_a_city_admin(client, office):
    second = OfficeFactory(name="Kecamatan Pamulang", slug="kecamatan-pamulang", region_code="36.74.06")
    client.force_login(OfficerFactory(city_admin=True))
    response = client.get(reverse("queueing:manage_index"))
    assert response.status_code == 200
    body = text(response)
    assert "Pengaturan antrean" in body
    assert office.name in body and second.name in body
    assert page(second) in body


def test_the_dashboard_links_to_the_queue_settings(admin_client, office):
    body = text(admin_client.get(reverse("accounts:dashboard")))
    assert f'<a href="{page(office)}">Pengaturan antrean</a>' in body


# --- changing groups ----------------------------------------------------------------------


def test_adding_a_group_through_the_form(admin_client, office):
    service = ServiceFactory(office_kinds=["kecamatan"], name="Surat pindah")
    data = {
        "action": "group",
        "kelompok-letter": "b",
        "kelompok-name": "Pindah datang",
        "kelompok-services": [str(service.pk)],
        "kelompok-avg_service_minutes": "15",
    }
    response = admin_client.post(page(office), data)
    assert response.status_code == 302
    group = ServiceGroup.objects.get(office=office, letter="B")
    assert list(group.services.all()) == [service]
    assert "Tersimpan: kelompok B (Pindah datang)." in text(admin_client.get(response["Location"]))


def test_a_taken_letter_is_shown_on_the_letter_field_with_the_typed_values_kept(admin_client, office):
    service = ServiceFactory(office_kinds=["kecamatan"], name="Surat pindah")
    data = {
        "action": "group",
        "kelompok-letter": "a",
        "kelompok-name": "Pindah datang",
        "kelompok-services": [str(service.pk)],
        "kelompok-avg_service_minutes": "15",
    }
    response = admin_client.post(page(office), data)
    assert response.status_code == 400
    assert response.context["group_form"].errors["letter"] == [
        "Huruf A sudah dipakai oleh kelompok Umum di kantor ini. Pilih huruf lain."
    ]
    body = text(response)
    assert 'name="kelompok-name" value="Pindah datang"' in body
    assert 'name="kelompok-avg_service_minutes" value="15"' in body


def test_deleting_a_group_with_tickets_is_refused_with_a_message(admin_client, office, queue):
    _office, service, group = queue
    start = dt.datetime(2026, 9, 3, 1, 0, tzinfo=dt.UTC)
    Ticket.objects.create(
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
    response = admin_client.post(page(office), {"action": "delete_group", "group": str(group.pk)}, follow=True)
    assert response.status_code == 200
    assert "Kelompok A tidak dapat dihapus: sudah ada 1 tiket" in text(response)
    assert ServiceGroup.objects.filter(pk=group.pk).exists()


def test_deleting_a_group_without_tickets(admin_client, office, group):
    response = admin_client.post(page(office), {"action": "delete_group", "group": str(group.pk)}, follow=True)
    assert "Kelompok A (Umum) beserta baris kuotanya telah dihapus." in text(response)
    assert not ServiceGroup.objects.filter(pk=group.pk).exists()


# --- queue rules --------------------------------------------------------------------------


def settings_post(**fields) -> dict:
    data = {
        "action": "settings",
        "aturan-late_grace_minutes": "20",
        "aturan-late_policy": "refuse",
        "aturan-noshow_limit": "2",
        "aturan-noshow_window_days": "60",
        "aturan-noshow_block_days": "14",
        "aturan-turn_near_ahead": "4",
    }
    data.update(fields)
    return data


def test_saving_the_queue_rules(admin_client, office):
    response = admin_client.post(page(office), settings_post())
    assert response.status_code == 302
    assert response["Location"] == page(office) + "#aturan"
    rules = QueueSettings.objects.get(office=office)
    assert (rules.late_grace_minutes, rules.late_policy, rules.turn_near_ahead) == (20, "refuse", 4)
    body = text(admin_client.get(page(office)))
    assert f"Tersimpan: aturan antrean {office.name}." in body
    assert 'name="aturan-late_grace_minutes" value="20"' in body


def test_bad_queue_rules_are_shown_again_with_status_400(admin_client, office):
    response = admin_client.post(page(office), settings_post(**{"aturan-noshow_window_days": "0"}))
    assert response.status_code == 400
    assert response.context["settings_form"].errors["noshow_window_days"]
    assert 'name="aturan-noshow_window_days" value="0"' in text(response)
    assert not QueueSettings.objects.exists()


def test_an_unknown_action_is_refused_without_change(admin_client, office):
    response = admin_client.post(page(office), {"action": "hapus_semua"}, follow=True)
    assert "Formulir ini tidak dapat dibaca." in text(response)
    assert ServiceGroup.objects.filter(office=office).exists()
