"""The park cockpit in headless Chromium on a demo park (``build_demo_park``, 6 enterprises, 400 days):
KPIs and charts, the planted overshoot's red warning, acknowledgement, XLSX export, drill-down park →
enterprise → meter, roles, English."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import free_port, login, serve_until_healthy

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cockpit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("cockpit")
    port = free_port()
    env = {**os.environ, "PARKCARBON_ENV": "development"}
    env.pop("PARKCARBON_DATABASE_URL", None)
    command = [
        sys.executable, "-m", "tests.browser.cockpit_server", "--db", str(workdir / "demo.db"),
        "--port", str(port), "--days", "400", "--enterprises", "6",
    ]  # fmt: skip
    log = workdir / "server.log"
    with serve_until_healthy(command, cwd=ROOT, env=env, port=port, log=log, wait_s=240) as base:
        yield base


def test_cockpit_for_the_park_admin(page: Page, cockpit_server: str, artifacts_dir: Path) -> None:
    base = cockpit_server
    login(page, base, "park.admin@demo.parkcarbon.cn")
    page.goto(f"{base}/cockpit")
    expect(page.get_by_text("年初至今综合能耗")).to_be_visible()
    expect(page.get_by_text("能源消费结构（tce）")).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()  # ECharts rendered
    assert page.locator("canvas").count() >= 5  # mix, trend, ranking, heat map, power curve
    # the planted overshoot (E04, chemicals) is a red warning with its numbers
    red = page.get_by_text("苏和精细化工有限公司能耗总量", exact=False).first
    expect(red).to_be_visible()
    expect(page.get_by_text("红色", exact=False).first).to_be_visible()
    expect(page.get_by_text("重点用能单位").first).to_be_visible()
    # warnings grouped by level and kind, counted by the grouped query; the KPI is the open count
    expect(page.locator(".q-chip", has_text="红色 · 能耗总量 · 待处理").first).to_be_visible()
    chips = page.locator(".q-chip", has_text="待处理").all_inner_texts()
    open_total = sum(int(c.rsplit(":", 1)[1]) for c in chips)
    assert page.locator(".pc-kpi-value").filter(has_text=str(open_total)).count() >= 1
    page.wait_for_timeout(1500)  # let the charts' entry animation finish before the screenshot
    page.screenshot(path=str(artifacts_dir / "cockpit-park-admin.png"), full_page=True)
    # acknowledge the first open warning with a note
    page.get_by_role("button", name="确认").first.click()
    dialog = page.locator(".q-dialog")
    dialog.get_by_label("确认说明（采取的措施）").fill("已约谈企业，二期装置限产 talked to the plant")
    dialog.get_by_role("button", name="确认").click()
    expect(page.get_by_text("已确认: 已约谈企业", exact=False).first).to_be_visible()
    # in-app notifications of the warnings raised at start-up; a new evaluation from the page
    page.locator("button", has_text="notifications").first.click()
    expect(page.get_by_text("新预警（红色）", exact=False).first).to_be_visible()
    page.get_by_text("全部标为已读").click()
    page.get_by_role("button", name="立即评估预警").click()
    expect(page.get_by_text("预警评估完成", exact=False)).to_be_visible()
    # export of the current view
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出当前视图 XLSX").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    target = artifacts_dir / "cockpit-export.xlsx"
    dl.value.save_as(str(target))
    wb = load_workbook(io.BytesIO(target.read_bytes()))
    assert {"总览 Overview", "企业 Enterprises", "预警 Warnings", "片区 Areas"} <= set(wb.sheetnames)
    names = [row[0] for row in wb["企业 Enterprises"].iter_rows(min_row=2, values_only=True)]
    assert "苏和精细化工有限公司" in names


def test_drill_down_to_enterprise_and_meter(page: Page, cockpit_server: str, artifacts_dir: Path) -> None:
    base = cockpit_server
    login(page, base, "park.analyst@demo.parkcarbon.cn")
    page.goto(f"{base}/cockpit")
    # E01 shares its meter data with the park operator: its meters are listed
    page.get_by_role("link", name="华东精密轧钢有限公司").click()
    expect(page.get_by_text("计量器具", exact=True).last).to_be_visible()
    expect(page.get_by_text("E01-EL-MAIN").first).to_be_visible()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts_dir / "cockpit-enterprise.png"), full_page=True)
    enterprise_url = page.url
    page.get_by_role("link", name="E01-EL-MAIN", exact=True).click()
    # issue 13 §7: the meter page — date range, chart, paged readings, XLSX export, back to the enterprise
    page.wait_for_url("**/meters/*?back=cockpit")
    expect(page.get_by_text("每日用量")).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()
    count = page.get_by_text(re.compile(r"^共 \d+ 条读数$"))
    expect(count).to_be_visible()
    # E01-EL-MAIN is a 15-minute register: a whole past day holds 96 readings
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    page.get_by_label("开始日期").fill(day)
    page.get_by_label("结束日期（含）").fill(day)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/meters/*?start={day}&end={day}&back=cockpit")
    expect(page.get_by_text("共 96 条读数")).to_be_visible()
    expect(page.get_by_text("每小时用量")).to_be_visible()
    expect(page.locator(".q-table__bottom")).to_contain_text("1-50")  # paged, 50 a page
    with page.expect_download() as info:
        page.get_by_role("button", name="导出 XLSX").click()
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    ws = wb.worksheets[0]
    assert ws.max_row == 1 + 96 and str(ws["A1"].value).startswith("时间 Time")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts_dir / "cockpit-meter.png"), full_page=True)
    page.get_by_role("button", name="返回").click()
    page.wait_for_url(enterprise_url)
    # another enterprise has not shared its meter data: totals yes, meters no
    page.goto(f"{base}/cockpit")
    page.get_by_role("link", name="苏和精细化工有限公司").click()
    expect(page.get_by_text("该企业未向您授权计量数据")).to_be_visible()


def test_roles_and_english(page: Page, cockpit_server: str, artifacts_dir: Path) -> None:
    base = cockpit_server
    login(page, base, "regulator@demo.parkcarbon.cn")
    page.goto(f"{base}/cockpit")
    expect(page.get_by_text("年初至今碳排放")).to_be_visible()
    expect(page.get_by_role("button", name="确认")).to_have_count(0)  # regulators read only
    page.get_by_text("中文").first.click()
    page.get_by_role("option", name="English").click()
    expect(page.get_by_text("Energy, year to date")).to_be_visible()
    expect(page.get_by_text("Dual-control warnings").first).to_be_visible()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts_dir / "cockpit-regulator-en.png"), full_page=True)
    # last year's closing figures
    last = datetime.now(UTC).year - 1
    page.get_by_text(str(last + 1), exact=True).first.click()
    page.get_by_role("option", name=str(last), exact=True).click()
    expect(page.get_by_text(f"Figures as of {last}-12-31", exact=False)).to_be_visible()


def test_enterprise_users_have_no_cockpit(page: Page, cockpit_server: str) -> None:
    login(page, cockpit_server, "enterprise.member@demo.parkcarbon.cn")
    # a page outside the role's navigation answers 403 with the ways back, not a page with buttons
    page.goto(f"{cockpit_server}/cockpit")
    expect(page.get_by_text("您的角色无权访问此页面")).to_be_visible()
    expect(page.get_by_role("button", name="立即评估预警")).to_have_count(0)
    page.get_by_role("button", name="返回首页").click()
    page.wait_for_url(f"{cockpit_server}/")


def test_unknown_page_is_a_404_with_a_way_back(page: Page, cockpit_server: str) -> None:
    response = page.goto(f"{cockpit_server}/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_text("页面不存在")).to_be_visible()
    expect(page.get_by_role("button", name="返回首页")).to_be_visible()
    api = page.request.get(f"{cockpit_server}/api/v1/no-such-route")
    assert api.status == 404 and api.json()["code"] == "not_found"
