"""The console in headless Chromium: login, role-aware navigation, language switch, creating a meter."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, wait_for_console

pytestmark = pytest.mark.browser


def test_login_navigation_and_create_meter(page: Page, demo_server: str, artifacts_dir: Path) -> None:
    login(page, demo_server, "park.admin@demo.parkcarbon.cn")
    expect(page.get_by_text("园区总览").first).to_be_visible()
    expect(page.get_by_text("江苏绿色低碳示范产业园").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "console-overview-park-admin.png"))
    # the park end and administration are offered to a park admin; the enterprise end is not
    expect(page.get_by_text("园区监管端")).to_be_visible()
    expect(page.get_by_text("系统管理")).to_be_visible()
    expect(page.get_by_text("企业应用端")).to_have_count(0)

    page.get_by_text("计量器具").first.click()
    page.wait_for_url(f"{demo_server}/meters")
    expect(page.get_by_text("E01-EL-MAIN", exact=True)).to_be_visible()
    page.get_by_role("button", name="新建").click()
    dialog = page.locator(".q-dialog")
    dialog.get_by_label("编码").fill("E02-NG-BOILER")
    dialog.get_by_label("名称").fill("锅炉房天然气表")
    dialog.get_by_label("能源品种").click()
    page.get_by_role("option", name="天然气").click()
    dialog.get_by_label("计量单位").click()
    page.get_by_role("option", name="Nm3", exact=True).click()
    dialog.get_by_label("所属企业").click()
    page.get_by_role("option", name="绿源食品饮料有限公司").click()
    page.screenshot(path=str(artifacts_dir / "console-create-meter-dialog.png"))
    with page.expect_navigation():  # the page reloads with the new meter
        dialog.get_by_role("button", name="保存").click()
    wait_for_console(page)
    # the demo park has dozens of meters: find the new one with the table's search
    page.locator(".q-card").get_by_label("搜索").fill("E02-NG-BOILER")
    expect(page.get_by_text("E02-NG-BOILER")).to_be_visible()
    expect(page.get_by_text("锅炉房天然气表")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "console-meters-after-create.png"))


def test_invalid_meter_shows_reason_and_keeps_dialog(page: Page, demo_server: str) -> None:
    login(page, demo_server, "park.admin@demo.parkcarbon.cn")
    page.goto(f"{demo_server}/meters")
    page.get_by_role("button", name="新建").click()
    dialog = page.locator(".q-dialog")
    dialog.get_by_label("编码").fill("E01-EL-MAIN")  # already used in this park
    dialog.get_by_label("名称").fill("重复编码")
    dialog.get_by_role("button", name="保存").click()
    # the error's code is translated (value.duplicate), not the service's English message
    expect(dialog.get_by_text("编码: 该值已存在")).to_be_visible()
    expect(dialog.get_by_text("already used in this park")).to_have_count(0)


def test_enterprise_user_sees_enterprise_end_and_english(
    page: Page, demo_server: str, artifacts_dir: Path
) -> None:
    login(page, demo_server, "enterprise.admin@demo.parkcarbon.cn")
    expect(page.get_by_text("企业应用端")).to_be_visible()
    expect(page.get_by_text("组织机构")).to_have_count(0)  # the park directory page is the park's
    page.get_by_text("企业档案").click()
    expect(page.get_by_text("华东精密轧钢有限公司")).to_be_visible()
    page.locator(".q-select").filter(has_text="中文").click()
    page.get_by_role("option", name="English").click()
    expect(page.get_by_text("Enterprise", exact=True)).to_be_visible()
    expect(page.locator(".text-h5").get_by_text("My enterprise")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "console-enterprise-english.png"))


def test_logout_and_wrong_password(page: Page, demo_server: str) -> None:
    login(page, demo_server, "regulator@demo.parkcarbon.cn")
    page.locator("button:has(i:text('account_circle'))").click()
    page.get_by_text("退出登录").click()
    page.wait_for_url(f"{demo_server}/login")
    page.goto(f"{demo_server}/meters")
    page.wait_for_url(f"{demo_server}/login")
    page.get_by_label("邮箱").fill("regulator@demo.parkcarbon.cn")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("登录失败")).to_be_visible()
