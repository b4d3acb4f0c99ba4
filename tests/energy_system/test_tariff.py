"""Step tariffs from the cited TOU library and a hand-computed bill.

Jiangsu, 苏发改价格发〔2025〕426号 (from 2025-06-01), summer (Jun–Aug): peak 14:00–22:00, valley
00:00–06:00 and 11:00–13:00, other hours flat (the notice's periods as quoted in
core/factors/data/tou_tariffs.csv). Reference prices (tou_prices.csv, Nanjing general industrial &
commercial, confidence L): peak 1.0358, flat 0.739, valley 0.4634 CNY/kWh.
"""

from __future__ import annotations

from datetime import date

import pytest

from parkcarbon.core.energy_system import (
    BasicCharge,
    EnergyInputError,
    EnergySystemError,
    StepTariff,
    bill,
    step_tariff,
    tariff_coverage,
)

ABS = 1e-9  # sums of a few hundred products of 4-decimal prices: rounding is ~1e-12


def test_jiangsu_summer_periods_by_15_minutes() -> None:
    t = step_tariff("CN-JS", date(2026, 7, 15))
    assert t.steps == 96 and t.step_hours == 0.25
    assert t.periods[0] == "valley" and t.periods[23] == "valley"  # 00:00–05:45
    assert t.periods[24] == "flat"  # 06:00
    assert t.periods[44] == "valley" and t.periods[51] == "valley"  # 11:00–12:45
    assert t.periods[52] == "flat"  # 13:00
    assert t.periods[56] == "peak" and t.periods[87] == "peak"  # 14:00–21:45
    assert t.periods[88] == "flat"  # 22:00
    assert t.document == "苏发改价格发〔2025〕426号"
    assert t.confidence == "L"  # library reference prices


def test_jiangsu_day_bill_by_hand() -> None:
    # 100 kW all day: peak 8 h × 100 × 1.0358 = 828.64; valley 8 h × 100 × 0.4634 = 370.72;
    # flat 8 h × 100 × 0.739 = 591.2; total 1 790.56 CNY.
    t = step_tariff("CN-JS", date(2026, 7, 15))
    b = bill(t, [100.0] * 96)
    assert b.energy_by_period_kwh == pytest.approx({"valley": 800.0, "flat": 800.0, "peak": 800.0})
    assert b.energy_cny == pytest.approx(1790.56, abs=ABS)


def test_four_period_bill_with_demand_charge_by_hand() -> None:
    # tip 1.2, peak 1.0, flat 0.7, valley 0.4 CNY/kWh, 1 h each, import 10/20/30/40 kW:
    # energy 12 + 20 + 21 + 16 = 69; demand 30 CNY/kW·month × (40 − 35 already this month) = 150;
    # carbon 100 CNY/t × 0.5306 t/MWh × 0.1 MWh = 5.306; total 224.306.
    t = StepTariff(
        step_hours=1.0,
        periods=("tip", "peak", "flat", "valley"),
        import_cny_per_kwh=(1.2, 1.0, 0.7, 0.4),
        export_cny_per_kwh=(0.0,) * 4,
        basic_charge=BasicCharge("demand", 30.0, month_peak_so_far_kw=35.0),
        carbon_cny_per_tco2=100.0,
        grid_factor_tco2_per_mwh=0.5306,
    )
    b = bill(t, [10.0, 20.0, 30.0, 40.0])
    assert b.energy_cny == pytest.approx(69.0, abs=ABS)
    assert b.demand_cny == pytest.approx(150.0, abs=ABS)
    assert b.carbon_cny == pytest.approx(5.306, abs=ABS)
    assert b.total_cny == pytest.approx(224.306, abs=ABS)


def test_capacity_basis_is_a_fixed_monthly_charge() -> None:
    bc = BasicCharge("capacity", 25.0, capacity_kva=1250.0)
    assert bc.monthly_capacity_cny() == pytest.approx(31_250.0)
    with pytest.raises(EnergyInputError, match="capacity_kva"):
        BasicCharge("capacity", 25.0)


def test_missing_province_is_an_explicit_gap() -> None:
    with pytest.raises(EnergySystemError) as exc:
        step_tariff("CN-XZ", date(2026, 7, 15))
    assert exc.value.code == "energy.tariff_missing"
    cov = {c.region: c for c in tariff_coverage(date(2026, 7, 15))}
    assert len(cov) == 31
    assert cov["CN-JS"].tou_periods and cov["CN-JS"].tou_prices
    assert not cov["CN-XZ"].tou_periods
    assert not any(c.basic_charge_prices or c.deep_valley for c in cov.values())


def test_a_period_without_price_is_refused() -> None:
    with pytest.raises(EnergySystemError, match="peak"):
        step_tariff("CN-JS", date(2026, 7, 15), prices_cny_per_kwh={"flat": 0.7, "valley": 0.4})


def test_bad_tariff_values_are_refused() -> None:
    with pytest.raises(EnergyInputError, match="period"):
        StepTariff(1.0, ("noon",), (1.0,), (0.0,))
    with pytest.raises(EnergyInputError, match="expected 2"):
        StepTariff(1.0, ("flat", "flat"), (1.0,), (0.0, 0.0))
