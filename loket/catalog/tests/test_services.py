import json

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from loket.audit.models import AuditEntry
from loket.catalog import services
from loket.catalog.factories import AdmindukServiceFactory, ServiceFactory
from loket.catalog.models import OfficeService, Prerequisite, Service
from loket.core.errors import DomainError, NotAllowed
from loket.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

ISSUE_SERVICES = {
    "perekaman-ktp-el",
    "cetak-ulang-ktp-el",
    "kartu-keluarga",
    "akta-kelahiran",
    "akta-kematian",
    "surat-pengantar-kelurahan",
    "surat-keterangan-domisili",
    "surat-keterangan-usaha",
    "surat-keterangan-tidak-mampu",
    "surat-keterangan-kematian",
}


def test_standard_catalogue_holds_the_issue_services_with_full_standards():
    result = services.load_catalog()
    assert len(result.created) == 12
    slugs = set(Service.objects.values_list("slug", flat=True))
    assert slugs >= ISSUE_SERVICES
    for service in Service.objects.all():
        assert service.requirements.exists(), service.code
        for name in ("procedure", "legal_basis", "complaint_channel", "product", "facilities", "service_guarantee"):
            assert getattr(service, name).strip(), (service.code, name)
        assert service.office_kinds
    assert "SP4N-LAPOR!" in Service.objects.get(slug="akta-kelahiran").complaint_channel
    # every adminduk service is free
    assert not Service.objects.filter(is_adminduk=True).exclude(fee=0).exists()
    assert Service.objects.filter(is_adminduk=True).count() == 5


def test_kecamatan_service_needs_the_kelurahan_surat_pengantar_first():
    services.load_catalog()
    ahli_waris = Service.objects.get(code="KEC-AHLI-WARIS")
    assert ahli_waris.office_kinds == ["kecamatan"]
    assert ahli_waris.signer_role == "camat"
    link = Prerequisite.objects.get(service=ahli_waris)
    assert link.required_service.code == "KEL-PENGANTAR"
    assert link.at_office_kind == "kelurahan"


def test_load_catalog_is_idempotent_and_audits_only_changes():
    first = services.load_catalog()
    audit_rows = AuditEntry.objects.filter(action__startswith="catalog.").count()
    assert audit_rows == len(first.created) == 12
    counts = (Service.objects.count(), Prerequisite.objects.count())
    requirement_ids = set(Service.objects.get(code="ADM-KK").requirements.values_list("id", flat=True))

    second = services.load_catalog()

    assert second.created == [] and second.updated == []
    assert len(second.unchanged) == 12
    assert (Service.objects.count(), Prerequisite.objects.count()) == counts
    assert set(Service.objects.get(code="ADM-KK").requirements.values_list("id", flat=True)) == requirement_ids
    assert AuditEntry.objects.filter(action__startswith="catalog.").count() == audit_rows


def test_load_catalog_updates_a_changed_service_and_records_before_and_after(tmp_path):
    services.load_catalog()
    data = json.loads(services.STANDARD_CATALOG.read_text(encoding="utf-8"))
    sku = next(s for s in data["services"] if s["code"] == "KEL-SKU")
    sku["completion_days"] = 3
    sku["requirements"] = sku["requirements"][:2]
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    result = services.load_catalog(path=path)

    assert result.updated == ["KEL-SKU"]
    service = Service.objects.get(code="KEL-SKU")
    assert service.completion_days == 3
    assert service.requirements.count() == 2
    entry = AuditEntry.objects.filter(action="catalog.service_updated", object_id=str(service.pk)).get()
    assert entry.data["fields"]["completion_days"] == {"from": 1, "to": 3}


def test_load_catalog_refuses_a_fee_on_an_adminduk_service_and_changes_nothing(tmp_path):
    data = json.loads(services.STANDARD_CATALOG.read_text(encoding="utf-8"))
    next(s for s in data["services"] if s["code"] == "ADM-AKTA-LAHIR")["fee"] = 50000
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(DomainError) as excinfo:
        services.load_catalog(path=path)

    assert excinfo.value.code == "adminduk_fee"
    assert Service.objects.count() == 0  # one transaction: nothing half-loaded


def test_database_refuses_a_fee_on_an_adminduk_service():
    service = AdmindukServiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.filter(pk=service.pk).update(fee=10000)


def test_system_admin_creates_a_service_with_requirements(system_admin):
    service = services.create_service(
        actor=system_admin,
        code="KEL-SKCK",
        slug="pengantar-skck",
        name="Surat pengantar SKCK",
        category="surat",
        office_kinds=["kelurahan", "desa"],
        completion_days=1,
        product="Surat pengantar SKCK",
        signer_role="lurah",
        requirements=[{"name": "KTP-el", "needs_upload": True}, {"name": "Surat pengantar RT/RW"}],
        standard={"procedure": "1. Ajukan.\n2. Terima."},
    )
    assert [r.name for r in service.requirements.all()] == ["KTP-el", "Surat pengantar RT/RW"]
    assert service.requirements.first().needs_upload is True
    assert service.procedure.startswith("1. Ajukan")
    assert AuditEntry.objects.filter(action="catalog.service_created", object_id=str(service.pk)).exists()


