"""factory_boy factories for the catalogue."""

import factory

from loket.catalog.models import OfficeService, Prerequisite, Requirement, Service, ServiceCategory, SignerRole


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SVC-{n:04d}")
    slug = factory.Sequence(lambda n: f"layanan-{n}")
    name = factory.Sequence(lambda n: f"Layanan uji {n}")
    category = ServiceCategory.SURAT_KETERANGAN
    summary = "Layanan untuk pengujian."
    office_kinds = factory.LazyFunction(lambda: ["kelurahan", "desa"])
    signer_role = SignerRole.LURAH
    is_adminduk = False
    fee = 0
    completion_days = 1
    product = "Surat keterangan"
    procedure = "1. Ajukan permohonan.\n2. Terima surat."
    complaint_channel = "SP4N-LAPOR! (www.lapor.go.id)"
    legal_basis = "UU 25/2009 tentang Pelayanan Publik"


class AdmindukServiceFactory(ServiceFactory):
    category = ServiceCategory.ADMINDUK
    office_kinds = factory.LazyFunction(lambda: ["disdukcapil", "mpp"])
    signer_role = SignerRole.KEPALA_DINAS
    is_adminduk = True
    product = "Dokumen kependudukan"


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Persyaratan {n}")
    needs_upload = False
    order = factory.Sequence(int)


class PrerequisiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prerequisite

    service = factory.SubFactory(ServiceFactory, office_kinds=["kecamatan"])
    required_service = factory.SubFactory(ServiceFactory)
    at_office_kind = "kelurahan"


class OfficeServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeService

    service = factory.SubFactory(ServiceFactory)
    is_offered = False
    # ``office`` must be given: the offices app owns office factories.
