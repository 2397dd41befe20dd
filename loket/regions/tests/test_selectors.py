import pytest

from loket.regions.factories import (
    KabupatenKotaFactory,
    KecamatanFactory,
    KelurahanDesaFactory,
    ProvinsiFactory,
)
from loket.regions.models import Region, RegionLevel
from loket.regions.selectors import (
    ancestor_codes,
    ancestors_of,
    children_of,
    get_region,
    kabkota_of,
    kecamatan_exists,
    kecamatan_of,
    regions_by_codes,
    regions_within,
    search_regions,
)
from loket.regions.services import import_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def ciputat():
    import_regions(prefixes=["36.74.04", "36.74.05"])


def test_get_region_and_children(ciputat):
    assert get_region("36.74.04").name == "Ciputat"
    assert get_region("36.74.99") is None
    assert [r.name for r in children_of("36.74")] == ["Ciputat", "Ciputat Timur"]
    assert [r.code for r in children_of(None)] == ["36"]
    assert len(children_of("36.74.04")) == 7


def test_children_of_hides_retired_unless_asked(ciputat):
    Region.objects.filter(code="36.74.04.1006").update(is_current=False)

    assert "Jombang" not in [r.name for r in children_of("36.74.04")]
    assert "Jombang" in [r.name for r in children_of("36.74.04", current_only=False)]


def test_ancestors_from_province_down(ciputat):
    assert ancestor_codes("36.74.04.1003") == ["36", "36.74", "36.74.04"]
    assert [r.name for r in ancestors_of("36.74.04.1003")] == ["Banten", "Kota Tangerang Selatan", "Ciputat"]
    assert [r.code for r in ancestors_of("36.74.04.1003", include_self=True)][-1] == "36.74.04.1003"
    assert ancestors_of("36") == []


def test_kabkota_and_kecamatan_of(ciputat):
    kelurahan = get_region("36.74.04.1003")
    assert kabkota_of(kelurahan).name == "Kota Tangerang Selatan"
    assert kabkota_of(get_region("36.74")).code == "36.74"
    assert kabkota_of(get_region("36")) is None
    assert kecamatan_of(kelurahan).name == "Ciputat"
    assert kecamatan_of(get_region("36.74")) is None


def test_kecamatan_exists(ciputat):
    assert kecamatan_exists("36.74.04")
    assert not kecamatan_exists("36.74.99")
    assert not kecamatan_exists("36.74")  # a kota, not a kecamatan
    Region.objects.filter(code="36.74.04").update(is_current=False)
    assert kecamatan_exists("36.74.04")  # retired codes still exist for old NIKs


def test_search_by_name_or_code(ciputat):
    assert [r.code for r in search_regions("ciputat")] == ["36.74.04", "36.74.05", "36.74.04.1003"]
    assert [r.code for r in search_regions("ciputat", level=RegionLevel.KELURAHAN_DESA)] == ["36.74.04.1003"]
    assert [r.code for r in search_regions("36.74.04.100")][:2] == ["36.74.04.1001", "36.74.04.1002"]
    assert search_regions("   ") == []
    assert len(search_regions("a", limit=3)) == 3


def test_factories_build_a_valid_tree():
    village = KelurahanDesaFactory()
    desa = KelurahanDesaFactory(desa=True, parent=village.parent)
    kota = KabupatenKotaFactory(kota=True, parent=ProvinsiFactory())

    assert village.level == RegionLevel.KELURAHAN_DESA and village.village_kind == "kelurahan"
    assert desa.village_kind == "desa" and desa.code[:8] == village.code[:8]
    assert [r.level for r in ancestors_of(village.code)] == [1, 2, 3]
    assert kota.is_kota and not village.parent.parent.is_kota
    assert len(village.code) == 13 and len(KecamatanFactory().code) == 8
    # made-up provinces never collide with real ones
    made_up = Region.objects.filter(level=RegionLevel.PROVINSI).count()
    assert import_regions(prefixes=["36.74.04"]).created == 10
    assert Region.objects.filter(level=RegionLevel.PROVINSI).count() == made_up + 1


def test_regions_by_codes_and_within_a_subtree(ciputat):
    assert [r.code for r in regions_by_codes(["36.74.05", "36.74", "99"])] == ["36.74", "36.74.05"]
    down_to_kecamatan = regions_within(["36.74"], deepest=RegionLevel.KECAMATAN)
    assert [r.code for r in down_to_kecamatan] == ["36.74", "36.74.04", "36.74.05"]
    assert len(regions_within(["36.74.04"], deepest=RegionLevel.KELURAHAN_DESA)) == 8
    assert regions_within([], deepest=RegionLevel.KELURAHAN_DESA) == []
