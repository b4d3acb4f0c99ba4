"""Models: CalTRACK's published temperature-bin table, least-squares identities, China's official
calendar, naive forecasts by hand, and the interface contract."""

from __future__ import annotations

import numpy as np
import pytest

from parkcarbon.core.forecast import (
    ForecastInputError,
    HourlySeries,
    Weather,
    WorkCalendar,
    hour_calendar,
    model_by_name,
)
from parkcarbon.core.forecast.towt import (
    BIN_ENDPOINTS_F,
    TOWT,
    detect_occupancy,
    effective_time_of_week,
    temperature_features,
    validate_bin_endpoints,
)
from tests.forecast._synth import T0, series
from tests.reference._load import rows


def test_temperature_features_match_caltrack_3_9_2_table():
    table = rows("../forecast/reference/caltrack_3_9_2_temperature_bins.csv")
    temps = [float(r["temp_f"]) for r in table]
    expected = np.array([[float(r[f"t{k}"]) for k in range(1, 8)] for r in table])
    got = temperature_features(temps, BIN_ENDPOINTS_F)
    np.testing.assert_array_equal(got, expected)  # exact: sums and clips of integers


def test_sparse_bins_are_merged_as_caltrack_3_9_1_2_says():
    # 25 hours at 50 °F, 25 at 60 °F, 25 at 70 °F, 25 at 80 °F; nothing below 45 or above 75+15:
    # bins <30 and 30–45 are empty → endpoints 30 then 45 dropped (each the larger endpoint of the
    # sparse bin); the top bin >90 is empty → its lower endpoint 90 is dropped; 75–90 has 25 hours.
    t = np.repeat([50.0, 60.0, 70.0, 80.0], 25)
    assert validate_bin_endpoints(t) == (55.0, 65.0, 75.0)


def test_occupancy_flags_times_of_week_that_the_hdd_cdd_model_underpredicts():
    # constant temperature (no degree hours): the HDD/CDD model predicts the mean; times of week
    # 8…17 every day carry 100 more than the others → exactly those are under-predicted
    tow = np.tile(np.arange(168), 4)
    usage = np.where((tow % 24 >= 8) & (tow % 24 < 18), 150.0, 50.0)
    occ = detect_occupancy(usage, np.full(tow.size, 60.0), tow)
    assert occ.sum() == 70
    assert all(occ[t] == (8 <= t % 24 < 18) for t in range(168))


def test_towt_solution_equals_the_full_design_least_squares():
    hist, weather, _ = series(90, seed=3)
    fitted = TOWT(china_calendar=False).fit(hist, weather, WorkCalendar())
    # the same regression written out in full: 168 indicators + temperature features × occupancy
    temp_f = weather.temp_c * 1.8 + 32
    tow = hour_calendar(hist.hour_starts, WorkCalendar()).time_of_week
    occ = fitted.occupied_tow[tow][:, None]
    x = np.hstack(
        [
            np.eye(168)[tow],
            temperature_features(temp_f, fitted.ends_occupied) * occ,
            temperature_features(temp_f, fitted.ends_unoccupied) * ~occ,
        ]
    )
    x = x[:, np.abs(x).sum(axis=0) > 0]
    coef, *_ = np.linalg.lstsq(x, hist.values, rcond=None)
    np.testing.assert_allclose(fitted.fitted_values, x @ coef, rtol=1e-9, atol=1e-7)
    assert fitted.parameters == np.linalg.matrix_rank(x)


def test_towt_recovers_a_noise_free_piecewise_linear_load():
    # 10 weeks; temperature 20…100 °F; load = level per time of week + 2 kWh/°F above 75 °F in
    # occupied hours + 1.5 kWh/°F below 55 °F always: linear in the CalTRACK features of each mode
    # (hinges at bin endpoints), so least squares must recover it to rounding
    rng = np.random.default_rng(7)
    hs = T0 + 3600 * np.arange(24 * 70, dtype=np.int64)
    temp_f = rng.uniform(20, 100, hs.size)
    tow = hour_calendar(hs, WorkCalendar()).time_of_week
    occupied = (tow < 120) & (tow % 24 >= 8) & (tow % 24 < 18)  # Monday–Friday 08–18
    level = 40 + (tow % 24) + 100 * occupied
    y = level + 2 * np.maximum(temp_f - 75, 0) * occupied + 1.5 * np.maximum(55 - temp_f, 0)
    weather = Weather(hs, (temp_f - 32) / 1.8)
    split = T0 + 63 * 86400
    hist = HourlySeries(hs, y, "kWh")
    fitted = TOWT(china_calendar=False).fit(hist.before(split), weather, WorkCalendar())
    t = np.arange(168)
    assert (fitted.occupied_tow == ((t < 120) & (t % 24 >= 8) & (t % 24 < 18))).all()
    f = fitted.predict(hist.between(split, int(hs[-1]) + 3600).hour_starts)
    np.testing.assert_allclose(f.point, y[hs >= split], rtol=1e-9, atol=1e-6)


