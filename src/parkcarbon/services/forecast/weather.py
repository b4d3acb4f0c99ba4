"""Weather of a park (园区气象): stored observations and forecast issues, the demo's weather, and the
hourly :class:`~parkcarbon.core.forecast.Weather` the models read.

* :func:`store_weather` writes observations or one forecast issue (park admin or platform admin),
  refusing bad rows with their reasons and keeping none of a refused batch.
* :func:`demo_weather_rows` regenerates the weather the demo park's loads were generated from
  (:func:`parkcarbon.services.demo.profiles.build_calendar`: the same seed, the same air temperature,
  averaged over the four 15-minute ticks of each hour) and forecasts of it with a realistic error:
  issued daily at 12:00 local time for the next two local days, error = smooth noise of σ ≈ 1.6 °C
  correlated over ~6 h plus a per-issue bias of σ ≈ 0.6 °C, both ×1.25 on the second day. Day-ahead
  2-m temperature errors of global NWP models are of this size (RMSE ≈ 1.5–2 K at 24–48 h over land;
  ECMWF's annual *Evaluation of ECMWF forecasts* technical memoranda — figure quoted from memory,
  confidence L: check before citing further).
* :func:`load_weather` reads hours ``[start, end)``: observations where they exist, and for the other
  hours the latest forecast issued before ``as_of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select

from parkcarbon.core.forecast import Weather
from parkcarbon.services import access
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import Park, WeatherHour

__all__ = ["WeatherRow", "demo_weather_rows", "load_weather", "store_demo_weather", "store_weather"]

#: Plausible ranges of stored weather (refused outside them).
_RANGES = {
    "temp_c": (-60.0, 60.0),
    "relative_humidity_pct": (0.0, 100.0),
    "ghi_w_m2": (0.0, 1500.0),
    "cloud_cover_pct": (0.0, 100.0),
}


class WeatherRow(BaseModel):
    hour: datetime = Field(description="start of the hour (timezone-aware)")
    temp_c: float = Field(description="air temperature [°C]")
    relative_humidity_pct: float | None = None
    ghi_w_m2: float | None = Field(default=None, description="global horizontal irradiance [W/m²]")
    cloud_cover_pct: float | None = None


def store_weather(
    db: Database,
    p: Principal,
    park_id: int,
    rows: Sequence[WeatherRow],
    *,
    kind: Literal["observation", "forecast"],
    source: str,
    issued_at: datetime | None = None,
) -> int:
    """Store hourly weather; returns the number of hours written (existing hours are replaced)."""
    access.require_park_visible(p, park_id)
    if not access.can_upload_park_data(p, park_id):
        raise Forbidden("only the park admin stores weather")
    if kind == "forecast" and issued_at is None:
        raise InvalidInput.field("issued_at", "a forecast needs its issue time")
    errors = []
    hours: set[int] = set()
    for i, r in enumerate(rows):
        if r.hour.tzinfo is None:
            errors.append({"field": f"rows[{i}].hour", "reason": "needs a timezone", "code": "input.format"})
            continue
        ts = int(r.hour.timestamp())
        if ts % 3600:
            errors.append(
                {"field": f"rows[{i}].hour", "reason": "must be a full hour", "code": "input.format"}
            )
        if ts in hours:
            errors.append(
                {"field": f"rows[{i}].hour", "reason": "duplicate hour", "code": "input.duplicate_id"}
            )
        hours.add(ts)
        for name, (lo, hi) in _RANGES.items():
            v = getattr(r, name)
            if v is not None and not (lo <= v <= hi and np.isfinite(v)):
                errors.append(
                    {"field": f"rows[{i}].{name}", "reason": f"outside {lo:g}…{hi:g}", "code": "input.range"}
                )
    if errors:
        raise InvalidInput(f"{len(errors)} weather value(s) refused; nothing was stored", errors=errors)
    issued = int(issued_at.timestamp()) if issued_at is not None and kind == "forecast" else 0
    with db.transaction() as s:
        if s.get(Park, park_id) is None:
            raise NotFound("park not found")
        if hours:
            s.execute(
                delete(WeatherHour).where(
                    WeatherHour.park_id == park_id,
                    WeatherHour.kind == kind,
                    WeatherHour.issued_at == issued,
                    WeatherHour.hour.in_(sorted(hours)),
                )
            )
        s.add_all(
            WeatherHour(
                park_id=park_id,
                hour=int(r.hour.timestamp()),
                kind=kind,
                issued_at=issued,
                temp_c=r.temp_c,
                relative_humidity_pct=r.relative_humidity_pct,
                ghi_w_m2=r.ghi_w_m2,
                cloud_cover_pct=r.cloud_cover_pct,
                source=source[:64],
            )
            for r in rows
        )
    return len(rows)


def demo_weather_rows(
    *, seed: int, first_hour: int, last_hour: int, timezone: str, calendar: Any = None
) -> tuple[list[WeatherRow], dict[int, list[WeatherRow]]]:
    """The demo's hourly temperature ``[first_hour, last_hour]`` and its day-ahead forecasts by issue time.

    ``calendar``: the demo's :class:`~parkcarbon.services.demo.profiles.Calendar` when the caller has
    it already (the demo generator); otherwise it is rebuilt from the seed.
    """
    from parkcarbon.services.demo.profiles import TICK_S, build_calendar, smooth_noise, stream_key

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


def load_weather(
    db: Database, park_id: int, start: int, end: int, *, as_of: int
) -> tuple[Weather | None, int]:
    """Hourly weather of ``[start, end)`` (observations first, else the latest forecast issued by
    ``as_of``) and how many hours came from forecasts. ``None`` when the park has no weather."""
    with db.read() as s:
        obs = s.execute(
            select(WeatherHour.hour, WeatherHour.temp_c)
            .where(
                WeatherHour.park_id == park_id,
                WeatherHour.kind == "observation",
                WeatherHour.hour >= start,
                WeatherHour.hour < end,
            )
            .order_by(WeatherHour.hour)
        ).all()
        fc = s.execute(
            select(WeatherHour.hour, WeatherHour.temp_c, WeatherHour.issued_at)
            .where(
                WeatherHour.park_id == park_id,
                WeatherHour.kind == "forecast",
                WeatherHour.hour >= start,
                WeatherHour.hour < end,
                WeatherHour.issued_at <= as_of,
            )
            .order_by(WeatherHour.hour, WeatherHour.issued_at)
        ).all()
    values: dict[int, float] = {}
    for h, t, _issued in fc:  # ordered by issue: the latest issue wins
        values[int(h)] = float(t)
    from_forecast = {int(h) for h, _, _ in fc}
    for h, t in obs:
        values[int(h)] = float(t)
        from_forecast.discard(int(h))
    if not values:
        return None, 0
    hs = np.asarray(sorted(values), dtype=np.int64)
    return Weather(hs, np.asarray([values[int(h)] for h in hs])), len(from_forecast)
