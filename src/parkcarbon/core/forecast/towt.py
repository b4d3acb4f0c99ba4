"""Time-of-week-and-temperature regression with occupancy detection (TOWT, 分时段-气温回归模型).

CalTRACK Methods 2.0, Section 3(b) "Modeling – Hourly Methods" (CalTRACK, CC0; Mathieu et al. 2011;
Price 2010):

* **§3.8 Occupancy.** A least-squares model ``UPH = μ + β_H·HDH50 + β_C·CDH65`` (fixed balance points
  50 °F and 65 °F, §3.8.3) is fitted on the baseline; a time of week (§3.8.2: 168 hours, Monday 00:00
  first) is *occupied* when the model under-predicts (measured > predicted) more than 65 % of its
  hours (§3.8.4).
* **§3.9 Temperature features.** Bin endpoints 30, 45, 55, 65, 75, 90 °F (§3.9.1.1); bins with fewer
  than 20 hours are merged by dropping the bin's larger endpoint, the top bin by dropping its lower
  endpoint (§3.9.1.2); piecewise-linear features per §3.9.1.3–3.9.1.5 (:func:`temperature_features`,
  checked against the table of §3.9.2). The endpoints are validated separately for occupied and
  unoccupied hours.
* **§3.10–3.11 Design and fit.** 168 time-of-week indicators, and the temperature features interacted
  with the occupancy mode (separate coefficients for occupied and unoccupied hours); no intercept;
  least squares with equal weights — the single 365-day model of §3.7.5.1 (the month-by-month
  weighting of §3.7.5 is not implemented; the card says so).

Extension beyond CalTRACK (``china_calendar=True``, the default): the time of week is taken on the
*day type* of China's official calendar — a public holiday or day off in lieu is treated as a Sunday,
a make-up working weekend day (调休) as a Wednesday — so holidays and 调休 are not mistaken for
ordinary weekdays and weekends. With ``china_calendar=False`` the model is CalTRACK's as written.

Temperatures enter in °F so that CalTRACK's endpoints apply unchanged (``T[°F] = 1.8 T[°C] + 32``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from parkcarbon.core.forecast.calendar import HourCalendar, WorkCalendar, hour_calendar
from parkcarbon.core.forecast.errors import ForecastInputError
from parkcarbon.core.forecast.models import Forecast, HourlySeries, Weather, _band_offsets, _hours

__all__ = [
    "BIN_ENDPOINTS_F",
    "MIN_BIN_HOURS",
    "OCCUPANCY_THRESHOLD",
    "TOWT",
    "FittedTOWT",
    "detect_occupancy",
    "temperature_features",
    "validate_bin_endpoints",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: CalTRACK §3.9.1.1 default bin endpoints [°F].
BIN_ENDPOINTS_F: tuple[float, ...] = (30.0, 45.0, 55.0, 65.0, 75.0, 90.0)
#: CalTRACK §3.9.1.2: a bin needs at least this many hours.
MIN_BIN_HOURS = 20
#: CalTRACK §3.8.4: share of under-predicted hours above which a time of week is occupied.
OCCUPANCY_THRESHOLD = 0.65
#: CalTRACK §3.8.3 fixed balance points of the occupancy model [°F].
HEATING_BALANCE_F, COOLING_BALANCE_F = 50.0, 65.0


def c_to_f(temp_c: npt.ArrayLike) -> F64:
    """°C → °F."""
    return np.asarray(temp_c, dtype=np.float64) * 1.8 + 32.0


def temperature_features(temp_f: npt.ArrayLike, endpoints: tuple[float, ...] = BIN_ENDPOINTS_F) -> F64:
    """Piecewise-linear temperature features of CalTRACK §3.9.1.3–3.9.1.5 (shape ``(n, N + 1)``).

    With ``N`` endpoints ``B₁ < … < B_N``: ``Tc₁ = min(T, B₁)``; ``Tcₙ = clip(T − Bₙ₋₁, 0, Bₙ − Bₙ₋₁)``
    for ``n = 2 … N``; ``Tc_{N+1} = max(T − B_N, 0)``. Their sum is ``T`` for every ``T``.
    """
    t = np.asarray(temp_f, dtype=np.float64).ravel()
    b = np.asarray(endpoints, dtype=np.float64)
    if b.size == 0:
        return t[:, None].copy()
    if (np.diff(b) <= 0).any():
        raise ForecastInputError("bin endpoints must be strictly increasing")
    cols = [np.minimum(t, b[0])]
    for n in range(1, b.size):
        cols.append(np.clip(t - b[n - 1], 0.0, b[n] - b[n - 1]))
    cols.append(np.maximum(t - b[-1], 0.0))
    return np.column_stack(cols)


def validate_bin_endpoints(
    temp_f: npt.ArrayLike, endpoints: tuple[float, ...] = BIN_ENDPOINTS_F, *, min_hours: int = MIN_BIN_HOURS
) -> tuple[float, ...]:
    """Drop endpoints of sparse bins (CalTRACK §3.9.1.2).

    Bins are scanned from the lowest; a bin with fewer than ``min_hours`` hours is merged with its
    neighbour by dropping its larger endpoint — for the top bin (above the last endpoint) the lower
    endpoint is dropped — and the scan restarts until every bin has enough hours.
    """
    t = np.asarray(temp_f, dtype=np.float64).ravel()
    ends = list(endpoints)
    while ends:
        edges = [-np.inf, *ends, np.inf]
        counts = [int(((t > edges[i]) & (t <= edges[i + 1])).sum()) for i in range(len(edges) - 1)]
        sparse = next((i for i, c in enumerate(counts) if c < min_hours), None)
        if sparse is None:
            break
        if sparse < len(ends):
            del ends[sparse]  # the bin's larger endpoint
        else:
            del ends[-1]  # the top bin: its lower endpoint
    return tuple(ends)


def effective_time_of_week(cal: HourCalendar, *, china_calendar: bool) -> I64:
    """Time of week (0–167) on the day type (module docstring)."""
    if not china_calendar:
        return cal.time_of_week
    weekday = np.where(cal.holiday, 6, np.where(cal.makeup_workday, 2, cal.weekday))
    return np.asarray(24 * weekday + cal.hour, dtype=np.int64)


def detect_occupancy(usage: npt.ArrayLike, temp_f: npt.ArrayLike, time_of_week: npt.ArrayLike) -> B:
    """Occupied times of week (array of 168 booleans), CalTRACK §3.8.3–3.8.4."""
    y = np.asarray(usage, dtype=np.float64)
    t = np.asarray(temp_f, dtype=np.float64)
    tow = np.asarray(time_of_week, dtype=np.int64)
    x = np.column_stack(
        [np.ones_like(t), np.maximum(HEATING_BALANCE_F - t, 0.0), np.maximum(t - COOLING_BALANCE_F, 0.0)]
    )
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    under = (y > x @ coef).astype(np.float64)
    hours = np.bincount(tow, minlength=168).astype(np.float64)
    share = np.divide(
        np.bincount(tow, weights=under, minlength=168), hours, out=np.zeros(168), where=hours > 0
    )
    return np.asarray(share > OCCUPANCY_THRESHOLD)


def _temp_design(
    tow: I64, temp_f: F64, occupied_tow: B, ends_occ: tuple[float, ...], ends_unocc: tuple[float, ...]
) -> F64:
    """Temperature features interacted with the occupancy mode (CalTRACK §3.10.1.2.3)."""
    occ = occupied_tow[tow][:, None]
    f_occ = temperature_features(temp_f, ends_occ) * occ
    f_un = temperature_features(temp_f, ends_unocc) * ~occ
    return np.hstack([f_occ, f_un])


def _by_tow_mean(values: F64, tow: I64, counts: F64) -> F64:
    """Mean of ``values`` (n or n×k) per time of week (rows of 168)."""
    if values.ndim == 1:
        sums = np.bincount(tow, weights=values, minlength=168)
        return np.asarray(
            np.divide(sums, counts, out=np.full(168, np.nan), where=counts > 0), dtype=np.float64
        )
    out = np.full((168, values.shape[1]), np.nan)
    for j in range(values.shape[1]):
        sums = np.bincount(tow, weights=values[:, j], minlength=168)
        np.divide(sums, counts, out=out[:, j], where=counts > 0)
    return out


@dataclass
class FittedTOWT:
    """A fitted TOWT model: ``ŷ = α[tow] + Σ β·Tc`` (168 time-of-week coefficients, temperature
    coefficients per occupancy mode)."""

    alpha: F64
    beta: F64
    temp_columns: npt.NDArray[np.bool_]
    occupied_tow: B
    ends_occupied: tuple[float, ...]
    ends_unoccupied: tuple[float, ...]
    calendar: WorkCalendar
    weather: Weather | None
    china_calendar: bool
    unit: str
    offsets_occ: tuple[float, float, float]
    offsets_unocc: tuple[float, float, float]
    fitted_values: F64
    fallback_mean: float
    name: str = "towt"
    parameters: int = 0
    features: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def predict(self, hour_starts: npt.ArrayLike, weather: Weather | None = None) -> Forecast:
        hs = _hours(hour_starts, "horizon")
        w = weather or self.weather
        if w is None:
            raise ForecastInputError("towt needs the weather (air temperature) of the forecast hours")
        temp_f = c_to_f(w.at(hs))
        tow = effective_time_of_week(hour_calendar(hs, self.calendar), china_calendar=self.china_calendar)
        xt = _temp_design(tow, temp_f, self.occupied_tow, self.ends_occupied, self.ends_unoccupied)
        alpha = self.alpha[tow]
        seen = np.isfinite(alpha)
        point = np.where(seen, alpha, 0.0) + xt[:, self.temp_columns] @ self.beta
        warn: tuple[str, ...] = ()
        if not seen.all():
            point = np.where(seen, point, self.fallback_mean)
            warn = (f"{int((~seen).sum())} hours fall on times of week absent from the baseline",)
        occ = self.occupied_tow[tow]
        q = np.where(
            occ[:, None], np.asarray(self.offsets_occ)[None, :], np.asarray(self.offsets_unocc)[None, :]
        )
        return Forecast(
            self.name, hs, point, point + q[:, 0], point + q[:, 1], point + q[:, 2], self.unit, warn
        )


@dataclass(frozen=True)
class TOWT:
    """CalTRACK hourly TOWT model (module docstring).

    ``baseline_days``: the model is fitted on the last ``baseline_days`` days of the history
    (CalTRACK §3.7.5.1: 365).
    """

    name: str = "towt"
    needs_weather: bool = True
    baseline_days: int = 365
    china_calendar: bool = True

    def fit(self, history: HourlySeries, weather: Weather | None, calendar: WorkCalendar) -> FittedTOWT:
        if weather is None:
            raise ForecastInputError("towt needs the weather (air temperature) of the history")
        if len(history) == 0:
            raise ForecastInputError("towt needs history")
        start = int(history.hour_starts[-1]) + 3600 - self.baseline_days * 86400
        h = history.between(start, int(history.hour_starts[-1]) + 3600)
        if len(h) < 168 * 2:
            raise ForecastInputError(
                f"towt needs at least two weeks of hourly history ({len(h)} hours given)"
            )
        temp_f = c_to_f(weather.at(h.hour_starts))
        cal = hour_calendar(h.hour_starts, calendar)
        tow = effective_time_of_week(cal, china_calendar=self.china_calendar)
        occupied = detect_occupancy(h.values, temp_f, tow)
        occ_h = occupied[tow]
        ends_occ = validate_bin_endpoints(temp_f[occ_h]) if occ_h.any() else ()
        ends_un = validate_bin_endpoints(temp_f[~occ_h]) if (~occ_h).any() else ()
        # least squares with 168 indicator columns, solved by eliminating the indicators
        # (Frisch–Waugh–Lovell): demean y and the temperature features within each time of week,
        # regress, then α = per-time-of-week mean of y − Tc·β. Same solution as the full design.
        xt = _temp_design(tow, temp_f, occupied, ends_occ, ends_un)
        temp_cols = np.abs(xt).sum(axis=0) > 0
        xt = xt[:, temp_cols]
        counts = np.bincount(tow, minlength=168).astype(np.float64)
        xt_dm = xt - _by_tow_mean(xt, tow, counts)[tow]
        y_dm = h.values - _by_tow_mean(h.values, tow, counts)[tow]
        beta, _, rank_t, _ = np.linalg.lstsq(xt_dm, y_dm, rcond=None)
        alpha = _by_tow_mean(h.values - xt @ beta, tow, counts)
        rank = int(rank_t) + int((counts > 0).sum())
        fitted = alpha[tow] + xt @ beta
        resid = h.values - fitted
        n = h.values.size
        # prediction residuals are wider than fit residuals by √(n/(n − p)) (unbiased variance)
        inflate = float(np.sqrt(n / max(n - int(rank), 1)))
        o1, o2, o3 = _band_offsets(resid[occ_h])
        off_occ = (o1 * inflate, o2 * inflate, o3 * inflate)
        u1, u2, u3 = _band_offsets(resid[~occ_h])
        off_un = (u1 * inflate, u2 * inflate, u3 * inflate)
        feats: tuple[str, ...] = (
            "time_of_week[168]",
            "occupancy(CalTRACK 3.8)",
            f"temperature bins occupied {list(ends_occ)} °F",
            f"temperature bins unoccupied {list(ends_un)} °F",
        )
        if self.china_calendar:
            feats = (*feats, "China day type (holiday → Sunday, 调休 → Wednesday)")
        warnings: tuple[str, ...] = (
            "single 365-day model (CalTRACK 3.7.5.1); month-by-month weighting not applied",
        )
        if len(h) < self.baseline_days * 24 * 0.9:
            warnings = (
                *warnings,
                f"baseline shorter than {self.baseline_days} days ({len(h) / 24:.0f} days)",
            )
        return FittedTOWT(
            alpha=alpha,
            beta=np.asarray(beta, dtype=np.float64),
            temp_columns=temp_cols,
            occupied_tow=occupied,
            ends_occupied=ends_occ,
            ends_unoccupied=ends_un,
            calendar=calendar,
            weather=weather,
            china_calendar=self.china_calendar,
            unit=history.unit,
            offsets_occ=off_occ,
            offsets_unocc=off_un,
            fitted_values=fitted,
            fallback_mean=float(h.values.mean()),
            parameters=int(rank),
            features=feats,
            warnings=warnings,
        )
