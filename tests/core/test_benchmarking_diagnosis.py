"""Core: quota grades (cited table values), peer ranks and quartiles, TOU periods (cited notices) and the
diagnosis rules on small synthetic series with hand-computed expectations."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from parkcarbon.core import benchmarking as bm
from parkcarbon.core import diagnosis as dg
from parkcarbon.core.tariffs import tou_regions, tou_schedule

# ------------------------------------------------------------------------------------ quota grades


def test_beer_quota_grades_at_the_published_boundaries() -> None:
    # GB 32047-2025 Table 1: grade 1 ≤ 26, grade 2 ≤ 35, grade 3 ≤ 60 kgce/kL (boundaries inclusive)
    q = bm.energy_quota("gb32047-2025.beer")
    assert q is not None and (q.level_1, q.level_2, q.level_3, q.unit) == (26, 35, 60, "kgce/kL")
    assert bm.grade(26.0, q).grade == 1
    assert bm.grade(26.01, q).grade == 2
    assert bm.grade(35.0, q).grade == 2
    assert bm.grade(60.0, q).grade == 3
    beyond = bm.grade(61.5, q)
    assert beyond.grade is None and beyond.exceeds_limit and beyond.gap_to_next == pytest.approx(1.5)
    # from grade 3 the next better threshold is grade 2's 35: 50 - 35 = 15
    assert bm.grade(50.0, q).gap_to_next == pytest.approx(15.0)


def test_negative_quota_values_grade_net_exporters() -> None:
    # GB 29141-2024 Table 2 (dilute nitric acid): -20 / -5 / 30 kgce/t
    q = bm.energy_quota("gb29141-2024.dilute_nitric_acid")
    assert q is not None
    assert bm.grade(-25.0, q).grade == 1
    assert bm.grade(-10.0, q).grade == 2
    assert bm.grade(0.0, q).grade == 3


def test_every_quota_is_cited_and_monotonic() -> None:
    for q in bm.energy_quotas():
        assert q.standard.startswith("GB ") and q.clause and q.source and q.confidence in {"H", "M", "L"}
        levels = [v for v in (q.level_1, q.level_2, q.level_3) if v is not None]
        assert levels == sorted(levels)


def test_unit_product_energy() -> None:
    # 12 tce over 400 kL = 30 kgce/kL
    assert bm.unit_product_energy_kgce(12.0, 400.0) == pytest.approx(30.0)
    assert bm.unit_product_energy_kgce(12.0, 0.0) is None


def test_peer_ranks_and_quartiles() -> None:
    st = bm.peer_stats({"a": 10.0, "b": 20.0, "c": 20.0, "d": 40.0, "e": 50.0})
    assert st is not None
    # type-7 quartiles of 10, 20, 20, 40, 50: Q1 = 20, median = 20, Q3 = 40
    assert (st.q1, st.median, st.q3) == (20.0, 20.0, 40.0)
    assert st.rank == {"a": 1, "b": 2, "c": 2, "d": 4, "e": 5}
    assert st.quartile == {"a": 1, "b": 1, "c": 1, "d": 3, "e": 4}
    assert bm.peer_stats({}) is None


# -------------------------------------------------------------------------------------- TOU periods


def test_jiangsu_2025_periods_from_the_notice() -> None:
    # 苏发改价格发〔2025〕426号: summer/winter peak 14-22, valley 0-6 and 11-13; spring/autumn peak 15-22,
    # valley 2-6 and 10-14; the rest flat
    july = tou_schedule("CN-JS", date(2026, 7, 15))
    assert july is not None and july.document == "苏发改价格发〔2025〕426号"
    assert july.hours_of(7, "peak") == list(range(14, 22))
    assert july.hours_of(7, "valley") == [0, 1, 2, 3, 4, 5, 11, 12]
    assert july.hours_of(4, "peak") == list(range(15, 22))
    assert july.hours_of(4, "valley") == [2, 3, 4, 5, 10, 11, 12, 13]
    assert july.hours_of(4, "flat") == [0, 1, 6, 7, 8, 9, 14, 22, 23]
    # before 2025-06-01 the 2020 periods apply: peak 8-12 and 17-21, valley 0-8
    old = tou_schedule("CN-JS", date(2024, 7, 15))
    assert old is not None and old.hours_of(7, "peak") == [8, 9, 10, 11, 17, 18, 19, 20]
    assert tou_schedule("CN-JS", date(2019, 1, 1)) is None


def test_other_provinces_and_tip_inside_peak() -> None:
    assert {"CN-JS", "CN-ZJ", "CN-GD", "CN-SH"} <= set(tou_regions())
    gd = tou_schedule("CN-GD", date(2026, 8, 1))
    assert gd is not None
    # 粤发改价格〔2021〕331号: peak 10-12 and 14-19, tip 11-12 and 15-17 in Jul-Sep, valley 0-8
    assert gd.hours_of(8, "tip") == [11, 15, 16]
    assert gd.hours_of(8, "peak") == [10, 14, 17, 18]
    assert gd.hours_of(3, "peak") == [10, 11, 14, 15, 16, 17, 18]
    for sch in (tou_schedule(r, date(2026, 8, 1)) for r in tou_regions()):
        assert sch is not None and all(len(m) == 24 for m in sch.grid)


# ---------------------------------------------------------------------------------------- diagnosis


def _week(day_kw: float, night_kw: float, *, days: int = 7, working_days: int = 5) -> dict[str, np.ndarray]:
    """``days`` days: working days 08-18 at ``day_kw``, every other hour at ``night_kw``."""
    hour = np.tile(np.arange(24), days)
    working = np.repeat(np.arange(days) % 7 < working_days, 24)
    load = np.where(working & (hour >= 8) & (hour < 18), day_kw, night_kw).astype(float)
    return {"hour": hour, "working": working, "load": load, "month": np.full(days * 24, 4)}


def _input(w: dict[str, np.ndarray], **kw: object) -> dg.DiagnosisInput:
    return dg.DiagnosisInput(
        hour=w["hour"], month=w["month"], working=w["working"], active_kwh=w["load"],
        tce_per_kwh=0.0001229, tco2e_per_kwh=0.5, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_base_load_ratio_of_a_flat_night_and_day() -> None:
    # 100 kW at night, 400 kW in working hours: ratio 0.25, below 0.5: no finding
    w = _week(400.0, 100.0)
    day, night, off = dg.BaseLoadRule().hours.ratios(_input(w))
    assert (day, night, off) == (400.0, 0.25, 0.25)
    assert dg.BaseLoadRule().evaluate(_input(w)) == []


def test_base_load_finding_and_its_saving() -> None:
    # 300 kW outside working hours against 400 kW: ratio 0.75 > 0.5
    w = _week(400.0, 300.0)
    (f,) = dg.BaseLoadRule().evaluate(_input(w))
    assert f.evidence["night_ratio"] == pytest.approx(0.75)
    # idle hours: 5 nights × 6 h + 2 days off × 24 h = 78 h, each 300 - 0.35 × 400 = 160 kWh above target
    assert f.evidence["idle_excess_kwh_observed"] == pytest.approx(78 * 160.0)
    annual = 78 * 160.0 * 8760 / 168
    assert f.saving.kwh == pytest.approx(annual)
    assert f.saving.tce == pytest.approx(annual * 0.0001229)
    assert f.saving.tco2e == pytest.approx(annual * 0.5)
    assert f.saving.cny is None and f.service_kind in dg.SERVICE_KINDS


def test_continuous_operation_is_not_a_base_load_problem() -> None:
    w = _week(400.0, 380.0)  # 0.95 day and night: a three-shift plant
    assert dg.BaseLoadRule().evaluate(_input(w)) == []


def test_load_factor() -> None:
    # mean of 168 h: (50 h × 400 + 118 h × 40) / 168 = 147.14; max 400 → 0.368 (above 0.35: none)
    w = _week(400.0, 40.0)
    assert dg.LoadFactorRule().evaluate(_input(w)) == []
    (f,) = dg.LoadFactorRule(min_load_factor=0.4).evaluate(_input(w))
    assert f.evidence["load_factor"] == pytest.approx((50 * 400 + 118 * 40) / 168 / 400)
    assert f.saving.kwh == 0.0


def test_peak_share_under_jiangsu_spring_periods() -> None:
    tariff = tou_schedule("CN-JS", date(2026, 4, 1))
    assert tariff is not None
    # April: peak 15-22 (7 h). Load 100 kW except 15-22 at 300 kW: share = 7 × 300 / (7 × 300 + 17 × 100)
    hour = np.arange(24)
    load = np.where((hour >= 15) & (hour < 22), 300.0, 100.0)
    data = dg.DiagnosisInput(
        hour=hour, month=np.full(24, 4), working=np.ones(24, dtype=bool), active_kwh=load,
        tce_per_kwh=0.0001229, tco2e_per_kwh=0.5, tariff=tariff,
    )  # fmt: skip
    (f,) = dg.PeakShareRule().evaluate(data)
    share = 2100 / 3800
    assert f.evidence["peak_share"] == pytest.approx(share)
    # 10 % of the annualised peak energy moved to the valley at (peak - valley) reference price
    shifted = 0.1 * 2100 * 8760 / 24
    assert f.saving.cny == pytest.approx(shifted * (tariff.prices["peak"] - tariff.prices["valley"]))
    assert f.saving.kwh == 0.0


def test_power_factor_adjustment_table_and_rule() -> None:
    # 水电财字〔1983〕215号, 0.90 standard: 0.5 %/0.01 down to 0.70, 1 %/0.01 to 0.65, then 2 %/0.01;
    # above 0.90 0.15 %/0.01 off, at most 0.75 %
    assert dg.power_factor_adjustment(0.90) == 0.0
    assert dg.power_factor_adjustment(0.82) == pytest.approx(0.04)
    assert dg.power_factor_adjustment(0.70) == pytest.approx(0.10)
    assert dg.power_factor_adjustment(0.65) == pytest.approx(0.15)
    assert dg.power_factor_adjustment(0.63) == pytest.approx(0.19)
    assert dg.power_factor_adjustment(0.92) == pytest.approx(-0.003)
    assert dg.power_factor_adjustment(0.99) == pytest.approx(-0.0075)
    w = _week(400.0, 100.0)
    # Q = 0.75 P gives PF = 1 / sqrt(1 + 0.75²) = 0.8
    data = _input(w, reactive_kvarh=0.75 * w["load"], active_kwh_with_reactive=w["load"])
    (f,) = dg.PowerFactorRule().evaluate(data)
    assert f.evidence["power_factor"] == pytest.approx(0.8)
    assert f.evidence["bill_adjustment_now"] == pytest.approx(0.05)
    assert f.service_kind == "reactive_compensation"


def test_idle_equipment_rule() -> None:
    w = _week(400.0, 100.0)
    compressor = dg.SubMeterSeries("C1", "空压机", "sub", np.full(168, 50.0))  # runs around the clock
    line = dg.SubMeterSeries("L1", "生产线", "process", np.where(w["load"] > 200, 200.0, 2.0))
    cold = dg.SubMeterSeries("K1", "冷库制冷机组", "sub", np.full(168, 80.0))  # always-on by design
    clean = dg.SubMeterSeries("R1", "洁净室空调", "hvac", np.full(168, 120.0))  # cleanroom class kept 24/7
    (f,) = dg.IdleEquipmentRule().evaluate(_input(w, submeters=(compressor, line, cold, clean)))
    assert f.subject == "C1" and f.service_kind == "compressed_air"
    # 78 idle hours × (50 - 0.2 × 50) kWh, annualised over 168 observed hours
    assert f.saving.kwh == pytest.approx(78 * 40.0 * 8760 / 168)


def test_diagnose_orders_by_saving_and_skips_missing_hours() -> None:
    w = _week(400.0, 300.0)
    w["load"][:10] = np.nan  # ten hours without data are left out
    data = _input(w)
    assert data.observed_hours == 158
    findings = dg.diagnose(data)
    assert [f.rule for f in findings] == ["base_load"]
