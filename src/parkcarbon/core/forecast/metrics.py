"""Forecast accuracy metrics and ASHRAE Guideline 14 qualification (预测精度指标与 ASHRAE 14 合格判定).

Pure functions of arrays: measured values ``y`` and predicted values ``ŷ`` of the same periods.

Definitions (ASHRAE Guideline 14-2014, *Measurement of Energy, Demand, and Water Savings*, Annex B
"Determination of savings uncertainty", statistical indices of the baseline model; the same formulas as
§4.3.2 / Table 5-1 note of G14-2002 for calibrated simulation):

* coefficient of variation of the root-mean-square error [%]::

      CV(RMSE) = 100 × √[ Σ (yᵢ − ŷᵢ)² / (n − p) ] / ȳ

* normalised mean bias error [%]::

      NMBE = 100 × Σ (yᵢ − ŷᵢ) / [ (n − p) × ȳ ]

  **Sign**: measured minus predicted, as in G14 Annex B — a positive NMBE means the model
  *under*-predicts. (Some tools use the reverse; see ``reference/standards-facts.md`` §10 item 10.)

* **Degrees of freedom**: ``n`` is the number of periods, ``p`` the number of parameters of the model
  *fitted on these data*. G14 uses ``n − p`` for a regression baseline on its own baseline data; for
  calibrated simulation the convention is ``p = 1``. An out-of-sample evaluation (a backtest on
  periods the model never saw) estimates nothing from the evaluated data, so ``p = 0`` there. The
  caller states ``p`` (keyword ``parameters``) every time; there is no default, so no figure is
  computed with an unstated convention.

Further indices, not from G14:

* mean absolute percentage error [%] ``MAPE = 100 × mean(|yᵢ − ŷᵢ| / |yᵢ|)`` over the periods with
  ``yᵢ ≠ 0`` (Hyndman & Koehler 2006, §3.2); the periods left out are counted in the result.
* pinball (quantile) loss of quantile ``τ``: ``mean(max(τ (yᵢ − qᵢ), (τ − 1)(yᵢ − qᵢ)))``
  (Koenker & Bassett 1978; Gneiting & Raftery 2007, §9.1), in the unit of ``y``.
* coverage of a band ``[lo, hi]``: the share of the periods with ``lo ≤ yᵢ ≤ hi``; a P10–P90 band
  is well calibrated near 0.80.

Qualification thresholds (:data:`G14_THRESHOLDS`) are data with provenance: ASHRAE Guideline 14-2014
(carried over from G14-2002 cl. 5.3.2.4 f): monthly data NMBE within ±5 % and CV(RMSE) ≤ 15 %,
hourly data NMBE within ±10 % and CV(RMSE) ≤ 30 %.

References
----------
.. [1] ASHRAE Guideline 14-2014, Measurement of Energy, Demand, and Water Savings, ASHRAE, Atlanta,
   2014, Annex B (statistical indices) and the calibration criteria carried over from G14-2002
   cl. 5.3.2.4 f, p. 18 (standards-facts.md §8.1–8.2).
.. [2] Hyndman, R. J., Koehler, A. B. (2006). Another look at measures of forecast accuracy.
   International Journal of Forecasting 22(4), 679–688.
.. [3] Koenker, R., Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33–50.
.. [4] Gneiting, T., Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and
   estimation. JASA 102(477), 359–378.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from parkcarbon.core.forecast.errors import ForecastInputError

__all__ = [
    "G14_THRESHOLDS",
    "Accuracy",
    "Qualification",
    "Resolution",
    "Threshold",
    "accuracy",
    "coverage",
    "cv_rmse",
    "mape",
    "nmbe",
    "pinball_loss",
    "qualify",
    "thresholds_for",
]

ArrayLike = npt.ArrayLike
Resolution = Literal["hourly", "monthly"]


def _pair(y: ArrayLike, y_hat: ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    a = np.asarray(y, dtype=np.float64).ravel()
    b = np.asarray(y_hat, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ForecastInputError(
            f"measured and predicted values differ in length ({a.size} vs {b.size}); pass the same periods"
        )
    if a.size == 0:
        raise ForecastInputError("no periods to evaluate")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ForecastInputError("measured or predicted values contain NaN or infinity; drop those periods")
    return a, b


def _dof(n: int, parameters: int) -> int:
    if parameters < 0:
        raise ForecastInputError("parameters (p) cannot be negative")
    if n - parameters <= 0:
        raise ForecastInputError(
            f"{n} periods leave no degrees of freedom for {parameters} parameters (n − p ≤ 0)"
        )
    return n - parameters


def _mean_measured(a: npt.NDArray[np.float64]) -> float:
    mean = float(a.mean())
    if mean == 0.0:
        raise ForecastInputError("the mean measured value is zero: CV(RMSE) and NMBE are undefined")
    return mean


def cv_rmse(y: ArrayLike, y_hat: ArrayLike, *, parameters: int) -> float:
    """CV(RMSE) [%] = 100 × √[Σ(yᵢ − ŷᵢ)² / (n − p)] / ȳ (ASHRAE G14-2014 Annex B).

    Parameters
    ----------
    y, y_hat
        Measured and predicted values of the same periods.
    parameters
        ``p``: parameters of the model fitted on these data (0 for an out-of-sample evaluation).
    """
    a, b = _pair(y, y_hat)
    dof = _dof(a.size, parameters)
    return float(100.0 * np.sqrt(np.sum((a - b) ** 2) / dof) / _mean_measured(a))


def nmbe(y: ArrayLike, y_hat: ArrayLike, *, parameters: int) -> float:
    """NMBE [%] = 100 × Σ(yᵢ − ŷᵢ) / [(n − p) × ȳ] (ASHRAE G14-2014 Annex B; measured − predicted)."""
    a, b = _pair(y, y_hat)
    dof = _dof(a.size, parameters)
    return float(100.0 * np.sum(a - b) / (dof * _mean_measured(a)))


@dataclass(frozen=True)
class MapeResult:
    """MAPE [%] over the periods with a non-zero measured value, and how many were left out."""

    mape_pct: float
    periods: int
    excluded_zero: int


def mape(y: ArrayLike, y_hat: ArrayLike) -> MapeResult:
    """MAPE [%] = 100 × mean(|yᵢ − ŷᵢ| / |yᵢ|) over ``yᵢ ≠ 0`` (Hyndman & Koehler 2006 §3.2)."""
    a, b = _pair(y, y_hat)
    keep = a != 0.0
    if not keep.any():
        raise ForecastInputError("every measured value is zero: MAPE is undefined")
    ape = np.abs(a[keep] - b[keep]) / np.abs(a[keep])
    return MapeResult(float(100.0 * ape.mean()), int(keep.sum()), int((~keep).sum()))


def pinball_loss(y: ArrayLike, q_hat: ArrayLike, *, quantile: float) -> float:
    """Mean pinball loss of a quantile forecast [unit of y] (Koenker & Bassett 1978).

    ``L_τ(y, q) = τ (y − q)`` if ``y ≥ q`` else ``(1 − τ)(q − y)``.
    """
    if not 0.0 < quantile < 1.0:
        raise ForecastInputError("quantile must be strictly between 0 and 1")
    a, b = _pair(y, q_hat)
    diff = a - b
    return float(np.mean(np.maximum(quantile * diff, (quantile - 1.0) * diff)))


def coverage(y: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of the periods with ``lower ≤ y ≤ upper`` (0–1)."""
    a, lo = _pair(y, lower)
    _, hi = _pair(y, upper)
    if (lo > hi).any():
        raise ForecastInputError("a band's lower bound is above its upper bound")
    return float(np.mean((a >= lo) & (a <= hi)))


