"""Gateway and device online status in the console (issue 5 item 2): the demo's live feed reports through
its gateway; the planted offline meter shows offline, a live meter online; enterprise users do not get
the page in their navigation."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_gateways_and_meters_online_status(page: Page, demo_server: str, artifacts_dir: Path) -> None:
    login(page, demo_server, "park.analyst@demo.parkcarbon.cn")
    page.get_by_text("网关与设备状态").first.click()
    page.wait_for_url(f"{demo_server}/devices")
    # the live feed's first batch (posted when the server starts) registers its gateway
    for _ in range(20):
        if page.get_by_role("cell", name="demo-gateway", exact=True).count():
            break
        page.wait_for_timeout(1500)
        page.reload()
    gateways = page.locator(".q-card").filter(has=page.locator("th", has_text="最近心跳"))
    gateway_row = gateways.get_by_role("row").filter(
        has=page.get_by_role("cell", name="demo-gateway", exact=True)
    )
    expect(gateway_row).to_contain_text("在线")
    expect(gateway_row).to_contain_text("台：")  # issue 13 §7: the row lists its devices (n 台：codes)
    meters = page.locator(".q-card").filter(has=page.locator("th", has_text="最近读数时间"))
    for code, state in (("E05-EL-EV", "离线"), ("E01-EL-MAIN", "在线")):
        meters.get_by_label("搜索").fill(code)
        row = meters.get_by_role("row").filter(has=page.get_by_role("cell", name=code, exact=True))
        expect(row).to_contain_text(state)
    page.screenshot(path=str(artifacts_dir / "console-devices.png"), full_page=True)


def test_enterprise_users_do_not_see_the_device_page(page: Page, demo_server: str) -> None:
    login(page, demo_server, "enterprise.admin@demo.parkcarbon.cn")
    expect(page.get_by_text("企业应用端")).to_be_visible()
    expect(page.get_by_text("网关与设备状态")).to_have_count(0)
