"""Dual-control arithmetic (能耗双控计算): comparable windows, comparisons, projection, completeness and
warning levels — pure, typed, no database and no clock (the caller passes "now").

Rules (issue 13 §1–3)
---------------------
* **Same-clock windows** (:func:`same_clock_windows`). When the reporting day is today the running
  period ends at the *cutoff*: the last full hour (the running hour is partial for every meter). The
  previous month and last year run from their first day to the same day and time (the day clamped to
  the length of the shorter month). A past reporting day ends at its midnight, the compared periods
  at the same midnight of their month.
* **Prorating** (:func:`prorate`). An unmetered quantity over a period (a fuel delivery, a bill) is
  counted in a window by the share of the period's seconds the window covers; both sides of a
  comparison use the same rule.
* **Comparable subjects** (:func:`yoy_comparison`). A subject (enterprise) is comparable with last year
  when last year has data in every month of the compared period (coverage 100 %); a subject that is
  not comparable is reported with its coverage and left out of the park's year on year, which says
  how many subjects it covers.
* **One seasonal rule** (:func:`seasonal_profile`, :func:`expected_share`). The share of the year's
  energy used by a moment is last year's cumulative monthly share up to the previous month end plus
  the running month's share × the fraction of that month elapsed (by the clock); linear in time when
  last year lacks data in some month. The year-end projection (YTD ÷ share) and the target path
  (target × share) both use it.
* **Spring Festival** (:func:`festival_pooled_months`). When the Spring Festival (春节) falls in
  another Gregorian month this year than last year (2025: 29 January; 2026: 17 February), last year's
  holiday dip would sit in the wrong month of the seasonal profile and push the projection of the
  months between up or down (an orange warning in January for a park that merely worked through it).
  The months from the earlier to the later festival month are pooled: their combined share of last
  year is spread over them by days, as the National Bureau of Statistics publishes January and
  February together "to remove the effect of the moving Spring Festival" (国家统计局 1–2 月数据合并
  发布，"为消除春节日期不固定因素带来的影响，增强数据可比性"). The festival dates are the statutory
  holiday (《全国年节及纪念日放假办法》, 国务院令第 795 号, 2024: 农历除夕至正月初三) and come from the
  caller. A month-on-month change whose two months hold one festival is marked holiday-affected.
* **Month on month per day** (:func:`per_day_change`). The two sides of a MoM may cover different
  numbers of days (31 March against a 28-day February; a fuel delivery's period): the change is of
  the per-day rates, (q₁ ÷ d₁) ÷ (q₀ ÷ d₀) − 1, which is the plain change when the days are equal.
* **Cumulative line** (:func:`cumulative`): drawn for every month that has data.
* **Completeness** (:func:`completeness`): only energy registers (``register``, ``interval`` meters)
  are counted against their own cadence; instantaneous (kW) and event meters are not counted; a meter
  that never reported is not commissioned yet rather than offline.
* **Warning levels** (:func:`total_level`): red when the projection exceeds the target, orange above
  ``orange_ratio`` of it, yellow when the year to date is above the target path.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

__all__ = [
    "COUNTED_KINDS",
    "ClockWindows",
    "Completeness",
    "MeterCadence",
    "SeasonalProfile",
    "SubjectYoY",
    "Window",
    "YoYComparison",
    "completeness",
    "cumulative",
    "expected_share",
    "festival_pooled_months",
    "month_fraction",
    "pct_change",
    "per_day_change",
    "prorate",
    "same_clock_windows",
    "seasonal_profile",
    "total_level",
    "yoy_comparison",
]

#: Meter kinds counted by completeness: energy registers (cumulative counters and interval energy).
COUNTED_KINDS = frozenset({"register", "interval"})


@dataclass(frozen=True)
class Window:
    """A half-open period ``[start, end)`` (park-local, naive or aware alike on both ends)."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


