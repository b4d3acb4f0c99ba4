"""API shapes of forecasts, model cards and measured savings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["AccuracyOut", "CriterionOut", "ForecastOut", "ModelCardOut", "SavingsOut"]

Scope = Literal["meter", "enterprise", "park"]


class AccuracyOut(BaseModel):
    periods: int
    parameters: int = Field(description="p of G14's n − p (0 for an out-of-sample backtest)")
    mean_measured: float
    cv_rmse_pct: float
    nmbe_pct: float = Field(description="measured − predicted (positive: the model under-predicts)")
    mape_pct: float | None
    mape_excluded_zero: int
    pinball_p10: float | None = None
    pinball_p50: float | None = None
    pinball_p90: float | None = None
    coverage_p10_p90: float | None = Field(default=None, description="share of hours inside P10–P90 (0–1)")


class CriterionOut(BaseModel):
    metric: str
    limit_pct: float
    value_pct: float
    passed: bool
    source: str
    clause: str
    edition: str


class ModelCardOut(BaseModel):
    model: str
    unit: str
    data_first_hour: datetime
    data_last_hour: datetime
    hours: int
    features: list[str]
    parameters: int
    in_sample: AccuracyOut | None
    backtest: AccuracyOut | None
    backtest_folds: int | None
    backtest_horizon_hours: int | None
    qualified: bool
    criteria: list[CriterionOut]
    reasons: list[str]
    warnings: list[str]


class ForecastOut(BaseModel):
    id: int
    park_id: int
    scope: Scope
    scope_id: int
    enterprise_id: int | None
    carrier: str
    unit: str
    model: str = Field(description="the model whose forecast this is (after any fallback)")
    qualified: bool = Field(description="whether that model meets ASHRAE Guideline 14 on its backtest")
    statement: str = Field(description="which model was used and why (fallback, disqualification)")
    created_at: datetime
    hours: list[datetime] = Field(description="start of each forecast hour (UTC)")
    point: list[float]
    p10: list[float]
    p50: list[float]
    p90: list[float]
    weather_forecast_hours: int = Field(
        description="hours whose weather came from a forecast, not observation"
    )
    card: ModelCardOut
    candidates: list[ModelCardOut] = Field(description="every model tried, in the order tried")


class SavingsOut(BaseModel):
    option: Literal["B", "C"]
    unit: str
    baseline_start: datetime
    baseline_end: datetime
    reporting_start: datetime
    reporting_end: datetime
    baseline_model: str
    baseline_qualified: bool
    baseline_reasons: list[str]
    baseline_card: ModelCardOut
    reporting_hours: int
    adjusted_baseline: float
    non_routine: list[dict[str, float | str]]
    reporting_use: float
    avoided_energy: float
    savings_fraction: float | None
    confidence: float
    fractional_uncertainty: float | None
    uncertainty: float | None
    verdict: str
