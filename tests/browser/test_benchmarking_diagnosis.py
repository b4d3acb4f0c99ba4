"""The benchmarking and diagnosis pages in headless Chromium, on a generated demo park (12 enterprises,
60 days of 15-minute history up to now, monthly product output) served from its own SQLite file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, free_port, login, serve_until_healthy

pytestmark = pytest.mark.browser

BUILD = """
import os
from parkcarbon.demo.generator import build_demo_park
from parkcarbon.settings import load_settings
from parkcarbon.store.db import Database, make_engine
from parkcarbon.store.migrate import upgrade
PASSWORD = os.environ["DEMO_PASSWORD"]
settings = load_settings()
engine = make_engine(settings.resolved_database_url)
upgrade(engine)
db = Database(engine)
park = build_demo_park(db, settings, days=60, enterprises=12, password=PASSWORD, enterprise_demo=False)
"""


@pytest.fixture(scope="module")
def generated_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("generated-demo")
    env = {
        **os.environ,
        "PARKCARBON_ENV": "development",
        "PARKCARBON_DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite'}",
        "DEMO_PASSWORD": DEMO_PASSWORD,
    }
    subprocess.run([sys.executable, "-c", BUILD], cwd=workdir, env=env, check=True, timeout=600)
    port = free_port()
    command = [sys.executable, "-m", "parkcarbon.cli", "serve", "--port", str(port)]
    with serve_until_healthy(command, cwd=workdir, env=env, port=port, log=workdir / "server.log") as base:
        yield base


def test_park_sees_ranking_quartiles_and_the_planted_base_load(
    page: Page, generated_server: str, artifacts_dir: Path
) -> None:
    base = generated_server
    login(page, base, "park.admin@demo.parkcarbon.cn")
    page.locator(".q-item").filter(has_text="能耗对标").first.click()
    page.wait_for_url(f"{base}/benchmarking")
    table = page.locator(".q-table").first
    expect(table.get_by_text("华东精密轧钢有限公司")).to_be_visible()
    expect(table.get_by_text("轧制钢材").first).to_be_visible()
    expect(page.get_by_text("同类企业单位产品能耗四分位分布")).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()  # the ECharts quartile chart
    page.screenshot(path=str(artifacts_dir / "console-benchmarking.png"), full_page=True)

    page.locator(".q-item").filter(has_text="节能诊断").first.click()
    page.wait_for_url(f"{base}/diagnosis")
    # issue 13 §7: ordered by annual saving value (CNY, the header's figure): E01's capacitor bank out of
    # service costs it a power-factor surcharge on its whole bill, the park's most valuable finding
    first = page.locator(".q-expansion-item").first
    expect(first).to_contain_text("华东精密轧钢有限公司")
    expect(first).to_contain_text("元")
    expect(page.get_by_text("功率因数偏低", exact=False).first).to_be_visible()
    _assert_descending(page, "元")
    page.screenshot(path=str(artifacts_dir / "console-diagnosis.png"), full_page=True)
    # by kWh: the planted base load of E03 is the park's largest finding, its card open at the top
    page.locator(".q-btn-toggle").get_by_text("年节电 (kWh)").click()
    page.wait_for_url(f"{base}/diagnosis?days=28&by=kwh")
    first = page.locator(".q-expansion-item").first
    expect(first).to_contain_text("星海电子科技有限公司")
    expect(first).to_contain_text("kWh")
    expect(page.get_by_text("非生产时段基础负荷偏高", exact=False).first).to_be_visible()
    expect(page.get_by_text("能源管理与运行优化").first).to_be_visible()
    expect(page.get_by_text("年节电潜力 (kWh)").first).to_be_visible()
    _assert_descending(page, "kWh")
    page.screenshot(path=str(artifacts_dir / "console-diagnosis-by-kwh.png"), full_page=True)

    # English
    page.locator(".q-select").filter(has_text="中文").click()
    page.get_by_role("option", name="English").click()
    expect(page.locator(".text-h5").get_by_text("Energy-saving diagnosis")).to_be_visible()
    expect(page.get_by_text("High base load outside production", exact=False).first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "console-diagnosis-english.png"), full_page=True)


def _assert_descending(page: Page, unit: str) -> None:
    """The enterprise headers ``name — n · value unit`` are in non-increasing order of value, none empty."""
    headers = page.locator(
        ".q-expansion-item.pc-card > .q-expansion-item__container > .q-item"
    ).all_inner_texts()
    values = []
    for h in headers:
        m = re.search(r"— (\d+) · ([\d,.]+) " + re.escape(unit), h)
        assert m is not None, h
        assert int(m.group(1)) > 0, h  # an enterprise without a finding is not listed
        values.append(float(m.group(2).replace(",", "")))
    assert values and values == sorted(values, reverse=True), values


def test_enterprise_sees_only_its_own_findings(
    page: Page, generated_server: str, artifacts_dir: Path
) -> None:
    base = generated_server
    login(page, base, "enterprise.admin@demo.parkcarbon.cn")
    page.locator(".q-item").filter(has_text="节能诊断").first.click()
    page.wait_for_url(f"{base}/diagnosis")
    # E01 (rolling mill, capacitor bank out of service): its own power-factor finding, no other enterprise
    expect(page.get_by_text("华东精密轧钢有限公司", exact=False).first).to_be_visible()
    expect(page.get_by_text("星海电子科技有限公司")).to_have_count(0)
    expect(page.get_by_text("功率因数偏低", exact=False).first).to_be_visible()
    expect(page.get_by_text("无功补偿与电能质量治理").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "console-enterprise-diagnosis.png"), full_page=True)
