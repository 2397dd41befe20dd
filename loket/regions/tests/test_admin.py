import pytest

from loket.regions.services import import_regions

pytestmark = pytest.mark.django_db


def test_admin_lists_and_searches_regions_read_only(admin_client):
    import_regions(prefixes=["36.74.04"])

    page = admin_client.get("/admin/regions/region/", {"q": "Serua"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Serua Indah" in html and "Sawah Baru" not in html

    by_code = admin_client.get("/admin/regions/region/", {"q": "36.74.04.1006", "level__exact": "4"})
    assert "Jombang" in by_code.content.decode()

    detail = admin_client.get("/admin/regions/region/36.74.04.1003/change/")
    assert detail.status_code == 200
    assert admin_client.post("/admin/regions/region/36.74.04.1003/change/", {"name": "X"}).status_code == 403
    assert admin_client.get("/admin/regions/region/add/").status_code == 403
