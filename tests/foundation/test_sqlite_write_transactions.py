"""On SQLite a unit of work holds the write lock from its first statement, so one that reads and then
writes cannot fail because another writer committed in between (a console login racing the live feed
failed that way: "database is locked" at once, SQLITE_BUSY_SNAPSHOT, no wait)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from parkcarbon.store.db import Database, make_engine


def test_read_then_write_survives_a_concurrent_writer(tmp_path: Path) -> None:
    db = Database(make_engine(f"sqlite:///{tmp_path / 'park.db'}"))
    with db.transaction() as s:
        s.execute(text("CREATE TABLE t (who TEXT)"))
    other_done = threading.Event()

    def other_writer() -> None:
        with db.transaction() as s:
            s.execute(text("INSERT INTO t VALUES ('other')"))
        other_done.set()

    with db.transaction() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == 0  # read first …
        thread = threading.Thread(target=other_writer)
        thread.start()
        # … the other writer tries meanwhile (with a deferred BEGIN it would commit here):
        # it waits for this unit of work
        assert not other_done.wait(0.3)
        s.execute(text("INSERT INTO t VALUES ('first')"))  # … then write
    thread.join(30)
    assert other_done.is_set()
    with db.read() as s:
        assert [r[0] for r in s.execute(text("SELECT who FROM t ORDER BY rowid"))] == ["first", "other"]
    db.dispose()
