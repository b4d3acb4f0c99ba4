"""The demo park's weather (演示园区气象), stored for the forecasting services (issue 16).

* :func:`demo_weather_rows` regenerates the weather the demo park's loads were generated from
  (:func:`parkcarbon.demo.profiles.build_calendar`: the same seed, the same air temperature,
  averaged over the four 15-minute ticks of each hour) and forecasts of it with a realistic error:
  issued daily at 12:00 local time for the next two local days, error = smooth noise of σ ≈ 1.6 °C
  correlated over ~6 h plus a per-issue bias of σ ≈ 0.6 °C, both ×1.25 on the second day. Day-ahead
  2-m temperature errors of global NWP models are of this size (RMSE ≈ 1.5–2 K at 24–48 h over land;
  ECMWF's annual *Evaluation of ECMWF forecasts* technical memoranda — figure quoted from memory,
  confidence L: check before citing further).
* :func:`store_demo_weather` writes them for a new demo park.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import insert

from parkcarbon.demo.profiles import TICK_S, build_calendar, smooth_noise, stream_key
from parkcarbon.services.forecast.weather import WeatherRow
from parkcarbon.store.db import Database
from parkcarbon.store.models import WeatherHour

__all__ = ["demo_weather_rows", "store_demo_weather"]


def demo_weather_rows(
    *, seed: int, first_hour: int, last_hour: int, timezone: str, calendar: Any = None
) -> tuple[list[WeatherRow], dict[int, list[WeatherRow]]]:
    """The demo's hourly temperature ``[first_hour, last_hour]`` and its day-ahead forecasts by issue time.

    ``calendar``: the demo's :class:`~parkcarbon.demo.profiles.Calendar` when the caller has
    it already (the demo generator); otherwise it is rebuilt from the seed.
    """
    # the forecasts issued by the end reach two days past it: the generator's temperature is a pure
    # function of time, so the "future" truth the forecast errs around is the one the live feed will use
    end_tick = (last_hour + 3600) // TICK_S
    if calendar is None:
        first_tick = first_hour // TICK_S + 1  # the reading at first_hour + 900 closes the hour's first tick
        cal = build_calendar(first_tick, end_tick + 2 * 96, seed=seed, timezone=timezone)
        ts, temp_ticks = cal.ts, cal.temp_c
    else:
        ahead = build_calendar(int(calendar.tick[-1]) + 1, end_tick + 2 * 96, seed=seed, timezone=timezone)
        ts, temp_ticks = np.r_[calendar.ts, ahead.ts], np.r_[calendar.temp_c, ahead.temp_c]
    hour_of = (ts - 1) // 3600 * 3600
    hours, inv = np.unique(hour_of, return_inverse=True)
    temp = np.bincount(inv, weights=temp_ticks) / np.bincount(inv)
    past = hours <= last_hour
    obs = [
        WeatherRow(hour=datetime.fromtimestamp(int(h), ZoneInfo("UTC")), temp_c=round(float(t), 2))
        for h, t in zip(hours[past], temp[past], strict=True)
    ]
    tz, utc = ZoneInfo(timezone), ZoneInfo("UTC")
    forecasts: dict[int, list[WeatherRow]] = {}
    key = stream_key(seed, "weather", "day-ahead-error")
    h_index = hours // 3600
    err = 1.6 * smooth_noise(key, h_index, 6)
    local_days = sorted({datetime.fromtimestamp(int(h), tz).date() for h in hours})
    for d in local_days[1:]:
        day_start = int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp())
        issued = day_start - 12 * 3600  # 12:00 local on the day before
        if issued > last_hour + 3600:
            break  # not issued yet at the end of the data
        # each issue covers the next two local days; the error grows with lead time (×1.25 on day 2)
        sel = (hours >= day_start) & (hours < day_start + 2 * 86400)
        if not sel.any():
            continue
        bias = 0.6 * float(smooth_noise(key ^ 0x5A5A, np.asarray([day_start // 86400]), 1)[0])
        lead_scale = np.where(hours[sel] < day_start + 86400, 1.0, 1.25)
        forecasts[issued] = [
            WeatherRow(hour=datetime.fromtimestamp(int(h), utc), temp_c=round(float(t + k * (e + bias)), 2))
            for h, t, e, k in zip(hours[sel], temp[sel], err[sel], lead_scale, strict=True)
        ]
    return obs, forecasts


def store_demo_weather(db: Database, park_id: int, *, seed: int, timezone: str, calendar: Any) -> int:
    """Store the demo's weather and day-ahead forecasts for a new demo park (internal: the demo generator
    calls it for the park it is building; no access check). Returns the rows written."""
    hours = (calendar.ts - 1) // 3600 * 3600
    obs, fc = demo_weather_rows(
        seed=seed, first_hour=int(hours[0]), last_hour=int(hours[-1]), timezone=timezone, calendar=calendar
    )
    rows = [
        {
            "park_id": park_id,
            "hour": int(r.hour.timestamp()),
            "kind": "observation",
            "issued_at": 0,
            "temp_c": r.temp_c,
            "source": "demo",
        }
        for r in obs
    ]
    rows += [
        {
            "park_id": park_id,
            "hour": int(r.hour.timestamp()),
            "kind": "forecast",
            "issued_at": issued,
            "temp_c": r.temp_c,
            "source": "demo-day-ahead",
        }
        for issued, issue in fc.items()
        for r in issue
    ]
    with db.transaction() as s:
        for k in range(0, len(rows), 5000):
            s.execute(insert(WeatherHour), rows[k : k + 5000])
    return len(rows)
