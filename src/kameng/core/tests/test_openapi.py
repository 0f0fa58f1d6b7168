"""The API describes itself, and its docs page works offline (no CDN)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_is_valid_json_listing_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Kameng API"
    assert schema["paths"], "no paths in the schema"
    assert all(p.startswith("/api/v1/") for p in schema["paths"])
    assert "/api/v1/auth/token" in schema["paths"]


def _asset_urls(html: str) -> list[str]:
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html, flags=re.IGNORECASE)
    urls = []
    for tag in tags:
        urls += re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", tag, flags=re.IGNORECASE)
    return urls


def test_docs_page_loads_its_scripts_and_styles_from_our_own_static(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = _asset_urls(html)
    assert any(a.endswith(".js") for a in assets)
    assert any(a.endswith(".css") for a in assets)
    for url in assets:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"external asset on the docs page: {url}"
        assert parts.path.startswith("/static/"), url
    assert not re.search(r"""["'](?:https?:)?//""", html), "the docs page references another host"


def test_docs_assets_are_served(client):
    html = client.get("/api/v1/docs").content.decode()
    for url in _asset_urls(html):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body, url
