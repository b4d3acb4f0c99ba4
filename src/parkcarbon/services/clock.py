"""The park's calendar day: every "today" and "this year" default is read on the park's clock.

A server runs in UTC; a park in Suzhou starts its day eight hours earlier. Defaults computed with the
naive ``date.today()`` would roll the year over at 08:00 Beijing time on 1 January, so services ask
here instead (ruff's DTZ rules forbid the naive forms).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def park_today(timezone: str | None = None, *, now: datetime | None = None) -> date:
    """The calendar date in ``timezone`` (a park's IANA zone; default Asia/Shanghai) at ``now``."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE)).date()


def spring_festival(year: int) -> date | None:
    """正月初一 of ``year``: the first day of the Spring Festival (春节) holiday of 《全国年节及纪念日放假
    办法》 (国务院令第 795 号, 2024), from the ``holidays`` package's lunar calendar (``None`` outside it)."""
    import holidays

    days = [
        d
        for d, name in holidays.country_holidays("CN", years=year, language="en_US").items()
        if "Spring Festival" in name and "observed" not in name
    ]
    return min(days) if days else None
