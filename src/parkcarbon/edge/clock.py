"""Clocks and poll-tick alignment (采集时标对齐).

Readings are stamped with the poll *tick*, not with the instant a register happened to be
read: with a 60 s interval every reading of one poll carries ``hh:mm:00`` in the park's time
zone. That makes ``(meter_code, ts)`` a stable identity, so a reading re-sent after a network
failure is recognisably the same reading.

The clock is swappable (:class:`ManualClock`) so tests never depend on wall-clock luck.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["Clock", "ManualClock", "SystemClock", "align_tick", "format_ts", "next_tick"]


class Clock(Protocol):
    """Source of the current time as POSIX seconds (UTC epoch)."""

    def now(self) -> float:
        """Current time [s since 1970-01-01T00:00:00Z]."""
        ...


class SystemClock:
    """The real wall clock (:func:`time.time`)."""

    def now(self) -> float:
        """Current wall-clock time [s since epoch]."""
        return time.time()


class ManualClock:
    """A clock that only moves when told to; thread-safe.

    Parameters
    ----------
    start
        Initial time [s since epoch].
    """

    def __init__(self, start: float = 1_795_392_000.0) -> None:  # 2026-11-23T08:00:00+08:00
        self._t = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current manual time [s since epoch]."""
        with self._lock:
            return self._t

    def set(self, t: float) -> None:
        """Jump to ``t`` [s since epoch]; may go backwards (tests of clock faults)."""
        with self._lock:
            self._t = float(t)

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` and return the new time."""
        with self._lock:
            self._t += seconds
            return self._t


def align_tick(t: float, interval_s: float) -> float:
    """Start of the poll tick containing ``t``: ``floor(t / interval) × interval`` [s]."""
    if interval_s <= 0:
        raise ValueError(f"interval must be positive, got {interval_s}")
    return math.floor(t / interval_s) * interval_s


def next_tick(t: float, interval_s: float) -> float:
    """First tick boundary strictly after ``t`` [s]."""
    return align_tick(t, interval_s) + interval_s


def format_ts(t: float, tz: ZoneInfo) -> str:
    """ISO 8601 timestamp with the zone's offset, e.g. ``2026-11-23T08:00:00+08:00``.

    Sub-second ticks keep milliseconds; whole-second ticks print whole seconds.
    """
    dt = datetime.fromtimestamp(t, tz=tz)
    spec = "seconds" if float(t).is_integer() else "milliseconds"
    return dt.isoformat(timespec=spec)