@dataclass(frozen=True)
class ClockWindows:
    """The windows of one reporting moment.

    ``cutoff`` ends every running window; ``mtd`` / ``prev_mtd`` / ``last_mtd`` are this month, the
    previous month and this month of last year to the same day and time; ``ytd`` / ``last_ytd`` the
    year to date and last year to the same day and time.
    """

    cutoff: datetime
    mtd: Window
    prev_mtd: Window
    last_mtd: Window
    ytd: Window
    last_ytd: Window
    basis: Literal["last_full_hour", "end_of_day"]


def _shift_month(d: datetime, years: int, months: int) -> datetime:
    """``d`` moved by whole years and months with the day clamped to the target month's length."""
    index = d.year * 12 + (d.month - 1) + years * 12 + months
    y, m = divmod(index, 12)
    m += 1
    return d.replace(year=y, month=m, day=min(d.day, _cal.monthrange(y, m)[1]))


def _month_start(d: datetime) -> datetime:
    return d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _same_offset(start_here: datetime, cutoff: datetime, start_there: datetime) -> datetime:
    """The moment in the month starting ``start_there`` at the same day and time as ``cutoff`` in the
    month starting ``start_here``, clamped to the end of that month."""
    there_days = _cal.monthrange(start_there.year, start_there.month)[1]
    end_there = start_there + timedelta(days=there_days)
    offset = cutoff - start_here
    return min(start_there + offset, end_there)


def same_clock_windows(now_local: datetime, *, as_of: date | None = None) -> ClockWindows:
    """Windows compared like for like at a moment (park-local time).

    Parameters
    ----------
    now_local
        The current time in the park's timezone.
    as_of
        The reporting day; ``None`` or today: the cutoff is the last full hour of ``now_local``;
        a past day: its end (next midnight).

    Examples
    --------
    On 11 May 2026 10:07 the cutoff is 10:00; the previous month runs 1 April 00:00 – 11 April 10:00
    and last year 1 May 2025 00:00 – 11 May 2025 10:00.
    """
    today = now_local.date()
    if as_of is None or as_of == today:
        cutoff = now_local.replace(minute=0, second=0, microsecond=0)
        basis: Literal["last_full_hour", "end_of_day"] = "last_full_hour"
    elif as_of > today:
        raise ValueError(f"as_of {as_of} is after today ({today})")
    else:
        cutoff = now_local.replace(
            year=as_of.year, month=as_of.month, day=as_of.day, hour=0, minute=0, second=0, microsecond=0
        ) + timedelta(days=1)
        basis = "end_of_day"
    # a cutoff at a month's first midnight closes the previous month: the running month is that one
    ref = cutoff - timedelta(microseconds=1)
    month_start = _month_start(ref)
    prev_start = _shift_month(month_start, 0, -1)
    last_start = _shift_month(month_start, -1, 0)
    year_start = month_start.replace(month=1)
    last_year_start = year_start.replace(year=year_start.year - 1)
    last_cut = _same_offset(month_start, cutoff, last_start)
    return ClockWindows(
        cutoff=cutoff,
        mtd=Window(month_start, cutoff),
        prev_mtd=Window(prev_start, _same_offset(month_start, cutoff, prev_start)),
        last_mtd=Window(last_start, last_cut),
        ytd=Window(year_start, cutoff),
        last_ytd=Window(last_year_start, last_cut),
        basis=basis,
    )


def prorate(quantity: float, period: Window, window: Window) -> float:
    """The part of ``quantity`` spread evenly over ``period`` that falls in ``window`` [same unit].

    q_window = q × |period ∩ window| ÷ |period|   (seconds)
    """
    total = period.seconds
    if total <= 0:
        return 0.0
    overlap = (min(period.end, window.end) - max(period.start, window.start)).total_seconds()
    return quantity * max(0.0, overlap) / total


def per_day_change(
    now: float | None, now_window: Window, before: float | None, before_window: Window
) -> float | None:
    """Change of the per-day rate [%]: (now ÷ d_now) ÷ (before ÷ d_before) × 100 − 100, d in days of
    each window; the plain change when both windows are equally long. ``None`` without a positive base."""
    if now is None or before is None or before <= 0 or now_window.seconds <= 0 or before_window.seconds <= 0:
        return None
    return ((now / now_window.seconds) / (before / before_window.seconds) - 1.0) * 100.0


