"""The cockpit workbook writes an enterprise name that looks like a formula as text (OWASP CSV/formula
injection): a park operator's export must not run what an enterprise typed as its name."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import update

from parkcarbon.demo.seed import seed_park
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.supervision import monitoring
from parkcarbon.services.supervision.export import cockpit_workbook
from parkcarbon.store.db import Database
from parkcarbon.store.models import Organisation

PAYLOAD = '=HYPERLINK("http://evil.example/","开票")'


def test_enterprise_name_formula_is_text(db: Database) -> None:
    park = seed_park(db, code="xl-park", name="导出园区", name_en="Export Park", password="Xl-Passw0rd-2026")
    with db.transaction() as s:
        s.execute(update(Organisation).where(Organisation.id == park.enterprise_ids[0]).values(name=PAYLOAD))
    tz = ZoneInfo("Asia/Shanghai")
    m = monitoring.park_monitoring(
        db, SYSTEM, park.park_id, as_of=date(2025, 3, 15), now=datetime(2025, 3, 16, tzinfo=tz)
    )
    data = cockpit_workbook(m, [], park_name="+cmd|' /C calc'!A0")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name), name
    wb = load_workbook(io.BytesIO(data))
    found = {
        c.value: (c.data_type, c.quotePrefix)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value in {PAYLOAD, "+cmd|' /C calc'!A0"}
    }
    assert found == {PAYLOAD: ("s", True), "+cmd|' /C calc'!A0": ("s", True)}


def test_the_workbook_names_carriers_and_enterprises_in_the_chosen_language(db: Database) -> None:
    """Issue 13 §7: an English user's export says "Electricity", a zh-CN user's "电力" (the carrier table's
    names), never the id ``electricity``; enterprises by their English name where one is recorded."""
    park = seed_park(
        db, code="xl-lang", name="语言园区", name_en="Language Park", password="Xl-Passw0rd-2026"
    )
    with db.transaction() as s:
        s.execute(
            update(Organisation)
            .where(Organisation.id == park.enterprise_ids[0])
            .values(name="语言测试有限公司", name_en="Language Test Co., Ltd.")
        )
    tz = ZoneInfo("Asia/Shanghai")
    m = monitoring.park_monitoring(
        db, SYSTEM, park.park_id, as_of=date(2025, 3, 15), now=datetime(2025, 3, 16, tzinfo=tz)
    )
    from parkcarbon.services.supervision.monitoring_schemas import CarrierFigure

    # the seeded park holds no readings: one carrier row, its figures irrelevant to the names
    row = CarrierFigure.model_construct(
        carrier="electricity", unit="kWh", ytd_quantity=1.0, mtd_quantity=1.0, ytd_tce=1.0, ytd_tco2e=1.0,
        share_tce_pct=100.0,
    )  # fmt: skip
    m = m.model_copy(update={"carriers": [row]})
    carrier, zh_name, en_name = "electricity", "电力", "Electricity"  # carriers table: 电力 / electricity

    def column_a(data: bytes, sheet: str) -> set[str]:
        ws = load_workbook(io.BytesIO(data))[sheet]
        return {str(r[0].value) for r in ws.iter_rows(min_row=2) if r[0].value is not None}

    zh = cockpit_workbook(m, [], park_name="语言园区", language="zh-CN")
    en = cockpit_workbook(m, [], park_name="Language Park", language="en")
    assert zh_name in column_a(zh, "能源结构 Carriers") and carrier not in column_a(zh, "能源结构 Carriers")
    assert en_name in column_a(en, "能源结构 Carriers") and carrier not in column_a(en, "能源结构 Carriers")
    assert "语言测试有限公司" in column_a(zh, "企业 Enterprises")
    assert "Language Test Co., Ltd." in column_a(en, "企业 Enterprises")


def test_park_yoy_names_the_editions_that_differ_between_the_years(db: Database) -> None:
    """Issue 13 §2: the same park profile applies GB/T 32150-2025 to 2026 and GB/T 32150-2015 to 2025 (the
    edition in force on 31 December of the year: 2025 edition effective 2026-07-01, standards-facts
    open question 5); the cockpit's YoY says so beside the figure (``period_differences``)."""
    from parkcarbon.services.supervision.monitoring_schemas import PeriodDifference

    park = seed_park(db, code="yoy-ed", name="口径园区", name_en="Basis Park", password="Xl-Passw0rd-2026")
    tz = ZoneInfo("Asia/Shanghai")
    m26 = monitoring.park_monitoring(
        db, SYSTEM, park.park_id, as_of=date(2026, 3, 15), now=datetime(2026, 3, 16, tzinfo=tz)
    )
    m25 = monitoring.park_monitoring(
        db, SYSTEM, park.park_id, as_of=date(2025, 3, 15), now=datetime(2025, 3, 16, tzinfo=tz)
    )
    assert (
        PeriodDifference(item="standard", this_year="GB/T 32150-2025", last_year="GB/T 32150-2015")
        in m26.period_differences
    )
    assert not [d for d in m25.period_differences if d.item == "standard"]  # 2025 and 2024: both 2015
