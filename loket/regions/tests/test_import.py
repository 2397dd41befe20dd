from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from loket.audit.models import AuditEntry
from loket.core.errors import DomainError
from loket.regions.factories import DEMO_PREFIXES, load_demo_regions
from loket.regions.models import Region, RegionLevel
from loket.regions.services import import_regions

pytestmark = pytest.mark.django_db


def write_csv(tmp_path: Path, text: str, name: str = "wilayah.csv") -> Path:
    path = tmp_path / name
    path.write_text("kode,nama\n" + text.strip() + "\n", encoding="utf-8")
    return path


def level_counts() -> dict[int, int]:
    return {level: Region.objects.filter(level=level).count() for level in RegionLevel.values}


def test_full_import_loads_every_region_and_is_idempotent():
    first = import_regions()

    assert (first.created, first.updated, first.retired, first.total) == (91_599, 0, 0, 91_599)
    assert Region.objects.count() == 91_599
    assert level_counts() == {1: 38, 2: 514, 3: 7_285, 4: 83_762}
    ciputat = Region.objects.get(code="36.74.04.1003")
    assert (ciputat.name, ciputat.level, ciputat.parent_id) == ("Ciputat", RegionLevel.KELURAHAN_DESA, "36.74.04")
    # names are stripped of stray spaces from the source
    assert Region.objects.get(code="31.72").name == "Kota Administrasi Jakarta Utara"

    again = import_regions()

    assert (again.created, again.updated, again.retired, again.total) == (0, 0, 0, 91_599)
    assert Region.objects.count() == 91_599
    assert AuditEntry.objects.filter(action="regions.import").count() == 1


def test_prefix_import_loads_the_places_and_their_ancestors_only():
    result = import_regions(prefixes=["36.74.04"])

    codes = set(Region.objects.values_list("code", flat=True))
    kelurahan = {f"36.74.04.100{i}" for i in range(1, 8)}
    assert codes == {"36", "36.74", "36.74.04"} | kelurahan
    assert (result.created, result.total) == (10, 10)
    assert sorted(Region.objects.filter(parent_id="36.74.04").values_list("name", flat=True)) == [
        "Cipayung",
        "Ciputat",
        "Jombang",
        "Sawah",
        "Sawah Baru",
        "Serua",
        "Serua Indah",
    ]


def test_a_prefix_import_does_not_retire_regions_outside_its_prefixes():
    import_regions(prefixes=["36.74.04"])
    import_regions(prefixes=["13.71.04"])

    assert Region.objects.filter(is_current=False).count() == 0
    assert Region.objects.filter(code__startswith="36.74.04").count() == 8


def test_load_demo_regions_has_every_demo_place():
    result = load_demo_regions()

    assert result.created == Region.objects.count() > 400
    names = dict(Region.objects.filter(code__in=DEMO_PREFIXES).values_list("code", "name"))
    assert names == {
        "36.74": "Kota Tangerang Selatan",
        "33.76": "Kota Tegal",
        "32.75": "Kota Bekasi",
        "32.16.09": "Cikarang Utara",
        "13.71": "Kota Padang",
        "73.71": "Kota Makassar",
        "91.71": "Kota Jayapura",
    }
    assert Region.objects.get(code="13.71.04.1007").name == "Gunung Pangilun"
    assert Region.objects.filter(parent_id="32.75").count() == 12
    assert Region.objects.get(code="32.16").name == "Kabupaten Bekasi"
    assert load_demo_regions().created == 0


