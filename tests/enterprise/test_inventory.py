"""Carbon inventory from meters and uploads: figures against published factors, lineage that reproduces
the answer, overrides with reason and evidence, freezing, revisions with a diff, access rules."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest

from parkcarbon import core
from parkcarbon.services.enterprise import inventory
from parkcarbon.services.enterprise.demo import ELECTRICITY_KWH, NATURAL_GAS_NM3, DemoEnterprise
from parkcarbon.services.enterprise.schemas import InventoryCreate, LineOverride
from parkcarbon.services.errors import Conflict, Forbidden
from parkcarbon.services.intake import readings
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import grants
from parkcarbon.services.registry.schemas import GrantCreate
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.vocab import GrantScope
from tests.conftest import World
from tests.enterprise.conftest import YEAR, Who
from tests.reference._load import rows

GRID = {
    (r["method"], r["region"], r["year"]): float(r["factor_tco2_per_mwh"])
    for r in rows("mee_nbs_grid/factors.csv")
}
FUEL_EF = {r["carrier"]: float(r["ef_tco2_per_unit"]) for r in rows("fuel_ef_seed_row2_6/derived_co2_ef.csv")}
KGCE = {(r["carrier"], r["option"]): float(r["coefficient"]) for r in rows("gbt2589_2020/coefficients.csv")}

# Hand calculation from published values. Reporting year 2025: the latest national grid factor is 2023's
# (0.5306 tCO2/MWh, MEE/NBS 公告2025年第47号); GB/T 32150-2015 (in force on 31 Dec 2025) uses the same
# fuel parameters as GB/T 32151.22-2024 Table C.1, whose CO2 EFs per unit are row 2.6 of standards-facts.
ELECTRICITY_T = sum(ELECTRICITY_KWH) / 1000 * GRID[("national_average", "CN", "2023")]  # 1200 MWh → 636.72
GAS_T = sum(NATURAL_GAS_NM3) / 1e4 * FUEL_EF["natural_gas"]  # 15 × 10^4 Nm3 → 324.328
DIESEL_T = 10.0 * FUEL_EF["diesel"]  # 4 deliveries × 2.5 t → 30.959
TOTAL_T = ELECTRICITY_T + GAS_T + DIESEL_T
TOTAL_TCE = (
    sum(ELECTRICITY_KWH) * KGCE[("electricity", "")]
    + sum(NATURAL_GAS_NM3) * KGCE[("natural_gas", "gas_field")]
    + 10_000 * KGCE[("diesel", "")]
) / 1000
# The fuel EFs are printed to 6 decimals (relative rounding ≤ 5e-8); meter totals are sums of float deltas.
REL = 1e-6


def _by_source(inv: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in inv.lines:
        out[line.source_name] = out.get(line.source_name, 0.0) + (line.tco2e or 0.0)
    return out


def test_year_from_meters_and_uploads_matches_the_hand_calculation(
    db: Database, demo: DemoEnterprise, who: Who
) -> None:
    inv = inventory.create_inventory(
        db, who("enterprise_member"), demo.enterprise_id, InventoryCreate(year=YEAR)
    )
    assert inv.method == "GB/T 32150-2015" and inv.status == "draft" and inv.errors == []
    by_source = _by_source(inv)
    assert math.isclose(by_source["外购电力"], ELECTRICITY_T, rel_tol=REL)
    assert math.isclose(by_source["锅炉天然气"], GAS_T, rel_tol=REL)
    assert math.isclose(by_source["厂内运输柴油"], DIESEL_T, rel_tol=REL)
    assert math.isclose(inv.total_tco2e or 0, TOTAL_T, rel_tol=REL)
    assert math.isclose(inv.total_tce or 0, TOTAL_TCE, rel_tol=REL)
    electricity = next(ln for ln in inv.lines if ln.source_name == "外购电力")
    assert (
        electricity.origin == "meters" and electricity.quality and electricity.quality["missing_months"] == []
    )
    months = electricity.data_lineage["meters"][0]["months"]  # type: ignore[index]
    assert [round(months[f"{YEAR}-{m:02d}"], 6) for m in range(1, 13)] == list(ELECTRICITY_KWH)
    diesel = [ln for ln in inv.lines if ln.source_name == "厂内运输柴油"]
    assert len(diesel) == 4 and {ln.data_lineage["document_ref"] for ln in diesel} == {  # type: ignore[index]
        f"FP-{YEAR}-Q{i}" for i in range(1, 5)
    }


def test_stored_request_reproduces_every_figure(db: Database, demo: DemoEnterprise, who: Who) -> None:
    """A verifier recomputes the answer from the stored request alone (POST /calc takes the same JSON)."""
    inv = inventory.create_inventory(
        db, who("enterprise_admin"), demo.enterprise_id, InventoryCreate(year=YEAR)
    )
    assert inv.request is not None
    again = core.calculate(orjson.loads(orjson.dumps(inv.request)))
    assert again["totals"]["tco2e"] == inv.total_tco2e
    for line in inv.lines:
        result = next(r for r in again["results"] if r["id"] == line.activity_id)
        assert result["tco2e"] == line.tco2e
        assert result["factors"] == (line.result or {})["factors"] and result["formula"]


def test_override_needs_reason_and_evidence_of_the_enterprise(
    db: Database, demo: DemoEnterprise, who: Who, world: World
) -> None:
    admin = who("enterprise_admin")
    inv = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    line = next(ln for ln in inv.lines if ln.source_name == "锅炉天然气")
    with pytest.raises(ValueError, match="reason"):
        LineOverride(quantity=140_000, reason="  ", evidence_document_id=demo.document_id)
    with pytest.raises(ValueError, match="evidence_document_id"):
        LineOverride.model_validate({"quantity": 140_000, "reason": "meter drift"})
    done = inventory.override_line(
        db,
        admin,
        inv.id,
        line.id,
        LineOverride(quantity=140_000, reason="流量计校准偏差修正", evidence_document_id=demo.document_id),
    )
    changed = next(ln for ln in done.lines if ln.id == line.id)
    assert changed.quantity == 140_000 and changed.auto_quantity == pytest.approx(150_000)
    assert (
        changed.override_reason == "流量计校准偏差修正" and changed.evidence_document_id == demo.document_id
    )
    assert math.isclose(changed.tco2e or 0, 14 * FUEL_EF["natural_gas"], rel_tol=REL)


def test_submit_freezes_and_a_revision_diffs(
    db: Database, demo: DemoEnterprise, who: Who, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = who("enterprise_admin")
    draft = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    with pytest.raises(Forbidden):
        inventory.submit_inventory(db, who("enterprise_member"), draft.id)
    frozen = inventory.submit_inventory(db, admin, draft.id)
    assert frozen.status == "submitted" and frozen.snapshot_sha256
    # later data: a correction of the last electricity reading of the year (+1 000 kWh)
    body = orjson.dumps(
        {
            "readings": [
                {
                    "meter_id": demo.electricity_meter_id,
                    "ts": f"{YEAR + 1}-01-01T00:00:00+08:00",
                    "value": 10_000 + sum(ELECTRICITY_KWH) + 1_000,
                }
            ]
        }
    )
    readings.submit_readings(db, settings, SYSTEM, body, content_type="application/json")
    # ... and a factor change (a newer grid factor) seen by the engine from now on
    real = core.calculate

    def newer_factors(payload: Any) -> dict[str, Any]:
        answer = real(payload)
        for r in answer["results"]:
            for f in r["factors"]:
                if f["id"].startswith("mee-nbs"):
                    f["value"] = 0.5
        return answer

    monkeypatch.setattr(core, "calculate", newer_factors)
    again = inventory.get_inventory(db, admin, draft.id)
    assert again.model_dump() == frozen.model_dump()
    with pytest.raises(Conflict, match="frozen"):
        inventory.override_line(
            db,
            admin,
            draft.id,
            draft.lines[0].id,
            LineOverride(quantity=1, reason="x", evidence_document_id=demo.document_id),
        )
    revised = inventory.create_revision(db, admin, draft.id)
    assert revised.version == 2 and revised.based_on_id == draft.id and revised.status == "draft"
    diff = revised.diff or {}
    electricity = next(a for a in diff["activity_data"] if a["source"] == "外购电力")
    assert electricity["new_quantity"] - electricity["old_quantity"] == pytest.approx(1_000)
    changed_factor = [f for r in diff["results"] for f in r["factors"] if f["change"] == "value"]
    assert changed_factor and changed_factor[0]["old"]["value"] == GRID[("national_average", "CN", "2023")]
    assert changed_factor[0]["new"]["value"] == 0.5
    assert inventory.get_inventory(db, admin, draft.id).snapshot_sha256 == frozen.snapshot_sha256


def test_who_sees_an_inventory(db: Database, demo: DemoEnterprise, who: Who, world: World) -> None:
    inv = inventory.create_inventory(
        db, who("enterprise_admin"), demo.enterprise_id, InventoryCreate(year=YEAR)
    )
    for role in ("park_admin", "park_analyst", "regulator", "financier", "provider"):
        with pytest.raises(Forbidden):
            inventory.get_inventory(db, who(role), inv.id)
    grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(
            enterprise_id=demo.enterprise_id,
            grantee_organisation_id=world.a.financier_id,
            scope=GrantScope.INVENTORY,
        ),
    )
    assert inventory.get_inventory(db, who("financier"), inv.id).total_tco2e == inv.total_tco2e
    # the assigned verifier (the demo case) reads what it verifies
    assert inventory.get_inventory(db, who("verifier"), inv.id).id == inv.id
