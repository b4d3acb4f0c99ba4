"""Energy forecasting and measured savings (能源预测与节能量核定): pure, typed, no database.

* :mod:`.metrics` — CV(RMSE), NMBE (ASHRAE Guideline 14-2014), MAPE, pinball loss, band coverage and
  the G14 qualification criteria as cited data;
* :mod:`.models` — one interface (``fit(history, weather, calendar)`` → ``predict(hours)`` with
  P10/P50/P90) for persistence, seasonal naive, CalTRACK TOWT (:mod:`.towt`) and gradient boosting
  (:mod:`.gbm`);
* :mod:`.calendar` — working days by China's official calendar including make-up working days (调休);
* :mod:`.backtest` — rolling-origin backtests, model cards, qualification with fallback;
* :mod:`.mv` — avoided energy (IPMVP Option B/C) and G14's fractional savings uncertainty.
"""

from parkcarbon.core.forecast.backtest import (
    Backtest,
    BacktestSpec,
    ModelCard,
    Selection,
    model_card,
    rolling_origin,
    select_model,
)
from parkcarbon.core.forecast.calendar import HourCalendar, WorkCalendar, hour_calendar
from parkcarbon.core.forecast.errors import ForecastError, ForecastInputError, NotFittedError
from parkcarbon.core.forecast.metrics import (
    G14_THRESHOLDS,
    Accuracy,
    Qualification,
    Threshold,
    accuracy,
    coverage,
    cv_rmse,
    mape,
    nmbe,
    pinball_loss,
    qualify,
)
from parkcarbon.core.forecast.models import (
    MODEL_NAMES,
    FittedModel,
    Forecast,
    ForecastModel,
    HourlySeries,
    Persistence,
    SeasonalNaive,
    Weather,
    model_by_name,
)
from parkcarbon.core.forecast.mv import (
    NonRoutineAdjustment,
    Savings,
    avoided_energy,
    fractional_savings_uncertainty,
    lag1_autocorrelation,
)

__all__ = [
    "G14_THRESHOLDS",
    "MODEL_NAMES",
    "Accuracy",
    "Backtest",
    "BacktestSpec",
    "FittedModel",
    "Forecast",
    "ForecastError",
    "ForecastInputError",
    "ForecastModel",
    "HourCalendar",
    "HourlySeries",
    "ModelCard",
    "NonRoutineAdjustment",
    "NotFittedError",
    "Persistence",
    "Qualification",
    "Savings",
    "SeasonalNaive",
    "Selection",
    "Threshold",
    "Weather",
    "WorkCalendar",
    "accuracy",
    "avoided_energy",
    "coverage",
    "cv_rmse",
    "fractional_savings_uncertainty",
    "hour_calendar",
    "lag1_autocorrelation",
    "mape",
    "model_by_name",
    "model_card",
    "nmbe",
    "pinball_loss",
    "qualify",
    "rolling_origin",
    "select_model",
]
