"""The whole MRV flow in headless Chromium: the enterprise completes a year's inventory from its meters and
submits it, the verifier requests a correction on a line, the enterprise corrects it with evidence and
resubmits, the verifier verifies, and the report downloads with the corrected figures."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Browser, Page, expect

from parkcarbon.services.enterprise.demo import ELECTRICITY_KWH
from tests.browser.conftest import DEMO_PASSWORD, console_page, free_port, login, serve_until_healthy
from tests.enterprise.conftest import cjk_font_installed  # noqa: F401  (fixture)
from tests.reference._load import rows

pytestmark = pytest.mark.browser

SEED = """
from datetime import date
from parkcarbon.demo.seed import create_platform_admin, seed_park
from parkcarbon.services.enterprise.demo import seed_enterprise_demo
from parkcarbon.services.runtime import Runtime
from parkcarbon.settings import load_settings

settings = load_settings()
runtime = Runtime.start(settings)
park = seed_park(runtime.db, code="demo", name="江苏绿色低碳示范产业园", province="CN-JS",
                 name_en="Jiangsu Green Low-Carbon Demonstration Industrial Park", password=PASSWORD,
                 email_domain="demo.parkcarbon.cn")
create_platform_admin(runtime.db, email="admin@demo.parkcarbon.cn", password=PASSWORD)
seed_enterprise_demo(runtime.db, settings, park_id=park.park_id, enterprise_id=park.enterprise_ids[0],
                     verifier_id=park.verifier_id, year=date.today().year - 1)
runtime.close()
"""
ENTERPRISE = "enterprise.admin@demo.parkcarbon.cn"
VERIFIER = "verifier@demo.parkcarbon.cn"


@pytest.fixture(scope="module")
def mrv_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo park, its demo enterprise with a year of meter data, served by ``parkcarbon demo``."""
    workdir = tmp_path_factory.mktemp("mrv-demo")
    env = {**os.environ, "PARKCARBON_ENV": "development"}
    env.pop("PARKCARBON_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-c", f"PASSWORD = {DEMO_PASSWORD!r}\n" + SEED],
        cwd=workdir,
        env=env,
        check=True,
        timeout=180,
    )
    port = free_port()
    command = [sys.executable, "-m", "parkcarbon.cli", "demo", "--port", str(port)]
    with serve_until_healthy(command, cwd=workdir, env=env, port=port, log=workdir / "server.log") as base:
        yield base


def _as(browser: Browser, base: str, email: str) -> Page:
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True
    )
    page = console_page(context)
    login(page, base, email)
    return page


def _act(page: Page, name: str) -> None:
    """Click a workflow button and confirm in the dialog it opens (issue 13 §7: confirmation first)."""
    page.get_by_role("button", name=name, exact=True).click()
    dialog = page.locator(".q-dialog")
    expect(dialog).to_contain_text(name)
    dialog.get_by_role("button", name="确认", exact=True).click()


def _freeze(page: Page) -> None:
    """Submit (freeze) an inventory version: the console asks first."""
    page.get_by_role("button", name="提交（冻结）").click()
    page.locator(".q-dialog").get_by_role("button", name="确认", exact=True).click()
    expect(page.get_by_text("已提交（冻结）").first).to_be_visible()


def _status(page: Page, text: str) -> None:
    expect(page.locator(".text-h6.text-primary")).to_have_text(text)


