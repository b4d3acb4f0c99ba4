"""Load profiles of the demo park (演示园区负荷曲线): calendar, weather, PV output, shift patterns, noise.

Everything here is a pure, vectorised function of **absolute time** and a seed: the value of a meter
at a given 15-minute tick does not depend on the window it is generated in, so the history, the
live feed and a test that regenerates one day all agree.

Building blocks
---------------
* **Ticks.** A reading at ``ts`` closes the interval ``(ts − 900 s, ts]`` (the intake's convention);
  profiles are evaluated at the interval's midpoint. Tick index ``k = ts // 900``.
* **Calendar.** Park-local hour, weekday, working days from ``holidays.China`` (public holidays and
  the adjusted working weekends, 调休), and the Spring Festival shutdown window (five days before to
  nine days after the first day of the festival), when many plants send their workers home.
* **Temperature** [°C]: a synthetic but plausible series for southern Jiangsu (Suzhou): the monthly
  normals (4.2 °C in January, 28.8 °C in July) interpolated over the year, a diurnal swing of
  ±3.5 °C peaking at 14:00, and synoptic anomalies (σ ≈ 2.5 °C) that persist a few days.
* **PV output** [kW per kWp]: pvlib's Ineichen clear-sky model (Linke turbidity climatology) at
  31.30° N, 120.62° E, transposed to a 20° south-facing roof (isotropic sky), times a stochastic
  clearness: a daily clearness index with a seasonal mean (the plum-rain season, 梅雨, mid-June to
  mid-July, is the cloudiest) and 15-minute fluctuations on partly cloudy days; performance ratio
  0.82 and −0.4 %/K above 25 °C cell temperature.
* **Noise.** Counter-based: a 64-bit mix (splitmix64) of a stream key and the tick index gives
  uniform and normal variates, so noise is reproducible per tick without generating a sequence.

References
----------
.. [1] Ineichen, P., Perez, R. (2002). A new airmass independent formulation for the Linke turbidity
   coefficient. Solar Energy 73(3), 151–157 (pvlib.clearsky.ineichen).
.. [2] 中国气象局, 苏州 1991–2020 气候平均值 (monthly mean temperatures used to shape the series).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "ALTITUDE_M",
    "LATITUDE",
    "LONGITUDE",
    "TICK_S",
    "Calendar",
    "activity",
    "build_calendar",
    "normal",
    "smooth_noise",
    "stream_key",
    "uniform",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: Reading interval of the demo's meters [s].
TICK_S = 900
#: Site of the demo park (Suzhou, southern Jiangsu) [°, °, m].
LATITUDE, LONGITUDE, ALTITUDE_M = 31.30, 120.62, 5.0

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1


def stream_key(seed: int, *names: object) -> int:
    """A 64-bit key for one noise stream, stable across processes (no ``hash()`` randomisation)."""
    text = ":".join([str(seed), *(str(n) for n in names)]).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser (Steele, Lea & Flood 2014), element-wise; wraps modulo 2**64."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def uniform(key: int, index: I64) -> F64:
    """Uniform variates in [0, 1) for each ``index`` of the stream ``key``."""
    base = np.uint64((key * 0x9E3779B97F4A7C15) & _MASK)
    x = _mix(index.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + base)
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def normal(key: int, index: I64) -> F64:
    """Standard normal variates for each ``index`` of the stream ``key`` (Box–Muller)."""
    u1 = 1.0 - uniform(key, index)
    u2 = uniform(key ^ 0x5DEECE66D, index)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def smooth_noise(key: int, index: I64, scale: int) -> F64:
    """Normal value noise varying smoothly over ``scale`` index steps (smoothstep interpolation of
    knots every ``scale`` steps); standard deviation ≈ 0.8 between knots, 1 at knots."""
    knot = np.floor_divide(index, scale)
    frac = (index - knot * scale) / scale
    w = frac * frac * (3.0 - 2.0 * frac)
    return np.asarray((1.0 - w) * normal(key, knot) + w * normal(key, knot + 1), dtype=np.float64)


@dataclass(frozen=True)
class Calendar:
    """Per-tick calendar and weather of a run of consecutive 15-minute ticks.

    Attributes
    ----------
    tick
        Tick index ``ts // 900`` of each reading (the reading closes the tick's interval).
    ts
        Reading timestamps [epoch s, UTC].
    hour
        Park-local hour of the interval's midpoint (fractional, 0–24).
    weekday
        0 = Monday … 6 = Sunday (local date of the midpoint).
    day
        Local day number (days since 1970-01-01 of the local date).
    doy
        Day of the year (1–366).
    month
        Local month (1–12); ``year`` the local year.
    working
        Working day by the official calendar (weekends off, public holidays off, 调休 weekends on).
    holiday
        Public holiday (or a day off in lieu) — the days ``working`` is false on a weekday.
    festival
        Inside the Spring Festival shutdown window.
    temp_c
        Air temperature [°C].
    dark
        Sun below −3° elevation (street and security lighting on).
    pv_per_kwp
        PV output [kW per kWp] averaged over the interval.
    """

    tick: I64
    ts: I64
    hour: F64
    weekday: I64
    day: I64
    doy: I64
    month: I64
    year: I64
    working: B
    holiday: B
    festival: B
    temp_c: F64
    dark: B
    pv_per_kwp: F64

    def __len__(self) -> int:
        return int(self.tick.shape[0])

    def slice(self, start: int, stop: int) -> Calendar:
        """Ticks ``start … stop-1`` (positions in this calendar)."""
        return Calendar(*(getattr(self, f)[start:stop] for f in self.__dataclass_fields__))


@lru_cache(maxsize=8)
def _china_days(first: int, last: int) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    """Local day numbers in ``[first, last]``: non-working days, public holidays, Spring Festival window."""
    d0 = date(1970, 1, 1)
    start, end = d0 + timedelta(days=first), d0 + timedelta(days=last)
    cal = holidays.country_holidays("CN", years=range(start.year - 1, end.year + 2))
    off: set[int] = set()
    public: set[int] = set()
    for n in range(first, last + 1):
        d = d0 + timedelta(days=n)
        if not cal.is_working_day(d):
            off.add(n)
            if d in cal:
                public.add(n)
    festival: set[int] = set()
    days = sorted({d for d, name in cal.items() if "Spring Festival" in name})
    firsts = [d for d in days if d - timedelta(days=1) not in days]
    for first_day in firsts:
        n0 = (first_day - d0).days
        festival.update(range(n0 - 5, n0 + 10))
    return frozenset(off), frozenset(public), frozenset(festival)


#: Monthly mean air temperature of Suzhou [°C], 1991–2020 normals (rounded), placed mid-month.
MONTHLY_MEAN_C = (4.2, 6.2, 10.2, 16.0, 21.2, 24.9, 28.8, 28.4, 24.5, 19.0, 13.0, 6.8)


def _temperature(ts_mid: I64, doy: I64, hour: F64, day: I64, key: int) -> F64:
    """Air temperature [°C] (module docstring)."""
    mids = np.asarray([15.0 + 30.44 * m for m in range(12)])
    seasonal = np.interp(
        doy,
        np.r_[mids[-1] - 365.25, mids, mids[0] + 365.25],
        np.r_[MONTHLY_MEAN_C[-1], MONTHLY_MEAN_C, MONTHLY_MEAN_C[0]],
    )
    diurnal = 3.5 * np.cos(2.0 * np.pi * (hour - 14.0) / 24.0)
    # synoptic anomaly: smooth over ~3 days, σ ≈ 2.5 °C; plus a small hourly jitter
    synoptic = 2.5 * smooth_noise(key, day, 3)
    jitter = 0.4 * smooth_noise(key ^ 0xA5A5, ts_mid // 3600, 2)
    return np.asarray(seasonal + diurnal + synoptic + jitter, dtype=np.float64)


def _clearness(tick: I64, day: I64, doy: I64, key: int) -> F64:
    """Clearness of the sky (1 = clear) per tick: a daily index with a seasonal mean and 15-minute
    fluctuations on partly cloudy days."""
    plum = np.exp(-0.5 * ((doy - 180) / 14.0) ** 2)  # 梅雨 mid-June to mid-July
    mean = 0.66 - 0.06 * np.cos(2.0 * np.pi * (doy - 290) / 365.25) - 0.28 * plum
    daily = np.clip(mean + 0.32 * (uniform(key, day) - 0.5) * 2.0, 0.08, 1.0)
    variable = 4.0 * daily * (1.0 - daily)  # most variable on partly cloudy days
    fast = 0.35 * variable * smooth_noise(key ^ 0x77, tick, 2)
    return np.asarray(np.clip(daily + fast, 0.03, 1.05), dtype=np.float64)


def _pv(ts_mid: I64, temp_c: F64, clearness: F64) -> tuple[F64, B]:
    """PV output per kWp and darkness at the interval midpoints (module docstring)."""
    import pvlib

    times = pd.DatetimeIndex(pd.to_datetime(ts_mid, unit="s", utc=True))
    pos = pvlib.solarposition.ephemeris(times, LATITUDE, LONGITUDE, temperature=12)
    zenith = pos["apparent_zenith"].to_numpy()
    elevation = pos["apparent_elevation"].to_numpy()
    airmass = pvlib.atmosphere.get_absolute_airmass(
        pvlib.atmosphere.get_relative_airmass(zenith), pvlib.atmosphere.alt2pres(ALTITUDE_M)
    )
    linke = pvlib.clearsky.lookup_linke_turbidity(times, LATITUDE, LONGITUDE).to_numpy()
    dni_extra = pvlib.irradiance.get_extra_radiation(times).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):  # the sun below the horizon (airmass NaN)
        cs = pvlib.clearsky.ineichen(zenith, airmass, linke, altitude=ALTITUDE_M, dni_extra=dni_extra)
    poa = pvlib.irradiance.get_total_irradiance(
        20.0,
        180.0,
        zenith,
        pos["azimuth"].to_numpy(),
        np.nan_to_num(cs["dni"]),
        np.nan_to_num(cs["ghi"]),
        np.nan_to_num(cs["dhi"]),
    )["poa_global"]
    poa = np.nan_to_num(np.asarray(poa, dtype=np.float64)) * clearness
    cell = temp_c + poa / 800.0 * 25.0
    out = poa / 1000.0 * 0.82 * (1.0 - 0.004 * np.maximum(cell - 25.0, 0.0))
    out = np.where(elevation > 0.0, np.maximum(out, 0.0), 0.0)
    return np.asarray(out, dtype=np.float64), np.asarray(elevation < -3.0)


def build_calendar(first_tick: int, last_tick: int, *, seed: int, timezone: str) -> Calendar:
    """The calendar and weather of ticks ``first_tick … last_tick`` (inclusive)."""
    tick = np.arange(first_tick, last_tick + 1, dtype=np.int64)
    ts = tick * TICK_S
    mid = ts - TICK_S // 2
    local = pd.DatetimeIndex(pd.to_datetime(mid, unit="s", utc=True)).tz_convert(timezone)
    naive = local.tz_localize(None)
    hour = (naive.hour + naive.minute / 60.0 + naive.second / 3600.0).to_numpy(dtype=np.float64)
    day = (naive.normalize().as_unit("s").asi8 // 86_400).astype(np.int64)
    weekday = naive.day_of_week.to_numpy(dtype=np.int64)
    doy = naive.day_of_year.to_numpy(dtype=np.int64)
    month = naive.month.to_numpy(dtype=np.int64)
    year = naive.year.to_numpy(dtype=np.int64)
    off, public, festival_days = _china_days(int(day[0]), int(day[-1]))
    uniq, inv = np.unique(day, return_inverse=True)
    working = ~np.isin(uniq, np.fromiter(off, dtype=np.int64, count=len(off)))[inv]
    holiday = np.isin(uniq, np.fromiter(public, dtype=np.int64, count=len(public)))[inv]
    festival = np.isin(uniq, np.fromiter(festival_days, dtype=np.int64, count=len(festival_days)))[inv]
    temp = _temperature(mid, doy, hour, day, stream_key(seed, "weather", "temperature"))
    clear = _clearness(tick, day, doy, stream_key(seed, "weather", "clearness"))
    pv, dark = _pv(mid, temp, clear)
    return Calendar(
        tick=tick,
        ts=ts,
        hour=hour,
        weekday=weekday,
        day=day,
        doy=doy,
        month=month,
        year=year,
        working=working,
        holiday=holiday,
        festival=festival,
        temp_c=temp,
        dark=dark,
        pv_per_kwp=pv,
    )


def _ramp(hour: F64, start: float, full: float, end: float, stop: float) -> F64:
    """0 before ``start``, rising to 1 at ``full``, 1 until ``end``, falling to 0 at ``stop``."""
    up = np.clip((hour - start) / max(full - start, 1e-9), 0.0, 1.0)
    down = np.clip((stop - hour) / max(stop - end, 1e-9), 0.0, 1.0)
    return np.asarray(np.minimum(up, down), dtype=np.float64)


def activity(cal: Calendar, schedule: str, *, saturday: bool = False) -> F64:
    """Production or occupancy level in [0, 1] of a schedule (班制).

    Parameters
    ----------
    cal
        The calendar.
    schedule
        ``shift3`` (continuous, 三班倒: steel rolling, chemicals), ``shift2`` (two shifts 06–22: food and
        beverage), ``day`` (one shift 08–17:30 with overtime: electronics assembly), ``office`` (office
        hours) or ``logistics`` (06–22 every day, night sorting).
    saturday
        Two-shift and day-shift plants that also work Saturday mornings.
    """
    h, working = cal.hour, cal.working
    if schedule == "shift3":
        dip = 0.06 * (
            np.exp(-0.5 * ((h - 8.0) / 0.25) ** 2)
            + np.exp(-0.5 * ((h - 16.0) / 0.25) ** 2)
            + np.exp(-0.5 * (np.minimum(h, 24.0 - h) / 0.25) ** 2)
        )
        level = np.where(working, 0.94, np.where(cal.holiday, 0.74, 0.88)) - dip
        return np.asarray(np.where(cal.festival, 0.62 * level, level), dtype=np.float64)
    if schedule == "shift2":
        on = _ramp(h, 5.5, 6.25, 21.75, 22.5)
        day_level = 0.12 + 0.88 * on
        sat = saturday & (cal.weekday == 5) & ~cal.holiday
        off_level = np.where(sat, 0.12 + 0.7 * _ramp(h, 5.5, 6.25, 13.75, 14.5), 0.12)
        level = np.where(working, day_level, off_level)
        return np.asarray(np.where(cal.festival, 0.05 + 0.1 * on * working, level), dtype=np.float64)
    if schedule == "day":
        on = _ramp(h, 7.25, 8.0, 17.5, 17.75)
        lunch = 0.35 * _ramp(h, 11.9, 12.1, 12.9, 13.1)
        overtime = 0.42 * _ramp(h, 17.5, 17.75, 19.75, 20.0)
        day_level = 0.06 + 0.94 * (on - lunch) + overtime
        sat = saturday & (cal.weekday == 5) & ~cal.holiday
        off_level = np.where(sat, 0.06 + 0.6 * _ramp(h, 7.5, 8.0, 12.0, 12.25), 0.06)
        level = np.where(working, day_level, off_level)
        return np.asarray(np.where(cal.festival, np.minimum(level, 0.05), level), dtype=np.float64)
    if schedule == "office":
        on = _ramp(h, 7.75, 8.75, 18.0, 18.5)
        lunch = 0.2 * _ramp(h, 11.9, 12.1, 13.3, 13.5)
        evening = 0.25 * _ramp(h, 18.0, 18.5, 20.5, 21.5)
        day_level = 0.05 + 0.95 * (on - lunch) + evening
        sat = (cal.weekday == 5) & ~cal.holiday
        off_level = np.where(sat, 0.05 + 0.1 * _ramp(h, 9.0, 10.0, 16.0, 17.0), 0.05)
        level = np.where(working, day_level, off_level)
        return np.asarray(np.where(cal.festival, np.minimum(level, 0.05), level), dtype=np.float64)
    if schedule == "logistics":
        on = _ramp(h, 5.5, 6.5, 21.5, 22.5)
        base = np.where(working, 1.0, np.where(cal.holiday, 0.55, 0.82))
        level = base * (0.25 + 0.75 * on)
        return np.asarray(np.where(cal.festival, 0.45 * level, level), dtype=np.float64)
    raise ValueError(f"unknown schedule {schedule!r}")
