"""The request workflow: draft, submit, verify / return and resubmit, process, reject, withdraw;
the chained surat pengantar; working-day deadlines paused while returned; pickup and handover."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.core.errors import DomainError, NotAllowed
from loket.offices.factories import WEEKDAYS, OfficeFactory, add_rules
from loket.permohonan import selectors, services
from loket.permohonan.factories import IDENTITY, chained_services, filled_draft, pdf_upload, sku_service
from loket.permohonan.models import Permohonan, Status
from loket.permohonan.workflow import TRANSITIONS, can_move

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = dt.date(2026, 9, 7)


def wib(day, hh=9, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture
def kelurahan():
    office = OfficeFactory(kelurahan=True, name="Kelurahan Ciputat")
    add_rules(office, WEEKDAYS, "08:00", "16:00")
    return office


@pytest.fixture
def sku(kelurahan):
    return sku_service()


@pytest.fixture
def citizen():
    return CitizenFactory()


@pytest.fixture
def staff(kelurahan):
    return OfficerFactory(verifikator=True, office=kelurahan)


@pytest.fixture
def at_monday(freeze):
    freeze(wib(MONDAY))


def submitted(citizen, service, office):
    return services.submit(actor=citizen, permohonan=filled_draft(citizen, service, office))


# --- citizen side ---


def test_start_prefills_identity_from_the_nik_and_the_last_request(citizen, sku, kelurahan, at_monday):
    first = services.start_request(actor=citizen, service=sku, office=kelurahan)
    assert first.status == Status.DRAFT and first.code.startswith("PMH-") and len(first.code) == 13
    assert first.identity["jenis_kelamin"] == "Laki-laki" and first.identity["tanggal_lahir"] == "1987-11-01"
    services.save_draft(actor=citizen, permohonan=first, identity=IDENTITY, values={})
    second = services.start_request(actor=citizen, service=sku, office=kelurahan)
    assert second.identity["alamat"] == IDENTITY["alamat"]


def test_a_service_not_offered_there_cannot_be_requested(citizen, sku):
    kecamatan = OfficeFactory()
    with pytest.raises(DomainError) as err:
        services.start_request(actor=citizen, service=sku, office=kecamatan)
    assert err.value.code == "not_offered"
    with pytest.raises(NotAllowed):
        services.start_request(actor=OfficerFactory(), service=sku, office=kecamatan)


def test_save_keeps_what_is_valid_and_names_what_is_wrong(citizen, sku, kelurahan, at_monday):
    p = services.start_request(actor=citizen, service=sku, office=kelurahan)
    errors = services.save_draft(
        actor=citizen,
        permohonan=p,
        identity={**IDENTITY, "agama": "Lainnya", "tanggal_lahir": "12-11-1987"},
        values={"nama_usaha": "Warung Nasi Padang Sederhana", "mulai_usaha": "kemarin"},
    )
    assert set(errors) == {"identity.agama", "identity.tanggal_lahir", "mulai_usaha"}
    p.refresh_from_db()
    assert p.values["nama_usaha"] == "Warung Nasi Padang Sederhana"  # nothing typed is lost
    assert p.identity["alamat"] == IDENTITY["alamat"]
    assert p.status == Status.DRAFT


def test_submit_refuses_an_incomplete_request_field_by_field(citizen, sku, kelurahan, at_monday):
    p = services.start_request(actor=citizen, service=sku, office=kelurahan)
    with pytest.raises(services.FormErrors) as err:
        services.submit(actor=citizen, permohonan=p)
    keys = set(err.value.errors)
    assert {"nama_usaha", "jenis_usaha", "identity.alamat"} <= keys
    assert "mulai_usaha" not in keys  # optional
    uploads = {k for k in keys if k.startswith("upload.")}
    assert len(uploads) == 2  # KTP and KK; the optional photo is not asked


def test_submit_sets_the_deadline_in_working_days(citizen, sku, kelurahan, freeze):
    freeze(wib(dt.date(2026, 9, 11)))  # a Friday; SKU takes 2 working days
    p = submitted(citizen, sku, kelurahan)
    assert p.status == Status.DIAJUKAN and p.due_date == dt.date(2026, 9, 15)  # Mon 14, Tue 15
    assert AuditEntry.objects.filter(action="permohonan.submit", to_state="diajukan").count() == 1


def test_an_upload_of_another_service_is_refused(citizen, sku, kelurahan, at_monday):
    p = services.start_request(actor=citizen, service=sku, office=kelurahan)
    other = sku_service().requirements.filter(needs_upload=True).first()
    with pytest.raises(DomainError) as err:
        services.attach_upload(actor=citizen, permohonan=p, requirement=other, uploaded=pdf_upload())
    assert err.value.code == "bad_requirement"


def test_a_new_upload_replaces_the_old_one(citizen, sku, kelurahan, at_monday):
    p = services.start_request(actor=citizen, service=sku, office=kelurahan)
    ktp = sku.requirements.get(name="KTP-el pemohon")
    services.attach_upload(actor=citizen, permohonan=p, requirement=ktp, uploaded=pdf_upload("lama.pdf"))
    services.attach_upload(actor=citizen, permohonan=p, requirement=ktp, uploaded=pdf_upload("baru.pdf"))
    assert [u.original_name for u in p.uploads.all()] == ["baru.pdf"]


def test_another_citizen_cannot_touch_my_request(citizen, sku, kelurahan, at_monday):
    p = services.start_request(actor=citizen, service=sku, office=kelurahan)
    with pytest.raises(NotAllowed):
        services.save_draft(actor=CitizenFactory(), permohonan=p, identity=IDENTITY, values={})
    assert selectors.permohonan_for(CitizenFactory()).filter(pk=p.pk).count() == 0


# --- staff side ---


def test_verify_process_and_send_on_the_happy_path(citizen, sku, kelurahan, staff, at_monday):
    p = submitted(citizen, sku, kelurahan)
    p = services.verify(actor=staff, permohonan=p)
    assert p.status == Status.DIVERIFIKASI and p.assigned_to == staff
    p = services.start_processing(actor=staff, permohonan=p)
    assert p.status == Status.DIPROSES


def test_return_pauses_the_countdown_and_resubmission_moves_the_deadline(citizen, sku, kelurahan, staff, freeze):
    freeze(wib(MONDAY))
    p = submitted(citizen, sku, kelurahan)
    assert p.due_date == dt.date(2026, 9, 9)
    freeze(wib(MONDAY, 11))
    with pytest.raises(DomainError) as err:
        services.return_to_citizen(actor=staff, permohonan=p, reason="foto")
    assert err.value.code == "reason"
    p = services.return_to_citizen(actor=staff, permohonan=p, reason="Foto KTP buram, mohon unggah ulang.")
    assert p.status == Status.DIKEMBALIKAN and selectors.countdown(p).paused
    with pytest.raises(DomainError):  # the citizen fixes it first: staff cannot verify a returned request
        services.verify(actor=staff, permohonan=p)
    freeze(wib(dt.date(2026, 9, 10)))  # Thursday: 3 working days later
    ktp = sku.requirements.get(name="KTP-el pemohon")
    services.attach_upload(actor=citizen, permohonan=p, requirement=ktp, uploaded=pdf_upload("ktp-jelas.pdf"))
    p = services.submit(actor=citizen, permohonan=p)
    assert p.status == Status.DIAJUKAN
    assert p.paused_working_days == 3 and p.due_date == dt.date(2026, 9, 14)
    countdown = selectors.countdown(p, wib(dt.date(2026, 9, 10)))
    assert (countdown.working_days_left, countdown.overdue) == (2, False)
    assert selectors.countdown(p, wib(dt.date(2026, 9, 16))).overdue


def test_reject_needs_a_reason_and_is_final(citizen, sku, kelurahan, staff, at_monday):
    p = submitted(citizen, sku, kelurahan)
    p = services.reject(actor=staff, permohonan=p, reason="Usaha tidak berada di wilayah kelurahan ini.")
    assert p.status == Status.DITOLAK and p.finished_at
    with pytest.raises(DomainError) as err:
        services.verify(actor=staff, permohonan=p)
    assert err.value.code == "bad_transition" and "Ditolak" in str(err.value.message)


def test_staff_of_another_office_is_refused(citizen, sku, kelurahan, at_monday):
    p = submitted(citizen, sku, kelurahan)
    other = OfficerFactory(verifikator=True, office=OfficeFactory(kelurahan=True))
    with pytest.raises(NotAllowed):
        services.verify(actor=other, permohonan=p)
    assert selectors.permohonan_for(other).filter(pk=p.pk).count() == 0
    assert selectors.permohonan_for(OfficerFactory(verifikator=True, office=kelurahan)).filter(pk=p.pk).count() == 1


def test_drafts_are_not_in_the_staff_worklist(citizen, sku, kelurahan, staff, at_monday):
    draft = services.start_request(actor=citizen, service=sku, office=kelurahan)
    p = submitted(citizen, sku, kelurahan)
    rows = selectors.worklist(staff, kelurahan, selectors.WorklistFilter())
    assert [r[0].pk for r in rows] == [p.pk] and draft.pk not in [r[0].pk for r in rows]


def test_the_worklist_filters(citizen, sku, kelurahan, staff, freeze):
    freeze(wib(MONDAY))
    late = submitted(citizen, sku, kelurahan)
    services.verify(actor=staff, permohonan=late)
    freeze(wib(dt.date(2026, 9, 14)))
    fresh = submitted(CitizenFactory(full_name="Siti Rahma"), sku, kelurahan)
    f = selectors.WorklistFilter
    assert [p.pk for p, _ in selectors.worklist(staff, kelurahan, f(overdue=True))] == [late.pk]
    assert [p.pk for p, _ in selectors.worklist(staff, kelurahan, f(mine=True))] == [late.pk]
    assert [p.pk for p, _ in selectors.worklist(staff, kelurahan, f(unassigned=True))] == [fresh.pk]
    assert [p.pk for p, _ in selectors.worklist(staff, kelurahan, f(search="siti"))] == [fresh.pk]
    assert [p.pk for p, _ in selectors.worklist(staff, kelurahan, f(search=fresh.code))] == [fresh.pk]
    assert [p.pk for p, _ in selectors.worklist(staff, kelurahan, f(status="diverifikasi"))] == [late.pk]


def test_assign_only_to_staff_of_the_office(citizen, sku, kelurahan, staff, at_monday):
    p = submitted(citizen, sku, kelurahan)
    colleague = OfficerFactory(petugas=True, office=kelurahan)
    assert services.assign(actor=staff, permohonan=p, officer=colleague).assigned_to == colleague
    with pytest.raises(DomainError):
        services.assign(actor=staff, permohonan=p, officer=OfficerFactory(petugas=True))


def test_withdraw_before_verification_only(citizen, sku, kelurahan, staff, at_monday):
    p = submitted(citizen, sku, kelurahan)
    assert services.withdraw(actor=citizen, permohonan=p).status == Status.DIBATALKAN
    q = services.verify(actor=staff, permohonan=submitted(citizen, sku, kelurahan))
    with pytest.raises(DomainError):
        services.withdraw(actor=citizen, permohonan=q)


def test_every_status_is_in_the_workflow_and_terminal_ones_lead_nowhere():
    assert set(TRANSITIONS) == set(Status.values)
    for final in (Status.DIAMBIL, Status.DITOLAK, Status.DIBATALKAN, Status.SELESAI):
        assert not TRANSITIONS[final]
    assert not can_move(Status.DIAJUKAN, Status.SELESAI)


# --- chained services ---


@pytest.fixture
def chain(at_monday):
    main, pengantar = chained_services()
    kecamatan = OfficeFactory(name="Kecamatan Ciputat")
    add_rules(kecamatan, WEEKDAYS, "08:00", "16:00")
    kel = OfficeFactory(kelurahan=True, name="Kelurahan Sawah")
    add_rules(kel, WEEKDAYS, "08:00", "16:00")
    return main, pengantar, kecamatan, kel


def test_a_chained_request_first_asks_the_kelurahan_for_its_pengantar(citizen, chain):
    main, pengantar, kecamatan, kel = chain
    assert [o.pk for o in selectors.step_offices(kecamatan, "kelurahan", pengantar)] == [kel.pk]
    draft = filled_draft(citizen, main, kecamatan, steps={pengantar.code: kel.slug})
    # The KTP the kelurahan needs is asked on the same form, so the citizen uploads once.
    assert {u.requirement.service_id for u in draft.uploads.all()} == {main.pk, pengantar.pk}
    p = services.submit(actor=citizen, permohonan=draft)
    assert p.status == Status.MENUNGGU_PENGANTAR
    [step] = p.steps.all()
    assert (step.service, step.office, step.status) == (pengantar, kel, Status.DIAJUKAN)
    assert step.values["keperluan"].startswith("Surat keterangan ahli waris")
    assert [u.requirement.service_id for u in step.uploads.all()] == [pengantar.pk]
    kel_staff = OfficerFactory(verifikator=True, office=kel)
    assert selectors.may_see_documents(kel_staff, p)  # the kelurahan sees the documents of the chain
    assert selectors.permohonan_for(kel_staff).filter(pk=step.pk).exists()


def test_a_signed_pengantar_moves_the_main_request_on_by_itself(citizen, chain):
    main, pengantar, kecamatan, kel = chain
    p = services.submit(
        actor=citizen, permohonan=filled_draft(citizen, main, kecamatan, steps={pengantar.code: kel.slug})
    )
    step = p.steps.get()
    kel_staff = OfficerFactory(verifikator=True, office=kel)
    step = services.verify(actor=kel_staff, permohonan=step)
    step = services.start_processing(actor=kel_staff, permohonan=step)
    Permohonan.objects.filter(pk=step.pk).update(status=Status.MENUNGGU_TANDA_TANGAN)  # issue 6 signs it
    services.record_signed(actor=None, permohonan=step)
    step.refresh_from_db()
    p.refresh_from_db()
    assert step.status == Status.SELESAI
    assert p.status == Status.DIAJUKAN and p.due_date == dt.date(2026, 9, 14)  # 5 working days
    assert AuditEntry.objects.filter(object_id=str(p.pk), action="permohonan.submit", actor=None).exists()


def test_a_refused_pengantar_refuses_the_main_request(citizen, chain):
    main, pengantar, kecamatan, kel = chain
    p = services.submit(
        actor=citizen, permohonan=filled_draft(citizen, main, kecamatan, steps={pengantar.code: kel.slug})
    )
    services.reject(
        actor=OfficerFactory(verifikator=True, office=kel),
        permohonan=p.steps.get(),
        reason="Bukan warga kelurahan ini.",
    )
    p.refresh_from_db()
    assert p.status == Status.DITOLAK and "Bukan warga kelurahan ini." in p.reject_reason


def test_the_step_office_must_be_of_the_kecamatan_unless_the_city_allows_any(citizen, chain):
    from loket.permohonan.models import CityPolicy

    main, pengantar, kecamatan, kel = chain
    elsewhere = OfficeFactory(kelurahan=True, region_code="36.74.01.1001", name="Kelurahan Lain")
    p = services.start_request(actor=citizen, service=main, office=kecamatan)
    errors = services.save_draft(
        actor=citizen, permohonan=p, identity=IDENTITY, values={}, step_offices={pengantar.code: elsewhere.slug}
    )
    assert f"step.{pengantar.code}" in errors
    CityPolicy.objects.create(region_id="36.74", any_kecamatan=True)
    errors = services.save_draft(
        actor=citizen, permohonan=p, identity=IDENTITY, values={}, step_offices={pengantar.code: elsewhere.slug}
    )
    assert errors == {}


# --- pickup ---


def test_signed_letters_of_a_kelurahan_are_done_and_paper_ones_wait_for_pickup(citizen, sku, kelurahan, staff):
    p = services.start_processing(
        actor=staff, permohonan=services.verify(actor=staff, permohonan=submitted(citizen, sku, kelurahan))
    )
    Permohonan.objects.filter(pk=p.pk).update(status=Status.MENUNGGU_TANDA_TANGAN)
    assert services.record_signed(actor=None, permohonan=p).status == Status.SELESAI

    q = services.start_processing(
        actor=staff, permohonan=services.verify(actor=staff, permohonan=submitted(citizen, sku, kelurahan))
    )
    services.set_pickup(actor=staff, permohonan=q, office=kelurahan, note="Loket 2, bawa KTP asli")
    Permohonan.objects.filter(pk=q.pk).update(status=Status.MENUNGGU_TANDA_TANGAN)
    q = services.record_signed(actor=None, permohonan=q)
    assert q.status == Status.SIAP_DIAMBIL
    petugas = OfficerFactory(petugas=True, office=kelurahan)
    with pytest.raises(DomainError) as err:
        services.hand_over(actor=petugas, office=kelurahan, token="salah")
    assert err.value.code == "not_found"
    done = services.hand_over(
        actor=petugas, office=kelurahan, token=f"https://loket.example/permohonan/ambil/{q.pickup_token}/"
    )
    assert done.status == Status.DIAMBIL and done.collected_by == petugas
    with pytest.raises(DomainError) as err:
        services.hand_over(actor=petugas, office=kelurahan, token=q.pickup_token)
    assert err.value.code == "not_ready"


def test_letter_values_for_templates(citizen, sku, kelurahan, at_monday):
    p = submitted(citizen, sku, kelurahan)
    values = services.letter_values(p)
    assert values["nama"] == citizen.full_name and values["nik"] == citizen.nik
    assert values["tanggal_lahir"] == "1987-11-12" and values["mulai_usaha"] == "2020-01-01"  # letters writes them
    assert values["kelurahan"] == "Ciputat" and values["kota"] == "Kota Tangerang Selatan"
    assert "_steps" not in values


# --- the letter ---


@pytest.fixture
def lurah(kelurahan):
    return OfficerFactory(signer=True, office=kelurahan, signer_title="Lurah Ciputat", full_name="Hendra Gunawan")


@pytest.fixture
def letterhead(kelurahan, sku):
    from loket.letters.factories import LetterTemplateFactory, OfficeLetterSettingsFactory

    OfficeLetterSettingsFactory(office=kelurahan)
    return LetterTemplateFactory(
        service=sku,
        title="SURAT KETERANGAN USAHA",
        classification_code="500",
        body="Nama : {{ nama }}\nNIK : {{ nik }}\n\nMenjalankan usaha {{ nama_usaha }} ({{ jenis_usaha }}).",
    )


def _signer_role(user):
    return user.roles.get(role="penandatangan")


def test_preview_then_send_issues_a_numbered_letter_and_waits_for_the_signer(
    citizen, sku, kelurahan, staff, lurah, letterhead, at_monday
):
    import io

    from pypdf import PdfReader

    p = services.start_processing(
        actor=staff, permohonan=services.verify(actor=staff, permohonan=submitted(citizen, sku, kelurahan))
    )
    preview = services.preview_letter(actor=staff, permohonan=p, signer_role=_signer_role(lurah))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(preview)).pages)
    assert "PRATINJAU" in text and "Isi Nama usaha" in text
    p = services.send_for_signature(actor=staff, permohonan=p, signer_role=_signer_role(lurah))
    assert p.status == Status.MENUNGGU_TANDA_TANGAN and p.signer == lurah
    assert p.letter.number.startswith("500/001/Kel.Cpt/IX/2026") and p.letter.signer_name == "Hendra Gunawan"
    assert p.letter.reference == f"permohonan:{p.code}"
    entry = AuditEntry.objects.get(action="permohonan.send_for_signature")
    assert entry.data["number"] == p.letter.number


def test_send_needs_a_template_and_a_signer_of_the_office(citizen, sku, kelurahan, staff, lurah, at_monday):
    p = services.start_processing(
        actor=staff, permohonan=services.verify(actor=staff, permohonan=submitted(citizen, sku, kelurahan))
    )
    with pytest.raises(DomainError) as err:
        services.send_for_signature(actor=staff, permohonan=p, signer_role=_signer_role(lurah))
    assert err.value.code == "no_template"
    stranger = OfficerFactory(signer=True, office=OfficeFactory(kelurahan=True))
    with pytest.raises(DomainError) as err:
        services.preview_letter(actor=staff, permohonan=p, signer_role=_signer_role(stranger))
    assert err.value.code in ("no_signer", "no_template")
    p.refresh_from_db()
    assert p.status == Status.DIPROSES and p.letter is None
