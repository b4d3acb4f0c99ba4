"""Issue 13 §7 (console finish) in headless Chromium on the served demo: the MRV case of E01 with its next
step disabled and the reason; the organisation list with GB/T 4754-2017 industry names, search by the
industry's name and by English names, a row's detail with its edit form, XLSX export; a meter row opening
the meter page and "back" returning to the list; overview counts for two roles."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, wait_for_console

pytestmark = pytest.mark.browser


def _kpi(page: Page, label: str) -> str:
    card = page.locator(".q-card").filter(has=page.get_by_text(label, exact=True))
    return card.locator(".pc-kpi-value").inner_text()


def test_the_demo_mrv_case_works_towards_a_future_deadline_with_disabled_steps(
    page: Page, demo_server: str, artifacts_dir: Path
) -> None:
    login(page, demo_server, "enterprise.admin@demo.parkcarbon.cn")
    page.goto(f"{demo_server}/mrv")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    # past 31 March the demo year's case would be overdue in planning: the running year's case is open
    year = today.year if today.month > 3 else today.year - 1
    row = page.locator(".q-table tbody tr").first
    expect(row).to_contain_text(str(year))
    expect(row).not_to_contain_text("年报")  # the "overdue" column is empty
    row.click()
    page.wait_for_url(f"{demo_server}/mrv/*")
    if today.month > 3:
        expect(page.locator(".text-h6.text-primary")).to_have_text("监测中")
        expect(page.get_by_role("button", name="开始编制年报")).to_be_disabled()
        expect(page.get_by_text("暂不可用: 仍有已结束的月份未复核")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "console-mrv-demo-case.png"), full_page=True)
    page.goto(f"{demo_server}/mrv")
    expect(page.get_by_text(re.compile(r"逾期 \d+ 天"))).to_have_count(0)  # no reminder reads 逾期 N 天


def test_organisations_list_industry_names_search_detail_edit_and_export(
    page: Page, demo_server: str, artifacts_dir: Path
) -> None:
    login(page, demo_server, "park.admin@demo.parkcarbon.cn")
    page.goto(f"{demo_server}/organisations")
    table = page.locator(".q-table")
    e01 = table.get_by_role("row").filter(has_text="华东精密轧钢有限公司")
    expect(e01).to_contain_text("C3130")
    expect(e01).to_contain_text("钢压延加工")  # GB/T 4754-2017 class name beside the code
    search = page.locator(".q-card").get_by_label("搜索")
    for text in (
        "钢压延",
        "Steel rolling",
        "East China Precision",
    ):  # industry zh / industry en / English name
        search.fill(text)
        expect(table.get_by_text("华东精密轧钢有限公司")).to_be_visible()
        expect(table.get_by_text("绿源食品饮料有限公司")).to_have_count(0)
    search.fill("")
    page.screenshot(path=str(artifacts_dir / "console-organisations.png"), full_page=True)
    # a row opens its detail; the park admin may edit it
    table.get_by_role("row").filter(has_text="绿色发展银行园区支行").click()
    detail = page.locator(".q-dialog").filter(has_text="统一社会信用代码")
    expect(detail).to_contain_text("绿色发展银行园区支行")
    detail.get_by_role("button", name="编辑").click()
    form = page.locator(".q-dialog").filter(has_text="保存")
    form.get_by_label("英文名称").fill("Green Development Bank, Jiangsu Park Branch")
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()
    wait_for_console(page)
    expect(page.get_by_text("Green Development Bank, Jiangsu Park Branch")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="导出 XLSX").click()
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["华东精密轧钢有限公司"][4:7] == ("C3130", "钢压延加工", "Steel rolling")


def test_a_meter_row_opens_its_page_and_back_returns_to_the_list(page: Page, demo_server: str) -> None:
    login(page, demo_server, "enterprise.admin@demo.parkcarbon.cn")
    page.goto(f"{demo_server}/enterprise/meters")
    page.locator(".q-card").get_by_label("搜索").fill("E01-EL-MAIN")
    page.locator(".q-table").get_by_role("cell", name="E01-EL-MAIN", exact=True).click()
    page.wait_for_url("**/meters/*?back=enterprise_meters")
    expect(page.get_by_text("E01-EL-MAIN · ", exact=False)).to_be_visible()
    expect(page.get_by_text("条读数", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="编辑")).to_be_visible()  # its own enterprise's meter
    page.get_by_role("button", name="返回").click()
    page.wait_for_url(f"{demo_server}/enterprise/meters")


def test_a_park_analyst_reads_a_sub_meter_only_with_the_enterprises_grant(
    page: Page, demo_server: str
) -> None:
    login(page, demo_server, "park.analyst@demo.parkcarbon.cn")
    page.goto(f"{demo_server}/meters")
    search = page.locator(".q-card").get_by_label("搜索")
    search.fill("E02-EL-MAIN")  # E02 has shared nothing
    page.locator(".q-table").get_by_role("cell", name="E02-EL-MAIN", exact=True).click()
    page.wait_for_url("**/meters/*?back=meters")
    expect(page.get_by_text("企业尚未向您授权其计量数据")).to_be_visible()
    expect(page.get_by_role("button", name="编辑")).to_have_count(0)  # an analyst edits no meter
    page.get_by_role("button", name="返回").click()
    page.wait_for_url(f"{demo_server}/meters")


def test_overview_counts_agree_between_roles(page: Page, demo_server: str) -> None:
    login(page, demo_server, "park.admin@demo.parkcarbon.cn")
    admin = {k: _kpi(page, k) for k in ("入园企业", "接入计量器具", "服务机构", "可查看数据的计量器具")}
    page.context.clear_cookies()
    login(page, demo_server, "regulator@demo.parkcarbon.cn")
    regulator = {k: _kpi(page, k) for k in admin}
    assert int(admin["接入计量器具"]) > 0
    # the registry is the park's for every member; the readable meters follow the meter-data rule
    assert {k: regulator[k] for k in ("入园企业", "接入计量器具", "服务机构")} == {
        k: admin[k] for k in ("入园企业", "接入计量器具", "服务机构")
    }
    assert admin["可查看数据的计量器具"] == admin["接入计量器具"] and regulator["可查看数据的计量器具"] == "0"
