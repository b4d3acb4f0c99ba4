"""The demo park's load model (负荷模型): loads → meter consumption per 15-minute tick.

Pure and vectorised: :func:`meter_consumption` turns an enterprise of the catalogue and a
:class:`~parkcarbon.demo.profiles.Calendar` into the consumption of each of its meters per
tick, in the meter's unit (after the multiplier). Noise is keyed by absolute tick, so any window of
ticks gives the same values for the ticks it shares with another window.

Rules
-----
* Sub-meters measure their loads; a carrier's ``MAIN`` meter measures every load of that carrier
  plus unmetered losses (2.5 % electricity, 1.5 % other carriers).
* Rooftop PV is consumed on site behind the main incomer, limited by anti-backflow protection
  (防逆流) to 92 % of the load: the PV meter records what was consumed; the main incomer records
  the load minus that.
* Reactive energy [kvarh] = active energy × tan(arccos PF), the power factor sagging at light load.
* Active power [kW] (live telemetry) = the tick's active energy ÷ 0.25 h.

Planted anomalies (see :mod:`parkcarbon.demo.generator`) act here: ``base_load`` keeps the
compressors and office HVAC running around the clock; ``overshoot`` raises production loads by 25 %
from the commissioning of a second-phase unit on 1 December of the year before the anchor year;
``low_power_factor`` lives in the catalogue (PF 0.82).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from parkcarbon.demo.catalogue import EnterpriseSpec, LoadSpec, MeterSpec
from parkcarbon.demo.profiles import TICK_S, Calendar, activity, normal, smooth_noise, stream_key

__all__ = ["HOURS_PER_TICK", "growth_start", "load_rates", "meter_consumption"]

F64 = npt.NDArray[np.float64]

HOURS_PER_TICK = TICK_S / 3600.0
#: Growth of the overshooting enterprise's production loads after its second-phase unit starts.
OVERSHOOT_GROWTH = 0.25
#: Days over which the second-phase unit ramps up.
OVERSHOOT_RAMP_DAYS = 14
LOSSES = {"electricity": 0.025}
OTHER_LOSSES = 0.015
PV_SELF_USE_LIMIT = 0.92


def growth_start(anchor_year: int, timezone: str) -> int:
    """Epoch of the overshooting enterprise's second-phase start: 1 December of ``anchor_year − 1``."""
    return int(datetime(anchor_year - 1, 12, 1, tzinfo=ZoneInfo(timezone)).timestamp())


def _gauss(hour: F64, mu: float, sd: float) -> F64:
    d = (hour - mu + 12.0) % 24.0 - 12.0
    return np.asarray(np.exp(-0.5 * (d / sd) ** 2), dtype=np.float64)


def _shape(load: LoadSpec, cal: Calendar, act: F64, occ: F64) -> F64:
    """Rate [unit/h] of a load before noise (kinds in :class:`LoadSpec`)."""
    t, h, kind = cal.temp_c, cal.hour, load.kind
    if kind in ("process", "compressor"):
        return load.base + (load.peak - load.base) * act + load.heat * np.maximum(12.0 - t, 0.0) * occ
    if kind == "flat":
        return np.asarray(load.base * (1.0 + 0.01 * (t - 18.0)), dtype=np.float64)
    if kind == "hvac":
        o = np.ones_like(t) if load.always else occ
        set_cool = 20.0 if load.always else 24.0
        climate = load.cool * np.maximum(t - set_cool, 0.0) + load.heat * np.maximum(12.0 - t, 0.0)
        return np.asarray(load.base * (0.55 + 0.45 * o) + o * climate, dtype=np.float64)
    if kind == "lighting":
        return np.asarray(load.peak * (0.06 + 0.94 * occ * (0.5 + 0.5 * cal.dark)), dtype=np.float64)
    if kind == "streetlight":
        dimmed = np.where((h >= 0.5) & (h < 5.0), 0.6, 1.0)
        return np.asarray(load.peak * cal.dark * dimmed, dtype=np.float64)
    if kind == "cold":
        return np.asarray(load.base + load.cool * np.maximum(t - 5.0, 0.0) + 0.12 * load.base * act)
    if kind == "canteen":
        meals = 0.3 * _gauss(h, 7.2, 0.5) + _gauss(h, 11.4, 0.7) + 0.7 * _gauss(h, 17.2, 0.6)
        level = np.where(cal.working, 0.03 + meals, 0.03 + 0.15 * meals)
        return np.asarray(load.peak * np.where(cal.festival, 0.03, level), dtype=np.float64)
    if kind == "ev_work":
        day = _gauss(h, 9.5, 1.1) + 0.3 * _gauss(h, 13.8, 0.8)
        level = np.where(cal.working, day, 0.05 * _gauss(h, 10.5, 2.0))
        return np.asarray(load.peak * level, dtype=np.float64)
    if kind == "ev_fleet":
        night = _gauss(h, 20.0, 1.8) + 0.5 * _gauss(h, 1.5, 1.5)
        return np.asarray(load.peak * np.minimum(night, 1.0) * np.where(cal.working, 1.0, 0.8))
    if kind == "ev_public":
        level = 0.12 + 0.25 * _gauss(h, 12.5, 3.0) + 0.9 * _gauss(h, 19.3, 1.6)
        return np.asarray(load.peak * np.minimum(level * np.where(cal.working, 1.0, 1.15), 1.0))
    if kind == "pv":
        return np.asarray(load.peak * cal.pv_per_kwp * 0.97, dtype=np.float64)
    raise ValueError(f"unknown load kind {kind!r}")