def pct_change(now: float | None, before: float | None) -> float | None:
    """(now − before) ÷ before × 100 [%]; ``None`` without a positive base."""
    if now is None or before is None or before <= 0:
        return None
    return (now - before) / before * 100.0


# ---------------------------------------------------------------------------------- year on year


@dataclass(frozen=True)
class SubjectYoY:
    """One subject's (enterprise's) side of a year-on-year comparison.

    ``last_months_with_data``: months of the compared period in which last year has data;
    ``months``: months the compared period spans (the running month included).
    """

    subject_id: int
    this_value: float
    last_value: float
    last_months_with_data: int
    months: int

    @property
    def coverage_pct(self) -> float:
        return 100.0 * self.last_months_with_data / self.months if self.months else 0.0

    @property
    def comparable(self) -> bool:
        return self.months > 0 and self.last_months_with_data >= self.months and self.last_value > 0


@dataclass(frozen=True)
class YoYComparison:
    """The park's year on year over its comparable subjects."""

    pct: float | None
    this_value: float
    last_value: float
    covered: int
    subjects: int
    not_comparable: tuple[tuple[int, float], ...]  # (subject, last-year coverage %)


def yoy_comparison(subjects: Iterable[SubjectYoY]) -> YoYComparison:
    """Year on year of the sum of the comparable subjects; the others are listed with their coverage."""
    items = list(subjects)
    ok = [s for s in items if s.comparable]
    this = sum(s.this_value for s in ok)
    last = sum(s.last_value for s in ok)
    return YoYComparison(
        pct=pct_change(this, last) if ok else None,
        this_value=this,
        last_value=last,
        covered=len(ok),
        subjects=len(items),
        not_comparable=tuple((s.subject_id, s.coverage_pct) for s in items if not s.comparable),
    )


# ---------------------------------------------------------------------------- seasonal profile


@dataclass(frozen=True)
class SeasonalProfile:
    """Share of the annual total used by each month end (``month_end_shares[11] == 1``)."""

    method: Literal["seasonal", "linear"]
    month_shares: tuple[float, ...]  # share of the year in each month
    pooled_months: tuple[int, ...] = ()  # months pooled for the Spring Festival (see the module docstring)

    @property
    def month_end_shares(self) -> tuple[float, ...]:
        out, acc = [], 0.0
        for x in self.month_shares:
            acc += x
            out.append(acc)
        return tuple(out)


def festival_pooled_months(
    festival_this_year: date | None, festival_last_year: date | None
) -> tuple[int, ...]:
    """The months pooled in the seasonal profile because the Spring Festival moved between them:
    from the earlier to the later festival month (``()`` when both fall in the same month)."""
    if festival_this_year is None or festival_last_year is None:
        return ()
    a, b = sorted((festival_this_year.month, festival_last_year.month))
    return tuple(range(a, b + 1)) if a != b else ()


def seasonal_profile(
    last_year_monthly: Sequence[float | None], year: int, *, pooled_months: Sequence[int] = ()
) -> SeasonalProfile:
    """Last year's monthly shares when it has positive data in all twelve months; else shares in
    proportion to the days of each month of ``year`` (linear in time). ``pooled_months`` (from
    :func:`festival_pooled_months`) share their combined part of last year by the days of ``year``."""
    values = list(last_year_monthly)
    if len(values) == 12 and all(v is not None and v > 0 for v in values):
        total = sum(v for v in values if v is not None)
        shares = [(v or 0.0) / total for v in values]
        pooled = tuple(sorted(set(pooled_months)))
        if len(pooled) > 1:
            part = sum(shares[m - 1] for m in pooled)
            pooled_days = {m: _cal.monthrange(year, m)[1] for m in pooled}
            for m in pooled:
                shares[m - 1] = part * pooled_days[m] / sum(pooled_days.values())
        else:
            pooled = ()
        return SeasonalProfile("seasonal", tuple(shares), pooled)
    days = [_cal.monthrange(year, m)[1] for m in range(1, 13)]
    n = sum(days)
    return SeasonalProfile("linear", tuple(d / n for d in days))


