"""ForwardLoop discipline with a fake transport (httpx-MockTransport style): no network, no sleeps."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from parkcarbon.edge.config import RetryConfig
from parkcarbon.edge.forward import Backoff, Delivery, ForwardLoop
from parkcarbon.edge.queue import ReadingQueue
from parkcarbon.edge.readings import Reading


class FakeTransport:
    """Returns scripted verdicts and records every payload it was given."""

    def __init__(self, verdicts: list[Delivery | Exception]) -> None:
        self.verdicts = verdicts
        self.payloads: list[dict] = []

    def deliver(self, batch_id: str, payload: bytes, count: int) -> Delivery:
        doc = json.loads(payload)
        assert doc["batch_id"] == batch_id
        assert len(doc["readings"]) == count
        self.payloads.append(doc)
        verdict = self.verdicts.pop(0) if self.verdicts else Delivery("delivered")
        if isinstance(verdict, Exception):
            raise verdict
        return verdict

    def close(self) -> None:
        pass


def _queue(tmp_path: Path, n: int) -> ReadingQueue:
    q = ReadingQueue(tmp_path / "q.sqlite3")
    q.enqueue(
        Reading("E-1", f"2026-11-23T08:{i:02d}:00+08:00", float(i), "kWh", "register") for i in range(n)
    )
    return q


RETRY = RetryConfig(initial_s=1.0, max_s=8.0, multiplier=2.0, jitter=0.5)


def test_backoff_is_capped_exponential_with_jitter() -> None:
    b = Backoff(RETRY, random.Random(1))
    delays = [b.next_delay() for _ in range(8)]
    bases = [1, 2, 4, 8, 8, 8, 8, 8]
    for d, base in zip(delays, bases, strict=True):
        assert base * 0.5 <= d <= base  # U(1 − jitter, 1) × min(cap, initial × 2^n)
    b.reset()
    assert b.next_delay() <= 1.0


def test_retry_keeps_rows_and_resends_same_batch_id(tmp_path: Path) -> None:
    q = _queue(tmp_path, 5)
    t = FakeTransport([Delivery("retry", reason="HTTP 503"), RuntimeError("boom"), Delivery("delivered")])
    loop = ForwardLoop(q, t, gateway_id="gw", batch_size=10, retry=RETRY)
    assert loop.step() == "retry"
    assert q.depth() == 5
    assert "503" in (q.stats().last_send_error or "")
    assert loop.step() == "retry"  # a transport exception is a retry, not a crash or a loss
    assert "boom" in (loop.last_error or "")
    assert loop.step() == "progress"
    assert q.depth() == 0
    assert len({p["batch_id"] for p in t.payloads}) == 1
    assert loop.step() == "idle"


def test_rejected_rows_are_dead_lettered_others_accepted(tmp_path: Path) -> None:
    q = _queue(tmp_path, 4)
    t = FakeTransport([Delivery("rejected", rejected={2: "unknown meter_code"}, http_status=422, reason="x")])
    loop = ForwardLoop(q, t, gateway_id="gw", batch_size=10, retry=RETRY)
    assert loop.step() == "progress"
    assert q.depth() == 0
    [dead] = q.dead_letters()
    assert (dead.reading.value, dead.reason, dead.http_status) == (2.0, "unknown meter_code", 422)
    assert (loop.delivered_readings, loop.dead_lettered) == (3, 1)


def test_split_halves_the_batch_then_restores(tmp_path: Path) -> None:
    q = _queue(tmp_path, 8)
    t = FakeTransport([Delivery("split", reason="HTTP 413"), Delivery("split", reason="HTTP 413")])
    loop = ForwardLoop(q, t, gateway_id="gw", batch_size=8, retry=RETRY)
    assert loop.step() == "progress"
    assert loop.batch_size == 4
    assert loop.step() == "progress"
    assert loop.batch_size == 2
    while loop.step() == "progress":
        pass
    assert q.depth() == 0
    assert [len(p["readings"]) for p in t.payloads] == [8, 4, 2, 2, 2, 2]
    assert loop.batch_size == 8  # back to the configured size once drained


def test_run_backs_off_and_is_interrupted_by_reconnect(tmp_path: Path, wait: Callable[..., None]) -> None:
    q = _queue(tmp_path, 3)
    t = FakeTransport([Delivery("retry", reason="not connected")])
    slow = RetryConfig(initial_s=60.0, max_s=60.0, multiplier=1.0, jitter=0.0)
    loop = ForwardLoop(q, t, gateway_id="gw", batch_size=10, retry=slow)
    stop = threading.Event()
    th = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    th.start()
    wait(lambda: len(t.payloads) == 1, 5, "first attempt")
    assert q.depth() == 3  # waiting 60 s now …
    loop.interrupt_backoff()  # … until the link comes back
    wait(lambda: q.depth() == 0, 5, "delivery after reconnect")
    stop.set()
    loop.interrupt_backoff()
    th.join(5)
    assert not th.is_alive()


def test_retry_after_is_honoured_within_cap(tmp_path: Path) -> None:
    q = _queue(tmp_path, 1)
    loop = ForwardLoop(
        q, FakeTransport([Delivery("retry", retry_after_s=30.0)]), gateway_id="gw", batch_size=10, retry=RETRY
    )
    assert loop.step() == "retry"
    assert loop.retry_after_s == 30.0


@pytest.mark.parametrize("outcome", ["delivered", "rejected"])
def test_success_resets_backoff(tmp_path: Path, outcome: str) -> None:
    q = _queue(tmp_path, 1)
    loop = ForwardLoop(q, FakeTransport([Delivery(outcome)]), gateway_id="gw", batch_size=10, retry=RETRY)
    loop.backoff.failures = 5
    loop.step()
    assert loop.backoff.failures == 0