@dataclass(frozen=True)
class Threshold:
    """One qualification criterion with its provenance (a row of data, not a constant in code)."""

    resolution: Resolution
    metric: Literal["cv_rmse", "nmbe"]
    limit_pct: float
    comparison: Literal["<=", "abs<="]
    source: str
    clause: str
    edition: str
    confidence: Literal["H", "M", "L"]


_G14 = "ASHRAE Guideline 14, Measurement of Energy, Demand, and Water Savings"
_G14_CLAUSE = "calibration criteria (G14-2002 cl. 5.3.2.4 f, p. 18; Table 5-1 note 2); retained in G14-2014"

#: ASHRAE Guideline 14 acceptance criteria (standards-facts.md §8.1, confidence H).
G14_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("hourly", "cv_rmse", 30.0, "<=", _G14, _G14_CLAUSE, "2014", "H"),
    Threshold("hourly", "nmbe", 10.0, "abs<=", _G14, _G14_CLAUSE, "2014", "H"),
    Threshold("monthly", "cv_rmse", 15.0, "<=", _G14, _G14_CLAUSE, "2014", "H"),
    Threshold("monthly", "nmbe", 5.0, "abs<=", _G14, _G14_CLAUSE, "2014", "H"),
)


def thresholds_for(resolution: Resolution) -> tuple[Threshold, ...]:
    """The G14 criteria of a data resolution (``hourly`` or ``monthly``)."""
    rows = tuple(t for t in G14_THRESHOLDS if t.resolution == resolution)
    if not rows:
        raise ForecastInputError(
            f"no Guideline 14 criteria for resolution {resolution!r}; use hourly or monthly"
        )
    return rows


