"""On a generated demo park (12 enterprises, 60 days, its own SQLite file) the diagnosis finds the planted
anomalies: E03's night and weekend base load (compressors and office HVAC left on) and E01's power factor
of about 0.82 (capacitor bank out of service, demo/generator.py), and not the base load of E03's
day-shift peer E09."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from parkcarbon.demo.generator import build_demo_park
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.supervision import benchmarking, diagnosis
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database, make_engine
from parkcarbon.store.migrate import upgrade

NOW = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, object]:
    path: Path = tmp_path_factory.mktemp("demo-diagnosis") / "demo.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    db = Database(engine)
    park = build_demo_park(
        db, Settings(), days=60, enterprises=12, password="Demo-Passw0rd!", now=NOW, enterprise_demo=False
    )
    return db, park


def test_diagnosis_finds_the_planted_base_load_and_power_factor(demo: tuple[Database, object]) -> None:
    db, park = demo
    report = diagnosis.diagnosis(db, SYSTEM, park.park_id, end=NOW, days=28)  # type: ignore[attr-defined]
    by_id = {e.enterprise_id: e for e in report.enterprises}
    e03 = by_id[park.base_load_enterprise_id]  # type: ignore[attr-defined]
    rules = {f.rule for f in e03.findings}
    assert "base_load" in rules
    base = next(f for f in e03.findings if f.rule == "base_load")
    assert base.evidence["night_ratio"] > 0.5  # type: ignore[operator]
    assert {f.subject for f in e03.findings if f.rule == "idle_equipment"} >= {"E03-EL-COMP"}
    # E03 has the largest saving of the park; its day-shift peer E09 (same sector) shows no base-load problem
    assert report.enterprises[0].enterprise_id == e03.enterprise_id
    e09 = next(e for e in report.enterprises if e.enterprise_name == "博微半导体封测有限公司")
    assert all(f.rule != "base_load" for f in e09.findings)
    e01 = by_id[park.low_power_factor_enterprise_id]  # type: ignore[attr-defined]
    pf = next(f for f in e01.findings if f.rule == "power_factor")
    assert pf.evidence["power_factor"] == pytest.approx(0.82, abs=0.01)


def test_demo_benchmarking_ranks_products_with_output(demo: tuple[Database, object]) -> None:
    db, park = demo
    report = benchmarking.benchmarking(db, SYSTEM, park.park_id, year=2026)  # type: ignore[attr-defined]
    assert report.rows, "the demo records monthly product output"
    for row in report.rows:
        assert row.unit_energy_kgce is None or row.unit_energy_kgce > 0
        assert row.rank is None or 1 <= row.rank <= row.peers
    # the generator books output = 0.85 × the month's energy (meters, diesel, coal with its measured NCV)
    # ÷ the product's specific energy × noise in [0.97, 1.03] (demo/catalogue.py: rolled steel
    # 0.058, food 0.045, chemicals 0.42 tce/t, E04's formaldehyde 0.69 tce/t, PCBA 0.012 tce/千件) and
    # sets the product's energy share to the same 0.85, so the unit energy recomputed from the rollups
    # and activity data lies within spec ÷ [1.03, 0.97]; 0.2 % more for the outputs' rounding to 0.1 unit
    spec = {"轧制钢材": 58.0, "饮料及食品": 45.0, "化工产品": 420.0, "甲醛（银法）": 690.0, "电子组件": 12.0}
    for row in report.rows:
        assert row.energy_share == 0.85
        lo, hi = spec[row.product_name] / 1.03, spec[row.product_name] / 0.97
        assert lo * 0.998 <= row.unit_energy_kgce <= hi * 1.002, row  # type: ignore[operator]
    steel = [r for r in report.rows if r.product_name == "轧制钢材"]
    # two rolling mills (industry class 3130) form a peer group: ranks 1 and 2
    assert sorted(r.rank for r in steel) == [1, 2]
