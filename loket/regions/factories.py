"""Test data for regions.

Two ways to get regions in a test:
- the real list, loaded quickly for just the places you need: ``load_demo_regions()`` (the demo
  places, ~500 rows) or ``import_regions(prefixes=[...])``;
- made-up regions from the factories below, with valid-looking codes in province codes that the
  Kemendagri list does not use (so they never clash with imported rows).
"""

import factory

from loket.regions.models import Region, RegionLevel
from loket.regions.services import ImportResult, import_regions

# Real places used by the demo and by tests (all verified in wilayah_kemendagri_2025.csv).
KOTA_TANGERANG_SELATAN = "36.74"
KEC_CIPUTAT = (
    "36.74.04"  # kelurahan 36.74.04.1001-1007: Sawah Baru, Serua, Ciputat, Sawah, Serua Indah, Jombang, Cipayung
)
KOTA_TEGAL = "33.76"
KOTA_BEKASI = "32.75"  # 12 kecamatan, 32.75.01-32.75.12
KABUPATEN_BEKASI = "32.16"
KEC_CIKARANG_UTARA = "32.16.09"
KOTA_PADANG = "13.71"
KEL_GUNUNG_PANGILUN = "13.71.04.1007"  # in Kecamatan Padang Utara (13.71.04)
KOTA_MAKASSAR = "73.71"  # WITA
KOTA_JAYAPURA = "91.71"  # WIT (still under Provinsi Papua, 91, after the 2022 split)

DEMO_PREFIXES = [
    KOTA_TANGERANG_SELATAN,
    KOTA_TEGAL,
    KOTA_BEKASI,
    KEC_CIKARANG_UTARA,
    KOTA_PADANG,
    KOTA_MAKASSAR,
    KOTA_JAYAPURA,
]


def load_demo_regions() -> ImportResult:
    """Import the real codes of the demo places (and their ancestors) from the shipped list."""
    return import_regions(prefixes=DEMO_PREFIXES)


# Province codes that the Kemendagri list leaves unused: made-up regions live here.
_FREE_PROVINCE_CODES = [
    f"{n:02d}" for n in (*range(37, 51), *range(54, 61), *range(66, 71), *range(77, 81), 97, 98, 99)
]


class ProvinsiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: _FREE_PROVINCE_CODES[n % len(_FREE_PROVINCE_CODES)])
    name = factory.LazyAttribute(lambda o: f"Provinsi Contoh {o.code}")
    level = RegionLevel.PROVINSI
    parent = None
    is_current = True


class KabupatenKotaFactory(factory.django.DjangoModelFactory):
    """A kabupaten (codes 01-69); pass ``kota=True`` for a kota (71-99)."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    class Params:
        kota = False

    parent = factory.SubFactory(ProvinsiFactory)
    code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.parent.code}.{(71 + n % 29) if o.kota else (1 + n % 69):02d}"
    )
    name = factory.LazyAttribute(lambda o: f"{'Kota' if o.kota else 'Kabupaten'} Contoh {o.code}")
    level = RegionLevel.KABUPATEN_KOTA
    is_current = True


class KecamatanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(KabupatenKotaFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}.{1 + n % 99:02d}")
    name = factory.LazyAttribute(lambda o: f"Kecamatan Contoh {o.code}")
    level = RegionLevel.KECAMATAN
    is_current = True


class KelurahanDesaFactory(factory.django.DjangoModelFactory):
    """A kelurahan (village code 1xxx); pass ``desa=True`` for a desa (2xxx)."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    class Params:
        desa = False

    parent = factory.SubFactory(KecamatanFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}.{2 if o.desa else 1}{1 + n % 999:03d}")
    name = factory.LazyAttribute(lambda o: f"{'Desa' if o.desa else 'Kelurahan'} Contoh {o.code}")
    level = RegionLevel.KELURAHAN_DESA
    is_current = True


RegionFactory = KelurahanDesaFactory
