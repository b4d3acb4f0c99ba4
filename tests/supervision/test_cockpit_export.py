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
