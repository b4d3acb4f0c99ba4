"""Tick alignment and timestamps."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from parkcarbon.edge.clock import ManualClock, align_tick, format_ts, next_tick

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_tick_alignment_and_format() -> None:
    t0 = 1_795_392_000.0  # 2026-11-23T00:00:00Z, computed by hand: 20 780 days × 86 400 s
    assert format_ts(t0, SHANGHAI) == "2026-11-23T08:00:00+08:00"
    assert align_tick(t0 + 59.9, 60) == t0
    assert next_tick(t0, 60) == t0 + 60
    assert next_tick(t0 + 0.1, 900) == t0 + 900
    assert format_ts(t0 + 0.5, SHANGHAI) == "2026-11-23T08:00:00.500+08:00"
    assert format_ts(t0, ZoneInfo("UTC")) == "2026-11-23T00:00:00+00:00"


def test_manual_clock() -> None:
    c = ManualClock(10.0)
    assert c.advance(5) == 15.0
    c.set(3.0)
    assert c.now() == 3.0
