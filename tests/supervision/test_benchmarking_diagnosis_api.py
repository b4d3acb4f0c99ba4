"""Benchmarking and diagnosis through the API on SQLite and PostgreSQL: hand-computed figures from
readings written for the test (rolled back), who sees what, problem+json errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from parkcarbon.ingest.parse import RawBatch
from parkcarbon.ingest.pipeline import Actor
from parkcarbon.services.enterprise import profile
from parkcarbon.services.enterprise.schemas import ProductCreate
from parkcarbon.services.intake.readings import MeterScope, ingest_raw
from parkcarbon.services.intake.unmetered_activity import ActivityRecordCreate, create_record
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import grants, meters
from parkcarbon.services.registry.schemas import GrantCreate, MeterCreate
from parkcarbon.services.supervision import targets
from parkcarbon.services.supervision.schemas import ProductOutputRecord
from parkcarbon.store.db import Database
from parkcarbon.vocab import GrantScope
from tests.conftest import World, bearer

TZ = ZoneInfo("Asia/Shanghai")
#: Four weeks without public holidays or 调休: Monday 2 March to Monday 30 March 2026 (local).
START = datetime(2026, 3, 2, tzinfo=TZ)
END = START + timedelta(days=28)
NOW = int(datetime(2026, 4, 2, tzinfo=UTC).timestamp())
API = "/api/v1"
# GB/T 2589-2020 Table A.2, electricity equivalent value 0.1229 kgce/kWh (standards-facts 1.20)
TCE_PER_KWH = 0.1229e-3


def _meter(db: Database, park_id: int, ent: int, code: str, **kw: Any) -> int:
    data = {"park_id": park_id, "code": code, "name": kw.pop("name", code), "carrier": "electricity",
            "unit": "kWh", "enterprise_id": ent, "kind": "interval", **kw}  # fmt: skip
    return meters.create_meter(db, SYSTEM, MeterCreate(**data)).id


def _load(db: Database, park_id: int, meter_id: int, kw_of: Any) -> None:
    """15-minute interval readings over the window; ``kw_of(local start of the interval)`` in kW."""
    ts, val = [], []
    t = START
    while t < END:
        t_end = t + timedelta(minutes=15)
        ts.append(t_end.isoformat())
        val.append(kw_of(t) / 4.0)
        t = t_end
    n = len(ts)
    batch = RawBatch(meter_code=[None] * n, meter_id=[meter_id] * n, ts=ts, value=val, unit=[None] * n,
                     kind=[None] * n, flags=[None] * n)  # fmt: skip
    ingest_raw(
        db, batch, scope=MeterScope(park_id=park_id), actor=Actor(label="test"), source="test", now=NOW
    )


def _working(t: datetime) -> bool:
    return t.weekday() < 5 and 8 <= t.hour < 18


@pytest.fixture
def planted(db: Database, world: World) -> dict[str, int]:
    """Enterprise 2 of park A: 400 kW in working hours, 300 kW otherwise (base load), a compressor sub-meter
    at 50 kW around the clock, a kvarh register with Q = 0.75 P (PF 0.8). Enterprise 3: a flat 100 kW."""
    a = world.a
    e2, e3 = a.enterprise_ids[1], a.enterprise_ids[2]
    main = _meter(db, a.park_id, e2, "DX-MAIN", purpose="main")
    comp = _meter(db, a.park_id, e2, "DX-COMP", name="空压站", purpose="sub", parent_id=main)
    q = _meter(db, a.park_id, e2, "DX-Q", unit="kvarh", purpose="other", parent_id=main)
    flat = _meter(db, a.park_id, e3, "DX-FLAT", purpose="main")
    _load(db, a.park_id, main, lambda t: 400.0 if _working(t) else 300.0)
    _load(db, a.park_id, comp, lambda t: 50.0)
    _load(db, a.park_id, q, lambda t: 0.75 * (400.0 if _working(t) else 300.0))
    _load(db, a.park_id, flat, lambda t: 100.0)
    return {"e2": e2, "e3": e3}


def test_diagnosis_finds_the_planted_base_load(
    client: TestClient, world: World, planted: dict[str, int]
) -> None:
    r = client.get(f"{API}/parks/{world.a.park_id}/diagnosis", params={"end": END.isoformat(), "days": 28},
                   headers=bearer(world.token("a", "park_analyst")))  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tariff_document"] == "苏发改价格发〔2025〕426号"
    assert body["coefficients"]["tce_per_kwh"] == pytest.approx(TCE_PER_KWH)
    ents = {e["enterprise_id"]: e for e in body["enterprises"]}
    e2 = ents[planted["e2"]]
    assert e2["observed_hours"] == 28 * 24
    rules = {f["rule"]: f for f in e2["findings"]}
    assert {"base_load", "power_factor", "idle_equipment"} <= set(rules)
    base = rules["base_load"]
    assert base["evidence"]["night_ratio"] == pytest.approx(0.75)
    # idle hours: 20 working nights × 6 h + 8 days off × 24 h = 312 h, each 300 - 0.35 × 400 = 160 kWh
    annual = 312 * 160.0 * 8760 / 672
    assert base["saving"]["kwh"] == pytest.approx(annual)
    assert base["saving"]["tce"] == pytest.approx(annual * TCE_PER_KWH)
    assert base["saving"]["tco2e"] == pytest.approx(annual * body["coefficients"]["tco2e_per_kwh"])
    assert base["saving"]["cny"] > 0
    assert rules["power_factor"]["evidence"]["power_factor"] == pytest.approx(0.8)
    # sub-meter evidence needs the enterprise's meter_data grant: the park sees the finding and its saving
    idle = rules["idle_equipment"]
    assert idle["subject"] == "sub_meter" and idle["service_kind"] == "compressed_air"
    assert idle["saving"]["kwh"] > 0 and "meter_data" in idle["evidence_withheld"]
    assert "DX-COMP" not in str(idle) and "空压站" not in str(idle)
    assert "DX-MAIN" in e2["meters"] and "DX-COMP" not in e2["meters"]
    # the flat enterprise runs continuously: no base-load finding
    assert all(f["rule"] != "base_load" for f in ents[planted["e3"]]["findings"])


def test_enterprise_sees_only_its_own_diagnosis(
    client: TestClient, world: World, planted: dict[str, int]
) -> None:
    token = world.token("a", "enterprise_member")
    r = client.get(f"{API}/parks/{world.a.park_id}/diagnosis", params={"end": END.isoformat()},
                   headers=bearer(token))  # fmt: skip
    assert r.status_code == 200, r.text
    assert {e["enterprise_id"] for e in r.json()["enterprises"]} <= {world.a.enterprise_ids[0]}
    params = {"end": END.isoformat(), "enterprise_id": planted["e2"]}
    r = client.get(f"{API}/parks/{world.a.park_id}/diagnosis", params=params, headers=bearer(token))
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.get(f"{API}/parks/{world.a.park_id}/diagnosis", params={"end": "2026-03-30T00:00:00"},
                   headers=bearer(world.token("a", "park_admin")))  # fmt: skip
    assert r.status_code == 422


def test_benchmarking_grades_and_ranks(
    client: TestClient, db: Database, world: World, planted: dict[str, int]
) -> None:
    admin = bearer(world.token("a", "park_admin"))
    ids = {}
    for key, out in (("e2", 900.0), ("e3", 400.0)):
        prod = profile.create_product(db, SYSTEM, planted[key], ProductCreate(name=f"啤酒 {key}", unit="kL"))
        targets.record_product_output(
            db,
            SYSTEM,
            planted[key],
            ProductOutputRecord(product_id=prod.id, year=2026, month=3, quantity=out),
        )
        r = client.put(f"{API}/enterprises/{planted[key]}/products/{prod.id}/benchmark",
                       json={"quota_key": "gb32047-2025.beer"}, headers=admin)  # fmt: skip
        assert r.status_code == 200, r.text
        ids[key] = prod.id
    r = client.get(f"{API}/parks/{world.a.park_id}/benchmarking", params={"year": 2026}, headers=admin)
    assert r.status_code == 200, r.text
    rows = {row["product_id"]: row for row in r.json()["rows"]}
    # e2: 20 working days × (10 h × 400 + 14 h × 300) + 8 days off × 24 h × 300 = 221 600 kWh over 900 kL
    e2 = rows[ids["e2"]]
    assert e2["unit_energy_kgce"] == pytest.approx(1000 * 221_600 * TCE_PER_KWH / 900)
    assert e2["quota"]["grade"] == 2  # 30.26 kgce/kL: ≤ 35 (GB 32047-2025 grade 2), > 26
    # e3: 672 h × 100 kW = 67 200 kWh over 400 kL = 20.65 kgce/kL: grade 1, best of the group
    e3 = rows[ids["e3"]]
    assert e3["unit_energy_kgce"] == pytest.approx(1000 * 67_200 * TCE_PER_KWH / 400)
    assert (e3["quota"]["grade"], e3["rank"], e2["rank"], e2["peers"]) == (1, 1, 2, 2)
    # unknown quota: a field-level problem
    r = client.put(f"{API}/enterprises/{planted['e2']}/products/{ids['e2']}/benchmark",
                   json={"quota_key": "no-such-quota"}, headers=admin)  # fmt: skip
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    # a member of another enterprise sees no rows of these two
    r = client.get(f"{API}/parks/{world.a.park_id}/benchmarking", params={"year": 2026},
                   headers=bearer(world.token("a", "enterprise_member")))  # fmt: skip
    assert r.status_code == 200
    assert all(row["enterprise_id"] == world.a.enterprise_ids[0] for row in r.json()["rows"])


def test_reference_catalogues(client: TestClient, world: World) -> None:
    token = bearer(world.token("a", "provider"))
    q = client.get(f"{API}/energy-quotas", headers=token).json()
    assert any(row["quota_key"] == "gb32047-2025.beer" and row["level_3"] == 60 for row in q["data"])
    t = client.get(f"{API}/tou-tariffs", params={"on": "2026-07-01"}, headers=token).json()
    js = next(row for row in t["data"] if row["region"] == "CN-JS")
    assert js["grid"][6][14:22] == ["peak"] * 8


def test_benchmarking_keeps_fuel_energy_without_an_emission_factor(
    client: TestClient, db: Database, world: World, planted: dict[str, int]
) -> None:
    # The park's profile names no guideline: for 2026 GB/T 32150-2025 applies, whose fuel table is not
    # in the library, so diesel has no default emission factor — its tce (GB/T 2589-2020 Annex A,
    # diesel 1.4571 kgce/kg, standards-facts 1.11) still counts in the unit-product energy.
    admin = bearer(world.token("a", "park_admin"))
    ent = planted["e3"]
    prod = profile.create_product(db, SYSTEM, ent, ProductCreate(name="啤酒 diesel", unit="kL"))
    targets.record_product_output(
        db, SYSTEM, ent, ProductOutputRecord(product_id=prod.id, year=2026, month=3, quantity=400.0)
    )
    record = ActivityRecordCreate(
        carrier="diesel", quantity=2.0, unit="t", use="combustion",
        period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), document_ref="FP-2026-03",
    )  # fmt: skip
    create_record(db, SYSTEM, ent, record, today=date(2026, 4, 2))
    r = client.get(f"{API}/parks/{world.a.park_id}/benchmarking", params={"year": 2026}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    (row,) = [row for row in body["rows"] if row["product_id"] == prod.id]
    # 67 200 kWh × 0.1229 kgce/kWh + 2 000 kg × 1.4571 kgce/kg over 400 kL
    assert row["unit_energy_kgce"] == pytest.approx((67_200 * 0.1229 + 2_000 * 1.4571) / 400, rel=1e-12)
    assert body["accounting_profile"]["source"] == "park"


def test_sub_meter_evidence_follows_the_meter_data_grant(
    client: TestClient, world: World, planted: dict[str, int], db: Database
) -> None:
    params = {"end": END.isoformat(), "days": 28, "enterprise_id": planted["e2"]}
    analyst = bearer(world.token("a", "park_analyst"))

    def idle() -> dict[str, Any]:
        r = client.get(f"{API}/parks/{world.a.park_id}/diagnosis", params=params, headers=analyst)
        assert r.status_code == 200, r.text
        (e2,) = r.json()["enterprises"]
        return next(f for f in e2["findings"] if f["rule"] == "idle_equipment")

    withheld = idle()
    assert withheld["subject"] == "sub_meter" and withheld["evidence_withheld"]
    assert "meter" not in withheld["evidence"] and "working_hours_mean_kw" not in withheld["evidence"]
    grant = grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(
            enterprise_id=planted["e2"],
            grantee_organisation_id=world.a.operator_id,
            scope=GrantScope.METER_DATA,
        ),
    )
    shown = idle()
    assert shown["subject"] == "DX-COMP" and shown["evidence_withheld"] is None
    assert shown["evidence"]["meter"] == "DX-COMP" and shown["evidence"]["working_hours_mean_kw"] > 0
    assert shown["saving"] == withheld["saving"]  # the same finding, only the evidence differs
    grants.revoke_grant(db, SYSTEM, grant.id)
    assert idle()["evidence_withheld"]
