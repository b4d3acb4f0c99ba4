"""Synthetic hourly series with known structure (for tests whose expectation follows from the design)."""

from __future__ import annotations

import numpy as np

from parkcarbon.core.forecast import HourlySeries, Weather, WorkCalendar, hour_calendar

#: 2025-01-01 00:00 Asia/Shanghai [epoch s]
T0 = 1735660800


def series(days: int, *, seed: int = 0, noise: float = 4.0, start: int = T0, caltrack_hinges: bool = False):
    """Hourly load: 50 + 100 in working hours + cooling above ``cool`` °C (doubled when occupied) +
    heating below ``heat`` °C + noise. ``caltrack_hinges``: hinges at CalTRACK bin endpoints (75 °F,
    55 °F) so TOWT is correctly specified; otherwise at 22 °C and 12 °C."""
    cool, heat = ((75 - 32) / 1.8, (55 - 32) / 1.8) if caltrack_hinges else (22.0, 12.0)
    rng = np.random.default_rng(seed)
    hs = start + 3600 * np.arange(24 * days, dtype=np.int64)
    d = (hs - T0) / 86400.0
    hour_local = ((hs // 3600) + 8) % 24
    temp = 17 - 12 * np.cos(2 * np.pi * (d - 15) / 365) + 4 * np.cos(2 * np.pi * (hour_local - 14) / 24)
    temp = temp + rng.normal(0, 1.0, hs.size)
    cal = hour_calendar(hs, WorkCalendar())
    occ = cal.working & (cal.hour >= 8) & (cal.hour < 18)
    y = 50 + 100 * occ + 3 * np.maximum(temp - cool, 0) * (1 + occ) + 2 * np.maximum(heat - temp, 0)
    y = y + rng.normal(0, noise, hs.size)
    return HourlySeries(hs, y, "kWh"), Weather(hs, temp), occ
