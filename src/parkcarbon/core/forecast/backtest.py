"""Rolling-origin backtests, model cards and qualification with fallback (滚动起点回测 · 模型卡 · 合格判定).

Rolling origin (Tashman 2000, "Out-of-sample tests of forecasting accuracy", IJF 16(4); Hyndman &
Athanasopoulos, *FPP* 3rd ed., §5.10 "time series cross-validation"): for each of ``folds`` origins,
stepping back ``step_hours`` from the end of the history, the model is fitted on the hours before the
origin only and predicts the next ``horizon_hours``; the forecasts of all folds are scored together.
The scores are out-of-sample, so G14's ``n − p`` uses ``p = 0`` (nothing was estimated from the scored
hours; :mod:`.metrics`).

Qualification: a model qualifies when its backtest meets the ASHRAE Guideline 14 hourly criteria
(CV(RMSE) ≤ 30 %, |NMBE| ≤ 10 %, :data:`.metrics.G14_THRESHOLDS`). :func:`select_model` tries the
preferred model first and falls back along :data:`.models.MODEL_NAMES` to the first model that
qualifies; when none does it returns the best of them (lowest CV(RMSE)) marked **not qualified**, with
every model's reasons, so a caller can never present it as a qualified forecast without saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parkcarbon.core.forecast.calendar import WorkCalendar
from parkcarbon.core.forecast.errors import ForecastError, ForecastInputError
from parkcarbon.core.forecast.metrics import Accuracy, Qualification, Resolution, accuracy, qualify
from parkcarbon.core.forecast.models import MODEL_NAMES, FittedModel, HourlySeries, Weather, model_by_name

__all__ = [
    "Backtest",
    "BacktestSpec",
    "ModelCard",
    "Selection",
    "model_card",
    "rolling_origin",
    "select_model",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Version of the model card layout (stored with each card).
CARD_VERSION = 1


@dataclass(frozen=True)
class BacktestSpec:
    """Folds of a rolling-origin backtest: ``folds`` origins ``step_hours`` apart, each scored on the
    following ``horizon_hours``."""

    folds: int = 4
    horizon_hours: int = 168
    step_hours: int = 168
    resolution: Resolution = "hourly"

    def __post_init__(self) -> None:
        if self.folds < 1 or self.horizon_hours < 1 or self.step_hours < 1:
            raise ForecastInputError("folds, horizon_hours and step_hours must be at least 1")


@dataclass(frozen=True)
class Backtest:
    """Out-of-sample forecasts of every fold and their scores."""

    model: str
    spec: BacktestSpec
    origins: tuple[int, ...]
    hour_starts: I64
    measured: F64
    point: F64
    p10: F64
    p90: F64
    accuracy: Accuracy
    qualification: Qualification


def rolling_origin(
    model_name: str,
    history: HourlySeries,
    weather: Weather | None,
    calendar: WorkCalendar,
    spec: BacktestSpec = BacktestSpec(),
) -> Backtest:
    """Backtest one model (module docstring)."""
    if len(history) == 0:
        raise ForecastInputError("no history to backtest")
    end = int(history.hour_starts[-1]) + 3600
    last_origin = end - spec.horizon_hours * 3600
    origins = sorted(last_origin - k * spec.step_hours * 3600 for k in range(spec.folds))
    hs_parts, y_parts, pt, lo, hi = [], [], [], [], []
    for origin in origins:
        train = history.before(origin)
        test = history.between(origin, origin + spec.horizon_hours * 3600)
        if len(test) == 0:
            continue
        fitted = model_by_name(model_name).fit(train, weather, calendar)
        f = fitted.predict(test.hour_starts)
        hs_parts.append(test.hour_starts)
        y_parts.append(test.values)
        pt.append(f.point)
        lo.append(f.p10)
        hi.append(f.p90)
    if not hs_parts:
        raise ForecastInputError("no measured hours in any backtest fold")
    y = np.concatenate(y_parts)
    point, p10, p90 = np.concatenate(pt), np.concatenate(lo), np.concatenate(hi)
    acc = accuracy(y, point, parameters=0, p10=p10, p90=p90)
    return Backtest(
        model_name,
        spec,
        tuple(origins),
        np.concatenate(hs_parts),
        y,
        point,
        p10,
        p90,
        acc,
        qualify(acc, resolution=spec.resolution),
    )


@dataclass(frozen=True)
class ModelCard:
    """What a fitted model is, what it was fitted on and how good it is (模型卡)."""

    version: int
    model: str
    unit: str
    data_first_hour: int
    data_last_hour: int
    hours: int
    features: tuple[str, ...]
    parameters: int
    in_sample: Accuracy | None
    backtest: Accuracy | None
    backtest_spec: BacktestSpec | None
    qualification: Qualification | None
    qualified: bool
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]


def model_card(fitted: FittedModel, history: HourlySeries, backtest: Backtest | None) -> ModelCard:
    """The card of a model fitted on ``history`` (in-sample indices with the model's ``p``)."""
    in_sample: Accuracy | None = None
    fitted_values = getattr(fitted, "fitted_values", None)
    if fitted_values is not None and len(history) >= fitted_values.size > fitted.parameters:
        y = history.values[-fitted_values.size :]
        try:
            in_sample = accuracy(y, fitted_values, parameters=fitted.parameters)
        except ForecastError:
            in_sample = None
    q = backtest.qualification if backtest else None
    reasons = q.reasons if q else ("not backtested",)
    return ModelCard(
        version=CARD_VERSION,
        model=fitted.name,
        unit=history.unit,
        data_first_hour=int(history.hour_starts[0]),
        data_last_hour=int(history.hour_starts[-1]),
        hours=len(history),
        features=fitted.features,
        parameters=fitted.parameters,
        in_sample=in_sample,
        backtest=backtest.accuracy if backtest else None,
        backtest_spec=backtest.spec if backtest else None,
        qualification=q,
        qualified=bool(q and q.qualified),
        reasons=reasons,
        warnings=fitted.warnings,
    )


@dataclass(frozen=True)
class Selection:
    """The model chosen for a series, the fitted model and every candidate's card."""

    chosen: str
    qualified: bool
    preferred: str
    fitted: FittedModel
    card: ModelCard
    candidates: tuple[ModelCard, ...]
    skipped: tuple[tuple[str, str], ...]
    statement: str


def select_model(
    history: HourlySeries,
    weather: Weather | None,
    calendar: WorkCalendar,
    *,
    preferred: str = MODEL_NAMES[0],
    spec: BacktestSpec = BacktestSpec(),
) -> Selection:
    """Backtest the preferred model and fall back until one qualifies (module docstring)."""
    if preferred not in MODEL_NAMES:
        raise ForecastInputError(f"unknown model {preferred!r}; use one of {', '.join(MODEL_NAMES)}")
    order = MODEL_NAMES[MODEL_NAMES.index(preferred) :]
    cards: list[ModelCard] = []
    skipped: list[tuple[str, str]] = []
    best: tuple[float, str, Backtest] | None = None
    chosen: tuple[str, Backtest] | None = None
    fitted_by_name: dict[str, FittedModel] = {}
    for name in order:
        if model_by_name(name).needs_weather and weather is None:
            skipped.append((name, "no weather"))
            continue
        try:
            bt = rolling_origin(name, history, weather, calendar, spec)
        except ForecastInputError as exc:
            skipped.append((name, str(exc)))
            continue
        fitted_full = fitted_by_name[name] = model_by_name(name).fit(history, weather, calendar)
        cards.append(model_card(fitted_full, history, bt))
        if best is None or bt.accuracy.cv_rmse_pct < best[0]:
            best = (bt.accuracy.cv_rmse_pct, name, bt)
        if bt.qualification.qualified:
            chosen = (name, bt)
            break
    if best is None:
        raise ForecastInputError(
            "no model could be fitted: " + "; ".join(f"{n}: {why}" for n, why in skipped)
        )
    name, bt = chosen if chosen else (best[1], best[2])
    card = next(c for c in cards if c.model == name)
    fitted = fitted_by_name[name]
    if chosen and name == preferred:
        statement = f"{name}: qualified (ASHRAE Guideline 14 hourly criteria on a rolling-origin backtest)"
    elif chosen:
        statement = (
            f"{preferred} did not qualify; fell back to {name}, which qualifies "
            "(ASHRAE Guideline 14 hourly criteria)"
        )
    else:
        statement = (
            f"no model meets ASHRAE Guideline 14; {name} has the lowest CV(RMSE) "
            f"({bt.accuracy.cv_rmse_pct:.1f} %) and is shown NOT QUALIFIED"
        )
    return Selection(
        name, chosen is not None, preferred, fitted, card, tuple(cards), tuple(skipped), statement
    )