def test_adminduk_service_cannot_get_a_fee_clear_indonesian_message(system_admin):
    service = AdmindukServiceFactory(name="Akta kelahiran")
    with translation.override("id"), pytest.raises(DomainError) as excinfo:
        services.update_service(actor=system_admin, service=service, fee=25000)
    message = str(excinfo.value.message)
    assert "Akta kelahiran" in message
    assert "gratis" in message.lower() and "Pasal 79A" in message and "Ubah biaya menjadi 0" in message
    service.refresh_from_db()
    assert service.fee == 0

    with pytest.raises(DomainError):
        services.create_service(
            actor=system_admin,
            code="ADM-X",
            slug="adm-x",
            name="Dokumen X",
            category="adminduk",
            office_kinds=["disdukcapil"],
            completion_days=1,
            product="Dokumen",
            is_adminduk=True,
            fee=1000,
        )
    assert not Service.objects.filter(code="ADM-X").exists()


def test_update_service_changes_fields_and_audits_from_and_to(system_admin):
    service = ServiceFactory(completion_days=1, fee=0)
    services.update_service(actor=system_admin, service=service, completion_days=2, fee=5000, reason="Perda baru")
    service.refresh_from_db()
    assert (service.completion_days, service.fee) == (2, 5000)
    entry = AuditEntry.objects.get(action="catalog.service_updated", object_id=str(service.pk))
    assert entry.reason == "Perda baru"
    assert entry.data["fields"]["fee"] == {"from": 0, "to": 5000}
    assert "fee=0" in entry.from_state and "fee=5000" in entry.to_state


@pytest.mark.parametrize("role", ["petugas_loket", "office_admin", "city_admin"])
def test_only_a_system_admin_may_change_the_catalogue(officer, role):
    office = OfficeFactory()
    kwargs = {"region": office.region.parent} if role == "city_admin" else {"office": office}
    actor = officer(role, **kwargs)
    service = ServiceFactory()
    with translation.override("id"), pytest.raises(NotAllowed) as excinfo:
        services.update_service(actor=actor, service=service, completion_days=9)
    assert "admin sistem" in str(excinfo.value.message)
    with pytest.raises(NotAllowed):
        services.load_catalog(actor=actor)
    service.refresh_from_db()
    assert service.completion_days != 9


def test_office_admin_switches_a_service_off_for_their_office_only(officer):
    office = OfficeFactory(kelurahan=True)
    other = OfficeFactory(kelurahan=True)
    service = ServiceFactory(office_kinds=["kelurahan"])
    admin = officer("office_admin", office=office)

    services.set_office_service(actor=admin, office=office, service=service, is_offered=False, note="Pindah ke MPP")

    assert OfficeService.objects.get(office=office, service=service).is_offered is False
    with pytest.raises(NotAllowed):
        services.set_office_service(actor=admin, office=other, service=service, is_offered=False)
    assert AuditEntry.objects.filter(action="catalog.office_service_set", office_id=office.pk).count() == 1


def test_keep_existing_creates_only_missing_services_and_keeps_local_edits(system_admin):
    services.load_catalog()
    sku = Service.objects.get(code="KEL-SKU")
    services.update_service(actor=system_admin, service=sku, completion_days=5, reason="Perwal setempat")
    Service.objects.filter(code="PKM-KET-SEHAT").delete()

    result = services.load_catalog(keep_existing=True)

    assert result.created == ["PKM-KET-SEHAT"] and result.updated == []
    assert Service.objects.get(code="KEL-SKU").completion_days == 5


def test_model_validation_explains_the_adminduk_fee_rule_in_indonesian():
    from django.core.exceptions import ValidationError

    service = AdmindukServiceFactory.build(fee=5000, code="ADM-Y", slug="adm-y")
    with translation.override("id"), pytest.raises(ValidationError) as excinfo:
        service.full_clean()
    assert "Ubah biaya menjadi 0" in str(excinfo.value.message_dict["fee"])


def test_unknown_office_kind_is_refused_with_what_to_fix(system_admin):
    with translation.override("id"), pytest.raises(DomainError) as excinfo:
        services.create_service(
            actor=system_admin,
            code="X-1",
            slug="x-1",
            name="Layanan X",
            category="surat",
            office_kinds=["kantor_pos"],
            completion_days=1,
            product="Surat",
        )
    assert "kantor_pos" in str(excinfo.value.message) and "tidak dikenal" in str(excinfo.value.message)


def test_request_form_fields_load_from_the_catalogue_and_bad_keys_are_refused(tmp_path):
    services.load_catalog()
    sku = Service.objects.get(code="KEL-SKU")
    assert [f.key for f in sku.fields.all()] == ["nama_usaha", "jenis_usaha", "alamat_usaha", "mulai_usaha"]
    assert sku.fields.get(key="mulai_usaha").required is False
    data = json.loads(services.STANDARD_CATALOG.read_text(encoding="utf-8"))
    entry = next(s for s in data["services"] if s["code"] == "KEL-SKU")
    entry["fields"] = entry["fields"][:1]
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert services.load_catalog(path=path).updated == ["KEL-SKU"]
    assert [f.key for f in sku.fields.all()] == ["nama_usaha"]
    entry["fields"] = [{"key": "Nama Usaha", "label": "Nama"}]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DomainError) as err:
        services.load_catalog(path=path)
    assert "Nama Usaha" in str(err.value.message)