def load_rates(ent: EnterpriseSpec, cal: Calendar, *, seed: int, growth_from: int | None) -> dict[str, F64]:
    """Rate [unit/h] of every load of ``ent`` per tick, noise and planted anomalies included."""
    act = activity(cal, ent.schedule, saturday=ent.saturday)
    if ent.schedule in ("shift3", "shift2") and not ent.is_park:
        # the annual maintenance shutdown (年度检修): five days from the enterprise's maintenance day
        maint = (cal.doy >= ent.maintenance_doy) & (cal.doy < ent.maintenance_doy + 5)
        act = np.where(maint, 0.12, act)
    occ = np.maximum(act, 0.6) if ent.schedule == "shift3" else act
    base_load = "base_load" in ent.planted
    growth = np.ones(len(cal))
    if "overshoot" in ent.planted and growth_from is not None:
        ramp = np.clip((cal.ts - growth_from) / (OVERSHOOT_RAMP_DAYS * 86_400.0), 0.0, 1.0)
        growth = 1.0 + OVERSHOOT_GROWTH * ramp
    day_key = cal.day
    out: dict[str, F64] = {}
    for name, load in ent.loads.items():
        rate = _shape(load, cal, act, occ)
        if base_load and load.kind == "compressor":
            # compressors left running at night and weekends (leaks, no sequencing): 88 % of peak
            rate = np.maximum(rate, 0.88 * load.peak)
        if base_load and load.kind in ("hvac", "lighting") and not load.always:
            rate = np.maximum(rate, _shape(load, cal, act, np.full_like(act, 0.85)))
        if load.kind in ("process", "compressor", "flat") or load.carrier in ("heat", "water"):
            rate = rate * growth
        if load.kind != "pv":
            key = stream_key(seed, ent.code, name)
            slow = smooth_noise(key, cal.tick, 4)
            fast = normal(key ^ 0x1F, cal.tick)
            daily = smooth_noise(key ^ 0x2E, day_key, 2)
            sigma = load.sigma * (3.0 if load.kind.startswith("ev") else 1.0)
            factor = 1.0 + sigma * (0.7 * slow + 0.5 * fast) + 0.03 * daily
            rate = rate * np.clip(factor, 0.2, 3.0)
        out[name] = np.maximum(np.asarray(rate, dtype=np.float64), 0.0)
    return out


def meter_consumption(
    ent: EnterpriseSpec, cal: Calendar, *, seed: int, growth_from: int | None
) -> dict[str, F64]:
    """Consumption of each meter of ``ent`` per tick [meter unit per tick, after the multiplier].

    Instant active-power meters get the tick's mean power [kW] instead.
    """
    rates = load_rates(ent, cal, seed=seed, growth_from=growth_from)
    per_tick = {k: v * HOURS_PER_TICK for k, v in rates.items()}
    pv = sum((v for k, v in per_tick.items() if ent.loads[k].kind == "pv"), np.zeros(len(cal)))
    out: dict[str, F64] = {}
    mains: dict[str, F64] = {}
    for m in ent.meters:
        if m.reactive_of or m.power_of:
            continue
        if m.main:
            names = m.loads or tuple(
                k for k, v in ent.loads.items() if v.carrier == m.carrier and v.kind != "pv"
            )
            gross = sum((per_tick[k] for k in names), np.zeros(len(cal)))
            gross = gross * (1.0 + LOSSES.get(m.carrier, OTHER_LOSSES))
            if m.carrier == "electricity":
                used = np.minimum(pv, PV_SELF_USE_LIMIT * gross)
                mains["pv_used"] = used
                gross = gross - used
            out[m.code] = gross
            mains[m.code] = gross
        elif ent.loads.get(m.loads[0]) is not None and ent.loads[m.loads[0]].kind == "pv":
            continue  # after the main incomer: PV consumed on site
        else:
            out[m.code] = sum((per_tick[k] for k in m.loads), np.zeros(len(cal)))
    for m in ent.meters:
        if m.loads and ent.loads[m.loads[0]].kind == "pv" and not m.main:
            out[m.code] = mains.get("pv_used", pv)
        elif m.reactive_of:
            p = out[m.reactive_of]
            mean = float(p.mean()) if p.size else 0.0
            fraction = p / mean if mean > 0 else np.ones_like(p)
            pf = np.clip(ent.power_factor - 0.04 * np.clip(1.0 - fraction, 0.0, 1.0), 0.6, 0.995)
            out[m.code] = p * np.tan(np.arccos(pf))
        elif m.power_of and m.power_of != "*":
            out[m.code] = out[m.power_of] / HOURS_PER_TICK
    return out


def is_pv_meter(ent: EnterpriseSpec, m: MeterSpec) -> bool:
    """Whether ``m`` is a rooftop-PV generation meter."""
    return bool(m.loads) and ent.loads[m.loads[0]].kind == "pv"
