"""Security headers on the API (issue 12 §6): nosniff, no framing (X-Frame-Options and CSP
frame-ancestors), Referrer-Policy on every answer, errors included; HSTS only in production."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from parkcarbon.api.app import create_app
from parkcarbon.services.runtime import Runtime
from parkcarbon.settings import Settings

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "content-security-policy": "frame-ancestors 'none'",
}


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/no-such-route", "/api/v1/openapi.json"])
def test_headers_on_every_answer(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert {k: r.headers.get(k) for k in EXPECTED} == EXPECTED
    assert "strict-transport-security" not in r.headers  # the test settings are not production


def test_hsts_in_production(settings: Settings, runtime: Runtime) -> None:
    prod = settings.model_copy(update={"env": "production"})
    app = create_app(runtime=Runtime(settings=prod, db=runtime.db))
    r = TestClient(app).get("/api/v1/health")
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