def test_china_calendar_matches_the_state_council_notice_2025():
    table = rows("../forecast/reference/cn_official_calendar_2025.csv")
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    noon = [int(datetime.fromisoformat(r["date"] + "T12:00").replace(tzinfo=tz).timestamp()) for r in table]
    cal = hour_calendar(noon, WorkCalendar())
    for r, working, makeup, holiday in zip(table, cal.working, cal.makeup_workday, cal.holiday, strict=True):
        assert bool(working) == (r["working"] == "1"), r["date"]
        assert bool(makeup) == (r["kind"] == "makeup_workday"), r["date"]
        assert bool(holiday) == (r["kind"] == "holiday" and date.fromisoformat(r["date"]).weekday() < 5), r


def test_day_type_maps_holidays_to_sunday_and_makeup_days_to_wednesday():
    # 2025-01-26 is a Sunday worked (调休), 2025-01-29 a Wednesday holiday (春节)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    hs = [
        int(datetime(2025, 1, 26, 10, tzinfo=tz).timestamp()),
        int(datetime(2025, 1, 29, 10, tzinfo=tz).timestamp()),
    ]
    cal = hour_calendar(hs, WorkCalendar())
    assert list(effective_time_of_week(cal, china_calendar=True)) == [24 * 2 + 10, 24 * 6 + 10]
    assert list(effective_time_of_week(cal, china_calendar=False)) == [24 * 6 + 10, 24 * 2 + 10]


def test_persistence_and_seasonal_naive_by_hand():
    hs = T0 + 3600 * np.arange(24 * 14, dtype=np.int64)
    y = np.arange(hs.size, dtype=float)  # value = hour index
    hist = HourlySeries(hs, y, "kWh")
    nxt = np.asarray([hs[-1] + 3600, hs[-1] + 3600 * 30])  # index 336 and 365
    p = model_by_name("persistence").fit(hist, None, WorkCalendar()).predict(nxt)
    s = model_by_name("seasonal_naive").fit(hist, None, WorkCalendar()).predict(nxt)
    # persistence: 336 − 24 = 312; 365 − 48 = 317.  seasonal naive: 336 − 168 = 168; 365 − 168 = 197
    assert list(p.point) == [312.0, 317.0]
    assert list(s.point) == [168.0, 197.0]
    # every 24-hour difference of the history is 24 → the band collapses onto point + 24
    assert list(p.p10) == [336.0, 341.0] and list(p.p90) == [336.0, 341.0]


@pytest.mark.parametrize("name", ["persistence", "seasonal_naive", "towt", "gbm"])
def test_every_model_returns_ordered_quantiles_for_every_hour(name):
    hist, weather, _ = series(60, seed=5)
    train = hist.before(T0 + 53 * 86400)
    horizon = hist.between(T0 + 53 * 86400, T0 + 60 * 86400).hour_starts
    f = model_by_name(name).fit(train, weather, WorkCalendar()).predict(horizon)
    assert f.model == name and f.unit == "kWh"
    assert f.point.shape == f.p10.shape == f.p90.shape == horizon.shape
    assert (f.p10 <= f.p50 + 1e-9).all() and (f.p50 <= f.p90 + 1e-9).all()


def test_gbm_learns_holidays_and_makeup_days():
    # 2025 Spring Festival: 28 Jan – 4 Feb off, 26 Jan (Sun) and 8 Feb (Sat) worked (国办发明电〔2024〕12号)
    # trained without the festival window (25 Jan – 10 Feb), asked to forecast it
    hist, weather, _ = series(75, seed=6)
    origin = T0 + 24 * 86400  # 2025-01-25 00:00
    before, after = hist.before(origin), hist.between(T0 + 42 * 86400, T0 + 75 * 86400)
    train = HourlySeries(
        np.r_[before.hour_starts, after.hour_starts], np.r_[before.values, after.values], "kWh"
    )
    window = hist.between(origin, T0 + 42 * 86400)
    f = model_by_name("gbm").fit(train, weather, WorkCalendar()).predict(window.hour_starts)
    cal = hour_calendar(window.hour_starts, WorkCalendar())
    day_hours = (cal.hour >= 9) & (cal.hour < 17)
    holiday_mean = f.point[day_hours & cal.holiday].mean()
    makeup_mean = f.point[day_hours & cal.makeup_workday].mean()
    # the truth: 150 + weather on working-day hours, 50 + weather on days off
    assert makeup_mean - holiday_mean > 60


def test_refusals_name_what_to_fix():
    with pytest.raises(ForecastInputError, match="full hour"):
        HourlySeries(np.array([T0 + 1]), np.array([1.0]), "kWh")
    with pytest.raises(ForecastInputError, match="strictly increasing"):
        HourlySeries(np.array([T0, T0]), np.array([1.0, 2.0]), "kWh")
    with pytest.raises(ForecastInputError, match="°C"):
        Weather(np.array([T0]), np.array([300.0]))
    hist, weather, _ = series(30)
    with pytest.raises(ForecastInputError, match="needs the weather"):
        model_by_name("towt").fit(hist, None, WorkCalendar())
    fitted = model_by_name("towt").fit(hist, weather, WorkCalendar())
    with pytest.raises(ForecastInputError, match="weather missing"):
        fitted.predict(np.array([T0 + 40 * 86400]))
    with pytest.raises(ForecastInputError, match="unknown model"):
        model_by_name("prophet")
