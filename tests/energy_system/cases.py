"""Synthetic but plausible day-ahead cases (a factory enterprise, a park) for tests and benchmarks."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from parkcarbon.core.energy_system import (
    BasicCharge,
    Battery,
    DispatchProblem,
    EvSession,
    FlexibleLoad,
    GridConnection,
    PvArray,
    step_tariff,
)

DAY = date(2026, 7, 15)


def enterprise_day(seed: int = 0, *, scale: float = 1.0, tag: str = "") -> DispatchProblem:
    """One enterprise on a July day in Jiangsu (苏发改价格发〔2025〕426号 periods, library prices)."""
    rng = np.random.default_rng(seed)
    t = np.arange(96)
    shift = ((t >= 32) & (t < 72)).astype(float)
    load = scale * (120 + 180 * shift + 15 * rng.standard_normal(96)).clip(20)
    pv = np.array([max(0.0, math.sin((x - 24) / 48 * math.pi)) for x in t]) * (0.9 + 0.1 * rng.random(96))
    tariff = step_tariff(
        "CN-JS",
        DAY,
        export_cny_per_kwh=0.391,  # Jiangsu coal benchmark price, illustrative feed-in price
        basic_charge=BasicCharge("demand", 40.0, month_peak_so_far_kw=250 * scale),
        carbon_cny_per_tco2=80.0,
        grid_factor_tco2_per_mwh=0.5306,  # MEE/NBS 2023 national average (standards-facts 3.9)
    )
    evs = tuple(
        EvSession(f"{tag}ev{i}", int(a), int(min(96, a + d)), float(e), 7.0)
        for i, (a, d, e) in enumerate(
            zip(rng.integers(30, 40, 6), rng.integers(28, 40, 6), rng.uniform(15, 40, 6), strict=True)
        )
    )
    return DispatchProblem(
        load_kw=tuple(load),
        tariff=tariff,
        grid=GridConnection(import_limit_kw=800 * scale, export_limit_kw=0.0),
        pv=(PvArray(f"{tag}pv", tuple(pv), kwp=200 * scale),),
        batteries=(Battery(f"{tag}bat", 400 * scale, 200 * scale, degradation_cny_per_kwh=0.05),),
        ev_sessions=evs,
        flexible_loads=(FlexibleLoad(f"{tag}flex", 0, 96, 300 * scale, 60 * scale),),
    )


def park_day(enterprises: int = 40) -> DispatchProblem:
    """The park's shared connection: 40 enterprises' loads, PV, batteries and EVs on one bus."""
    parts = [enterprise_day(i, scale=0.5 + (i % 5) * 0.2, tag=f"e{i}-") for i in range(enterprises)]
    load = np.sum([np.asarray(p.load_kw) for p in parts], axis=0)
    base = parts[0].tariff
    tariff = step_tariff(
        "CN-JS",
        DAY,
        export_cny_per_kwh=0.391,
        basic_charge=BasicCharge("demand", 40.0, month_peak_so_far_kw=float(load.max()) * 0.8),
        carbon_cny_per_tco2=base.carbon_cny_per_tco2,
        grid_factor_tco2_per_mwh=0.5306,
    )
    return DispatchProblem(
        load_kw=tuple(load),
        tariff=tariff,
        grid=GridConnection(import_limit_kw=float(load.max()) * 2, export_limit_kw=0.0),
        pv=tuple(a for p in parts for a in p.pv),
        batteries=tuple(b for p in parts for b in p.batteries),
        ev_sessions=tuple(s for p in parts for s in p.ev_sessions),
        flexible_loads=tuple(f for p in parts for f in p.flexible_loads),
    )
