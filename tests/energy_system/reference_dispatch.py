"""An independent formulation of the dispatch LP, written directly against scipy's HiGHS interface.

It shares nothing with ``core/energy_system/dispatch.py`` but the input dataclasses: the matrix is
assembled by hand (scipy.sparse), so a wrong sign or a missing term in either formulation shows as
an objective difference. Used by the tests and by ``benchmarks/dispatch.py`` (the reference solve).
LP only (no battery-mode binaries).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from parkcarbon.core.energy_system import DispatchProblem


def solve_reference(p: DispatchProblem) -> float:
    """Optimal cost [CNY] of ``p`` (energy − export + wear + demand increase + carbon)."""
    n, dt, tar = p.steps, p.tariff.step_hours, p.tariff
    B, S, F = len(p.batteries), len(p.ev_sessions), len(p.flexible_loads)
    # variable blocks: imp, exp, pv, ch[B], dis[B], soc[B], ev[S], flex[F], peak
    off = {}
    k = 0
    for name, size in (("imp", n), ("exp", n), ("pv", n), ("ch", B * n), ("dis", B * n), ("soc", B * n),
                       ("ev", S * n), ("flex", F * n), ("peak", 1)):  # fmt: skip
        off[name] = k
        k += size
    nv = k
    c = np.zeros(nv)
    lb = np.zeros(nv)
    ub = np.full(nv, np.inf)
    for t in range(n):
        carbon = tar.carbon_cny_per_tco2 * tar.grid_factor(t) / 1000
        c[off["imp"] + t] = (tar.import_cny_per_kwh[t] + carbon) * dt
        c[off["exp"] + t] = -tar.export_cny_per_kwh[t] * dt
        if p.grid.import_limit_kw is not None:
            ub[off["imp"] + t] = p.grid.import_limit_kw
        ub[off["exp"] + t] = p.grid.export_limit_kw
    avail, must = p.pv_available_kw(), p.pv_must_run_kw()
    lb[off["pv"]: off["pv"] + n] = must
    ub[off["pv"]: off["pv"] + n] = avail
    rows, cols, vals, beq = [], [], [], []
    r = 0
    # power balance
    for t in range(n):
        entries = [(off["imp"] + t, 1.0), (off["exp"] + t, -1.0), (off["pv"] + t, 1.0)]
        entries += [(off["dis"] + b * n + t, 1.0) for b in range(B)]
        entries += [(off["ch"] + b * n + t, -1.0) for b in range(B)]
        entries += [(off["ev"] + s * n + t, -1.0) for s in range(S)]
        entries += [(off["flex"] + f * n + t, -1.0) for f in range(F)]
        for j, v in entries:
            rows.append(r); cols.append(j); vals.append(v)  # noqa: E702
        beq.append(p.load_kw[t]); r += 1  # noqa: E702
    for b, bat in enumerate(p.batteries):
        for t in range(n):
            j = b * n + t
            ub[off["ch"] + j] = ub[off["dis"] + j] = bat.power_kw
            lb[off["soc"] + j] = bat.soc_min * bat.energy_kwh
            ub[off["soc"] + j] = bat.soc_max * bat.energy_kwh
            c[off["dis"] + j] = bat.degradation_cny_per_kwh * dt
            # soc_t - soc_{t-1} - dt*eta_c*ch + dt/eta_d*dis = (t == 0) * soc0
            entries = [(off["soc"] + j, 1.0), (off["ch"] + j, -dt * bat.charge_efficiency),
                       (off["dis"] + j, dt / bat.discharge_efficiency)]  # fmt: skip
            if t:
                entries.append((off["soc"] + j - 1, -1.0))
            for jj, v in entries:
                rows.append(r); cols.append(jj); vals.append(v)  # noqa: E702
            beq.append(bat.soc_initial * bat.energy_kwh if t == 0 else 0.0); r += 1  # noqa: E702
        last = off["soc"] + b * n + n - 1
        lb[last] = max(lb[last], bat.final_soc_min * bat.energy_kwh)
    for name, group in (("ev", p.ev_sessions), ("flex", p.flexible_loads)):
        for i, g in enumerate(group):
            window = set(g.window(n))
            for t in range(n):
                ub[off[name] + i * n + t] = g.max_power_kw if t in window else 0.0
                rows.append(r); cols.append(off[name] + i * n + t); vals.append(dt)  # noqa: E702
            beq.append(g.energy_kwh); r += 1  # noqa: E702
    a_eq = sp.csr_matrix((vals, (rows, cols)), shape=(r, nv))
    bc = tar.basic_charge
    a_ub = None
    b_ub = None
    const = 0.0
    if bc is not None and bc.basis == "demand" and bc.price_cny_per_kw_month > 0:
        c[off["peak"]] = bc.price_cny_per_kw_month
        lb[off["peak"]] = bc.month_peak_so_far_kw
        # imp_t - peak <= 0
        a_ub = sp.csr_matrix(
            (np.r_[np.ones(n), -np.ones(n)], (np.r_[np.arange(n), np.arange(n)],
             np.r_[off["imp"] + np.arange(n), np.full(n, off["peak"])])), shape=(n, nv))  # fmt: skip
        b_ub = np.zeros(n)
        const = -bc.price_cny_per_kw_month * bc.month_peak_so_far_kw
    else:
        ub[off["peak"]] = 0.0
    bounds = np.c_[lb, ub]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.asarray(beq), bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"reference LP: {res.message}")
    return float(res.fun + const)