def month_fraction(moment: datetime) -> tuple[int, float]:
    """``(month, fraction of that month elapsed at moment)``; a month's first midnight counts as the
    end of the previous month (fraction 1)."""
    ref = moment - timedelta(microseconds=1)
    start = _month_start(ref)
    days = _cal.monthrange(start.year, start.month)[1]
    return start.month, min(1.0, (moment - start).total_seconds() / (days * 86400.0))


def expected_share(profile: SeasonalProfile, month: int, fraction: float) -> float:
    """Share of the year used by ``fraction`` of ``month``: Σ shares of the earlier months + the
    month's share × fraction."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not 1–12")
    return sum(profile.month_shares[: month - 1]) + profile.month_shares[month - 1] * fraction


def cumulative(monthly: Sequence[float | None]) -> list[float | None]:
    """Running sum drawn for every month that has data (``None`` months keep the line's gap but do
    not stop it: later months with data continue from the sum so far)."""
    out: list[float | None] = []
    acc = 0.0
    for v in monthly:
        if v is None:
            out.append(None)
        else:
            acc += v
            out.append(acc)
    return out


def total_level(
    *, projected: float | None, ytd: float, target: float | None, share: float, orange_ratio: float
) -> Literal["red", "orange", "yellow"] | None:
    """Warning level of a total against its target (see the module docstring)."""
    if not target or projected is None:
        return None
    if projected > target:
        return "red"
    if projected > orange_ratio * target:
        return "orange"
    if ytd > target * share:
        return "yellow"
    return None


# ---------------------------------------------------------------------------------- completeness


@dataclass(frozen=True)
class MeterCadence:
    """What completeness needs of one meter.

    ``interval_s``: its typical reporting interval (``None``: never reported); ``received``: readings
    in the period; ``last_seen_s``: epoch seconds of its last reading.
    """

    meter_id: int
    kind: str
    interval_s: int | None
    received: int
    last_seen_s: int | None


@dataclass(frozen=True)
class Completeness:
    """Readings received ÷ expected over the counted meters of a scope."""

    received: int
    expected: int
    counted: int
    not_counted: int
    offline: tuple[int, ...]
    per_meter: tuple[tuple[int, int, int, bool], ...]  # (meter, received, expected, online)

    @property
    def pct(self) -> float | None:
        return 100.0 * self.received / self.expected if self.expected else None


def completeness(
    meters: Iterable[MeterCadence], *, start_s: int, end_s: int, now_s: int, offline_min_s: int
) -> Completeness:
    """Completeness of ``[start_s, end_s)`` counting each energy register against its own cadence.

    expected = max(1, (end − start) ÷ interval); received is capped at expected. A meter is offline
    when it reported once and nothing within max(3 × interval, ``offline_min_s``). Instantaneous and
    event meters are not counted (their readings are not energy); a never-reported meter is neither
    counted as missing data of an interval it has not got nor offline.
    """
    received = expected = counted = not_counted = 0
    offline: list[int] = []
    per: list[tuple[int, int, int, bool]] = []
    for m in meters:
        online = m.last_seen_s is None or now_s - m.last_seen_s <= max(3 * (m.interval_s or 0), offline_min_s)
        if m.kind not in COUNTED_KINDS:
            not_counted += 1
            continue
        exp = max(1, (end_s - start_s) // m.interval_s) if m.interval_s and end_s > start_s else 0
        got = min(m.received, exp)
        per.append((m.meter_id, got, exp, online))
        if not online:
            offline.append(m.meter_id)
        if exp:
            counted += 1
            received, expected = received + got, expected + exp
    return Completeness(received, expected, counted, not_counted, tuple(offline), tuple(per))