def test_rename_and_removed_code_on_a_full_import(tmp_path):
    v1 = write_csv(
        tmp_path,
        """
36,Banten
36.74,Kota Tangerang Selatan
36.74.04,Ciputat
36.74.04.1001,Sawah Baru
36.74.04.1002,Serua
""",
    )
    assert import_regions(path=v1).created == 5

    v2 = write_csv(
        tmp_path,
        """
36,Banten
36.74,Kota Tangerang Selatan
36.74.04,Ciputat
36.74.04.1001,Sawah Baru Indah
""",
        name="v2.csv",
    )
    result = import_regions(path=v2)

    assert (result.created, result.updated, result.retired, result.total) == (0, 1, 1, 4)
    assert Region.objects.get(code="36.74.04.1001").name == "Sawah Baru Indah"
    retired = Region.objects.get(code="36.74.04.1002")  # kept, never deleted: old NIKs use it
    assert (retired.name, retired.is_current) == ("Serua", False)
    entry = AuditEntry.objects.filter(action="regions.import").first()
    assert entry.data["retired"] == 1 and entry.data["retired_sample"] == ["36.74.04.1002"]

    # re-running the same file changes nothing; the old file brings the code back
    assert import_regions(path=v2).retired == 0
    back = import_regions(path=v1)
    assert (back.created, back.updated, back.retired) == (0, 2, 0)
    assert Region.objects.get(code="36.74.04.1002").is_current is True


def test_children_are_linked_even_when_the_file_lists_them_first(tmp_path):
    path = write_csv(tmp_path, "36.74.04,Ciputat\n36.74,Kota Tangerang Selatan\n36,Banten")

    import_regions(path=path)

    assert Region.objects.get(code="36.74.04").parent.parent.name == "Banten"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("36,Banten\n36.7,Kota", "36.7"),
        ("36,Banten\n36.74.04,Ciputat", "36.74"),
        ("36,Banten\n36,Banten", "36"),
        ("36,", "2"),
    ],
)
def test_a_broken_file_is_refused_and_changes_nothing(tmp_path, text, fragment):
    path = write_csv(tmp_path, text)

    with pytest.raises(DomainError) as exc:
        import_regions(path=path)

    assert fragment in str(exc.value.message)
    assert Region.objects.count() == 0


def test_an_unknown_prefix_is_refused():
    with pytest.raises(DomainError) as exc:
        import_regions(prefixes=["36.74.99"])
    assert "36.74.99" in str(exc.value.message)
    with pytest.raises(DomainError):
        import_regions(prefixes=["Ciputat"])
    assert Region.objects.count() == 0


def test_command_prints_a_one_line_summary(tmp_path, capsys):
    path = write_csv(tmp_path, "36,Banten\n36.74,Kota Tangerang Selatan\n13,Sumatera Barat")

    call_command("import_regions", "--file", str(path), "--prefix", "36.74")

    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "2 dibuat" in out[0] and "0 dinonaktifkan" in out[0]
    assert set(Region.objects.values_list("code", flat=True)) == {"36", "36.74"}


def test_command_reports_a_bad_prefix_as_an_error():
    with pytest.raises(CommandError, match="99.99"):
        call_command("import_regions", "--file", str(settings.REGIONS_CSV), "--prefix", "99.99")


def test_a_prefix_import_retires_only_missing_codes_under_its_prefixes(tmp_path):
    v1 = write_csv(
        tmp_path, "13,Sumatera Barat\n36,Banten\n36.74,Kota Tangerang Selatan\n36.74.04,Ciputat\n36.74.05,Ciputat Timur"
    )
    import_regions(path=v1)
    v2 = write_csv(tmp_path, "36,Banten\n36.74,Kota Tangerang Selatan\n36.74.05,Ciputat Timur Baru", name="v2.csv")

    result = import_regions(path=v2, prefixes=["36.74.05"])

    assert (result.created, result.updated, result.retired, result.total) == (0, 1, 0, 3)
    assert Region.objects.get(code="36.74.05").name == "Ciputat Timur Baru"
    assert Region.objects.filter(is_current=False).count() == 0  # 13 and 36.74.04 lie outside the prefix

    v3 = write_csv(tmp_path, "36,Banten\n36.74,Kota Tangerang Selatan\n36.74.05,Ciputat Timur", name="v3.csv")
    assert import_regions(path=v3, prefixes=["36.74"]).retired == 1
    assert list(Region.objects.filter(is_current=False).values_list("code", flat=True)) == ["36.74.04"]
