"""The SQLite store-and-forward queue: stable batches, confirmed deletion, dead letters, restarts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parkcarbon.edge.queue import ReadingQueue
from parkcarbon.edge.readings import Reading, encode_payload


def readings(n: int, start: int = 0, meter: str = "E-1") -> list[Reading]:
    return [
        Reading(
            meter_code=meter,
            ts=f"2026-11-23T08:{(start + i) // 60:02d}:{(start + i) % 60:02d}+08:00",
            value=100.0 + start + i,
            unit="kWh",
            kind="register",
            device="d",
            point="p",
        )
        for i in range(n)
    ]


def test_claim_is_stable_until_settled_and_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    with ReadingQueue(path) as q:
        assert q.enqueue(readings(5)) == 5
        b1 = q.claim_batch(3)
        assert b1 is not None
        assert len(b1) == 3
        q.enqueue(readings(5, start=5))
        b2 = q.claim_batch(100)  # same batch again, not a bigger one
        assert b2 is not None
        assert (b2.batch_id, b2.row_ids) == (b1.batch_id, b1.row_ids)
        assert b2.attempts == 2
    with ReadingQueue(path) as q:  # gateway restart
        b3 = q.claim_batch(100)
        assert b3 is not None
        assert b3.batch_id == b1.batch_id
        assert b3.readings == b1.readings
        assert q.ack(b3.batch_id) == 3
        b4 = q.claim_batch(100)
        assert b4 is not None
        assert b4.batch_id != b1.batch_id
        assert len(b4) == 7
        q.ack(b4.batch_id)
        assert q.claim_batch(100) is None
        assert q.depth() == 0
        assert q.stats().last_send_ok is not None


def test_duplicate_ticks_are_ignored(tmp_path: Path) -> None:
    with ReadingQueue(tmp_path / "q.sqlite3") as q:
        assert q.enqueue(readings(3)) == 3
        again = [Reading(r.meter_code, r.ts, r.value + 1, r.unit, r.kind) for r in readings(3)]
        assert q.enqueue(again) == 0
        assert [r.value for r in q.pending()] == [100.0, 101.0, 102.0]  # first value wins


def test_reject_moves_rows_to_dead_letter_with_reason(tmp_path: Path) -> None:
    with ReadingQueue(tmp_path / "q.sqlite3") as q:
        q.enqueue(readings(4))
        b = q.claim_batch(10)
        assert b is not None
        accepted, dead = q.reject(
            b.batch_id, {1: "unknown meter_code", 3: "value below previous"}, http_status=422
        )
        assert (accepted, dead) == (2, 2)
        assert q.depth() == 0
        letters = q.dead_letters()
        assert [(d.reading.ts, d.reason, d.http_status) for d in letters] == [
            (b.readings[1].ts, "unknown meter_code", 422),
            (b.readings[3].ts, "value below previous", 422),
        ]
        assert q.stats().dead_letters == 2
        assert q.requeue_dead_letters([letters[0].id]) == 1
        assert [r.ts for r in q.pending()] == [b.readings[1].ts]
        assert q.stats().dead_letters == 1


def test_release_allows_rebatching(tmp_path: Path) -> None:
    with ReadingQueue(tmp_path / "q.sqlite3") as q:
        q.enqueue(readings(6))
        b = q.claim_batch(6)
        assert b is not None
        q.release(b.batch_id)
        small = q.claim_batch(3)
        assert small is not None
        assert len(small) == 3
        assert small.batch_id != b.batch_id


def test_nan_is_refused_before_it_reaches_the_queue() -> None:
    with pytest.raises(ValueError, match="must be finite"):
        Reading("E-1", "2026-11-23T08:00:00+08:00", float("nan"), "kWh", "register")


def test_payload_is_the_contract_json() -> None:
    r = Reading("E-1", "2026-11-23T08:00:00+08:00", 12345.67, "kWh", "register", flags=("estimated",))
    assert encode_payload("gw-01", "b-1", [r]) == (
        b'{"gateway":"gw-01","batch_id":"b-1","readings":[{"meter_code":"E-1",'
        b'"ts":"2026-11-23T08:00:00+08:00","value":12345.67,"unit":"kWh","kind":"register",'
        b'"flags":["estimated"]}]}'
    )


def test_journal_is_wal(tmp_path: Path) -> None:
    ReadingQueue(tmp_path / "q.sqlite3").close()
    with sqlite3.connect(tmp_path / "q.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


ops = st.lists(
    st.one_of(
        st.tuples(st.just("enqueue"), st.integers(0, 7)),
        st.tuples(st.just("claim"), st.integers(1, 5)),
        st.tuples(st.just("ack"), st.just(0)),
        st.tuples(st.just("reject"), st.integers(0, 4)),
        st.tuples(st.just("release"), st.just(0)),
        st.tuples(st.just("restart"), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_nothing_is_lost_or_duplicated(tmp_path_factory: pytest.TempPathFactory, program: list) -> None:
    """Invariant: every enqueued reading is exactly once in {delivered, dead-lettered, pending}."""
    path = tmp_path_factory.mktemp("prop") / "q.sqlite3"
    q = ReadingQueue(path)
    enqueued: list[tuple[str, str]] = []
    delivered: list[tuple[str, str]] = []
    batch = None
    counter = 0
    try:
        for op, arg in program:
            if op == "enqueue":
                new = readings(arg, start=counter)
                counter += arg
                q.enqueue(new)
                enqueued += [r.key for r in new]
            elif op == "claim":
                batch = q.claim_batch(arg)
            elif op == "ack" and batch is not None:
                q.ack(batch.batch_id)
                delivered += [r.key for r in batch.readings]
                batch = None
            elif op == "reject" and batch is not None:
                bad = dict.fromkeys(range(min(arg, len(batch))), "bad")
                q.reject(batch.batch_id, bad, http_status=422)
                delivered += [r.key for i, r in enumerate(batch.readings) if i not in bad]
                batch = None
            elif op == "release" and batch is not None:
                q.release(batch.batch_id)
                batch = None
            elif op == "restart":
                q.close()
                q = ReadingQueue(path)
        dead = [d.reading.key for d in q.dead_letters()]
        pending = [r.key for r in q.pending()]
        everything = delivered + dead + pending
        assert sorted(everything) == sorted(enqueued)
        assert len(set(everything)) == len(everything)
    finally:
        q.close()
