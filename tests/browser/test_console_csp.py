"""The console's Content-Security-Policy holds in a real browser (issue 12 §6): the login page, the cockpit
(Quasar, ECharts) and the API docs (Swagger UI, ReDoc from packaged assets) render in headless Chromium
with no ``securitypolicyviolation`` event and no CSP error in the browser's console, and the pages fetch
nothing from another host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect

from tests.browser.conftest import PAGE_TIMEOUT_MS, login, wait_for_console

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(
  [e.effectiveDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber, e.sample].join(' | ')));
"""


@pytest.fixture
def watched(
    browser: Browser, artifacts_dir: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Page, list[str], list[str], set[str]]]:
    """A plain page (its ``goto`` waits for no NiceGUI handshake, so API docs load too), with the CSP
    violations, the CSP errors of the browser's console and the hosts that answered any of its requests."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    violations: list[str] = []
    errors: list[str] = []
    hosts: set[str] = set()
    page.expose_function("__cspViolation", lambda text: violations.append(text))
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    def on_response(response: Response) -> None:  # a request the policy blocked gets none
        if not response.url.startswith(("data:", "blob:")):
            hosts.add(urlsplit(response.url).netloc)

    page.on("console", on_console)
    page.on("response", on_response)
    yield page, violations, errors, hosts
    page.screenshot(path=str(artifacts_dir / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def test_login_and_cockpit_pass_the_csp(
    watched: tuple[Page, list[str], list[str], set[str]], demo_server: str
) -> None:
    page, violations, errors, hosts = watched
    response = page.goto(f"{demo_server}/login")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    wait_for_console(page)
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    login(page, demo_server, "park.admin@demo.parkcarbon.cn")
    page.goto(f"{demo_server}/cockpit")
    wait_for_console(page)
    expect(page.locator("canvas").first).to_be_visible()  # ECharts drew
    page.wait_for_timeout(1500)  # late work: chart animations, timers, lazy components
    assert violations == []
    assert errors == []
    assert hosts == {urlsplit(demo_server).netloc}


def test_an_injected_inline_script_is_blocked(
    watched: tuple[Page, list[str], list[str], set[str]], demo_server: str
) -> None:
    """The policy is not decorative: an inline script without the page's nonce does not run."""
    page, violations, _, _ = watched
    page.goto(f"{demo_server}/login")
    wait_for_console(page)
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__injected = true'; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__injected === undefined")
    assert any(v.startswith("script-src") for v in violations)


@pytest.mark.parametrize(
    ("path", "ready"), [("/api/v1/docs", ".swagger-ui .info"), ("/api/v1/redoc", "redoc h1")]
)
def test_api_docs_render_from_packaged_assets(
    watched: tuple[Page, list[str], list[str], set[str]], demo_server: str, path: str, ready: str
) -> None:
    page, violations, errors, hosts = watched
    page.goto(f"{demo_server}{path}")
    expect(page.locator(ready).first).to_be_visible()
    expect(page.get_by_text("parkcarbon API").first).to_be_visible()
    page.wait_for_timeout(500)
    # ReDoc's bundle hard-codes its attribution logo on the vendor's CDN: the policy (img-src 'self')
    # blocks it, so the browser never contacts that host; that one blocked image is the only report
    vendor_logo = [v for v in violations if v.startswith("img-src | https://cdn.redoc.ly/")]
    assert [v for v in violations if v not in vendor_logo] == []
    assert len(vendor_logo) <= 1 and (path.endswith("redoc") or not vendor_logo)
    assert [e for e in errors if "cdn.redoc.ly" not in e] == []
    assert hosts == {urlsplit(demo_server).netloc}
