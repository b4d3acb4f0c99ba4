"""Browser fixtures: Debian's Chromium (installed when missing), a served demo park, a Playwright page."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]  # fmt: skip
DEMO_PASSWORD = "Demo-Passw0rd!"

# the suite runs on two workers of a two-core machine beside the demo server and PostgreSQL: give pages and
# assertions room (a login hashes with argon2; a page may wait for a live-feed ingest to commit)
PAGE_TIMEOUT_MS = 30_000
expect.set_options(timeout=15_000)
#: A small generated park for the browser tests (E01 keeps its full enterprise-file year).
SMALL_DEMO = ["--days", "3", "--enterprises", "6"]
#: base URL of a served demo → its working directory (its SQLite database is ``var/parkcarbon.db`` there)
DEMO_WORKDIRS: dict[str, Path] = {}


def chromium_executable() -> str:
    """Debian's chromium; installed with apt-get when it is missing (the browser tests need it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"], check=False, capture_output=True, timeout=900
        )
        found = shutil.which("chromium")
    if not found:
        pytest.fail("Debian's chromium is required for the browser tests: apt-get install -y chromium")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_until_healthy(
    command: list[str], *, cwd: Path, env: dict[str, str], port: int, log: Path, wait_s: float = 120
) -> Iterator[str]:
    """Start a console server process, wait until ``/api/v1/health`` answers, yield its base URL and stop
    it afterwards; a process that exits or stays silent fails the test with the end of its log."""
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + wait_s
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"the server exited: {log.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer within {wait_s:.0f} s: {log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``parkcarbon demo`` (a small park: six enterprises, three days of history besides E01's file) served
    on a free port from an empty working directory (embedded SQLite), its live feed running."""
    workdir = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = {**os.environ, "PARKCARBON_ENV": "development"}
    env.pop("PARKCARBON_DATABASE_URL", None)
    command = [sys.executable, "-m", "parkcarbon.cli", "demo", *SMALL_DEMO, "--port", str(port)]
    with serve_until_healthy(command, cwd=workdir, env=env, port=port, log=workdir / "server.log") as base:
        DEMO_WORKDIRS[base] = workdir
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, artifacts_dir: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = console_page(context)
    yield pg
    pg.screenshot(path=str(artifacts_dir / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def console_page(context: BrowserContext) -> Page:
    """A page of ``context`` whose ``goto`` and ``wait_for_url`` return once the new console page's
    websocket is connected (each navigation starts a new NiceGUI client)."""
    pg = context.new_page()
    pg.set_default_timeout(PAGE_TIMEOUT_MS)
    plain_goto, plain_wait_for_url = pg.goto, pg.wait_for_url

    def goto(url: str, **kwargs: Any) -> Any:
        response = plain_goto(url, **kwargs)
        wait_for_console(pg)
        return response

    def wait_for_url(url: Any, **kwargs: Any) -> None:
        plain_wait_for_url(url, **kwargs)
        wait_for_console(pg)

    pg.goto = goto  # type: ignore[method-assign]
    pg.wait_for_url = wait_for_url  # type: ignore[method-assign]
    return pg


def wait_for_console(page: Page) -> None:
    """Wait until the page's NiceGUI client has connected its websocket: events sent before the handshake
    (a click on a loaded machine) would be lost."""
    page.wait_for_function("window.did_handshake === true")


def login(page: Page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login")
    wait_for_console(page)  # also for pages not made by console_page
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    wait_for_console(page)
