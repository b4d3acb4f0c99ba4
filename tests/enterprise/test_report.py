"""The report: the PDF's extracted text carries the figures of the hand calculation; the CJK font is an
embedded TrueType subset; the XLSX holds the same numbers as numbers; the English summary by category."""

from __future__ import annotations

import io
import math
import re

import pypdf
import pytest
from openpyxl import load_workbook

from parkcarbon.services.enterprise import inventory, report
from parkcarbon.services.enterprise.demo import DemoEnterprise
from parkcarbon.services.enterprise.schemas import InventoryCreate
from parkcarbon.store.db import Database
from tests.enterprise.conftest import YEAR, Who
from tests.enterprise.test_inventory import DIESEL_T, ELECTRICITY_T, GAS_T, TOTAL_T, TOTAL_TCE


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace(",", "")


def _fonts(pdf: bytes) -> list[dict[str, object]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    out = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():  # type: ignore[index]
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            out.append(
                {
                    "name": str(font["/BaseFont"]),
                    "subtype": str(font["/Subtype"]),
                    "embedded": descriptor is not None and "/FontFile2" in descriptor.get_object(),
                    "to_unicode": "/ToUnicode" in font,
                }
            )
    return out


def test_chinese_pdf_report_carries_the_hand_calculated_figures(
    db: Database, demo: DemoEnterprise, who: Who, cjk_font_installed: str
) -> None:
    admin = who("enterprise_admin")
    inv = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    inv = inventory.submit_inventory(db, admin, inv.id)
    found = report.build_report(db, admin, inv.id)
    assert found.media_type == "application/pdf" and found.content.startswith(b"%PDF")
    text = _text(found.content)
    for heading in (
        "一、企业基本情况",
        "二、核算边界",
        "三、排放源识别",
        "四、活动数据及来源",
        "五、排放因子及来源",
        "六、温室气体排放量",
        "七、数据质量管理",
        "八、补充数据",
        "附录 核算溯源",
    ):
        assert heading in text
    assert "华东精密轧钢有限公司" in text and f"{YEAR}年度温室气体排放报告" in text
    # by source, by category and in total, rounded to 0.01 t as printed
    for value in (ELECTRICITY_T, GAS_T, GAS_T + DIESEL_T, TOTAL_T, TOTAL_TCE):
        assert f"{value:.2f}" in text, value
    # activity data and the published factors as printed in their sources
    for printed in (
        "1200000.00",
        "150000.00",
        "0.5306",
        "389.31",
        "15.3",
        "42.652",
        "20.2",
        "0.1229",
        "1.2143",
    ):
        assert printed in text, printed
    assert inv.snapshot_sha256 and inv.snapshot_sha256 in text.replace("\n", "")
    cjk = [f for f in _fonts(found.content) if f["subtype"] == "/TrueType"]
    assert cjk and all(f["embedded"] and f["to_unicode"] for f in cjk)
    assert all(re.match(r"^/[A-Z]{6}\+", str(f["name"])) for f in cjk)  # a subset (tagged name)


def test_xlsx_holds_numbers_and_english_summary_by_category(
    db: Database, demo: DemoEnterprise, who: Who, cjk_font_installed: str
) -> None:
    admin = who("enterprise_admin")
    inv = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    wb = load_workbook(io.BytesIO(report.build_report(db, admin, inv.id, fmt_="xlsx").content))
    emissions = wb["排放量 Emissions"]
    total_row = next(r for r in emissions.iter_rows(values_only=True) if r[0] == "合计 Total")
    assert math.isclose(float(total_row[3]), TOTAL_T, rel_tol=1e-6)
    factors = {r[0]: r[1] for r in wb["排放因子 Factors"].iter_rows(min_row=2, values_only=True)}
    assert factors["mee-nbs-2023.grid_ef.national_average.CN"] == "0.5306"
    text = _text(report.build_report(db, admin, inv.id, language="en").content)
    assert "ISO 14064-1:2018" in text and "Scope 2 (location-based)" in text
    assert f"{GAS_T + DIESEL_T:.2f}" in text and f"{ELECTRICITY_T:.2f}" in text and f"{TOTAL_T:.2f}" in text
    assert "DRAFT" in text  # a draft is marked as such


def test_without_an_embeddable_font_the_report_names_the_remedy(
    db: Database, demo: DemoEnterprise, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parkcarbon.reports import fonts

    admin = who("enterprise_admin")
    inv = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    fonts.cjk_font.cache_clear()
    monkeypatch.setattr(fonts, "_candidates", lambda: [("/usr/share/fonts/opentype/noto/none.ttc", 0)])
    try:
        with pytest.raises(report.ReportUnavailable, match="apt-get install -y fonts-wqy-microhei"):
            report.build_report(db, admin, inv.id)
    finally:
        fonts.cjk_font.cache_clear()
    # the workbook needs no font
    assert report.build_report(db, admin, inv.id, fmt_="xlsx").content.startswith(b"PK")


def test_chinese_report_names_the_carriers_in_chinese(
    db: Database, demo: DemoEnterprise, who: Who, cjk_font_installed: str
) -> None:
    """Issue 13 §7: the emission-source table of the Chinese report names each carrier as GB/T 2589-2020
    Annex A does (电力, 天然气, 柴油), never by its vocabulary id (electricity, natural_gas, diesel)."""
    admin = who("enterprise_admin")
    inv = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    text = _text(report.build_report(db, admin, inv.id).content)
    sources = text.split("三、排放源识别", 1)[1].split("四、活动数据及来源", 1)[0]
    for name in ("电力", "天然气", "柴油"):
        assert name in sources, name
    for raw in ("electricity", "natural_gas", "diesel"):
        assert raw not in sources, raw
