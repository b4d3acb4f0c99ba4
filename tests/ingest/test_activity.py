"""Unmetered activity data: spreadsheet (CSV/XLSX) and bill upload with a per-row validation report."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from tests.conftest import World, bearer


def url(world: World, park: str = "a", suffix: str = "") -> str:
    seeded = world.a if park == "a" else world.b
    return f"/api/v1/enterprises/{seeded.enterprise_ids[0]}/activity-data{suffix}"


def upload(
    client: TestClient, world: World, data: bytes, ctype: str, role: str = "enterprise_admin", **params: str
):  # type: ignore[no-untyped-def]
    return client.post(
        url(world, suffix="/upload"),
        content=data,
        params=params,
        headers={**bearer(world.token("a", role)), "Content-Type": ctype},
    )


CSV = (
    "carrier,quantity,unit,period_start,period_end,use,ncv,ncv_unit,carbon_content,oxidation_rate,document_ref\n"
    "diesel,12.5,t,2026-01-01,2026-01-31,combustion,,,,,FP-1\n"
    "bituminous_coal,850,t,2026-01-01,2026-01-31,combustion,21.35,GJ/t,26.37,0.98,JS-1\n"
    "unobtainium,1,t,2026-01-01,2026-01-31,,,,,,X-1\n"
    "diesel,-3,t,2026-02-01,2026-02-28,,,,,,FP-2\n"
    "diesel,3,kWh/h,2026-02-01,2026-02-28,,,,,,FP-3\n"
    "bituminous_coal,10,t,2026-03-01,2026-02-01,,21,,,98,JS-2\n"
    "diesel,abc,t,2099-01-01,2099-01-31,,,,,,FP-4\n"
)


def test_csv_upload_reports_every_row(client: TestClient, world: World) -> None:
    r = upload(client, world, CSV.encode(), "text/csv", filename="fuel-2026.csv")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["stored"]) == (7, 2)
    by_row: dict[int, set[str]] = {}
    for p in body["rejected"]:
        by_row.setdefault(p["row"], set()).add(p["field"])
    assert by_row == {
        4: {"carrier"},
        5: {"quantity"},
        6: {"unit"},
        7: {"period_end", "ncv_unit", "oxidation_rate"},
        8: {"quantity", "period_end"},
    }
    listing = client.get(url(world), headers=bearer(world.token("a", "park_admin"))).json()
    coal = next(x for x in listing["data"] if x["carrier"] == "bituminous_coal")
    assert (coal["ncv"], coal["ncv_unit"], coal["carbon_content"], coal["source_row"]) == (
        21.35,
        "GJ/t",
        26.37,
        3,
    )
    # uploading the same file again stores nothing twice
    assert listing["count"] == 2
    again = upload(client, world, CSV.encode(), "text/csv")
    assert again.status_code == 422  # every row is now either invalid or already recorded
    dups = [e for e in again.json()["errors"] if e["field"] == "document_ref"]
    assert [e["row"] for e in dups] == [2, 3] and "already recorded" in dups[0]["reason"]


def test_template_round_trip_xlsx_and_csv(client: TestClient, world: World) -> None:
    for fmt, ctype in (("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                       ("csv", "text/csv")):  # fmt: skip
        t = client.get(url(world, suffix="/template"), params={"format": fmt},
                       headers=bearer(world.token("a", "enterprise_admin")))  # fmt: skip
        assert t.status_code == 200, t.text
        r = upload(client, world, t.content, ctype, dry_run="true")
        assert r.status_code == 200, r.text
        assert (r.json()["rows"], r.json()["stored"], r.json()["rejected"]) == (3, 0, [])
    xlsx = client.get(
        url(world, suffix="/template"),
        params={"format": "xlsx"},
        headers=bearer(world.token("a", "enterprise_admin")),
    ).content
    sheet_names = load_workbook(io.BytesIO(xlsx)).sheetnames
    assert sheet_names == ["activity_data", "说明 instructions"]


def test_xlsx_upload_with_chinese_headers(client: TestClient, world: World) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(
        ["能源品种", "数量", "单位", "开始日期", "结束日期", "用途", "供应商排放因子", "因子单位", "单据号"]
    )
    ws.append(["heat", 420.0, "GJ", "2026-01-01", "2026-01-31", "purchased", 0.11, "tCO2/GJ", "RL-01"])
    ws.append(["steam", 130.0, "t", "2026-02-01", "2026-02-28", "purchased", None, None, "RL-02"])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(
        client, world, buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 2


def test_all_rows_refused_is_422_with_the_report(client: TestClient, world: World) -> None:
    sheet = b"carrier,quantity,unit,period_start,period_end\nnope,1,t,2026-01-01,2026-01-31\n"
    r = upload(client, world, sheet, "text/csv")
    assert r.status_code == 422
    assert r.json()["errors"][0]["row"] == 2


def test_bad_files(client: TestClient, world: World) -> None:
    assert upload(client, world, b"carrier,quantity\ndiesel,1\n", "text/csv").status_code == 400
    assert upload(client, world, b"PK\x03\x04not really a zip", "application/octet-stream").status_code == 400
    assert upload(client, world, b"{}", "application/json").status_code == 415


def test_who_may_record(client: TestClient, world: World) -> None:
    sheet = b"carrier,quantity,unit,period_start,period_end\ndiesel,1,t,2026-01-01,2026-01-31\n"
    assert upload(client, world, sheet, "text/csv", role="enterprise_member").status_code == 403
    assert upload(client, world, sheet, "text/csv", role="park_analyst").status_code == 403
    headers = {**bearer(world.token("a", "park_admin")), "Content-Type": "text/csv"}
    foreign = client.post(url(world, "b", "/upload"), content=sheet, headers=headers)
    assert foreign.status_code == 404
    one = client.post(
        url(world),
        json={
            "carrier": "lpg",
            "quantity": 2.0,
            "unit": "t",
            "period_start": "2026-04-01",
            "period_end": "2026-04-30",
        },
        headers=bearer(world.token("a", "park_admin")),
    )
    assert one.status_code == 201, one.text
    assert one.json()["created_by"].startswith("park.admin@")


def test_costs_are_for_the_enterprise_and_costs_grantees_only(client: TestClient, world: World) -> None:
    """Issue 12 §4: cost_cny and supplier are the enterprise's commercial data; park staff see quantities."""
    canary = 987654.32
    created = client.post(
        url(world),
        json={
            "carrier": "lpg", "quantity": 3.0, "unit": "t", "period_start": "2026-05-01",
            "period_end": "2026-05-31", "cost_cny": canary, "supplier": "CANARY-SUPPLIER",
        },
        headers=bearer(world.token("a", "enterprise_admin")),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["cost_cny"] == canary
    for role in ("park_admin", "park_analyst"):
        r = client.get(url(world), headers=bearer(world.token("a", role)))
        assert r.status_code == 200, r.text
        assert str(canary) not in r.text and "CANARY-SUPPLIER" not in r.text, role
        assert any(x["quantity"] == 3.0 and x["cost_cny"] is None for x in r.json()["data"])
    own = client.get(url(world), headers=bearer(world.token("a", "enterprise_member"))).json()
    assert any(x["cost_cny"] == canary and x["supplier"] == "CANARY-SUPPLIER" for x in own["data"])
