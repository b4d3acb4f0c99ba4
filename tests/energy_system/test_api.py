"""Energy API: the balance and plans through HTTP, and who may read or plan what (tenancy)."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from parkcarbon.store.db import Database
from parkcarbon.store.models import Meter, MeterDay
from tests.conftest import World, bearer

API = "/api/v1"
KGCE_PER_KWH = 0.1229e-3  # tce/kWh, GB/T 2589-2020 Annex A (equivalent value)
PERIOD = "start=2026-07-01&end=2026-07-02"


@pytest.fixture
def metered(db: Database, world: World) -> dict[str, int]:
    """Enterprise 0 (meter data granted to the park operator): main 1 000 kWh, sub-meter 600 kWh.
    Enterprise 1 (no grant): main 2 000 kWh, sub-meter 1 500 kWh. One day, 2026-07-01 (Asia/Shanghai)."""
    a = world.a
    day = int(datetime(2026, 7, 1, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())
    with db.transaction() as s:
        m0, m1 = a.meter_ids[0], a.meter_ids[1]
        s0 = Meter(park_id=a.park_id, enterprise_id=a.enterprise_ids[0], parent_id=m0, code="E01-EL-S0",
                   name="空压站", carrier="electricity", unit="kWh", purpose="process")  # fmt: skip
        s1 = Meter(park_id=a.park_id, enterprise_id=a.enterprise_ids[1], parent_id=m1, code="E02-EL-S1",
                   name="秘密工艺线", carrier="electricity", unit="kWh", purpose="process")  # fmt: skip
        s.add_all([s0, s1])
        s.flush()
        for mid, q in ((m0, 1000.0), (s0.id, 600.0), (m1, 2000.0), (s1.id, 1500.0)):
            s.add(MeterDay(meter_id=mid, day=day, park_id=a.park_id, consumption=q))
        return {"m0": m0, "m1": m1, "s0": s0.id, "s1": s1.id}


def test_enterprise_balance_by_hand(client: TestClient, world: World, metered: dict[str, int]) -> None:
    e0 = world.a.enterprise_ids[0]
    r = client.get(
        f"{API}/enterprises/{e0}/energy/balance?{PERIOD}",
        headers=bearer(world.token("a", "enterprise_member")),
    )
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["supply"] == pytest.approx(1000 * KGCE_PER_KWH, rel=1e-9)
    assert b["metered_use"] == pytest.approx(600 * KGCE_PER_KWH, rel=1e-9)
    assert b["metered_share"] == pytest.approx(0.6, rel=1e-9)
    assert b["closes"]
    r = client.get(
        f"{API}/enterprises/{e0}/energy/balance?{PERIOD}&unit=GJ",
        headers=bearer(world.token("a", "enterprise_member")),
    )
    assert r.json()["supply"] == pytest.approx(1000 * KGCE_PER_KWH * 29.3076, rel=1e-9)


def test_park_sees_an_enterprise_without_grant_only_as_totals(
    client: TestClient, world: World, metered: dict[str, int]
) -> None:
    e0, e1 = world.a.enterprise_ids[0], world.a.enterprise_ids[1]
    r = client.get(
        f"{API}/parks/{world.a.park_id}/energy/balance?{PERIOD}",
        headers=bearer(world.token("a", "park_admin")),
    )
    assert r.status_code == 200, r.text
    b = r.json()
    nodes = {ln["node"] for ln in b["lines"]}
    names = {ln["name"] for ln in b["lines"]} | {n["label_zh"] for n in b["sankey_nodes"]}
    assert f"meter:{metered['s0']}" in nodes  # granted: the sub-meter is shown
    assert f"meter:{metered['s1']}" not in nodes and "秘密工艺线" not in names  # not granted: hidden
    assert e1 in b["enterprises_as_totals"] and e0 not in b["enterprises_as_totals"]
    n_enterprises = len(world.a.enterprise_ids)
    assert b["supply"] == pytest.approx(3000 * KGCE_PER_KWH, rel=1e-9)
    # e0: 600 kWh at its sub-meter; e1: its 2 000 kWh total as one use node; the rest have no readings
    assert b["metered_use"] == pytest.approx(2600 * KGCE_PER_KWH, rel=1e-9)
    assert n_enterprises >= 2
    # the regulator belongs to no grantee: both enterprises as totals
    r = client.get(
        f"{API}/parks/{world.a.park_id}/energy/balance?{PERIOD}",
        headers=bearer(world.token("a", "regulator")),
    )
    assert r.status_code == 200
    assert {e0, e1} <= set(r.json()["enterprises_as_totals"])
    assert f"meter:{metered['s0']}" not in {ln["node"] for ln in r.json()["lines"]}


def test_area_balance_takes_sub_meters_with_their_parent(
    client: TestClient, world: World, metered: dict[str, int]
) -> None:
    # the seeded main meters alternate between the two areas: e0's in the first, e1's in the second; the
    # sub-meters have no area of their own and belong where their parent is
    area = world.a.area_ids[0]
    r = client.get(f"{API}/parks/{world.a.park_id}/energy/balance?{PERIOD}&area_id={area}",
                   headers=bearer(world.token("a", "park_admin")))  # fmt: skip
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["supply"] == pytest.approx(1000 * KGCE_PER_KWH, rel=1e-9)
    assert b["metered_use"] == pytest.approx(600 * KGCE_PER_KWH, rel=1e-9)
    r = client.get(f"{API}/parks/{world.a.park_id}/energy/balance?{PERIOD}&area_id=999999",
                   headers=bearer(world.token("a", "park_admin")))  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "area_id"


@pytest.mark.parametrize(
    ("park", "role", "path", "status"),
    [
        ("b", "park_admin", "parks/{park}/energy/balance", 404),  # another park: not revealed
        ("a", "provider", "parks/{park}/energy/balance", 403),
        ("a", "enterprise_admin", "parks/{park}/energy/balance", 403),
        ("a", "park_admin", "enterprises/{e1}/energy/balance", 403),  # no meter_data grant from e1
        ("a", "financier", "enterprises/{e0}/energy/balance", 403),
        ("b", "enterprise_admin", "enterprises/{e0}/energy/balance", 404),
    ],
)
def test_balance_permissions(
    client: TestClient, world: World, metered: dict[str, int], park: str, role: str, path: str, status: int
) -> None:
    p = path.format(park=world.a.park_id, e0=world.a.enterprise_ids[0], e1=world.a.enterprise_ids[1])
    r = client.get(f"{API}/{p}?{PERIOD}", headers=bearer(world.token(park, role)))
    assert r.status_code == status, r.text


def test_balance_period_must_be_forward(client: TestClient, world: World) -> None:
    e0 = world.a.enterprise_ids[0]
    r = client.get(f"{API}/enterprises/{e0}/energy/balance?start=2026-07-02&end=2026-07-01",
                   headers=bearer(world.token("a", "enterprise_member")))  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end"


def _request(**over: object) -> dict[str, object]:
    load = [120.0 + (180.0 if 32 <= t < 72 else 0.0) for t in range(96)]
    pv = [max(0.0, math.sin((t - 24) / 48 * math.pi)) for t in range(96)]
    body: dict[str, object] = {
        "day": "2026-07-15",
        "load_kw": load,
        "basic_charge": {"basis": "demand", "price_cny_per_kw_month": 40.0, "month_peak_so_far_kw": 250.0},
        "pv": [{"id": "roof", "profile_kw": pv, "kwp": 200.0}],
        "batteries": [{"id": "bess", "energy_kwh": 400.0, "power_kw": 200.0}],
        "ev_sessions": [
            {"id": "car1", "arrival_step": 34, "departure_step": 70, "energy_kwh": 30.0, "max_power_kw": 7.0}
        ],
        "export_limit_kw": 0.0,
    }
    body.update(over)
    return body


def test_enterprise_plan_saves_against_the_counterfactual(client: TestClient, world: World) -> None:
    e0 = world.a.enterprise_ids[0]
    r = client.post(f"{API}/enterprises/{e0}/energy/dispatch", json=_request(),
                    headers=bearer(world.token("a", "enterprise_member")))  # fmt: skip
    assert r.status_code == 200, r.text
    plan = r.json()
    assert len(plan["import_kw"]) == 96
    assert plan["savings_cny"] > 0
    assert plan["savings_cny"] == pytest.approx(
        plan["counterfactual"]["bill"]["total_cny"] - plan["bill"]["total_cny"]
    )
    assert plan["tariff_document"] == "苏发改价格发〔2025〕426号"
    assert max(plan["export_kw"]) <= 1e-6  # 防逆流
    assert "saving" in plan["explanation"]


@pytest.mark.parametrize(
    ("park", "role", "target", "status"),
    [
        ("a", "park_admin", "enterprise", 403),  # ownership is not administration
        ("a", "provider", "enterprise", 403),
        ("b", "enterprise_admin", "enterprise", 404),
        ("a", "enterprise_admin", "park", 403),
        ("b", "park_admin", "park", 404),
    ],
)
def test_plan_permissions(
    client: TestClient, world: World, park: str, role: str, target: str, status: int
) -> None:
    url = (f"{API}/enterprises/{world.a.enterprise_ids[0]}/energy/dispatch" if target == "enterprise"
           else f"{API}/parks/{world.a.park_id}/energy/dispatch")  # fmt: skip
    r = client.post(url, json=_request(), headers=bearer(world.token(park, role)))
    assert r.status_code == status, r.text


def test_bad_plans_are_refused_with_energy_codes(client: TestClient, world: World) -> None:
    e0 = world.a.enterprise_ids[0]
    h = bearer(world.token("a", "enterprise_admin"))
    too_much = [
        {"id": "car1", "arrival_step": 0, "departure_step": 4, "energy_kwh": 100.0, "max_power_kw": 7.0}
    ]
    r = client.post(f"{API}/enterprises/{e0}/energy/dispatch", json=_request(ev_sessions=too_much), headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "energy.infeasible"
    assert r.json()["errors"][0]["field"] == "ev.car1.energy_kwh"
    r = client.post(f"{API}/enterprises/{e0}/energy/dispatch", json=_request(load_kw=[1.0] * 95), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("load_kw")
    # park B is in Zhejiang: periods held, prices not (an explicit gap) and none supplied
    eb = world.b.enterprise_ids[0]
    r = client.post(f"{API}/enterprises/{eb}/energy/dispatch", json=_request(),
                    headers=bearer(world.token("b", "enterprise_admin")))  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "energy.tariff_missing"


def test_park_plan_for_shared_assets(client: TestClient, world: World) -> None:
    r = client.post(f"{API}/parks/{world.a.park_id}/energy/dispatch", json=_request(ev_sessions=[]),
                    headers=bearer(world.token("a", "park_admin")))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["enterprise_id"] is None


def test_tariff_coverage_lists_every_province(client: TestClient, world: World) -> None:
    r = client.get(
        f"{API}/energy/tariff-coverage?on=2026-07-15", headers=bearer(world.token("a", "regulator"))
    )
    assert r.status_code == 200
    rows = {c["region"]: c for c in r.json()}
    assert len(rows) == 31 and rows["CN-JS"]["tou_prices"] and not rows["CN-BJ"]["tou_periods"]
    assert client.get(f"{API}/energy/tariff-coverage?on=2026-07-15").status_code == 401