def test_enterprise_submits_verifier_corrects_and_verifies(
    browser: Browser,
    mrv_server: str,
    artifacts_dir: Path,
    cjk_font_installed: str,  # noqa: F811
) -> None:
    base = mrv_server
    ent = _as(browser, base, ENTERPRISE)
    # --- the enterprise: plan, monthly review, annual report from the meters, submission -------------------
    ent.goto(f"{base}/mrv")
    ent.locator(".q-table tbody tr").first.click()
    ent.wait_for_url(f"{base}/mrv/*")
    case_url = ent.url
    _status(ent, "编制监测计划")
    _act(ent, "批准监测计划")
    _status(ent, "监测中")
    # a step whose precondition does not hold yet is shown disabled, with the service's reason
    expect(ent.get_by_role("button", name="开始编制年报")).to_be_disabled()
    expect(ent.get_by_text("暂不可用: 仍有已结束的月份未复核")).to_be_visible()
    ent.get_by_role("button", name="审核全部已结束月份").click()
    expect(ent.get_by_text("12月")).to_be_visible()
    _act(ent, "开始编制年报")
    _status(ent, "编制年报")
    expect(ent.get_by_role("button", name="提交核查", exact=True)).to_be_disabled()
    expect(ent.get_by_text("暂不可用: 盘查结果须先提交（冻结）")).to_be_visible()
    ent.goto(f"{base}/enterprise/inventory")
    ent.get_by_role("button", name="新建盘查（自动汇集计量数据）").click()
    ent.wait_for_url(f"{base}/enterprise/inventory/*")
    v1_url = ent.url
    grid = {
        (r["method"], r["region"], r["year"]): float(r["factor_tco2_per_mwh"])
        for r in rows("mee_nbs_grid/factors.csv")
    }
    fuel = {
        r["carrier"]: float(r["ef_tco2_per_unit"]) for r in rows("fuel_ef_seed_row2_6/derived_co2_ef.csv")
    }
    electricity = sum(ELECTRICITY_KWH) / 1000 * grid[("national_average", "CN", "2023")]
    total_v1 = electricity + 15 * fuel["natural_gas"] + 10 * fuel["diesel"]
    expect(ent.locator(".pc-kpi-value").first).to_have_text(f"{total_v1:,.2f}")
    ent.screenshot(path=str(artifacts_dir / "mrv-inventory-v1.png"), full_page=True)
    _freeze(ent)
    ent.goto(case_url)
    expect(ent.get_by_role("button", name="提交核查", exact=True)).to_be_enabled()
    _act(ent, "提交核查")
    _status(ent, "已提交")

    # --- the verifier: review and a correction request on the natural-gas line ------------------------------
    ver = _as(browser, base, VERIFIER)
    ver.goto(case_url)
    _act(ver, "开始核查")
    _status(ver, "核查中")
    # the verifier opens the submitted inventory (its lines) and the enterprise's evidence from the case
    submitted = ver.locator(".q-expansion-item", has_text="报送的盘查结果")
    expect(submitted).to_contain_text(f"V1 · {total_v1:,.2f} tCO2e")
    expect(submitted.locator("tr", has_text="锅炉天然气")).to_be_visible()
    with ver.expect_download() as evidence:
        submitted.get_by_role("button", name="下载").first.click()
    assert Path(evidence.value.path()).stat().st_size > 0
    # request_corrections waits for a correction on a line
    expect(ver.get_by_role("button", name="要求修正", exact=True)).to_be_disabled()
    ver.get_by_label("意见").fill("天然气流量计校准报告显示偏差+2%，请按校准结果修正")
    ver.get_by_label("要求修正的条目").click()
    ver.get_by_role("option", name="锅炉天然气").click()
    ver.get_by_role("button", name="提出修正意见").click()
    expect(ver.get_by_text("天然气流量计校准报告显示偏差+2%").first).to_be_visible()
    _act(ver, "要求修正")
    _status(ver, "待修正")
    ver.screenshot(path=str(artifacts_dir / "mrv-correction-requested.png"), full_page=True)

    # --- the enterprise corrects the line with evidence, submits v2, answers and resubmits -----------------
    ent.goto(v1_url)
    ent.get_by_role("button", name="修订（新版本）").click()
    ent.wait_for_url(lambda url: url != v1_url and "/enterprise/inventory/" in url)
    v2_url = ent.url
    ent.locator("tr", has_text="锅炉天然气").get_by_role("button", name="修正").click()
    dialog = ent.locator(".q-dialog")
    dialog.get_by_label("活动数据").fill("147000")
    dialog.get_by_label("修正原因").fill("按流量计校准报告修正（-2%）")
    dialog.get_by_label("凭证文件").click()
    ent.get_by_role("option").first.click()
    dialog.get_by_role("button", name="保存").click()
    total_v2 = electricity + 14.7 * fuel["natural_gas"] + 10 * fuel["diesel"]
    expect(ent.locator(".pc-kpi-value").first).to_have_text(f"{total_v2:,.2f}")
    _freeze(ent)
    ent.goto(case_url)
    ent.get_by_label("答复").fill("已按校准报告修正，见新版本")
    ent.get_by_role("button", name="答复并关闭").click()
    _act(ent, "修正后重新提交")
    _status(ent, "核查中")

    # --- the verifier verifies -----------------------------------------------------------------------------
    ver.goto(case_url)
    ver.get_by_label("核查结论").fill("经核查，排放报告数据真实、准确，符合要求。")
    _act(ver, "核查通过")
    _status(ver, "已核查")
    ver.screenshot(path=str(artifacts_dir / "mrv-verified.png"), full_page=True)

    # --- the report downloads, with the verified figures ---------------------------------------------------
    ent.goto(v2_url)
    with ent.expect_download() as info:
        ent.get_by_role("button", name="下载报告 PDF").click()
    pdf = Path(info.value.path()).read_bytes()
    (artifacts_dir / "mrv-report.pdf").write_bytes(pdf)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace(",", "")
    assert f"{total_v2:.2f}" in text
    assert "按流量计校准报告修正" in text.replace("\n", "")
    ent.screenshot(path=str(artifacts_dir / "mrv-report-downloaded.png"), full_page=True)
    ent.context.close()
    ver.context.close()
