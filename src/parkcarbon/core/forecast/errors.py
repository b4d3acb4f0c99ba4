"""Errors of the forecasting core (预测引擎异常)."""

from __future__ import annotations

from parkcarbon.core.errors import AccountingError

__all__ = ["ForecastError", "ForecastInputError", "NotFittedError"]


class ForecastError(AccountingError):
    """Base class of the forecasting core's errors."""

    code = "forecast.invalid"


class ForecastInputError(ForecastError, ValueError):
    """Input a model or metric cannot use; the message says what to change."""

    code = "forecast.input"


class NotFittedError(ForecastError):
    """``predict`` was called before ``fit``."""

    code = "forecast.not_fitted"
