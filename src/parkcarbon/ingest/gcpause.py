"""Pausing Python's cyclic garbage collector around bulk intake.

A 50,000-reading batch allocates hundreds of thousands of short-lived tuples and lists that reference
counting frees; none of them form cycles. The cyclic collector nevertheless runs a full collection
every ~70,000 container allocations, and a full collection walks every object of the process (a
server holds hundreds of thousands: SQLAlchemy, FastAPI, pydantic …) — several times per batch,
measurably slowing intake (≈ 15–25 % in ``benchmarks/ingest.py``). :func:`gc_paused` disables the
collector for the duration of a bulk step and restores it afterwards; nested and concurrent users
(threads) are counted, so the collector comes back on when the last one leaves.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_holders = 0
_was_enabled = True


@contextmanager
def gc_paused(enabled: bool = True) -> Iterator[None]:
    """Disable the cyclic GC inside the block (no-op when ``enabled`` is false)."""
    global _holders, _was_enabled
    if not enabled:
        yield
        return
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
