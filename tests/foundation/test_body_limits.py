"""Request body limits (issue 12 §6): a declared or streamed body above ``max_body_bytes`` is a 413
problem+json on every route, before authentication and before the body is buffered; a gzip body is
capped when decompressed, per request and over all requests of the process; deeply nested JSON is a
400 naming the reason, not a 500."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from parkcarbon.api.app import create_app
from parkcarbon.ingest.errors import BatchTooLarge, DecompressionBusy
from parkcarbon.ingest.parse import DecompressionBudget, decode_body
from parkcarbon.services.runtime import Runtime
from parkcarbon.settings import Settings
from tests.conftest import World, bearer

LIMIT = 4096  # the smallest limit the setting allows is 1024; 4 KiB keeps the ordinary bodies below
DEEP = b"[" * 100_000 + b"]" * 100_000  # far deeper than CPython's recursion limit (1000)


@pytest.fixture(scope="module")
def small_app(settings: Settings) -> FastAPI:
    limited = settings.model_copy(update={"max_body_bytes": LIMIT})
    return create_app(runtime=Runtime(settings=limited, db=None))  # type: ignore[arg-type]


@pytest.fixture
def small(small_app: FastAPI, runtime: Runtime) -> TestClient:
    small_app.state.runtime = Runtime(settings=small_app.state.runtime.settings, db=runtime.db)
    return TestClient(small_app, raise_server_exceptions=False)


def _is_413(r: object) -> None:
    assert r.status_code == 413, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["status"] == 413 and body["title"] == "Payload too large"
    assert body["errors"][0]["field"] == "body" and str(LIMIT) in body["errors"][0]["reason"]


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/readings", "/console-or-anything"])
def test_declared_length_above_the_limit_is_413_before_auth(small: TestClient, path: str) -> None:
    r = small.post(path, content=b"x" * (LIMIT + 1), headers={"Content-Type": "application/json"})
    _is_413(r)


def test_streamed_body_above_the_limit_is_413(small: TestClient, world: World) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        for _ in range(8):
            yield b" " * 1024

    r = small.post(
        "/api/v1/meters",
        content=chunks(),
        headers={**bearer(world.token("a", "park_admin")), "Content-Type": "application/json"},
    )
    _is_413(r)


def test_body_within_the_limit_passes(small: TestClient, world: World) -> None:
    r = small.post("/api/v1/auth/token", json={"email": "nobody@example.org", "password": "x" * 12})
    assert r.status_code in {401, 422}, r.text


def test_bad_content_length_is_400(small: TestClient) -> None:
    r = small.post("/api/v1/auth/token", content=b"{}", headers={"Content-Length": "lots"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "Content-Length"


def test_deep_json_on_readings_is_400_with_reason(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/readings",
        content=b'{"readings": ' + DEEP + b"}",
        headers={**bearer(world.a.api_key), "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert "nested too deeply" in r.json()["detail"]


def test_deep_json_on_a_model_route_is_400_with_reason(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/meters",
        content=DEEP,
        headers={**bearer(world.token("a", "park_admin")), "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == [
        {"field": "body", "reason": r.json()["errors"][0]["reason"], "code": "input.format"}
    ]
    assert "nested too deeply" in r.json()["errors"][0]["reason"]


# --------------------------------------------------------------------------- decompressed (gzip) limits


def _gzip_zeros(n: int) -> bytes:
    return gzip.compress(b"0" * n)


def test_decompressed_size_is_capped_per_request() -> None:
    with pytest.raises(BatchTooLarge):
        decode_body(_gzip_zeros(300_000), content_encoding="gzip", max_rows=10**6, max_bytes=200_000)
    assert len(decode_body(_gzip_zeros(150_000), content_encoding="gzip", max_rows=10**6,
                           max_bytes=200_000)) == 150_000  # fmt: skip


def test_decompressed_bytes_are_capped_in_total() -> None:
    budget = DecompressionBudget(400_000)
    with budget.claim() as first:
        out = decode_body(_gzip_zeros(300_000), content_encoding="gzip", max_rows=10**6, claim=first)
        assert len(out) == 300_000 and budget.in_use == 300_000  # held while the request works on it
        with budget.claim() as second, pytest.raises(DecompressionBusy):
            decode_body(_gzip_zeros(300_000), content_encoding="gzip", max_rows=10**6, claim=second)
    assert budget.in_use == 0  # both claims gave everything back
    with budget.claim() as third:
        assert len(decode_body(_gzip_zeros(300_000), content_encoding="gzip", max_rows=10**6,
                               claim=third)) == 300_000  # fmt: skip


@pytest.fixture(scope="module")
def gzip_app(settings: Settings) -> FastAPI:
    limited = settings.model_copy(
        update={"ingest_max_decompressed_bytes": 64 * 1024, "ingest_decompressed_total_bytes": 1024 * 1024}
    )
    return create_app(runtime=Runtime(settings=limited, db=None))  # type: ignore[arg-type]


def test_gzip_bomb_is_413_on_the_api(gzip_app: FastAPI, runtime: Runtime, world: World) -> None:
    gzip_app.state.runtime = Runtime(settings=gzip_app.state.runtime.settings, db=runtime.db)
    client = TestClient(gzip_app, raise_server_exceptions=False)
    bomb = _gzip_zeros(10 * 1024 * 1024)  # 10 MiB of zeros is about 10 KiB of gzip
    assert len(bomb) < 64 * 1024
    r = client.post(
        "/api/v1/readings",
        content=bomb,
        headers={**bearer(world.a.api_key), "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert r.status_code == 413, r.text
    assert str(64 * 1024) in r.json()["detail"]
