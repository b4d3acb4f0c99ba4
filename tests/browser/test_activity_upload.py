"""The activity-data upload page in headless Chromium: template download, upload, validation report."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SHEET = (
    "carrier,quantity,unit,period_start,period_end,use,document_ref\n"
    "diesel,4.2,t,2026-02-01,2026-02-28,combustion,UI-FP-1\n"
    "unobtainium,1,t,2026-02-01,2026-02-28,,UI-X-1\n"
)


def test_upload_shows_the_validation_report(page: Page, demo_server: str, artifacts_dir: Path) -> None:
    login(page, demo_server, "enterprise.admin@demo.parkcarbon.cn")
    page.goto(f"{demo_server}/activity-data")
    expect(page.get_by_text("下载模板 XLSX")).to_be_visible()
    with page.expect_download() as dl:
        page.get_by_text("下载模板 XLSX").click()
    assert dl.value.suggested_filename == "activity-data-template.xlsx"
    sheet = artifacts_dir / "activity-upload.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(sheet))
    expect(page.get_by_text("行数: 2 · 已保存: 1")).to_be_visible()
    expect(page.get_by_text("unknown carrier 'unobtainium'", exact=False)).to_be_visible()
    expect(page.get_by_text("UI-FP-1")).to_be_visible()  # the records table follows the upload
    page.screenshot(path=str(artifacts_dir / "console-activity-upload-report.png"), full_page=True)
