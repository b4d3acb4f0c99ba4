"""Day-ahead dispatch: hand-checkable optima, an enumeration and an independent formulation."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from parkcarbon.core.energy_system import (
    BasicCharge,
    Battery,
    DispatchProblem,
    EvSession,
    FlexibleLoad,
    GridConnection,
    InfeasibleDispatchError,
    PvArray,
    StepTariff,
    dispatch,
)
from tests.energy_system.cases import enterprise_day
from tests.energy_system.reference_dispatch import solve_reference

# HiGHS solves to a primal/dual feasibility tolerance of 1e-7; costs here are O(1–1000) CNY,
# so 1e-6 absolute (or relative for the larger cases) is above solver noise and far below any
# modelling error (which moves costs by ≥ 1e-3).
ABS = 1e-6

warnings.filterwarnings("ignore", category=DeprecationWarning)


def tariff(prices: list[float], *, export: float = 0.0, hours: float = 1.0, **kw: object) -> StepTariff:
    periods = tuple("valley" if p == min(prices) else "peak" for p in prices)
    return StepTariff(
        step_hours=hours,
        periods=periods,
        import_cny_per_kwh=tuple(prices),
        export_cny_per_kwh=(export,) * len(prices),
        **kw,  # type: ignore[arg-type]
    )


def test_two_period_arbitrage_has_the_hand_computed_optimum() -> None:
    """Valley 0.3, peak 1.0 CNY/kWh; peak load 10 kW for 1 h; battery 10 kWh, 20 kW, η = 0.9 each way.

    Buying 1 kWh at 0.3 delivers 0.81 kWh worth 0.81 at peak, so fill the battery: charge
    10 / 0.9 = 11.111 kWh (SoC 10), discharge 9 kWh into the peak, import the last 1 kWh.
    Cost = 0.3 × 100/9 + 1.0 × 1 = 4.3333…; without the battery 10.0; saving 5.6667.
    """
    bat = Battery("b", 10, 20, charge_efficiency=0.9, discharge_efficiency=0.9, soc_min=0, soc_max=1,
                  soc_initial=0, soc_final_min=0)  # fmt: skip
    r = dispatch(DispatchProblem((0.0, 10.0), tariff([0.3, 1.0]), batteries=(bat,)))
    assert r.bill.total_cny == pytest.approx(0.3 * 100 / 9 + 1.0, abs=ABS)
    assert r.battery_charge_kw["b"] == pytest.approx((100 / 9, 0.0), abs=ABS)
    assert r.battery_discharge_kw["b"] == pytest.approx((0.0, 9.0), abs=ABS)
    assert r.import_kw == pytest.approx((100 / 9, 1.0), abs=ABS)
    assert r.counterfactual.bill.total_cny == pytest.approx(10.0, abs=ABS)
    assert r.savings_cny == pytest.approx(10.0 - 0.3 * 100 / 9 - 1.0, abs=ABS)
    assert r.objective_cny == pytest.approx(r.bill.total_cny, abs=ABS)
    assert r.lp_relaxation_exact
    assert r.formulation == "lp"


def test_arbitrage_not_worth_its_losses_is_not_done() -> None:
    # Valley 0.9, peak 1.0 with η_c η_d = 0.81: 1 kWh bought at 0.9 returns 0.81 kWh worth 0.81 < 0.9.
    bat = Battery("b", 10, 20, charge_efficiency=0.9, discharge_efficiency=0.9, soc_min=0, soc_max=1,
                  soc_initial=0, soc_final_min=0)  # fmt: skip
    r = dispatch(DispatchProblem((0.0, 10.0), tariff([0.9, 1.0]), batteries=(bat,)))
    assert r.bill.total_cny == pytest.approx(10.0, abs=ABS)
    assert max(r.battery_charge_kw["b"]) == pytest.approx(0.0, abs=ABS)


def test_battery_never_goes_below_soc_min() -> None:
    """SoC_min 0.2 of 10 kWh, start 0.5: only 3 kWh may be discharged, into 2 h of 10 kW at 1 CNY/kWh."""
    bat = Battery("b", 10, 10, charge_efficiency=1, discharge_efficiency=1, soc_min=0.2, soc_max=1,
                  soc_initial=0.5, soc_final_min=0.2)  # fmt: skip
    r = dispatch(DispatchProblem((10.0, 10.0), tariff([1.0, 1.0]), batteries=(bat,)))
    assert min(r.battery_soc_kwh["b"]) >= 2.0 - ABS
    assert sum(r.battery_discharge_kw["b"]) == pytest.approx(3.0, abs=ABS)
    assert r.bill.total_cny == pytest.approx(17.0, abs=ABS)
    assert "Battery-soc_kwh[b] (SoC min)" in r.binding


def test_anti_backflow_export_limit_binds_and_the_battery_takes_the_surplus() -> None:
    """PV 50 kW, load 10 kW at step 1; load 30 kW at step 2 (1 CNY/kWh); export limit 0 (防逆流).

    The 20 kWh battery absorbs 20 of the 40 kW surplus (the rest is curtailed), then covers 20 of the
    30 kW load: import 10 kWh, cost 10 CNY. Without the battery: import 30, 40 kW curtailed.
    """
    bat = Battery("b", 20, 100, charge_efficiency=1, discharge_efficiency=1, soc_min=0, soc_max=1,
                  soc_initial=0, soc_final_min=0)  # fmt: skip
    p = DispatchProblem(
        (10.0, 30.0), tariff([1.0, 1.0], export=0.4), grid=GridConnection(export_limit_kw=0.0),
        pv=(PvArray("pv", (50.0, 0.0)),), batteries=(bat,),
    )  # fmt: skip
    r = dispatch(p)
    assert r.export_kw == pytest.approx((0.0, 0.0), abs=ABS)
    assert r.pv_curtailed_kw == pytest.approx((20.0, 0.0), abs=ABS)
    assert r.bill.total_cny == pytest.approx(10.0, abs=ABS)
    assert r.counterfactual.pv_curtailed_kw == pytest.approx((40.0, 0.0), abs=ABS)
    assert r.counterfactual.bill.total_cny == pytest.approx(30.0, abs=ABS)
    assert any("export limit" in b for b in r.binding)


def test_a_nonzero_export_limit_caps_feed_in() -> None:
    # PV 50, load 10, export limit 20 kW at 0.4 CNY/kWh: export 20, curtail 20, revenue 8 CNY.
    p = DispatchProblem((10.0,), tariff([1.0], export=0.4), grid=GridConnection(export_limit_kw=20.0),
                        pv=(PvArray("pv", (50.0,)),))  # fmt: skip
    r = dispatch(p)
    assert r.export_kw == pytest.approx((20.0,), abs=ABS)
    assert r.bill.total_cny == pytest.approx(-8.0, abs=ABS)


def test_ev_is_charged_in_the_cheap_steps_of_its_window() -> None:
    # Window steps 1–3 priced 1.0, 0.2, 0.5; 10 kWh at ≤ 6 kW: 6 kWh at 0.2, 4 kWh at 0.5 = 3.2 CNY.
    # Unmanaged: 6 kWh at 1.0, 4 kWh at 0.2 = 6.8 CNY.
    ev = EvSession("car", 1, 4, 10.0, 6.0)
    r = dispatch(DispatchProblem((0.0,) * 4, tariff([0.1, 1.0, 0.2, 0.5]), ev_sessions=(ev,)))
    assert r.ev_kw["car"] == pytest.approx((0.0, 0.0, 6.0, 4.0), abs=ABS)
    assert r.bill.total_cny == pytest.approx(3.2, abs=ABS)
    assert r.counterfactual.bill.total_cny == pytest.approx(6.8, abs=ABS)


def test_demand_charge_shaves_the_peak_with_a_flexible_load() -> None:
    # Base 10, 10; a 10 kWh flexible load ≤ 10 kW; flat 1 CNY/kWh; demand 5 CNY/kW above 0 so far.
    # Split 5 + 5 → peak 15 → cost 30 + 75 = 105; unmanaged 10 then 0 → peak 20 → 30 + 100 = 130.
    flex = FlexibleLoad("f", 0, 2, 10.0, 10.0)
    t = tariff([1.0, 1.0], basic_charge=BasicCharge("demand", 5.0))
    r = dispatch(DispatchProblem((10.0, 10.0), t, flexible_loads=(flex,)))
    assert r.bill.peak_import_kw == pytest.approx(15.0, abs=ABS)
    assert r.bill.total_cny == pytest.approx(105.0, abs=ABS)
    assert r.counterfactual.bill.total_cny == pytest.approx(130.0, abs=ABS)


def test_negative_price_makes_the_lp_inexact_and_auto_resolves_as_milp() -> None:
    # At −0.5 CNY/kWh importing is paid: the LP imports to the limit and burns energy by charging and
    # discharging at once (η = 0.9); the MILP forbids it.
    bat = Battery("b", 10, 50, charge_efficiency=0.9, discharge_efficiency=0.9, soc_min=0, soc_max=1,
                  soc_initial=0, soc_final_min=0)  # fmt: skip
    p = DispatchProblem((5.0, 5.0), tariff([-0.5, 1.0]), grid=GridConnection(import_limit_kw=100.0),
                        batteries=(bat,))  # fmt: skip
    lp = dispatch(p, battery_exclusive="lp")
    assert not lp.lp_relaxation_exact
    milp = dispatch(p)
    assert milp.formulation == "milp"
    both = np.minimum(milp.battery_charge_kw["b"], milp.battery_discharge_kw["b"])
    assert float(both.max()) <= ABS
    assert milp.bill.total_cny >= lp.bill.total_cny - ABS  # the LP is a relaxation


def test_infeasible_ev_is_refused_before_solving() -> None:
    with pytest.raises(InfeasibleDispatchError, match="car"):
        DispatchProblem((0.0,) * 2, tariff([1.0, 1.0]), ev_sessions=(EvSession("car", 0, 2, 30.0, 7.0),))


def test_import_limit_below_load_is_infeasible() -> None:
    p = DispatchProblem((50.0,), tariff([1.0]), grid=GridConnection(import_limit_kw=10.0))
    with pytest.raises(InfeasibleDispatchError):
        dispatch(p, with_counterfactual=False)


def _enumerate(load: list[float], pv: list[float], prices: list[float], *, feed: float, export_limit: float,
               demand_price: float, e_max: float, p_max: float, grid: list[float]) -> float:  # fmt: skip
    """Brute force: every battery power sequence on ``grid`` (η = 1), cost evaluated directly."""
    best = np.inf
    for seq in itertools.product(grid, repeat=len(load)):
        soc, ok = 0.0, True
        for b in seq:
            soc += b
            if soc < -1e-12 or soc > e_max + 1e-12 or abs(b) > p_max:
                ok = False
                break
        if not ok:
            continue
        imp, cost = [], 0.0
        for t, b in enumerate(seq):
            net = load[t] + b - pv[t]
            i = max(net, 0.0)
            x = min(max(-net, 0.0), export_limit)  # the rest of a surplus is curtailed
            imp.append(i)
            cost += prices[t] * i - feed * x
        best = min(best, cost + demand_price * max(imp))
    return float(best)


def test_lp_cost_equals_brute_force_enumeration_on_a_tiny_case() -> None:
    load = [3.0, 5.0, 2.0, 6.0]
    pv = [0.0, 4.0, 3.0, 0.0]
    prices = [0.4, 1.2, 0.6, 1.5]
    grid = [x / 2 for x in range(-4, 5)]  # battery power −2 … 2 kW in 0.5 kW steps (charge > 0)
    expected = _enumerate(load, pv, prices, feed=0.2, export_limit=1.0, demand_price=0.5, e_max=4.0,
                          p_max=2.0, grid=grid)  # fmt: skip
    bat = Battery("b", 4, 2, charge_efficiency=1, discharge_efficiency=1, soc_min=0, soc_max=1,
                  soc_initial=0, soc_final_min=0)  # fmt: skip
    t = tariff(prices, export=0.2, basic_charge=BasicCharge("demand", 0.5))
    p = DispatchProblem(tuple(load), t, grid=GridConnection(export_limit_kw=1.0),
                        pv=(PvArray("pv", tuple(pv)),), batteries=(bat,))  # fmt: skip
    r = dispatch(p)
    # The enumeration explores a subset of the LP's feasible set, so equality shows both the LP's
    # optimality and that the optimum lies on the 0.5 kW grid.
    assert r.bill.total_cny == pytest.approx(expected, abs=ABS)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_objective_equals_the_independent_scipy_formulation(seed: int) -> None:
    p = enterprise_day(seed)
    r = dispatch(p, battery_exclusive="lp")
    ref = solve_reference(p)
    assert r.lp_relaxation_exact
    # 1e-6 relative: both are HiGHS optima of the same LP at default tolerances (1e-7).
    assert r.objective_cny == pytest.approx(ref, rel=1e-6)
    assert r.savings_cny > 0
