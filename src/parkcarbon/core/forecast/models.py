"""Forecast models behind one interface (预测模型统一接口): persistence, seasonal naive, TOWT, GBM.

Every model is fitted with :meth:`ForecastModel.fit` ``(history, weather, calendar) → FittedModel`` and
predicts with :meth:`FittedModel.predict` ``(hour_starts, weather=None) → Forecast`` — a point
forecast and the P10/P50/P90 quantiles of every hour. All models work on **hourly** periods
identified by the hour's start [epoch s, UTC]; the values are the quantity of the hour in the
series' unit (kWh, m³ …).

Models
------
``persistence``
    The value of the same hour on the last observed day: ``ŷ(t) = y(t − 24 k h)``, ``k`` the smallest
    with an observation. Band: empirical quantiles of the 24-hour differences of the history.
``seasonal_naive``
    The same hour of the last observed week: ``ŷ(t) = y(t − 168 k h)`` (Hyndman & Athanasopoulos,
    *Forecasting: Principles and Practice*, 3rd ed., §5.2 "seasonal naïve method"). Band: quantiles of
    the 168-hour differences.
``towt``
    CalTRACK 2.0 hourly time-of-week-and-temperature regression with occupancy detection (CalTRACK
    Methods §3.7–3.11; Mathieu et al. 2011): :mod:`parkcarbon.core.forecast.towt`.
``gbm``
    scikit-learn ``HistGradientBoostingRegressor`` on weather and calendar features including
    Chinese public holidays and make-up working days (调休); squared-error loss for the point
    forecast and quantile (pinball) loss for P10/P50/P90: :mod:`parkcarbon.core.forecast.gbm`.

The weather passed to ``fit`` may extend past the history (a forecast of the weather); ``predict``
uses it unless it is given other weather. A model that needs weather refuses hours without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from parkcarbon.core.forecast.calendar import WorkCalendar
from parkcarbon.core.forecast.errors import ForecastInputError

__all__ = [
    "MODEL_NAMES",
    "FittedModel",
    "Forecast",
    "ForecastModel",
    "HourlySeries",
    "Persistence",
    "SeasonalNaive",
    "Weather",
    "model_by_name",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
HOUR_S = 3600
#: Longest run of missing weather hours filled by linear interpolation [h] (CalTRACK 2.2.4 allows
#: hourly temperature with short gaps; longer gaps are refused, not invented).
MAX_WEATHER_GAP_H = 6


def _hours(hour_starts: npt.ArrayLike, what: str) -> I64:
    ts = np.asarray(hour_starts, dtype=np.int64).ravel()
    if ts.size and (ts % HOUR_S != 0).any():
        raise ForecastInputError(
            f"{what}: every period must start on a full hour (epoch s divisible by 3600)"
        )
    if ts.size > 1 and (np.diff(ts) <= 0).any():
        raise ForecastInputError(f"{what}: hours must be strictly increasing (no duplicates)")
    return ts


@dataclass(frozen=True)
class HourlySeries:
    """Measured quantity per hour (gaps allowed: hours absent from ``hour_starts`` are missing)."""

    hour_starts: I64
    values: F64
    unit: str

    def __post_init__(self) -> None:
        ts = _hours(self.hour_starts, "history")
        v = np.asarray(self.values, dtype=np.float64).ravel()
        if v.shape != ts.shape:
            raise ForecastInputError("history: hour_starts and values differ in length")
        if not np.isfinite(v).all():
            raise ForecastInputError("history: values contain NaN or infinity; leave such hours out")
        object.__setattr__(self, "hour_starts", ts)
        object.__setattr__(self, "values", v)

    def __len__(self) -> int:
        return int(self.hour_starts.size)

    def before(self, origin: int) -> HourlySeries:
        """The hours starting before ``origin``."""
        k = int(np.searchsorted(self.hour_starts, origin, side="left"))
        return HourlySeries(self.hour_starts[:k], self.values[:k], self.unit)

    def between(self, start: int, end: int) -> HourlySeries:
        """The hours starting in ``[start, end)``."""
        a = int(np.searchsorted(self.hour_starts, start, side="left"))
        b = int(np.searchsorted(self.hour_starts, end, side="left"))
        return HourlySeries(self.hour_starts[a:b], self.values[a:b], self.unit)

    def lookup(self, hour_starts: I64) -> tuple[F64, npt.NDArray[np.bool_]]:
        """Values at ``hour_starts`` and whether each was observed."""
        idx = np.searchsorted(self.hour_starts, hour_starts)
        idx_c = np.clip(idx, 0, max(self.hour_starts.size - 1, 0))
        found = (
            (idx < self.hour_starts.size) & (self.hour_starts[idx_c] == hour_starts)
            if self.hour_starts.size
            else np.zeros(hour_starts.shape, dtype=bool)
        )
        vals = np.where(found, self.values[idx_c] if self.values.size else 0.0, np.nan)
        return vals, found


@dataclass(frozen=True)
class Weather:
    """Hourly weather at the site: air temperature [°C] and, where known, humidity [%] and GHI [W/m²]."""

    hour_starts: I64
    temp_c: F64
    relative_humidity_pct: F64 | None = None
    ghi_w_m2: F64 | None = None

    def __post_init__(self) -> None:
        ts = _hours(self.hour_starts, "weather")
        object.__setattr__(self, "hour_starts", ts)
        for name in ("temp_c", "relative_humidity_pct", "ghi_w_m2"):
            v = getattr(self, name)
            if v is None:
                continue
            arr = np.asarray(v, dtype=np.float64).ravel()
            if arr.shape != ts.shape:
                raise ForecastInputError(f"weather: {name} and hour_starts differ in length")
            if not np.isfinite(arr).all():
                raise ForecastInputError(f"weather: {name} contains NaN; leave such hours out")
            object.__setattr__(self, name, arr)
        t = self.temp_c
        if t.size and ((t < -90.0) | (t > 60.0)).any():
            raise ForecastInputError("weather: air temperature outside −90…60 °C; is it in °C?")

    def at(self, hour_starts: I64, name: str = "temp_c") -> F64:
        """``name`` at ``hour_starts``; short gaps (≤ 6 h) interpolated, anything else refused."""
        series = getattr(self, name)
        if series is None:
            raise ForecastInputError(f"weather has no {name}")
        ts = self.hour_starts
        if ts.size == 0:
            raise ForecastInputError("no weather for the requested hours")
        hs = np.asarray(hour_starts, dtype=np.int64)
        outside = (hs < ts[0]) | (hs > ts[-1])
        if outside.any():
            raise ForecastInputError(
                f"weather missing for {int(outside.sum())} of {hs.size} hours (outside "
                f"{ts[0]}…{ts[-1]}); store observations or a weather forecast for them"
            )
        idx = np.searchsorted(ts, hs)
        idx = np.clip(idx, 0, ts.size - 1)
        exact = ts[idx] == hs
        if not exact.all():
            right = np.searchsorted(ts, hs[~exact])
            gap_h = (ts[right] - ts[right - 1]) / HOUR_S - 1
            if (gap_h > MAX_WEATHER_GAP_H).any():
                raise ForecastInputError(
                    f"weather has gaps longer than {MAX_WEATHER_GAP_H} h in the requested hours"
                )
        return np.asarray(np.interp(hs, ts, series), dtype=np.float64)


@dataclass(frozen=True)
class Forecast:
    """Point forecast and quantiles per hour, in the unit of the history."""

    model: str
    hour_starts: I64
    point: F64
    p10: F64
    p50: F64
    p90: F64
    unit: str
    warnings: tuple[str, ...] = ()

    def total(self) -> tuple[float, float, float]:
        """Sum of the point forecast and an approximate P10/P90 of the sum (hourly bands summed
        with fully correlated errors — a conservative, wide band)."""
        return float(self.point.sum()), float(self.p10.sum()), float(self.p90.sum())


class FittedModel(Protocol):
    """A model fitted on one series."""

    name: str
    #: Parameters estimated from the data (``p`` of G14's ``n − p``); for non-parametric models the
    #: count used by convention (documented per model).
    parameters: int
    #: Input features by name (for the model card).
    features: tuple[str, ...]
    warnings: tuple[str, ...]

    def predict(self, hour_starts: npt.ArrayLike, weather: Weather | None = None) -> Forecast: ...


class ForecastModel(Protocol):
    """A forecasting method (not yet fitted)."""

    @property
    def name(self) -> str: ...

    @property
    def needs_weather(self) -> bool: ...

    def fit(self, history: HourlySeries, weather: Weather | None, calendar: WorkCalendar) -> FittedModel: ...


def _band_offsets(residuals: F64) -> tuple[float, float, float]:
    """Empirical 10/50/90 % quantiles of forecast errors (measured − forecast)."""
    if residuals.size < 10:
        return 0.0, 0.0, 0.0
    q10, q50, q90 = np.quantile(residuals, [0.1, 0.5, 0.9])
    return float(q10), float(q50), float(q90)


@dataclass
class _FittedNaive:
    name: str
    history: HourlySeries
    period_h: int
    offsets: tuple[float, float, float]
    parameters: int = 0
    features: tuple[str, ...] = ("history",)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def predict(self, hour_starts: npt.ArrayLike, weather: Weather | None = None) -> Forecast:
        hs = _hours(hour_starts, "horizon")
        last = int(self.history.hour_starts[-1])
        step = self.period_h * HOUR_S
        # k = smallest whole number of periods that reaches back to an observed hour
        k = np.maximum(1, -((last - hs) // step))
        point = np.full(hs.shape, np.nan)
        todo = np.ones(hs.shape, dtype=bool)
        for extra in range(8):  # look up to 8 periods further back past gaps
            if not todo.any():
                break
            vals, found = self.history.lookup(hs - (k + extra) * step)
            hit = todo & found
            point[hit] = vals[hit]
            todo &= ~found
        warn: tuple[str, ...] = ()
        if todo.any():
            point[todo] = float(self.history.values.mean())
            warn = (
                f"{int(todo.sum())} hours had no observation a whole number of periods back; "
                "the history's mean was used",
            )
        q10, q50, q90 = self.offsets
        return Forecast(self.name, hs, point, point + q10, point + q50, point + q90, self.history.unit, warn)


def _fit_naive(name: str, period_h: int, history: HourlySeries) -> _FittedNaive:
    if len(history) < period_h:
        raise ForecastInputError(f"{name} needs at least {period_h} hours of history ({len(history)} given)")
    prev, found = history.lookup(history.hour_starts - period_h * HOUR_S)
    residuals = (history.values - prev)[found]
    return _FittedNaive(name, history, period_h, _band_offsets(residuals))


@dataclass(frozen=True)
class Persistence:
    """Same hour of the last observed day (module docstring)."""

    name: str = "persistence"
    needs_weather: bool = False

    def fit(self, history: HourlySeries, weather: Weather | None, calendar: WorkCalendar) -> FittedModel:
        return _fit_naive(self.name, 24, history)


@dataclass(frozen=True)
class SeasonalNaive:
    """Same hour of the last observed week (module docstring)."""

    name: str = "seasonal_naive"
    needs_weather: bool = False

    def fit(self, history: HourlySeries, weather: Weather | None, calendar: WorkCalendar) -> FittedModel:
        return _fit_naive(self.name, 168, history)


#: Model names in the order of preference when several qualify equally (most capable first).
MODEL_NAMES: tuple[str, ...] = ("gbm", "towt", "seasonal_naive", "persistence")


def model_by_name(name: str) -> ForecastModel:
    """A fresh model of the given name (``gbm``, ``towt``, ``seasonal_naive``, ``persistence``)."""
    from parkcarbon.core.forecast.gbm import GradientBoosting
    from parkcarbon.core.forecast.towt import TOWT

    models: dict[str, ForecastModel] = {
        "persistence": Persistence(),
        "seasonal_naive": SeasonalNaive(),
        "towt": TOWT(),
        "gbm": GradientBoosting(),
    }
    try:
        return models[name]
    except KeyError:
        raise ForecastInputError(f"unknown model {name!r}; use one of {', '.join(MODEL_NAMES)}") from None
