"""Console sessions keep no bearer token in plaintext on disk (issue 12 §6): after a console login the
server's NiceGUI user storage holds the token's SHA-256 digest only."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import login, wait_for_console


def _storage(base: Path) -> list[dict[str, object]]:
    out = []
    for f in base.glob("demo*/.nicegui/storage-user-*.json"):
        try:
            out.append(json.loads(f.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # being written
    return out


def test_storage_holds_no_token(
    page: Page, demo_server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    login(page, demo_server, "park.admin@demo.parkcarbon.cn")
    wait_for_console(page)
    base = tmp_path_factory.getbasetemp()
    deadline = time.monotonic() + 30  # NiceGUI flushes user storage to disk in the background
    while not any("session" in s for s in _storage(base)) and time.monotonic() < deadline:
        time.sleep(0.2)
    stored = _storage(base)
    assert any("session" in s for s in stored), stored
    text = json.dumps(stored)
    assert "pct_" not in text and '"token"' not in text
    page.goto(f"{demo_server}/meters")  # the digest alone still signs the browser in
    assert "/login" not in page.url
