"""Pages speak Indonesian first, whatever the browser asks, and English when the visitor chooses it."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_english_browser_still_gets_indonesian_by_default(client):
    response = client.get(reverse("catalog:list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in response.content.decode()


@pytest.mark.django_db
def test_language_switch_to_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/layanan/"})
    assert response.status_code == 302
    page = client.get(reverse("catalog:list"))
    assert page["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()
    client.post(reverse("set_language"), {"language": "id", "next": "/layanan/"})
    assert client.get(reverse("catalog:list"))["Content-Language"] == "id"


@pytest.mark.django_db
def test_unknown_language_cookie_falls_back_to_indonesian(client):
    client.cookies["django_language"] = "fr"
    assert client.get(reverse("catalog:list"))["Content-Language"] == "id"
