"""Security headers (issue 12 §6): nosniff, no framing (X-Frame-Options and CSP frame-ancestors),
Referrer-Policy on every answer, errors included; HSTS only in production; HTML pages with a nonce-based
script policy; API docs from packaged assets; on a served console (a real ``parkcarbon serve`` process):
the session cookie's flags and the websocket's origin check, with real handshakes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect
from websockets.typing import Origin

from parkcarbon.api.app import create_app
from parkcarbon.api.headers import HtmlPolicy
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


# --- HTML pages: script nonces (api.headers.HtmlPolicy) -----------------------------------------------


def _html_app(body: bytes, content_type: str = "text/html; charset=utf-8") -> HtmlPolicy:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", content_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:]})

    return HtmlPolicy(app)  # fmt: skip


PAGE = (
    b'<html><head><script type="importmap">{}</script><script src="/a.js"></script></head><body>'
    b'<script type="module">run()</script><p>&lt;script&gt; as text</p><noscript>x</noscript></body></html>'
)


def test_every_script_of_a_page_carries_the_nonce_of_its_policy() -> None:
    client = TestClient(_html_app(PAGE))
    first, second = client.get("/"), client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", first.headers["content-security-policy"])
    assert nonce is not None
    assert first.text.count(f'<script nonce="{nonce.group(1)}"') == 3
    assert "<noscript>" in first.text and "&lt;script&gt;" in first.text  # no other tag touched
    assert int(first.headers["content-length"]) == len(first.content)
    assert first.headers["content-security-policy"] != second.headers["content-security-policy"]
    policy = first.headers["content-security-policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'"):
        assert directive in policy
    assert "'unsafe-inline'" not in policy.split(";")[1]  # script-src: a nonce, never unsafe-inline


def test_non_html_answers_pass_untouched() -> None:
    r = TestClient(_html_app(b'{"a": "<script>"}', "application/json")).get("/")
    assert r.text == '{"a": "<script>"}' and "content-security-policy" not in r.headers


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/redoc"])
def test_api_docs_reference_no_other_host(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert re.findall(r"https?://", r.text) == []  # FastAPI's defaults point at a CDN and a favicon host
    links = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert links and all(link.startswith("/api/v1/docs-assets/") for link in links)
    for link in links:
        asset = client.get(link)
        assert asset.status_code == 200 and len(asset.content) > 1000
    assert "'nonce-" in r.headers["content-security-policy"]


# --- the served console: cookies and the websocket's origins (a real server process) ------------------

CONSOLE_ORIGIN = "https://console.example.cn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _served(tmp: Path, env: str) -> Iterator[str]:
    """``parkcarbon serve`` on an empty SQLite database, until /api/v1/health answers (bounded wait)."""
    port = _free_port()
    environ = {
        **{
            k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")
        },  # NiceGUI: gzip off under pytest
        "PARKCARBON_ENV": env,
        "PARKCARBON_SECRET_KEY": "served-test-secret-" + "y" * 32,
        "PARKCARBON_DATABASE_URL": f"sqlite:///{tmp / 'served.db'}",
        "PARKCARBON_ALLOWED_ORIGINS": CONSOLE_ORIGIN,
    }
    log = tmp / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "parkcarbon.cli", "serve", "--port", str(port)],
            cwd=tmp, env=environ, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                if proc.poll() is not None:
                    pytest.fail(f"the server exited: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"the server did not answer: {log.read_text()[-2000:]}")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _served(tmp_path_factory.mktemp("prod"), "production") as base:
        yield base


@pytest.fixture(scope="module")
def development(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _served(tmp_path_factory.mktemp("dev"), "development") as base:
        yield base


def _session_cookie(base: str) -> str:
    r = httpx.get(f"{base}/login", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    cookies = [v for k, v in r.headers.multi_items() if k == "set-cookie"]
    assert cookies, "the console sets its session cookie on the first page"
    # the console's page went through NiceGUI's gzip and still carries its nonce policy
    assert r.headers.get("content-encoding") == "gzip"
    nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"])
    assert nonce is not None and f'<script nonce="{nonce.group(1)}"' in r.text
    assert "<script>" not in r.text and '<script type="module">' not in r.text
    return cookies[0].lower()


def test_console_cookie_is_secure_in_production(production: str) -> None:
    cookie = _session_cookie(production)
    flags = {part.strip() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags


def test_console_cookie_is_not_secure_in_development(development: str) -> None:
    flags = {part.strip() for part in _session_cookie(development).split(";")}
    assert {"httponly", "samesite=lax"} <= flags and "secure" not in flags  # plain-HTTP development works


def _handshake(base: str, origin: str) -> str:
    """One engine.io websocket handshake to the console's socket.io endpoint; its first frame."""
    url = base.replace("http://", "ws://") + "/_nicegui_ws/socket.io/?EIO=4&transport=websocket"
    with ws_connect(url, origin=Origin(origin), open_timeout=10) as ws:
        return str(ws.recv(timeout=10))


@pytest.mark.parametrize("origin", ["https://attacker.example", "http://console.example.cn", "null"])
def test_cross_origin_websocket_handshake_is_refused(production: str, origin: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _handshake(production, origin)
    # engine.io refuses before accepting the websocket; uvicorn answers such a handshake 403
    assert refused.value.response.status_code in (400, 403)


def test_own_and_configured_origins_may_open_the_websocket(production: str) -> None:
    assert _handshake(production, production).startswith('0{"sid"')  # engine.io's open packet
    assert _handshake(production, CONSOLE_ORIGIN).startswith('0{"sid"')
