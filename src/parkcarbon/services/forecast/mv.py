"""Measured savings of a meter, an enterprise or the park (节能量测量与验证, IPMVP Option B / C).

The baseline model (CalTRACK TOWT by default, the hourly M&V model of CalTRACK §3.7) is fitted on the
baseline period's hourly consumption and weather and predicts the reporting period under the
reporting period's observed weather and calendar (the routine adjustment); non-routine adjustments are
entered with a reason. Option C is a whole-facility scope (enterprise, park or main meter), Option B a
retrofit-isolation sub-meter — the same arithmetic on a different boundary (GB/T 28750-2012 §5).

Qualification of the baseline (ASHRAE Guideline 14-2014 hourly criteria) is judged on the model's fit
to its baseline with ``n − p`` (G14 Annex B); the model card also carries a rolling-origin backtest.
A baseline that does not qualify gives savings with the verdict "not verified".
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Literal

from parkcarbon.core.forecast import (
    BacktestSpec,
    ForecastInputError,
    NonRoutineAdjustment,
    WorkCalendar,
    accuracy,
    avoided_energy,
    lag1_autocorrelation,
    model_by_name,
    model_card,
    qualify,
    rolling_origin,
)
from parkcarbon.services.errors import InvalidInput
from parkcarbon.services.forecast.schemas import SavingsOut, Scope
from parkcarbon.services.forecast.service import card_out, history_of, resolve_scope
from parkcarbon.services.forecast.weather import load_weather
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database

__all__ = ["measured_savings"]


def measured_savings(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    scope: Scope,
    scope_id: int,
    baseline_start: datetime,
    baseline_end: datetime,
    reporting_start: datetime,
    reporting_end: datetime,
    option: Literal["B", "C"] = "C",
    carrier: str = "electricity",
    model: str = "towt",
    non_routine: tuple[NonRoutineAdjustment, ...] = (),
    confidence: float = 0.90,
) -> SavingsOut:
    """Avoided energy of the reporting period with its G14 uncertainty (module docstring)."""
    if not baseline_start < baseline_end <= reporting_start < reporting_end:
        raise InvalidInput.field(
            "reporting_start",
            "periods must be baseline_start < baseline_end ≤ reporting_start < reporting_end",
        )
    _, timezone = resolve_scope(db, p, park_id, scope, scope_id)
    base = history_of(
        db, p, park_id, scope, scope_id, carrier=carrier, start=baseline_start, end=baseline_end
    )
    rep = history_of(
        db, p, park_id, scope, scope_id, carrier=carrier, start=reporting_start, end=reporting_end
    )
    if len(base) < 24 * 28 or len(rep) == 0:
        raise InvalidInput.field(
            "baseline_start",
            f"needs ≥ 28 days of baseline and some reporting data ({len(base)} h and {len(rep)} h stored)",
        )
    weather, _ = load_weather(
        db,
        park_id,
        int(baseline_start.timestamp()),
        int(reporting_end.timestamp()),
        as_of=int(reporting_end.timestamp()),
    )
    cal = WorkCalendar(timezone=timezone)
    try:
        fitted = model_by_name(model).fit(base, weather, cal)
        adjusted = fitted.predict(rep.hour_starts).point
        bt = rolling_origin(model, base, weather, cal, BacktestSpec(folds=2))
    except ForecastInputError as exc:
        raise InvalidInput.field("scope_id", str(exc)) from exc
    card = model_card(fitted, base, bt)
    fv = getattr(fitted, "fitted_values", None)
    if fv is None:
        raise InvalidInput.field(
            "model", f"{model} has no in-sample fit to judge a baseline by; use towt or gbm"
        )
    y = base.values[-fv.size :]
    fit = accuracy(y, fv, parameters=fitted.parameters)
    q = qualify(fit, resolution="hourly")
    s = avoided_energy(
        option=option,
        unit=rep.unit or base.unit,
        baseline_model=model,
        baseline_qualified=q.qualified,
        baseline_reasons=q.reasons,
        baseline_cv_rmse_pct=fit.cv_rmse_pct,
        baseline_periods=int(fv.size),
        baseline_parameters=fitted.parameters,
        baseline_autocorrelation=lag1_autocorrelation(y - fv),
        adjusted_baseline=adjusted,
        reporting_use=rep.values,
        non_routine=non_routine,
        confidence=confidence,
    )
    d = dataclasses.asdict(s)
    d["non_routine"] = [{"amount": a.amount, "reason": a.reason} for a in s.non_routine]
    d["baseline_reasons"] = list(s.baseline_reasons)
    return SavingsOut(
        **d,
        baseline_start=baseline_start,
        baseline_end=baseline_end,
        reporting_start=reporting_start,
        reporting_end=reporting_end,
        baseline_card=card_out(card),
    )
