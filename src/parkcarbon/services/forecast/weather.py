"""Weather of a park (园区气象): stored observations and forecast issues, the demo's weather, and the
hourly :class:`~parkcarbon.core.forecast.Weather` the models read.

* :func:`store_weather` writes observations or one forecast issue (park admin or platform admin),
  refusing bad rows with their reasons and keeping none of a refused batch.
* the demo park's weather and its day-ahead forecasts are generated in :mod:`parkcarbon.demo.weather`.
* :func:`load_weather` reads hours ``[start, end)``: observations where they exist, and for the other
  hours the latest forecast issued before ``as_of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from parkcarbon.core.forecast import Weather
from parkcarbon.services import access
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import Park, WeatherHour

__all__ = ["WeatherRow", "load_weather", "store_weather"]

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
