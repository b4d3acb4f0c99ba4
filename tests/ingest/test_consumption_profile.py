"""The park consumption endpoint answers with the park's accounting profile (issue 13 §4): the Jiangsu
provincial grid factor, natural gas with its GB/T 2589-2020 coefficient, electricity per flow, and a
reason wherever a figure is null.

Reference values (tests/reference and /work/shared/reference/standards-facts.md):

* Jiangsu grid 2023: 0.5827 kgCO2/kWh — MEE & NBS announcement 2025 No. 47 (2023 provincial factors),
  standards-facts row 3.11; the latest published year, so it serves 2026 readings too.
* Gas-field natural gas: 1.2143 kgce/m3 — GB/T 2589-2020 Annex A (气田天然气, 35 544 kJ/m3), row 1.15.
* Natural gas CO2: 389.31 GJ/10^4 Nm3 × 15.3 tC/TJ × 99 % × 44/12 = 21.621888 tCO2/10^4 Nm3 —
  GB/T 32151.22-2024 Table C.1, rows 2.5/2.6 (the derived value matched an independent seed to 1e-6).
* Electricity, equivalent value: 0.1229 kgce/kWh — GB/T 2589-2020 Table A.2, row 1.20.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from parkcarbon.demo.generator import ACCOUNTING_PROFILE
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.supervision import monitoring
from parkcarbon.store.db import Database
from parkcarbon.store.models import Park
from tests.conftest import World, bearer
from tests.ingest.conftest import T0, MakeMeter
from tests.ingest.test_quality_and_queries import DAY, send, series

JIANGSU_2023_T_PER_KWH = 0.5827e-3
GAS_FIELD_TCE_PER_M3 = 1.2143e-3
NG_TCO2_PER_NM3 = 21.621888 / 1e4
ELECTRICITY_TCE_PER_KWH = 0.1229e-3


def _profile(db: Database, world: World, options: dict[str, Any]) -> None:
    with db.transaction() as s:
        park = s.get(Park, world.a.park_id)
        assert park is not None
        park.accounting_options = dict(options)


def _by_carrier(client: TestClient, world: World) -> dict[str, Any]:
    r = client.get(
        f"/api/v1/parks/{world.a.park_id}/consumption",
        params={"grain": "day", **DAY, "group_by": ["carrier"]},
        headers=bearer(world.token("a", "park_analyst")),
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_jiangsu_park_uses_its_provincial_grid_factor_and_says_so(
    client: TestClient, db: Database, world: World, make_meter: MakeMeter
) -> None:
    _profile(db, world, ACCOUNTING_PROFILE)  # the demo park's profile: provincial_average
    m = make_meter()
    send(client, world, series(m.code, list(range(5))))  # 10 kWh on 2026-11-20
    body = _by_carrier(client, world)
    (row,) = [d for d in body["data"] if d["carrier"] == "electricity"]
    assert row["quantity"] == pytest.approx(10.0)
    # 10 kWh × 0.5827 kgCO2/kWh (MEE/NBS 2025 No. 47, Jiangsu 2023), not the national 0.5306
    assert row["tco2e"] == pytest.approx(10.0 * JIANGSU_2023_T_PER_KWH, rel=1e-12)
    assert row["tce"] == pytest.approx(10.0 * ELECTRICITY_TCE_PER_KWH, rel=1e-12)
    profile = body["accounting_profile"]
    assert profile["source"] == "park"
    assert profile["electricity_factor"] == "provincial_average"
    assert profile["guideline"] == "GB/T 32151.22-2024"


def test_natural_gas_has_its_gbt2589_tce(
    client: TestClient, db: Database, world: World, make_meter: MakeMeter
) -> None:
    _profile(db, world, ACCOUNTING_PROFILE)
    gas = make_meter(carrier="natural_gas", unit="Nm3")
    send(client, world, series(gas.code, list(range(5))))  # 10 Nm3
    (row,) = [d for d in _by_carrier(client, world)["data"] if d["carrier"] == "natural_gas"]
    assert row["quantity"] == pytest.approx(10.0)
    # 1e-12: float rounding only
    assert row["tce"] == pytest.approx(10.0 * GAS_FIELD_TCE_PER_M3, rel=1e-12)
    # 1e-6: the derived per-Nm3 factor is published to 6 decimals
    assert row["tco2e"] == pytest.approx(10.0 * NG_TCO2_PER_NM3, rel=1e-6)
    assert row["missing"] == []


def test_tce_without_an_emission_factor_is_kept(
    client: TestClient, db: Database, world: World, make_meter: MakeMeter
) -> None:
    # no guideline: GB/T 32150-2025 (reporting year 2026) has no transcribed fuel table, so the
    # emissions of gas have no default factor — the energy side is still answered
    _profile(db, world, {})
    gas = make_meter(carrier="natural_gas", unit="Nm3")
    send(client, world, series(gas.code, list(range(5))))
    (row,) = [d for d in _by_carrier(client, world)["data"] if d["carrier"] == "natural_gas"]
    assert row["tce"] == pytest.approx(10.0 * GAS_FIELD_TCE_PER_M3, rel=1e-12)
    assert row["tco2e"] is None
    (why,) = row["missing"]
    assert (why["carrier"], why["figure"], why["code"]) == ("natural_gas", "tco2e", "factor.missing")
    assert "GB/T 32150-2025" in why["reason"]


def test_water_has_no_tce_and_says_why(
    client: TestClient, db: Database, world: World, make_meter: MakeMeter
) -> None:
    _profile(db, world, {k: v for k, v in ACCOUNTING_PROFILE.items() if k != "water_coefficient"})
    water = make_meter(carrier="water", unit="t")
    send(client, world, series(water.code, list(range(5))))
    (row,) = [d for d in _by_carrier(client, world)["data"] if d["carrier"] == "water"]
    assert row["quantity"] == pytest.approx(10.0)
    assert row["tce"] is None
    assert row["tco2e"] == 0.0  # an energy-consuming medium has no emissions of its own
    (why,) = row["missing"]
    assert (why["figure"], why["code"]) == ("tce", "factor.ambiguous")
    assert "耗能工质" in why["reason"] and "water_coefficient" in why["reason"]


def test_electricity_flows_apart_and_quantity_matches_its_tce(
    client: TestClient, db: Database, world: World, make_meter: MakeMeter
) -> None:
    _profile(db, world, ACCOUNTING_PROFILE)
    grid = make_meter()
    pv = make_meter(purpose="pv_generation")
    export = make_meter(purpose="export")
    send(client, world, series(grid.code, list(range(5))))  # 10 kWh purchased
    send(client, world, [{**r, "value": r["value"] * 0.4} for r in series(pv.code, list(range(5)))])  # 4
    send(client, world, [{**r, "value": r["value"] * 0.3} for r in series(export.code, list(range(5)))])  # 3
    (row,) = [d for d in _by_carrier(client, world)["data"] if d["carrier"] == "electricity"]
    flows = row["flows"]["electricity"]
    assert flows["purchased"]["quantity"] == pytest.approx(10.0)
    assert flows["self_generated"]["quantity"] == pytest.approx(4.0)
    assert flows["exported"]["quantity"] == pytest.approx(3.0)
    assert flows["self_generated"]["tce"] == 0.0 and flows["self_generated"]["note"]
    assert flows["exported"]["tce"] == pytest.approx(-3.0 * ELECTRICITY_TCE_PER_KWH, rel=1e-12)
    assert flows["exported"]["tco2e"] == pytest.approx(-3.0 * JIANGSU_2023_T_PER_KWH, rel=1e-12)
    # the quantity beside the tce is the one it was computed from: purchased − exported
    assert row["quantity"] == pytest.approx(7.0)
    assert row["tce"] == pytest.approx(7.0 * ELECTRICITY_TCE_PER_KWH, rel=1e-12)
    assert row["tco2e"] == pytest.approx(7.0 * JIANGSU_2023_T_PER_KWH, rel=1e-12)


def test_monitoring_reports_electricity_flows_and_names_its_profile(
    client: TestClient, db: Database, world: World, make_meter: MakeMeter
) -> None:
    _profile(db, world, ACCOUNTING_PROFILE)
    ent = world.a.enterprise_ids[0]
    grid = make_meter(enterprise_id=ent)
    pv = make_meter(enterprise_id=ent, purpose="pv_generation")
    export = make_meter(enterprise_id=ent, purpose="export")
    send(client, world, series(grid.code, list(range(5))))  # 10 kWh
    send(client, world, [{**r, "value": r["value"] * 0.4} for r in series(pv.code, list(range(5)))])  # 4
    send(client, world, [{**r, "value": r["value"] * 0.3} for r in series(export.code, list(range(5)))])  # 3
    now: datetime = T0 + timedelta(days=2)
    m = monitoring.enterprise_monitoring(db, SYSTEM, ent, as_of=date(2026, 11, 20), now=now)
    (el,) = [c for c in m.carriers if c.carrier == "electricity"]
    assert el.ytd_flows["purchased"].quantity == pytest.approx(10.0)
    assert el.ytd_flows["self_generated"].quantity == pytest.approx(4.0)
    assert el.ytd_flows["self_generated"].tce == 0.0
    assert el.ytd_flows["exported"].quantity == pytest.approx(3.0)
    assert el.ytd_flows["exported"].tco2e == pytest.approx(-3.0 * JIANGSU_2023_T_PER_KWH, rel=1e-12)
    # the quantity beside the tce is its basis: purchased − exported
    assert el.ytd_quantity == pytest.approx(7.0)
    assert el.ytd_tce == pytest.approx(7.0 * ELECTRICITY_TCE_PER_KWH, rel=1e-12)
    assert m.accounting_profile is not None
    assert (m.accounting_profile.source, m.accounting_profile.electricity_factor) == (
        "park",
        "provincial_average",
    )


def test_monitoring_keeps_tce_without_an_emission_factor(
    client: TestClient, db: Database, world: World, make_meter: MakeMeter
) -> None:
    _profile(db, world, {})  # 2026: GB/T 32150-2025, no transcribed fuel table — gas has no CO2 factor
    ent = world.a.enterprise_ids[0]
    gas = make_meter(enterprise_id=ent, carrier="natural_gas", unit="Nm3")
    send(client, world, series(gas.code, list(range(5))))  # 10 Nm3
    m = monitoring.enterprise_monitoring(
        db, SYSTEM, ent, as_of=date(2026, 11, 20), now=T0 + timedelta(days=2)
    )
    (ng,) = [c for c in m.carriers if c.carrier == "natural_gas"]
    assert ng.ytd_tce == pytest.approx(10.0 * GAS_FIELD_TCE_PER_M3, rel=1e-12)
    assert m.enterprise.missing_factor  # the emissions side is flagged, not the energy side dropped
    assert any("no tco2e for natural_gas" in w for w in m.warnings)
