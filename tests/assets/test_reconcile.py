"""Registry statement vs ledger: every difference listed (core, hand-worked), and the import route with CSV
and XLSX files, unreadable lines reported and the rest compared."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from parkcarbon import sheets
from parkcarbon.core.assets import (
    InstrumentKind,
    Ledger,
    Lot,
    SerialRange,
    StatementLine,
    Transaction,
    TxKind,
    reconcile,
)
from tests.conftest import World, bearer

D = Decimal
CEA = Lot(InstrumentKind.CEA, vintage=2024)
GEC = Lot(
    InstrumentKind.GEC,
    project="P-WIND-01",
    technology="wind",
    production_month=date(2024, 3, 1),
    tradable=True,
)
CCER = Lot(InstrumentKind.CCER, project="C1", methodology="M1", vintage=2024)


def _ledger() -> Ledger:
    ledger = Ledger()
    ledger.apply(Transaction(TxKind.FREE_ALLOCATION, 1, date(2025, 1, 10), CEA, D(8000)))
    ledger.apply(
        Transaction(TxKind.FREE_ALLOCATION, 1, date(2025, 1, 10), GEC, D(100), (SerialRange("B", 1, 100),))
    )
    ledger.apply(Transaction(TxKind.PURCHASE, 1, date(2025, 1, 11), CCER, D(50), (SerialRange("K", 1, 50),)))
    return ledger


def test_every_difference_is_listed() -> None:
    """Ledger: CEA 8 000; GEC B:1-100; CCER K:1-50. Statement: CEA 7 990 (quantity), GEC B:1-60 and
    B:71-110 (same count 100, serials differ: ledger-only B:61-70, statement-only B:101-110), no CCER
    (missing in the statement), CEA 2025 500 t (missing in the ledger)."""
    statement = [
        StatementLine(2, CEA, D(7990)),
        StatementLine(3, GEC, D(60), (SerialRange("B", 1, 60),)),
        StatementLine(4, GEC, D(40), (SerialRange("B", 71, 110),)),
        StatementLine(5, Lot(InstrumentKind.CEA, vintage=2025), D(500)),
    ]
    result = reconcile(_ledger().holdings(1), statement)
    got = {(d.kind, d.lot.kind.value): d for d in result.differences}
    assert set(got) == {
        ("quantity", "cea"),
        ("serials", "gec"),
        ("missing_in_statement", "ccer"),
        ("missing_in_ledger", "cea"),
    }
    assert (got[("quantity", "cea")].ledger_quantity, got[("quantity", "cea")].statement_quantity) == (
        8000,
        7990,
    )
    serials = got[("serials", "gec")]
    assert serials.ledger_only == (SerialRange("B", 61, 70),)
    assert serials.statement_only == (SerialRange("B", 101, 110),)
    assert serials.lines == (3, 4)
    assert got[("missing_in_statement", "ccer")].ledger_only == (SerialRange("K", 1, 50),)
    assert result.matched_lots == 0 and not result.reconciled


def test_a_matching_statement_reconciles_and_overlaps_are_caught() -> None:
    statement = [
        StatementLine(2, CEA, D(8000)),
        StatementLine(3, GEC, D(100), (SerialRange("B", 1, 100),)),
        StatementLine(4, CCER, D(50), (SerialRange("K", 1, 50),)),
    ]
    result = reconcile(_ledger().holdings(1), statement)
    assert result.reconciled and result.matched_lots == 3
    result = reconcile(
        _ledger().holdings(1), [*statement, StatementLine(5, CCER, D(5), (SerialRange("K", 46, 50),))]
    )
    kinds = [d.kind for d in result.differences]
    assert "statement_overlap" in kinds and "quantity" in kinds


def _upload(
    client: TestClient, world: World, content: bytes, filename: str, role: str = "enterprise_admin"
) -> Any:
    ent = world.a.enterprise_ids[0]
    return client.post(
        f"/api/v1/enterprises/{ent}/assets/reconciliation",
        json={"filename": filename, "content_base64": base64.b64encode(content).decode(), "at": "2025-06-30"},
        headers=bearer(world.token("a", role)),
    )


def _record(client: TestClient, world: World) -> None:
    ent = world.a.enterprise_ids[0]
    for body in (
        {"kind": "free_allocation", "value_date": "2025-01-10", "quantity": 8000, "instrument": "cea",
         "vintage": 2024},
        {"kind": "free_allocation", "value_date": "2025-01-10", "quantity": 100, "instrument": "gec",
         "project": "P-WIND-01", "technology": "wind", "production_month": "2024-03", "tradable": True,
         "serials": [{"block": "B", "start": 1, "end": 100}]},
    ):  # fmt: skip
        r = client.post(
            f"/api/v1/enterprises/{ent}/assets/transactions",
            json=body,
            headers=bearer(world.token("a", "enterprise_admin")),
        )
        assert r.status_code == 201, r.text


def test_csv_statement_with_chinese_headers(client: TestClient, world: World) -> None:
    _record(client, world)
    csv = (
        "品种,年度,项目,技术类型,生产年月,可交易,数量,序列号段,起始序号,截止序号\n"
        "配额,2024,,,,,7990,,,\n"
        "绿证,,P-WIND-01,wind,2024-03,是,100,B,1,100\n"
        "碳汇,,,,,,5,,,\n"  # not an instrument: rejected, the rest compared
        "绿证,,P-WIND-01,wind,2024-03,是,3,B,1,2\n"  # quantity ≠ serial count: rejected
    ).encode("gb18030")  # as Excel saves it on Chinese Windows
    r = _upload(client, world, csv, "statement.csv")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["lines_read"], body["lines_accepted"]) == (4, 2)
    assert [(x["line"], x["field"], x["code"]) for x in body["rejected"]] == [
        (4, "instrument", "input.choice"),
        (5, "quantity", "assets.invalid_transaction"),
    ]
    assert [(d["kind"], d["ledger_quantity"], d["statement_quantity"]) for d in body["differences"]] == [
        ("quantity", 8000, 7990)
    ]
    assert body["matched_lots"] == 1 and body["reconciled"] is False


def test_xlsx_statement_reconciles(client: TestClient, world: World) -> None:
    _record(client, world)
    wb = sheets.new_workbook()
    ws = wb.create_sheet("持仓")
    for row in (
        ["instrument", "vintage", "project", "technology", "production_month", "tradable", "quantity",
         "serial_block", "serial_start", "serial_end"],
        ["cea", 2024, None, None, None, None, 8000, None, None, None],
        ["gec", None, "P-WIND-01", "wind", "2024-03", "yes", 100, "B", 1, 100],
    ):  # fmt: skip
        sheets.append_row(ws, row)
    r = _upload(client, world, sheets.workbook_bytes(wb), "statement.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["reconciled"] is True and r.json()["matched_lots"] == 2


def test_statement_refusals_and_access(client: TestClient, world: World) -> None:
    r = _upload(client, world, b"a,b\n1,2\n", "x.csv")
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"instrument", "quantity"}
    r = _upload(client, world, b"instrument,quantity\ncea,1\n", "x.csv", role="park_admin")
    assert r.status_code == 403
