"""Accuracy metrics against hand-computed values and an independent implementation (scikit-learn)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mean_absolute_percentage_error, mean_pinball_loss

from parkcarbon.core.forecast import (
    G14_THRESHOLDS,
    ForecastInputError,
    accuracy,
    coverage,
    cv_rmse,
    mape,
    nmbe,
    pinball_loss,
    qualify,
)

# A worked example computed by hand (no code):
#   y    = 10, 12, 14, 16, 18      ȳ = 70 / 5 = 14
#   ŷ    = 11, 11, 15, 15, 20
#   y−ŷ  = −1, +1, −1, +1, −2      Σ = −2,  Σ² = 1 + 1 + 1 + 1 + 4 = 8
# p = 1 (n − p = 4):  CV(RMSE) = 100·√(8/4)/14 = 100·1.414214/14 = 10.10153 %
#                     NMBE     = 100·(−2)/(4·14) = −3.571429 %
# p = 0 (n − p = 5):  CV(RMSE) = 100·√(8/5)/14 = 100·1.264911/14 = 9.035079 %
#                     NMBE     = 100·(−2)/(5·14) = −2.857143 %
# MAPE = 100·(1/10 + 1/12 + 1/14 + 1/16 + 2/18)/5
#      = 100·(0.1 + 0.0833333 + 0.0714286 + 0.0625 + 0.1111111)/5 = 100·0.4283730/5 = 8.567460 %
Y = [10.0, 12.0, 14.0, 16.0, 18.0]
Y_HAT = [11.0, 11.0, 15.0, 15.0, 20.0]


def test_cv_rmse_and_nmbe_with_p1():
    # tolerance: the hand values are rounded to 7 significant digits
    assert cv_rmse(Y, Y_HAT, parameters=1) == pytest.approx(10.10153, abs=1e-5)
    assert nmbe(Y, Y_HAT, parameters=1) == pytest.approx(-3.571429, abs=1e-6)


def test_cv_rmse_and_nmbe_out_of_sample_p0():
    assert cv_rmse(Y, Y_HAT, parameters=0) == pytest.approx(9.035079, abs=1e-6)
    assert nmbe(Y, Y_HAT, parameters=0) == pytest.approx(-2.857143, abs=1e-6)


def test_nmbe_sign_is_measured_minus_predicted():
    # G14 Annex B: a model that predicts too little has a positive NMBE
    assert nmbe([10.0, 10.0], [8.0, 8.0], parameters=0) == pytest.approx(20.0)


def test_mape_hand_value_and_zero_exclusion():
    assert mape(Y, Y_HAT).mape_pct == pytest.approx(8.567460, abs=1e-6)
    r = mape([0.0, 10.0], [1.0, 11.0])
    assert (r.mape_pct, r.periods, r.excluded_zero) == (pytest.approx(10.0), 1, 1)


def test_mape_matches_scikit_learn():
    rng = np.random.default_rng(1)
    y = rng.uniform(5, 50, 200)
    yh = y + rng.normal(0, 3, 200)
    assert mape(y, yh).mape_pct == pytest.approx(100 * mean_absolute_percentage_error(y, yh), rel=1e-12)


def test_pinball_hand_values():
    # y = 10, q = 8, τ = 0.9: 0.9·2 = 1.8;  y = 10, q = 12, τ = 0.9: 0.1·2 = 0.2  → mean 1.0
    assert pinball_loss([10.0, 10.0], [8.0, 12.0], quantile=0.9) == pytest.approx(1.0)
    # τ = 0.1: 0.1·2 = 0.2 and 0.9·2 = 1.8 → mean 1.0; τ = 0.5 is half the absolute error
    assert pinball_loss([10.0, 10.0], [8.0, 12.0], quantile=0.1) == pytest.approx(1.0)
    assert pinball_loss(Y, Y_HAT, quantile=0.5) == pytest.approx(0.5 * 6 / 5)


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_pinball_matches_scikit_learn(tau):
    rng = np.random.default_rng(2)
    y = rng.normal(100, 10, 300)
    q = rng.normal(100, 10, 300)
    assert pinball_loss(y, q, quantile=tau) == pytest.approx(mean_pinball_loss(y, q, alpha=tau), rel=1e-12)


def test_coverage_counts_bounds_inclusive():
    assert coverage([1.0, 2.0, 3.0, 4.0], [1.0, 0.0, 3.5, 0.0], [1.0, 1.0, 4.0, 4.0]) == pytest.approx(0.5)


def test_refusals():
    with pytest.raises(ForecastInputError, match="differ in length"):
        cv_rmse([1.0, 2.0], [1.0], parameters=0)
    with pytest.raises(ForecastInputError, match="degrees of freedom"):
        cv_rmse([1.0, 2.0], [1.0, 2.0], parameters=2)
    with pytest.raises(ForecastInputError, match="mean measured value is zero"):
        nmbe([1.0, -1.0], [0.0, 0.0], parameters=0)
    with pytest.raises(ForecastInputError, match="NaN"):
        nmbe([1.0, math.nan], [0.0, 0.0], parameters=0)
    with pytest.raises(ForecastInputError, match="quantile"):
        pinball_loss([1.0], [1.0], quantile=1.0)
    with pytest.raises(ForecastInputError, match="lower bound"):
        coverage([1.0], [2.0], [1.0])


def test_g14_thresholds_are_the_published_ones():
    # ASHRAE G14 (standards-facts.md §8.1): monthly NMBE ±5 %, CV(RMSE) 15 %; hourly 10 % and 30 %
    got = {(t.resolution, t.metric): t.limit_pct for t in G14_THRESHOLDS}
    assert got == {
        ("hourly", "cv_rmse"): 30.0,
        ("hourly", "nmbe"): 10.0,
        ("monthly", "cv_rmse"): 15.0,
        ("monthly", "nmbe"): 5.0,
    }
    assert all(t.source.startswith("ASHRAE Guideline 14") and t.clause for t in G14_THRESHOLDS)


def test_qualification_at_and_beyond_the_limits():
    # hourly: CV 9.04 % and NMBE −2.86 % pass; monthly too (≤ 15 %, |.| ≤ 5 %)
    acc = accuracy(Y, Y_HAT, parameters=0)
    assert qualify(acc, resolution="hourly").qualified
    assert qualify(acc, resolution="monthly").qualified
    # a 6 % bias passes hourly (10 %) and fails monthly (5 %)
    biased = accuracy([100.0] * 10, [94.0] * 10, parameters=0)
    assert biased.nmbe_pct == pytest.approx(6.0)
    assert qualify(biased, resolution="hourly").qualified
    q = qualify(biased, resolution="monthly")
    assert not q.qualified
    assert any("|NMBE| 6.0 % exceeds 5 %" in r for r in q.reasons)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(1, 1000), min_size=3, max_size=50), st.floats(0.5, 2.0))
def test_scaling_both_series_leaves_the_indices_unchanged(values, k):
    y = np.asarray(values)
    yh = y[::-1].copy()
    assert cv_rmse(k * y, k * yh, parameters=1) == pytest.approx(cv_rmse(y, yh, parameters=1), rel=1e-9)
    assert nmbe(k * y, k * yh, parameters=1) == pytest.approx(nmbe(y, yh, parameters=1), rel=1e-9, abs=1e-9)
