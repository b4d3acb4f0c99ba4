"""Large batches insert their readings on a second thread while the rollups are computed: the result is
the same as inserting inline, and a failing insert loses the whole batch, never half of it."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from parkcarbon.ingest import pipeline
from parkcarbon.store.db import Database
from tests.conftest import World
from tests.ingest.conftest import T0, MakeMeter
from tests.ingest.test_properties import check_rollups, ingest, state

#: Three days of 15-minute register readings with a glitch (a negative step, flagged and excluded).
POINTS = [(q, round(1000.0 + 2.5 * q - (40.0 if q == 150 else 0.0), 3)) for q in range(1, 289)]


def test_background_and_inline_inserts_store_the_same(
    db: Database, world: World, make_meter: MakeMeter, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline, background = make_meter(), make_meter()
    monkeypatch.setattr(pipeline, "BACKGROUND_INSERT_ROWS", 10**9)
    first = ingest(db, world, inline.id, POINTS[:200])
    ingest(db, world, inline.id, POINTS[180:])  # overlaps: 20 duplicates, then new readings
    monkeypatch.setattr(pipeline, "BACKGROUND_INSERT_ROWS", 1)
    threads: list[str] = []
    real = pipeline.ts_store.insert_readings

    def spy(conn: Any, columns: Any) -> None:
        threads.append(threading.current_thread().name)
        real(conn, columns)

    monkeypatch.setattr(pipeline.ts_store, "insert_readings", spy)
    second = ingest(db, world, background.id, POINTS[:200])
    ingest(db, world, background.id, POINTS[180:])
    assert threads == ["intake-insert", "intake-insert"]
    assert (first.accepted, first.flagged) == (second.accepted, second.flagged) == (200, 1)
    assert state(db, inline.id) == state(db, background.id)
    check_rollups(db, background.id)
    readings, days, _ = state(db, background.id)
    assert len(readings) == 288
    # 2.5 kWh per quarter hour, but the interval ending at q=150 (−37.5) and the next (+42.5) are
    # not: the negative one is excluded, the jump back is counted
    assert sum(d[1] for d in days) == pytest.approx(2.5 * 287 - 2.5 + 42.5 - 2.5)


def test_a_failing_background_insert_keeps_nothing_of_the_batch(
    db: Database, world: World, make_meter: MakeMeter, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = make_meter()
    ingest(db, world, m.id, POINTS[:10])
    before = state(db, m.id)
    monkeypatch.setattr(pipeline, "BACKGROUND_INSERT_ROWS", 1)
    real = pipeline.ts_store.insert_readings

    def fail_after_writing(conn: Any, columns: Any) -> None:
        real(conn, columns)
        raise OSError("disk full")

    monkeypatch.setattr(pipeline.ts_store, "insert_readings", fail_after_writing)
    with pytest.raises(OSError, match="disk full"):
        ingest(db, world, m.id, POINTS[10:])
    assert state(db, m.id) == before
    with db.read() as s:
        status = s.execute(text("SELECT last_ts FROM meter_status WHERE meter_id = :m"), {"m": m.id}).scalar()
    assert status == int((T0 + timedelta(minutes=15 * 10)).timestamp())
