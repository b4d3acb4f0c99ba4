"""Measured savings (节能量核定, M&V): avoided energy and its fractional savings uncertainty.

Avoided energy (IPMVP Core Concepts 2016, EVO 10000-1:2016, §8.1 Eq. 1a; ASHRAE Guideline 14-2014
§4.1; GB/T 28750-2012 节能量测量和验证技术通则 §5)::

    avoided energy = adjusted baseline energy − reporting-period energy ± non-routine adjustments

The *adjusted baseline* is the baseline model (fitted on the baseline period) predicting the reporting
period under the reporting period's weather and calendar (routine adjustments). Option C applies it
to a whole-facility meter, Option B to a retrofit-isolation meter — the arithmetic is the same.
Non-routine adjustments (a production line added, a floor closed …) are entered with a reason and
added to the adjusted baseline.

Fractional savings uncertainty (ASHRAE Guideline 14-2014 Annex B, as restated in CalTRACK Methods
§4.3.2.4, "a modified version of the ASHRAE Guideline 14 formulation")::

    ΔE_save / E_save = 1.26 · t · CV · √[ (n / n′) · (1 + 2 / n′) · (1 / m) ] / F
    n′ = n · (1 − ρ) / (1 + ρ)

``CV`` the baseline model's CV(RMSE) as a fraction (on its baseline, ``n − p``), ``F`` the savings
fraction (avoided energy ÷ adjusted baseline), ``n`` the baseline and ``m`` the reporting periods,
``ρ`` the lag-1 autocorrelation of the baseline residuals (``n′`` the effective number of independent
periods), ``t`` Student's two-sided t at the confidence level with ``n − p`` degrees of freedom.
1.26 is G14's empirical correction (Reddy & Claridge 2000); CalTRACK replaces it for daily and
billing data by a polynomial in the number of reporting months (Sun & Baltazar 2013) — not used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from parkcarbon.core.forecast.errors import ForecastInputError

__all__ = [
    "NonRoutineAdjustment",
    "Savings",
    "avoided_energy",
    "fractional_savings_uncertainty",
    "lag1_autocorrelation",
]

#: G14-2014 Annex B empirical constant of the savings uncertainty formula.
G14_EMPIRICAL_FACTOR = 1.26


def lag1_autocorrelation(residuals: npt.ArrayLike) -> float:
    """Lag-1 autocorrelation ρ of a residual series: Σ(eᵢ − ē)(eᵢ₊₁ − ē) / Σ(eᵢ − ē)²."""
    e = np.asarray(residuals, dtype=np.float64).ravel()
    if e.size < 3:
        raise ForecastInputError("need at least three residuals for an autocorrelation")
    d = e - e.mean()
    den = float(np.sum(d * d))
    if den == 0.0:
        return 0.0
    return float(np.sum(d[:-1] * d[1:]) / den)


def fractional_savings_uncertainty(
    *,
    cv_rmse: float,
    savings_fraction: float,
    baseline_periods: int,
    reporting_periods: int,
    parameters: int,
    confidence: float = 0.90,
    autocorrelation: float = 0.0,
) -> float:
    """ΔE_save / E_save of ASHRAE Guideline 14-2014 Annex B (module docstring), as a fraction.

    Parameters
    ----------
    cv_rmse
        CV(RMSE) of the baseline model as a **fraction** (0.2 for 20 %).
    savings_fraction
        ``F`` = avoided energy ÷ adjusted baseline (must not be zero).
    baseline_periods, reporting_periods
        ``n`` and ``m``.
    parameters
        ``p`` of the baseline model (degrees of freedom ``n − p`` of ``t``).
    confidence
        Two-sided confidence level (0.68, 0.80, 0.90, 0.95 …).
    autocorrelation
        Lag-1 autocorrelation ρ of the baseline residuals (0 for independent residuals).
    """
    from scipy import stats

    if savings_fraction == 0.0:
        raise ForecastInputError("no savings (F = 0): the fractional uncertainty is undefined")
    if not 0.0 < confidence < 1.0:
        raise ForecastInputError("confidence must be strictly between 0 and 1")
    if not -1.0 < autocorrelation < 1.0:
        raise ForecastInputError("autocorrelation must be strictly between −1 and 1")
    n, m = baseline_periods, reporting_periods
    if n - parameters <= 0 or m <= 0:
        raise ForecastInputError("need n − p > 0 baseline periods and at least one reporting period")
    n_eff = n * (1.0 - autocorrelation) / (1.0 + autocorrelation)
    t = float(stats.t.ppf(1.0 - (1.0 - confidence) / 2.0, n - parameters))
    root = np.sqrt((n / n_eff) * (1.0 + 2.0 / n_eff) * (1.0 / m))
    return float(G14_EMPIRICAL_FACTOR * t * cv_rmse * root / abs(savings_fraction))


@dataclass(frozen=True)
class NonRoutineAdjustment:
    """A non-routine adjustment of the baseline [unit of the series], with the reason it was made."""

    amount: float
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ForecastInputError("a non-routine adjustment needs a reason")
        if not np.isfinite(self.amount):
            raise ForecastInputError("a non-routine adjustment must be a finite number")


@dataclass(frozen=True)
class Savings:
    """Avoided energy of a reporting period with its uncertainty (节能量及其不确定度)."""

    option: Literal["B", "C"]
    unit: str
    baseline_model: str
    baseline_qualified: bool
    baseline_reasons: tuple[str, ...]
    reporting_hours: int
    adjusted_baseline: float
    non_routine: tuple[NonRoutineAdjustment, ...]
    reporting_use: float
    avoided_energy: float
    savings_fraction: float | None
    confidence: float
    fractional_uncertainty: float | None
    uncertainty: float | None
    verdict: str


def avoided_energy(
    *,
    option: Literal["B", "C"],
    unit: str,
    baseline_model: str,
    baseline_qualified: bool,
    baseline_reasons: tuple[str, ...],
    baseline_cv_rmse_pct: float,
    baseline_periods: int,
    baseline_parameters: int,
    baseline_autocorrelation: float,
    adjusted_baseline: npt.ArrayLike,
    reporting_use: npt.ArrayLike,
    non_routine: tuple[NonRoutineAdjustment, ...] = (),
    confidence: float = 0.90,
) -> Savings:
    """Avoided energy = Σ adjusted baseline + Σ non-routine − Σ reporting use, with G14's uncertainty.

    ``adjusted_baseline`` and ``reporting_use`` are per reporting period (same periods).
    """
    base = np.asarray(adjusted_baseline, dtype=np.float64).ravel()
    use = np.asarray(reporting_use, dtype=np.float64).ravel()
    if base.shape != use.shape or base.size == 0:
        raise ForecastInputError("adjusted baseline and reporting use must cover the same, non-empty periods")
    adj = float(base.sum()) + sum(a.amount for a in non_routine)
    used = float(use.sum())
    saved = adj - used
    fraction = saved / adj if adj != 0.0 else None
    fsu: float | None = None
    if fraction:
        fsu = fractional_savings_uncertainty(
            cv_rmse=baseline_cv_rmse_pct / 100.0,
            savings_fraction=fraction,
            baseline_periods=baseline_periods,
            reporting_periods=int(base.size),
            parameters=baseline_parameters,
            confidence=confidence,
            autocorrelation=min(max(baseline_autocorrelation, -0.99), 0.99),
        )
    unc = abs(saved) * fsu if fsu is not None else None
    if not baseline_qualified:
        verdict = (
            "baseline model does not meet ASHRAE Guideline 14 ("
            + "; ".join(baseline_reasons)
            + "): the savings are not verified"
        )
    elif unc is None:
        verdict = "no savings measured"
    elif abs(saved) <= unc:
        verdict = f"savings not distinguishable from zero at {confidence:.0%} confidence"
    else:
        verdict = f"savings {saved:,.0f} ± {unc:,.0f} {unit} at {confidence:.0%} confidence"
    return Savings(
        option=option,
        unit=unit,
        baseline_model=baseline_model,
        baseline_qualified=baseline_qualified,
        baseline_reasons=baseline_reasons,
        reporting_hours=int(base.size),
        adjusted_baseline=adj,
        non_routine=non_routine,
        reporting_use=used,
        avoided_energy=saved,
        savings_fraction=fraction,
        confidence=confidence,
        fractional_uncertainty=fsu,
        uncertainty=unc,
        verdict=verdict,
    )
