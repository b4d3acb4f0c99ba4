"""PV + storage sizing: the CRF against its closed form and two sizing optima a person can verify."""

from __future__ import annotations

import pytest

from parkcarbon.core.energy_system import StepTariff
from parkcarbon.core.energy_system.sizing import (
    RepresentativeDay,
    SizingCosts,
    capital_recovery_factor,
    size_pv_battery,
)

ABS = 1e-5  # kW/kWh sizes and CNY of O(1e4): HiGHS tolerance 1e-7 relative


def test_crf_matches_the_annuity_table() -> None:
    # 8 %, 20 years: 0.08 × 1.08^20 / (1.08^20 − 1) = 0.101852 (annuity tables print 0.10185).
    assert capital_recovery_factor(0.08, 20) == pytest.approx(0.101852, abs=5e-7)
    assert capital_recovery_factor(0.0, 25) == pytest.approx(0.04)


def _day(prices: list[float], load: list[float], pv: list[float]) -> RepresentativeDay:
    t = StepTariff(1.0, ("valley", "peak"), tuple(prices), (0.0, 0.0))
    return RepresentativeDay(365, tuple(load), tuple(pv), t)


def test_battery_is_sized_to_the_arbitrage_it_pays_for() -> None:
    """Valley 0.3 / peak 1.0, 10 kWh at peak daily, η = 1; r = 0 so CRF = 1/10 for the battery.

    Each kWh of storage earns 365 × 0.7 = 255.5 CNY/year and costs 0.1 × 1 000 = 100: buy 10 kWh
    (no more is used) and 10 kW (0.1 CNY/kW·year). Annual cost 365 × 3 + 1 000 + 1 = 2 096;
    without 3 650; operating saving 2 555; capex 10 010; NPV over 25 years 25 × 2 555 − 10 010 = 53 865.
    """
    costs = SizingCosts(pv_cny_per_kwp=1e6, battery_cny_per_kwh=1000, battery_cny_per_kw=1, pv_om_share=0,
                        battery_om_share=0, discount_rate=0.0, battery_life_years=10, pv_life_years=25,
                        charge_efficiency=1, discharge_efficiency=1, soc_min=0, soc_max=1)  # fmt: skip
    r = size_pv_battery([_day([0.3, 1.0], [0.0, 10.0], [0.0, 0.0])], costs)
    assert (r.battery_kwh, r.battery_kw, r.pv_kwp) == pytest.approx((10.0, 10.0, 0.0), abs=ABS)
    assert r.annualised_cost_cny == pytest.approx(2096.0, abs=1e-3)
    assert r.annual_cost_without_cny == pytest.approx(3650.0, abs=1e-9)
    assert r.annual_saving_cny == pytest.approx(2555.0, abs=1e-3)
    assert r.npv_cny == pytest.approx(53865.0, abs=1e-2)
    assert r.simple_payback_years == pytest.approx(10010 / 2555, rel=1e-6)


def test_battery_too_dear_is_not_bought() -> None:
    # 3 000 CNY/kWh → 300 CNY/kWh·year > 255.5 earned.
    costs = SizingCosts(pv_cny_per_kwp=1e6, battery_cny_per_kwh=3000, battery_cny_per_kw=1, discount_rate=0.0,
                        battery_om_share=0, charge_efficiency=1, discharge_efficiency=1, soc_min=0,
                        soc_max=1)  # fmt: skip
    r = size_pv_battery([_day([0.3, 1.0], [0.0, 10.0], [0.0, 0.0])], costs)
    assert r.battery_kwh == pytest.approx(0.0, abs=ABS)
    assert r.simple_payback_years is None


def test_pv_is_sized_to_the_load_it_can_serve_under_anti_backflow() -> None:
    # 1 kW/kWp at the 10 kW step, flat 1 CNY/kWh, export forbidden: each kWp up to 10 saves 365/year
    # and costs 2 000 / 25 = 80/year → 10 kWp; annual cost 800; without 3 650.
    costs = SizingCosts(pv_cny_per_kwp=2000, pv_om_share=0, pv_life_years=25, discount_rate=0.0,
                        battery_cny_per_kwh=1e6, battery_cny_per_kw=1e6, export_limit_kw=0.0)  # fmt: skip
    r = size_pv_battery([_day([1.0, 1.0], [0.0, 10.0], [0.0, 1.0])], costs)
    assert r.pv_kwp == pytest.approx(10.0, abs=ABS)
    assert r.annualised_cost_cny == pytest.approx(800.0, abs=1e-3)
