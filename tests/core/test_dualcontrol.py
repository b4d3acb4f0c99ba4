"""core.dualcontrol against hand-checked values (issue 13 §1–3); no database.

Every expected number below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from parkcarbon.core import dualcontrol as dc


def test_same_clock_windows_cut_at_the_last_full_hour() -> None:
    w = dc.same_clock_windows(datetime(2026, 5, 11, 10, 7))
    assert w.basis == "last_full_hour"
    assert w.cutoff == datetime(2026, 5, 11, 10)
    assert w.mtd == dc.Window(datetime(2026, 5, 1), datetime(2026, 5, 11, 10))
    # previous month: 1 April to 11 April 10:00 (10 days 10 hours, like May)
    assert w.prev_mtd == dc.Window(datetime(2026, 4, 1), datetime(2026, 4, 11, 10))
    assert w.last_mtd == dc.Window(datetime(2025, 5, 1), datetime(2025, 5, 11, 10))
    assert w.ytd == dc.Window(datetime(2026, 1, 1), datetime(2026, 5, 11, 10))
    assert w.last_ytd == dc.Window(datetime(2025, 1, 1), datetime(2025, 5, 11, 10))


def test_same_clock_windows_clamp_to_the_shorter_month() -> None:
    # 31 March 2026 18:30 → previous month February 2026 has 28 days: clamped to 1 March 00:00
    w = dc.same_clock_windows(datetime(2026, 3, 31, 18, 30))
    assert w.prev_mtd == dc.Window(datetime(2026, 2, 1), datetime(2026, 3, 1))
    # 29 February 2028 (leap) → last year February 2027 ends 1 March 2027
    w = dc.same_clock_windows(datetime(2028, 2, 29, 12, 0))
    assert w.last_mtd == dc.Window(datetime(2027, 2, 1), datetime(2027, 3, 1))


def test_past_day_ends_at_its_midnight() -> None:
    w = dc.same_clock_windows(datetime(2026, 5, 11, 10, 7), as_of=date(2026, 3, 20))
    assert w.basis == "end_of_day"
    assert w.cutoff == datetime(2026, 3, 21)
    assert w.prev_mtd == dc.Window(datetime(2026, 2, 1), datetime(2026, 2, 21))
    # a month's last day: the whole month on both sides (January 2026 whole vs December 2025 whole)
    w = dc.same_clock_windows(datetime(2026, 5, 11), as_of=date(2026, 1, 31))
    assert w.mtd == dc.Window(datetime(2026, 1, 1), datetime(2026, 2, 1))
    assert w.prev_mtd == dc.Window(datetime(2025, 12, 1), datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="after today"):
        dc.same_clock_windows(datetime(2026, 5, 11), as_of=date(2026, 6, 1))


def test_prorate_by_seconds() -> None:
    # 310 t over May (31 days) → 10 t/day; window 1 May – 11 May 10:00 = 10 d 10 h = 10.4167 d
    period = dc.Window(datetime(2026, 5, 1), datetime(2026, 6, 1))
    window = dc.Window(datetime(2026, 5, 1), datetime(2026, 5, 11, 10))
    assert dc.prorate(310.0, period, window) == pytest.approx(10 * (10 + 10 / 24))
    assert dc.prorate(310.0, period, dc.Window(datetime(2026, 6, 1), datetime(2026, 7, 1))) == 0.0


def test_pct_change() -> None:
    assert dc.pct_change(107.0, 100.0) == pytest.approx(7.0)
    assert dc.pct_change(1.0, 0.0) is None
    assert dc.pct_change(None, 3.0) is None


def test_yoy_leaves_out_subjects_without_full_last_year_coverage() -> None:
    subjects = [
        dc.SubjectYoY(1, this_value=110.0, last_value=100.0, last_months_with_data=5, months=5),
        dc.SubjectYoY(2, this_value=45.0, last_value=50.0, last_months_with_data=5, months=5),
        # one month of last year only: not comparable (coverage 1/5 = 20 %)
        dc.SubjectYoY(3, this_value=500.0, last_value=10.0, last_months_with_data=1, months=5),
    ]
    r = dc.yoy_comparison(subjects)
    # (110 + 45) vs (100 + 50): 155 / 150 − 1 = +3.333 %
    assert r.pct == pytest.approx(100 * (155 / 150 - 1))
    assert (r.covered, r.subjects) == (2, 3)
    assert r.not_comparable == ((3, 20.0),)
    assert dc.yoy_comparison([]).pct is None


def test_seasonal_profile_and_one_rule_for_projection_and_path() -> None:
    last = [12.0, 8.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 0.0 + 10.0]  # total 120
    p = dc.seasonal_profile(last, 2026)
    assert p.method == "seasonal"
    assert p.month_end_shares[0] == pytest.approx(0.1)  # 12 / 120
    assert p.month_end_shares[1] == pytest.approx(20 / 120)
    assert p.month_end_shares[-1] == pytest.approx(1.0)
    # half of March: (12 + 8 + 10 / 2) / 120 = 25 / 120
    assert dc.expected_share(p, 3, 0.5) == pytest.approx(25 / 120)
    # the path at a month end equals the share by that moment
    assert dc.expected_share(p, 2, 1.0) == pytest.approx(p.month_end_shares[1])
    # a month without data last year → linear in days (2026: January 31 / 365)
    lin = dc.seasonal_profile([*last[:11], None], 2026)
    assert lin.method == "linear"
    assert lin.month_end_shares[0] == pytest.approx(31 / 365)


def test_month_fraction() -> None:
    # 16 January 12:00: 15.5 days of 31
    assert dc.month_fraction(datetime(2026, 1, 16, 12)) == (1, pytest.approx(0.5))
    # the first midnight of February closes January
    assert dc.month_fraction(datetime(2026, 2, 1)) == (1, pytest.approx(1.0))


def test_cumulative_runs_through_every_month_with_data() -> None:
    assert dc.cumulative([1.0, 2.0, None, 4.0, None]) == [1.0, 3.0, None, 7.0, None]


def test_total_levels() -> None:
    kw = {"ytd": 50.0, "target": 100.0, "share": 0.4, "orange_ratio": 0.95}
    assert dc.total_level(projected=101.0, **kw) == "red"
    assert dc.total_level(projected=96.0, **kw) == "orange"
    assert dc.total_level(projected=90.0, **kw) == "yellow"  # 50 > 100 × 0.4
    assert dc.total_level(projected=90.0, **{**kw, "ytd": 40.0}) is None
    assert dc.total_level(projected=None, **kw) is None


def test_completeness_counts_energy_registers_against_their_own_cadence() -> None:
    day = 86_400
    meters = [
        dc.MeterCadence(1, "register", 900, received=96, last_seen_s=day - 900),  # 96 of 96
        dc.MeterCadence(2, "interval", 3600, received=12, last_seen_s=day // 2),  # 12 of 24, offline
        dc.MeterCadence(3, "instant", 60, received=10, last_seen_s=100),  # not counted
        dc.MeterCadence(4, "event", None, received=3, last_seen_s=200),  # not counted
        dc.MeterCadence(5, "instant", None, received=0, last_seen_s=None),  # never reported
        dc.MeterCadence(6, "register", None, received=0, last_seen_s=None),  # not commissioned
    ]
    c = dc.completeness(meters, start_s=0, end_s=day, now_s=day, offline_min_s=900)
    assert (c.received, c.expected) == (108, 120)
    assert c.pct == pytest.approx(90.0)
    assert (c.counted, c.not_counted) == (2, 3)
    # meter 2: last seen 12 h ago > max(3 × 1 h, 15 min); meter 3 (instant) is not judged
    assert c.offline == (2,)


# ------------------------------------------------------------------ Spring Festival and per-day MoM


def test_the_festival_months_are_pooled_only_when_the_festival_moved() -> None:
    from parkcarbon.core.dualcontrol import festival_pooled_months

    # 春节 (正月初一): 29 January 2025, 17 February 2026, 6 February 2027 (Hong Kong Observatory's
    # Gregorian-lunar conversion tables)
    assert festival_pooled_months(date(2026, 2, 17), date(2025, 1, 29)) == (1, 2)
    assert festival_pooled_months(date(2027, 2, 6), date(2026, 2, 17)) == ()
    assert festival_pooled_months(None, date(2025, 1, 29)) == ()


def test_a_spring_festival_dip_last_january_does_not_turn_this_january_orange() -> None:
    """Last year the festival emptied January (60 against 100 in every other month); this year it falls
    in February and January ran normally (100). Unpooled, January's share is 60/1160 and the year-end
    projection 100 ÷ (60/1160) = 1 933.3 is above 95 % of a 2 000 target: orange. Pooled (January and
    February share (60+100)/1160 by days, 31 and 28 in 2026) January's share is 160/1160 × 31/59 =
    0.072472 and the projection 100 × 1160 × 59 ÷ (160 × 31) = 1 379.84: no warning. Values by hand."""
    from parkcarbon.core.dualcontrol import expected_share, seasonal_profile, total_level

    last = [60.0] + [100.0] * 11
    plain = seasonal_profile(last, 2026)
    pooled = seasonal_profile(last, 2026, pooled_months=(1, 2))
    assert plain.month_shares[0] == pytest.approx(60 / 1160, rel=1e-12)
    assert pooled.month_shares[0] == pytest.approx(160 / 1160 * 31 / 59, rel=1e-12)
    assert pooled.month_shares[1] == pytest.approx(160 / 1160 * 28 / 59, rel=1e-12)
    assert sum(pooled.month_shares) == pytest.approx(1.0, rel=1e-12)
    assert pooled.pooled_months == (1, 2) and plain.pooled_months == ()
    share_plain, share_pooled = expected_share(plain, 1, 1.0), expected_share(pooled, 1, 1.0)
    assert 100 / share_plain == pytest.approx(1933.333, rel=1e-6)
    assert 100 / share_pooled == pytest.approx(6_844_000 / 4_960, rel=1e-12)  # 100·1160·59 ÷ (160·31)
    level = {"target": 2000.0, "orange_ratio": 0.95, "ytd": 100.0}
    assert total_level(projected=100 / share_plain, share=share_plain, **level) == "orange"
    assert total_level(projected=100 / share_pooled, share=share_pooled, **level) is None


def test_month_on_month_compares_per_day_rates() -> None:
    """31 March (310) against a 28-day February (280) is the same 10 a day: 0 %, not +10.7 %."""
    from parkcarbon.core.dualcontrol import Window, per_day_change

    march = Window(datetime(2026, 3, 1), datetime(2026, 4, 1))
    february = Window(datetime(2026, 2, 1), datetime(2026, 3, 1))
    assert per_day_change(310.0, march, 280.0, february) == pytest.approx(0.0, abs=1e-12)
    same = Window(datetime(2026, 2, 1), datetime(2026, 2, 11, 10))
    now = Window(datetime(2026, 3, 1), datetime(2026, 3, 11, 10))
    assert per_day_change(110.0, now, 100.0, same) == pytest.approx(10.0, rel=1e-12)  # equal windows
    assert per_day_change(1.0, march, 0.0, february) is None