@dataclass(frozen=True)
class Accuracy:
    """Accuracy indices of one evaluation (one model on one set of periods)."""

    periods: int
    parameters: int
    mean_measured: float
    cv_rmse_pct: float
    nmbe_pct: float
    mape_pct: float | None
    mape_excluded_zero: int
    pinball_p10: float | None = None
    pinball_p50: float | None = None
    pinball_p90: float | None = None
    coverage_p10_p90: float | None = None


def accuracy(
    y: ArrayLike,
    y_hat: ArrayLike,
    *,
    parameters: int,
    p10: ArrayLike | None = None,
    p50: ArrayLike | None = None,
    p90: ArrayLike | None = None,
) -> Accuracy:
    """Every index at once (quantile figures only when the quantiles are given)."""
    a, b = _pair(y, y_hat)
    try:
        m = mape(a, b)
        mape_pct: float | None = m.mape_pct
        excluded = m.excluded_zero
    except ForecastInputError:
        mape_pct, excluded = None, int(a.size)
    return Accuracy(
        periods=int(a.size),
        parameters=parameters,
        mean_measured=float(a.mean()),
        cv_rmse_pct=cv_rmse(a, b, parameters=parameters),
        nmbe_pct=nmbe(a, b, parameters=parameters),
        mape_pct=mape_pct,
        mape_excluded_zero=excluded,
        pinball_p10=None if p10 is None else pinball_loss(a, p10, quantile=0.1),
        pinball_p50=None if p50 is None else pinball_loss(a, p50, quantile=0.5),
        pinball_p90=None if p90 is None else pinball_loss(a, p90, quantile=0.9),
        coverage_p10_p90=None if p10 is None or p90 is None else coverage(a, p10, p90),
    )


@dataclass(frozen=True)
class CriterionResult:
    threshold: Threshold
    value_pct: float
    passed: bool


@dataclass(frozen=True)
class Qualification:
    """Verdict of the Guideline 14 criteria on one evaluation."""

    resolution: Resolution
    qualified: bool
    criteria: tuple[CriterionResult, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        """One sentence per failed criterion (empty when qualified)."""
        out = []
        for c in self.criteria:
            if not c.passed:
                sign = "|NMBE|" if c.threshold.metric == "nmbe" else "CV(RMSE)"
                out.append(
                    f"{sign} {abs(c.value_pct):.1f} % exceeds {c.threshold.limit_pct:g} % "
                    f"({c.threshold.resolution}, {c.threshold.source} {c.threshold.edition})"
                )
        return tuple(out)


def qualify(acc: Accuracy, *, resolution: Resolution) -> Qualification:
    """Apply the G14 criteria of ``resolution`` to an evaluation."""
    results = []
    for t in thresholds_for(resolution):
        value = acc.cv_rmse_pct if t.metric == "cv_rmse" else acc.nmbe_pct
        passed = (value <= t.limit_pct) if t.comparison == "<=" else (abs(value) <= t.limit_pct)
        results.append(CriterionResult(t, value, bool(passed)))
    return Qualification(resolution, all(r.passed for r in results), tuple(results))
