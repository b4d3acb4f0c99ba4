"""Day-ahead economic dispatch (日前经济调度): PV, batteries, EV smart charging, flexible loads, grid limits.

A linear programme over ``T`` steps of Δt hours (96 × 15 min for a day), built with linopy and solved
with HiGHS; building (:func:`build_dispatch_model`) is separate from solving (:func:`dispatch`). Every
variable and constraint carries a label ``Component-quantity_unit`` as PyPSA does, so a binding limit
can be named to a user.

Variables (all ≥ 0, [kW] unless said) — ``Grid-import_kw[t]``, ``Grid-export_kw[t]``,
``PV-output_kw[t]`` ≤ available, ``Battery-charge_kw[b,t]``, ``Battery-discharge_kw[b,t]`` ≤ P_b,
``Battery-soc_kwh[b,t]`` ∈ [SoC_min E, SoC_max E], ``EV-charge_kw[s,t]`` ≤ P_s inside the session's
window (0 outside), ``Flex-power_kw[f,t]`` likewise, ``Grid-peak_kw`` ≥ the month's peak so far.

Constraints::

    Bus-power_balance[t]:   import − export + pv + Σ_b dis − Σ_b ch − Σ_s ev − Σ_f flex = load_t
    Battery-soc_balance[b,t]: soc_t = soc_{t−1} + Δt (η_c ch_t − dis_t / η_d)      (soc_{−1} = SoC_0 E)
    Battery-soc_final[b]:   soc_{T−1} ≥ SoC_final E
    EV-energy[s]:           Σ_t ev_{s,t} Δt = E_s
    Flex-energy[f]:         Σ_t flex_{f,t} Δt = E_f
    Grid-peak_def[t]:       peak ≥ import_t
    (bounds)                import ≤ transformer limit, export ≤ export limit (防逆流: 0)

Objective (CNY)::

    min Σ_t Δt (p_t + c_CO2 EF_t / 1000) import_t − Σ_t Δt p^exp_t export_t
        + Σ_{b,t} Δt w_b dis_{b,t} + p_D (peak − D_so_far)

No simultaneous charge and discharge: with η_c η_d < 1 a simultaneous pair only burns energy, which
costs money whenever energy has a positive value, so the LP relaxation is exact then. It is *not*
exact when wasting energy is worth something (negative prices, or surplus PV with the export limit
binding and no curtailment allowed). The result says whether it was exact; with
``battery_exclusive="auto"`` (default) an inexact LP is re-solved as a MILP with a binary per
battery and step (``Battery-mode[b,t]``: ch ≤ P u, dis ≤ P (1 − u)).

Counterfactual (基准情景): no battery, each EV charged at full power from arrival until full
(unmanaged charging), each flexible load run at full power from the start of its window, PV used first
and exported up to the limit, the rest curtailed. Its cost is computed by :func:`bill` directly, not
by the LP.

References
----------
.. [1] Brown, Hörsch, Schlachtberger, "PyPSA: Python for Power System Analysis", JORS 6 (2018) —
   labelled variables and constraints; linopy, Hofmann, JOSS 8 (2023) 4823.
.. [2] Huangfu, Hall, "Parallelizing the dual revised simplex method", Math. Prog. Comp. 10 (2018) —
   HiGHS.
.. [3] NREL REopt: Cutler et al., "REopt: A Platform for Energy System Integration and Optimization",
   NREL/TP-7A40-70022 (2017) — demand charges on the period peak; MPC with month-to-date peak.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from parkcarbon.core.energy_system.assets import (
    Battery,
    EvSession,
    FlexibleLoad,
    GridConnection,
    PvArray,
    check_profile,
)
from parkcarbon.core.energy_system.errors import EnergyInputError, EnergySystemError, InfeasibleDispatchError
from parkcarbon.core.energy_system.tariff import Bill, StepTariff, bill

__all__ = [
    "Counterfactual",
    "DispatchProblem",
    "DispatchResult",
    "build_dispatch_model",
    "counterfactual",
    "dispatch",
]

_TOL = 1e-6


@dataclass(frozen=True)
class DispatchProblem:
    """Inputs of a dispatch: base load, assets, grid connection, tariff.

    ``load_kw`` is the inflexible load per step [kW] (forecast, or the last comparable day).
    """

    load_kw: tuple[float, ...]
    tariff: StepTariff
    grid: GridConnection = field(default_factory=GridConnection)
    pv: tuple[PvArray, ...] = ()
    batteries: tuple[Battery, ...] = ()
    ev_sessions: tuple[EvSession, ...] = ()
    flexible_loads: tuple[FlexibleLoad, ...] = ()

    def __post_init__(self) -> None:
        n = self.tariff.steps
        object.__setattr__(self, "load_kw", check_profile("load_kw", self.load_kw, n))
        for a in self.pv:
            check_profile(f"pv.{a.id}.profile_kw", a.profile_kw, n)
        for group, name in ((self.pv, "pv"), (self.batteries, "battery"), (self.ev_sessions, "ev"),
                            (self.flexible_loads, "flex")):  # fmt: skip
            ids = [x.id for x in group]
            if len(set(ids)) != len(ids):
                raise EnergyInputError(f"duplicate {name} ids", field=f"{name}.id")
        dt = self.tariff.step_hours
        for s in self.ev_sessions:
            w = s.window(n)
            if s.energy_kwh > s.max_power_kw * dt * len(w) + 1e-9:
                raise InfeasibleDispatchError(
                    f"EV session {s.id}: {s.energy_kwh:g} kWh cannot be delivered at ≤ {s.max_power_kw:g} kW "
                    f"in {len(w)} steps of {dt:g} h",
                    field=f"ev.{s.id}.energy_kwh",
                )
        for f in self.flexible_loads:
            w = f.window(n)
            if f.energy_kwh > f.max_power_kw * dt * len(w) + 1e-9:
                raise InfeasibleDispatchError(
                    f"flexible load {f.id}: {f.energy_kwh:g} kWh does not fit its window at ≤ "
                    f"{f.max_power_kw:g} kW",
                    field=f"flex.{f.id}.energy_kwh",
                )

    @property
    def steps(self) -> int:
        return self.tariff.steps

    def pv_available_kw(self) -> np.ndarray:
        out = np.zeros(self.steps)
        for a in self.pv:
            out += np.asarray(a.available_kw())
        return out

    def pv_must_run_kw(self) -> np.ndarray:
        out = np.zeros(self.steps)
        for a in self.pv:
            if not a.curtailable:
                out += np.asarray(a.available_kw())
        return out


@dataclass(frozen=True)
class Counterfactual:
    """The unmanaged schedule (no battery, EVs and flexible loads at full power from the start)."""

    import_kw: tuple[float, ...]
    export_kw: tuple[float, ...]
    pv_curtailed_kw: tuple[float, ...]
    ev_kw: dict[str, tuple[float, ...]]
    flex_kw: dict[str, tuple[float, ...]]
    bill: Bill


@dataclass(frozen=True)
class DispatchResult:
    """A solved day-ahead plan.

    Attributes
    ----------
    import_kw, export_kw, pv_kw, pv_curtailed_kw, load_kw : tuple of float
        Per step [kW].
    battery_charge_kw, battery_discharge_kw, battery_soc_kwh : dict of id → tuple
        Per battery and step (SoC at the *end* of each step).
    ev_kw, flex_kw : dict of id → tuple
    bill : Bill
        Cost of the plan (the LP objective, recomputed from the schedule).
    objective_cny : float
        The solver's objective (+ the constant month-peak term); equals ``bill.total_cny``.
    counterfactual : Counterfactual
    savings_cny : float
        counterfactual.bill.total_cny − bill.total_cny.
    formulation : ``"lp"`` or ``"milp"``
    lp_relaxation_exact : bool
        The LP had no simultaneous charge/discharge (and no simultaneous import/export).
    binding : tuple of str
        Labels of limits that bind at the optimum (export limit, import limit, SoC bounds, peak).
    """

    import_kw: tuple[float, ...]
    export_kw: tuple[float, ...]
    pv_kw: tuple[float, ...]
    pv_curtailed_kw: tuple[float, ...]
    load_kw: tuple[float, ...]
    battery_charge_kw: dict[str, tuple[float, ...]]
    battery_discharge_kw: dict[str, tuple[float, ...]]
    battery_soc_kwh: dict[str, tuple[float, ...]]
    ev_kw: dict[str, tuple[float, ...]]
    flex_kw: dict[str, tuple[float, ...]]
    bill: Bill
    objective_cny: float
    counterfactual: Counterfactual
    savings_cny: float
    formulation: Literal["lp", "milp"]
    lp_relaxation_exact: bool
    binding: tuple[str, ...] = field(default=())


def _tup(a: Any) -> tuple[float, ...]:
    return tuple(float(x) for x in np.asarray(a).ravel())


def build_dispatch_model(problem: DispatchProblem, *, exclusive: bool = False) -> Any:
    """Build the linopy model of ``problem`` (not solved). ``exclusive`` adds the battery-mode binaries."""
    import linopy  # local: heavy import, only when optimising
    import pandas as pd
    import xarray as xr

    n = problem.steps
    dt = problem.tariff.step_hours
    tar = problem.tariff
    steps = pd.RangeIndex(n, name="step")
    m = linopy.Model(force_dim_names=True)

    imp_ub = np.inf if problem.grid.import_limit_kw is None else problem.grid.import_limit_kw
    imp = m.add_variables(lower=0.0, upper=imp_ub, coords=[steps], name="Grid-import_kw")
    exp = m.add_variables(
        lower=0.0, upper=problem.grid.export_limit_kw, coords=[steps], name="Grid-export_kw"
    )
    avail = xr.DataArray(problem.pv_available_kw(), coords=[steps])
    must = xr.DataArray(problem.pv_must_run_kw(), coords=[steps])
    pv = m.add_variables(lower=must, upper=avail, coords=[steps], name="PV-output_kw")

    supply = imp - exp + pv
    load = xr.DataArray(np.asarray(problem.load_kw), coords=[steps])

    obj_price = xr.DataArray(
        np.array([tar.effective_import_cny_per_kwh(t) * dt for t in range(n)]), coords=[steps]
    )
    obj_export = xr.DataArray(np.asarray(tar.export_cny_per_kwh) * dt, coords=[steps])
    objective = (obj_price * imp).sum() - (obj_export * exp).sum()

    if problem.batteries:
        bidx = pd.Index([b.id for b in problem.batteries], name="battery")

        def per_b(attr: str) -> xr.DataArray:
            return xr.DataArray([getattr(b, attr) for b in problem.batteries], coords=[bidx])

        e = per_b("energy_kwh")
        p = per_b("power_kw")
        ch = m.add_variables(
            lower=0.0, upper=p.expand_dims(step=steps).transpose("battery", "step"), name="Battery-charge_kw"
        )
        dis = m.add_variables(
            lower=0.0,
            upper=p.expand_dims(step=steps).transpose("battery", "step"),
            name="Battery-discharge_kw",
        )
        lo = (per_b("soc_min") * e).expand_dims(step=steps).transpose("battery", "step")
        hi = (per_b("soc_max") * e).expand_dims(step=steps).transpose("battery", "step")
        soc = m.add_variables(lower=lo, upper=hi, name="Battery-soc_kwh")
        eta_c = per_b("charge_efficiency")
        eta_d = per_b("discharge_efficiency")
        init = xr.zeros_like(lo)
        init.loc[{"step": 0}] = (per_b("soc_initial") * e).values
        m.add_constraints(
            soc - soc.shift(step=1).fillna(0) - dt * eta_c * ch + (dt / eta_d) * dis == init,
            name="Battery-soc_balance",
        )
        final = xr.DataArray([b.final_soc_min * b.energy_kwh for b in problem.batteries], coords=[bidx])
        m.add_constraints(soc.isel(step=n - 1) >= final, name="Battery-soc_final")
        supply = supply + dis.sum("battery") - ch.sum("battery")
        wear = xr.DataArray([b.degradation_cny_per_kwh * dt for b in problem.batteries], coords=[bidx])
        if any(b.degradation_cny_per_kwh for b in problem.batteries):
            objective = objective + (wear * dis).sum()
        if exclusive:
            u = m.add_variables(binary=True, coords=[bidx, steps], name="Battery-mode")
            pb = p.expand_dims(step=steps).transpose("battery", "step")
            m.add_constraints(ch - pb * u <= 0, name="Battery-charge_if_mode")
            m.add_constraints(dis + pb * u <= pb, name="Battery-discharge_if_not_mode")

    groups: tuple[tuple[list[EvSession | FlexibleLoad], str], ...] = (
        (list(problem.ev_sessions), "EV"),
        (list(problem.flexible_loads), "Flex"),
    )
    for group, label in groups:
        if not group:
            continue
        dim = "session" if label == "EV" else "load"
        idx = pd.Index([g.id for g in group], name=dim)
        ub = np.zeros((len(group), n))
        for i, g in enumerate(group):
            ub[i, list(g.window(n))] = g.max_power_kw
        qty = "charge_kw" if label == "EV" else "power_kw"
        var = m.add_variables(lower=0.0, upper=xr.DataArray(ub, coords=[idx, steps]), name=f"{label}-{qty}")
        need = xr.DataArray([g.energy_kwh for g in group], coords=[idx])
        m.add_constraints((dt * var).sum("step") == need, name=f"{label}-energy")
        supply = supply - var.sum(dim)

    m.add_constraints(supply == load, name="Bus-power_balance")

    bc = tar.basic_charge
    if bc is not None and bc.basis == "demand" and bc.price_cny_per_kw_month > 0:
        peak = m.add_variables(lower=bc.month_peak_so_far_kw, name="Grid-peak_kw")
        m.add_constraints(peak - imp >= 0, name="Grid-peak_def")
        objective = objective + bc.price_cny_per_kw_month * peak
    m.add_objective(objective)
    return m


def _solve(m: Any) -> None:
    status, condition = m.solve(solver_name="highs", io_api="direct", output_flag=False, threads=1)
    if status != "ok" or condition != "optimal":
        if "infeasible" in str(condition):
            raise InfeasibleDispatchError(
                f"no schedule satisfies the limits ({condition}): check the import limit against the "
                "load and the EV energy, and the export limit against must-run PV"
            )
        raise EnergySystemError(f"solver status {status}, {condition}", code="energy.solver")


def counterfactual(problem: DispatchProblem) -> Counterfactual:
    """The unmanaged schedule and its bill (see the module docstring)."""
    n = problem.steps
    dt = problem.tariff.step_hours
    ev: dict[str, tuple[float, ...]] = {}
    flex: dict[str, tuple[float, ...]] = {}
    extra = np.zeros(n)
    for group, out in ((problem.ev_sessions, ev), (problem.flexible_loads, flex)):
        for g in group:
            rest = g.energy_kwh
            prof = np.zeros(n)
            for t in g.window(n):
                if rest <= 0:
                    break
                p = min(g.max_power_kw, rest / dt)
                prof[t] = p
                rest -= p * dt
            out[g.id] = _tup(prof)
            extra += prof
    net = np.asarray(problem.load_kw) + extra - problem.pv_available_kw()
    imp = np.maximum(net, 0.0)
    surplus = np.maximum(-net, 0.0)
    exp = np.minimum(surplus, problem.grid.export_limit_kw)
    curtailed = surplus - exp
    must_excess = problem.pv_must_run_kw() - (np.asarray(problem.load_kw) + extra + exp)
    if np.any(must_excess > _TOL) or (
        problem.grid.import_limit_kw is not None and np.any(imp > problem.grid.import_limit_kw + _TOL)
    ):
        raise InfeasibleDispatchError(
            "the unmanaged counterfactual breaks the grid limits (import above the transformer limit or "
            "must-run PV above the export limit)"
        )
    return Counterfactual(
        import_kw=_tup(imp),
        export_kw=_tup(exp),
        pv_curtailed_kw=_tup(curtailed),
        ev_kw=ev,
        flex_kw=flex,
        bill=bill(problem.tariff, _tup(imp), _tup(exp)),
    )


def _by_id(var: Any, ids: Sequence[str], dim: str) -> dict[str, tuple[float, ...]]:
    sol = var.solution
    return {i: _tup(sol.sel({dim: i})) for i in ids}


def dispatch(
    problem: DispatchProblem,
    *,
    battery_exclusive: Literal["auto", "lp", "milp"] = "auto",
    with_counterfactual: bool = True,
) -> DispatchResult:
    """Solve the day-ahead dispatch of ``problem``.

    Parameters
    ----------
    battery_exclusive : ``"auto"`` | ``"lp"`` | ``"milp"``
        ``"lp"``: the LP only (the result says whether it happened to be exact); ``"milp"``: the
        binaries from the start; ``"auto"``: the LP, re-solved as a MILP if inexact.
    with_counterfactual : bool
        Compute the unmanaged counterfactual (it raises if the unmanaged schedule breaks a limit).

    Raises
    ------
    InfeasibleDispatchError
        No feasible schedule.
    EnergySystemError
        ``energy.solver``: the solver failed otherwise.
    """
    cf = counterfactual(problem) if with_counterfactual else None
    formulation: Literal["lp", "milp"] = "milp" if battery_exclusive == "milp" else "lp"
    m = build_dispatch_model(problem, exclusive=formulation == "milp")
    _solve(m)
    exact = _exact(m, problem)
    if not exact and battery_exclusive == "auto" and problem.batteries:
        formulation = "milp"
        m = build_dispatch_model(problem, exclusive=True)
        _solve(m)
    return _result(m, problem, cf, formulation, exact)


def _exact(m: Any, problem: DispatchProblem) -> bool:
    ok = True
    if problem.batteries:
        ch = m.variables["Battery-charge_kw"].solution.values
        dis = m.variables["Battery-discharge_kw"].solution.values
        ok = bool(np.all(np.minimum(ch, dis) <= _TOL))
    imp = m.variables["Grid-import_kw"].solution.values
    exp = m.variables["Grid-export_kw"].solution.values
    return ok and bool(np.all(np.minimum(imp, exp) <= _TOL))


def _result(
    m: Any,
    problem: DispatchProblem,
    cf: Counterfactual | None,
    formulation: Literal["lp", "milp"],
    exact: bool,
) -> DispatchResult:
    v = m.variables
    imp = np.clip(v["Grid-import_kw"].solution.values, 0.0, None)
    exp = np.clip(v["Grid-export_kw"].solution.values, 0.0, None)
    pv = v["PV-output_kw"].solution.values
    bids = [b.id for b in problem.batteries]
    ch = _by_id(v["Battery-charge_kw"], bids, "battery") if bids else {}
    dis = _by_id(v["Battery-discharge_kw"], bids, "battery") if bids else {}
    soc = _by_id(v["Battery-soc_kwh"], bids, "battery") if bids else {}
    ev = (
        _by_id(v["EV-charge_kw"], [s.id for s in problem.ev_sessions], "session")
        if problem.ev_sessions
        else {}
    )
    flex = (
        _by_id(v["Flex-power_kw"], [f.id for f in problem.flexible_loads], "load")
        if problem.flexible_loads
        else {}
    )
    dt = problem.tariff.step_hours
    wear = sum(b.degradation_cny_per_kwh * dt * sum(dis[b.id]) for b in problem.batteries)
    plan_bill = bill(problem.tariff, _tup(imp), _tup(exp), degradation_cny=wear)
    objective = float(m.objective.value)
    bc = problem.tariff.basic_charge
    if bc is not None and bc.basis == "demand" and bc.price_cny_per_kw_month > 0:
        objective -= bc.price_cny_per_kw_month * bc.month_peak_so_far_kw
    binding: list[str] = []
    if (
        problem.grid.export_limit_kw is not None
        and np.any(exp >= problem.grid.export_limit_kw - _TOL)
        and np.any(problem.pv_available_kw() - pv > _TOL)
    ):
        binding.append("Grid-export_kw (export limit 防逆流)")
    if problem.grid.import_limit_kw is not None and np.any(imp >= problem.grid.import_limit_kw - _TOL):
        binding.append("Grid-import_kw (import limit)")
    for b in problem.batteries:
        s = np.asarray(soc[b.id])
        if np.any(s <= b.soc_min * b.energy_kwh + _TOL):
            binding.append(f"Battery-soc_kwh[{b.id}] (SoC min)")
        if np.any(s >= b.soc_max * b.energy_kwh - _TOL):
            binding.append(f"Battery-soc_kwh[{b.id}] (SoC max)")
    if math.isfinite(objective) and abs(objective - plan_bill.total_cny) > 1e-6 * max(1.0, abs(objective)):
        raise EnergySystemError(
            f"solver objective {objective:.6f} differs from its schedule's bill {plan_bill.total_cny:.6f}",
            code="energy.solver",
        )
    if cf is None:
        cf = Counterfactual(_tup(imp), _tup(exp), (), {}, {}, plan_bill)
    return DispatchResult(
        import_kw=_tup(imp),
        export_kw=_tup(exp),
        pv_kw=_tup(pv),
        pv_curtailed_kw=_tup(problem.pv_available_kw() - pv),
        load_kw=problem.load_kw,
        battery_charge_kw=ch,
        battery_discharge_kw=dis,
        battery_soc_kwh=soc,
        ev_kw=ev,
        flex_kw=flex,
        bill=plan_bill,
        objective_cny=objective,
        counterfactual=cf,
        savings_cny=cf.bill.total_cny - plan_bill.total_cny,
        formulation=formulation,
        lp_relaxation_exact=exact,
        binding=tuple(binding),
    )
