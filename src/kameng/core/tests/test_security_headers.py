"""L6: a Content-Security-Policy on every page, HTTPS only (redirect, HSTS) when served over TLS,
and no copy of a signed-in page or an API answer kept by the browser or a proxy."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.test import Client

import kameng
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
SETTINGS_FILE = str(Path(kameng.__file__).with_name("settings.py"))


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/v1/openapi.json", "/no-such-page/"])
def test_every_answer_carries_a_content_security_policy_without_inline_script(client, path):
    policy = _policy(client.get(path))
    assert policy["script-src"] == "script-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"


def test_no_template_needs_inline_script_or_eval():
    """script-src 'self' blocks inline handlers and htmx's hx-on (it evaluates code)."""
    templates = Path(kameng.__file__).parent.glob("*/templates/**/*.html")
    offenders = []
    for template in templates:
        text = template.read_text(encoding="utf-8")
        if "hx-on" in text or " onclick=" in text or " onsubmit=" in text or "<script>" in text:
            offenders.append(template.name)
    assert offenders == []


def test_signed_in_pages_and_api_answers_are_never_stored(client, buyer, api_client):
    assert "no-store" not in client.get("/").get("Cache-Control", "")  # public, anonymous
    assert client.login(username=buyer.username, password=PASSWORD)
    assert "no-store" in client.get("/").get("Cache-Control", "")
    assert "no-store" in client.get("/wallet/").get("Cache-Control", "")
    assert "no-store" in Client().get("/api/v1/payments/wallet").get("Cache-Control", "")  # even a 401
    assert "no-store" in api_client(buyer).get("/api/v1/payments/wallet").get("Cache-Control", "")


def _settings(monkeypatch, tmp_path, **env):
    for name in ("KAMENG_SECURE_COOKIES", "KAMENG_BEHIND_TLS_PROXY", "KAMENG_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KAMENG_DATA_DIR", str(tmp_path))
    return runpy.run_path(SETTINGS_FILE)


def test_plain_http_installs_send_no_hsts(monkeypatch, tmp_path):
    loaded = _settings(monkeypatch, tmp_path)
    assert not loaded.get("SECURE_SSL_REDIRECT") and not loaded.get("SECURE_HSTS_SECONDS")


@pytest.mark.parametrize("env", [{"KAMENG_SECURE_COOKIES": "1"}, {"KAMENG_BEHIND_TLS_PROXY": "true"}])
def test_tls_installs_redirect_to_https_and_send_hsts(monkeypatch, tmp_path, env):
    loaded = _settings(monkeypatch, tmp_path, **env)
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600


def test_behind_a_tls_proxy_http_is_redirected_and_https_gets_hsts(settings, client):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_HSTS_SECONDS = 31_536_000
    r = client.get("/", HTTP_X_FORWARDED_PROTO="http")
    assert r.status_code == 301 and r["Location"].startswith("https://")
    r = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 200 and r["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get("/healthz", HTTP_X_FORWARDED_PROTO="http").status_code == 200
