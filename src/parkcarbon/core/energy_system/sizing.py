"""PV + storage sizing (光储容量配置) over representative days, REopt-like, as one LP.

Decision variables: ``PV-capacity_kwp``, ``Battery-energy_kwh``, ``Battery-power_kw`` (each ≥ 0, ≤ an
optional upper bound) and, for every representative day d and step t, the dispatch of
:mod:`.dispatch` (import, export, PV output ≤ kWp × per-kWp profile, charge/discharge ≤ kW,
SoC ∈ [SoC_min, SoC_max] × kWh, day-cyclic SoC, peak ≥ import).

Objective (CNY/year)::

    min CRF(r, n_PV) C_PV kWp + CRF(r, n_B) (C_E kWh + C_P kW)              annualised capex
        + o_PV C_PV kWp + o_B (C_E kWh + C_P kW)                             O&M (share of capex)
        + Σ_d w_d Σ_t Δt (p_dt import_dt − p^exp_dt export_dt + wear dis_dt)  energy
        + Σ_d (w_d / (365/12)) p_D peak_d                                     demand charge

with ``w_d`` the number of days day d stands for (Σ w_d = 365) and each day's peak taken as the
peak of the w_d / 30.42 months it represents.

Capital recovery factor (资本回收系数)::

    CRF(r, n) = r (1 + r)^n / ((1 + r)^n − 1)        (CRF(0, n) = 1/n)

(Short, Packey, Holt, *A Manual for the Economic Evaluation of Energy Efficiency and Renewable
Energy Technologies*, NREL/TP-462-5173, 1995, §4.3.1, eq. 4-6.)

NPV over the PV lifetime of the annual saving before capex, and simple payback::

    NPV = (cost_without − operating_cost_with) / CRF(r, n_PV) − capex;  payback = capex / saving

Not modelled yet (issue 17 §5): 8760-h input (pass 365 days of weight 1 instead), degradation of
PV output, tariff escalation, grid-factor trajectory, IRR/LCOE, battery replacement within the PV
life (the battery's own CRF annualises it over its life).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from parkcarbon.core.energy_system.assets import check_profile
from parkcarbon.core.energy_system.errors import EnergyInputError, EnergySystemError, InfeasibleDispatchError
from parkcarbon.core.energy_system.tariff import StepTariff, bill

__all__ = ["RepresentativeDay", "SizingCosts", "SizingResult", "capital_recovery_factor", "size_pv_battery"]


def capital_recovery_factor(rate: float, years: int) -> float:
    """CRF(r, n) = r (1 + r)^n / ((1 + r)^n − 1) [1/year] (NREL/TP-462-5173 eq. 4-6)."""
    if not (math.isfinite(rate) and rate >= 0) or not (isinstance(years, int) and years >= 1):
        raise EnergyInputError(
            "discount rate must be ≥ 0 and lifetime a whole number of years ≥ 1", field="discount_rate"
        )
    if rate == 0:
        return 1.0 / years
    g = (1.0 + rate) ** years
    return rate * g / (g - 1.0)


@dataclass(frozen=True, slots=True)
class RepresentativeDay:
    """A typical day (典型日) and how many days of the year it stands for."""

    weight_days: float
    load_kw: tuple[float, ...]
    pv_kw_per_kwp: tuple[float, ...]
    tariff: StepTariff

    def __post_init__(self) -> None:
        if not (math.isfinite(self.weight_days) and self.weight_days > 0):
            raise EnergyInputError("weight_days must be > 0", field="days.weight_days")
        check_profile("days.load_kw", self.load_kw, self.tariff.steps)
        check_profile("days.pv_kw_per_kwp", self.pv_kw_per_kwp, self.tariff.steps)


@dataclass(frozen=True, slots=True)
class SizingCosts:
    """Costs and technical parameters of the candidates (illustrative defaults: none are cited)."""

    pv_cny_per_kwp: float = 3000.0
    battery_cny_per_kwh: float = 900.0
    battery_cny_per_kw: float = 300.0
    pv_om_share: float = 0.01
    battery_om_share: float = 0.02
    pv_life_years: int = 25
    battery_life_years: int = 10
    discount_rate: float = 0.06
    charge_efficiency: float = 0.95
    discharge_efficiency: float = 0.95
    soc_min: float = 0.1
    soc_max: float = 0.9
    degradation_cny_per_kwh: float = 0.0
    max_pv_kwp: float | None = None
    max_battery_kwh: float | None = None
    max_battery_kw: float | None = None
    export_limit_kw: float = 0.0
    import_limit_kw: float | None = None


@dataclass(frozen=True)
class SizingResult:
    pv_kwp: float
    battery_kwh: float
    battery_kw: float
    capex_cny: float
    annualised_cost_cny: float
    annual_cost_without_cny: float
    annual_operating_cost_with_cny: float
    annual_saving_cny: float
    npv_cny: float
    simple_payback_years: float | None
    crf_pv: float
    crf_battery: float


def size_pv_battery(days: Sequence[RepresentativeDay], costs: SizingCosts = SizingCosts()) -> SizingResult:
    """Choose PV kWp and battery kWh/kW minimising the annualised cost (see the module docstring).

    Raises
    ------
    EnergyInputError
        No days, days of different lengths.
    InfeasibleDispatchError
        The load cannot be served within the import limit.
    """
    import linopy
    import pandas as pd
    import xarray as xr

    if not days:
        raise EnergyInputError("at least one representative day is needed", field="days")
    n = days[0].tariff.steps
    if any(d.tariff.steps != n or d.tariff.step_hours != days[0].tariff.step_hours for d in days):
        raise EnergyInputError("all representative days need the same steps", field="days")
    dt = days[0].tariff.step_hours
    c = costs
    crf_pv = capital_recovery_factor(c.discount_rate, c.pv_life_years)
    crf_b = capital_recovery_factor(c.discount_rate, c.battery_life_years)

    di = pd.RangeIndex(len(days), name="day")
    si = pd.RangeIndex(n, name="step")

    def grid2(rows: list[Sequence[float]]) -> xr.DataArray:
        return xr.DataArray(np.asarray(rows, dtype=float), coords=[di, si])

    load = grid2([d.load_kw for d in days])
    prof = grid2([d.pv_kw_per_kwp for d in days])
    w = xr.DataArray([d.weight_days for d in days], coords=[di])
    price = grid2([[d.tariff.effective_import_cny_per_kwh(t) for t in range(n)] for d in days])
    feed = grid2([d.tariff.export_cny_per_kwh for d in days])
    dprice = xr.DataArray(
        [
            d.tariff.basic_charge.price_cny_per_kw_month
            if d.tariff.basic_charge is not None and d.tariff.basic_charge.basis == "demand"
            else 0.0
            for d in days
        ],
        coords=[di],
    )

    m = linopy.Model(force_dim_names=True)
    inf = np.inf
    kwp = m.add_variables(
        lower=0, upper=c.max_pv_kwp if c.max_pv_kwp is not None else inf, name="PV-capacity_kwp"
    )
    ekwh = m.add_variables(
        lower=0, upper=c.max_battery_kwh if c.max_battery_kwh is not None else inf, name="Battery-energy_kwh"
    )
    pkw = m.add_variables(
        lower=0, upper=c.max_battery_kw if c.max_battery_kw is not None else inf, name="Battery-power_kw"
    )
    imp_ub = inf if c.import_limit_kw is None else c.import_limit_kw
    imp = m.add_variables(lower=0, upper=imp_ub, coords=[di, si], name="Grid-import_kw")
    exp = m.add_variables(lower=0, upper=c.export_limit_kw, coords=[di, si], name="Grid-export_kw")
    pv = m.add_variables(lower=0, coords=[di, si], name="PV-output_kw")
    ch = m.add_variables(lower=0, coords=[di, si], name="Battery-charge_kw")
    dis = m.add_variables(lower=0, coords=[di, si], name="Battery-discharge_kw")
    soc = m.add_variables(lower=0, coords=[di, si], name="Battery-soc_kwh")
    peak = m.add_variables(lower=0, coords=[di], name="Grid-peak_kw")

    m.add_constraints(pv - prof * kwp <= 0, name="PV-availability")
    m.add_constraints(ch - pkw <= 0, name="Battery-charge_limit")
    m.add_constraints(dis - pkw <= 0, name="Battery-discharge_limit")
    m.add_constraints(soc - c.soc_max * ekwh <= 0, name="Battery-soc_max")
    m.add_constraints(soc - c.soc_min * ekwh >= 0, name="Battery-soc_min")
    # day-cyclic SoC: soc_t = soc_{t-1} + Δt(η_c ch_t − dis_t/η_d), soc_{-1} = soc_{T-1}
    prev = soc.roll(step=1)
    m.add_constraints(
        soc - prev - dt * c.charge_efficiency * ch + (dt / c.discharge_efficiency) * dis == 0,
        name="Battery-soc_balance",
    )
    m.add_constraints(imp - exp + pv + dis - ch == load, name="Bus-power_balance")
    m.add_constraints(peak - imp >= 0, name="Grid-peak_def")

    capex_pv = c.pv_cny_per_kwp * kwp
    capex_b = c.battery_cny_per_kwh * ekwh + c.battery_cny_per_kw * pkw
    annual_fixed = (crf_pv + c.pv_om_share) * capex_pv + (crf_b + c.battery_om_share) * capex_b
    energy = (w * dt * (price * imp - feed * exp + c.degradation_cny_per_kwh * dis)).sum()
    demand = (w / (365.0 / 12.0) * dprice * peak).sum()
    m.add_objective(annual_fixed + energy + demand)
    status, cond = m.solve(solver_name="highs", io_api="direct", output_flag=False, threads=1)
    if status != "ok" or cond != "optimal":
        if "infeasible" in str(cond):
            raise InfeasibleDispatchError(f"sizing: no schedule satisfies the limits ({cond})")
        raise EnergySystemError(f"sizing: solver status {status}, {cond}", code="energy.solver")

    def val(v: Any) -> float:
        return float(np.asarray(v.solution).item())

    s_kwp, s_kwh, s_kw = val(kwp), val(ekwh), val(pkw)
    capex = c.pv_cny_per_kwp * s_kwp + c.battery_cny_per_kwh * s_kwh + c.battery_cny_per_kw * s_kw
    total = float(m.objective.value or 0.0)
    annualised_capex = crf_pv * c.pv_cny_per_kwp * s_kwp + crf_b * (
        c.battery_cny_per_kwh * s_kwh + c.battery_cny_per_kw * s_kw
    )
    operating_with = total - annualised_capex  # energy + demand + O&M
    without = 0.0
    for d in days:
        net = np.asarray(d.load_kw)
        b = bill(d.tariff, tuple(net))
        months = d.weight_days / (365.0 / 12.0)
        bc = d.tariff.basic_charge
        dem = 0.0
        if bc is not None and bc.basis == "demand":
            dem = bc.price_cny_per_kw_month * b.peak_import_kw * months
        without += d.weight_days * (b.energy_cny + b.carbon_cny) + dem
    saving = without - operating_with
    npv = saving / crf_pv - capex
    return SizingResult(
        pv_kwp=s_kwp,
        battery_kwh=s_kwh,
        battery_kw=s_kw,
        capex_cny=capex,
        annualised_cost_cny=total,
        annual_cost_without_cny=without,
        annual_operating_cost_with_cny=operating_with,
        annual_saving_cny=saving,
        npv_cny=npv,
        simple_payback_years=(capex / saving) if saving > 0 and capex > 0 else None,
        crf_pv=crf_pv,
        crf_battery=crf_b,
    )
