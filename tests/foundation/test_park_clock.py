"""The park's calendar day: defaults read on the park's clock, not the server's (UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from parkcarbon.services.clock import park_today


def test_new_year_in_suzhou_starts_eight_hours_before_utc() -> None:
    moment = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Beijing time (UTC+8)
    assert park_today("Asia/Shanghai", now=moment) == date(2027, 1, 1)
    assert park_today(None, now=moment) == date(2027, 1, 1)  # the default zone is the parks' own
    assert park_today("UTC", now=moment) == date(2026, 12, 31)
