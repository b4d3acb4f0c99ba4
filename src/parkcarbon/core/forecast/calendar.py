"""Calendar features of hourly periods (日历特征): local time of week, working days, Chinese holidays, 调休.

A working day follows China's official calendar as published each year by the State Council General
Office (国务院办公厅关于部分节假日安排的通知): weekends off, public holidays off, and the adjusted working
weekends (调休, make-up working days) on. The calendar comes from the ``holidays`` package
(``holidays.China``; ``is_working_day`` knows the make-up working days), which transcribes those notices.

Hours are identified by their **start** [epoch s, UTC]; local features are taken at the hour's start
in the park's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np
import numpy.typing as npt
import pandas as pd

from parkcarbon.core.forecast.errors import ForecastInputError

__all__ = ["HourCalendar", "WorkCalendar", "hour_calendar"]

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class WorkCalendar:
    """Which calendar to use: the park's timezone and its country's holidays (``CN`` by default)."""

    timezone: str = "Asia/Shanghai"
    country: str = "CN"


@dataclass(frozen=True)
class HourCalendar:
    """Per-hour calendar features.

    Attributes
    ----------
    hour
        Local hour (0–23).
    weekday
        0 = Monday … 6 = Sunday (local date).
    time_of_week
        ``24 × weekday + hour`` (0–167), CalTRACK 3.8.2 (Monday 00:00 = 0).
    working
        Working day (weekends and public holidays off, make-up working days 调休 on).
    holiday
        Public holiday or statutory day off in lieu on a weekday (非工作的工作日).
    makeup_workday
        A weekend day that is a working day (调休上班).
    doy
        Day of the year (1–366).
    day
        Local day number (days since 1970-01-01).
    """

    hour: I64
    weekday: I64
    time_of_week: I64
    working: B
    holiday: B
    makeup_workday: B
    doy: I64
    day: I64


@lru_cache(maxsize=32)
def _off_days(country: str, first: int, last: int) -> tuple[frozenset[int], frozenset[int]]:
    """Local day numbers in ``[first, last]`` that are not working days, and the make-up working days."""
    d0 = date(1970, 1, 1)
    a, b = d0 + timedelta(days=first), d0 + timedelta(days=last)
    try:
        cal = holidays.country_holidays(country, years=range(a.year, b.year + 1))
    except NotImplementedError as exc:
        raise ForecastInputError(f"no holiday calendar for country {country!r}") from exc
    off: set[int] = set()
    makeup: set[int] = set()
    for n in range(first, last + 1):
        d = d0 + timedelta(days=n)
        working = cal.is_working_day(d)
        if not working:
            off.add(n)
        elif d.weekday() >= 5:
            makeup.add(n)
    return frozenset(off), frozenset(makeup)


def hour_calendar(hour_starts: npt.ArrayLike, calendar: WorkCalendar) -> HourCalendar:
    """Calendar features of the hours starting at ``hour_starts`` [epoch s, UTC]."""
    ts = np.asarray(hour_starts, dtype=np.int64)
    if ts.size == 0:
        zi, zb = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        return HourCalendar(zi, zi, zi, zb, zb, zb, zi, zi)
    local = pd.DatetimeIndex(pd.to_datetime(ts, unit="s", utc=True)).tz_convert(calendar.timezone)
    naive = local.tz_localize(None)
    hour = naive.hour.to_numpy(dtype=np.int64)
    weekday = naive.day_of_week.to_numpy(dtype=np.int64)
    day = (naive.normalize().as_unit("s").asi8 // 86_400).astype(np.int64)
    off, makeup = _off_days(calendar.country, int(day.min()), int(day.max()))
    uniq, inv = np.unique(day, return_inverse=True)
    off_u = np.isin(uniq, np.fromiter(off, dtype=np.int64, count=len(off)))
    mk_u = np.isin(uniq, np.fromiter(makeup, dtype=np.int64, count=len(makeup)))
    working = ~off_u[inv]
    return HourCalendar(
        hour=hour,
        weekday=weekday,
        time_of_week=24 * weekday + hour,
        working=working,
        holiday=(~working) & (weekday < 5),
        makeup_workday=mk_u[inv],
        doy=naive.day_of_year.to_numpy(dtype=np.int64),
        day=day,
    )
