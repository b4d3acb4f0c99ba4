"""Bulk writers of one SQLite file take turns on a lock file, so the next one starts the moment the
current one is done instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import threading
from pathlib import Path

from parkcarbon.store.db import Database, make_engine


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    db = Database(make_engine(f"sqlite:///{tmp_path / 'park.db'}"))
    inside, release, second_in = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        with db.writer_turn():
            order.append("first in")
            inside.set()
            release.wait(10)
            order.append("first out")

    def second() -> None:
        with db.writer_turn():
            order.append("second in")
            second_in.set()

    a = threading.Thread(target=first)
    a.start()
    assert inside.wait(10)
    b = threading.Thread(target=second)
    b.start()
    assert not second_in.wait(0.3)  # held off while the first holds the turn
    release.set()
    a.join(10)
    b.join(10)
    assert order == ["first in", "first out", "second in"]
    assert (tmp_path / "park.db-writer").exists()
    db.dispose()


def test_nested_turns_and_databases_without_a_file(tmp_path: Path) -> None:
    db = Database(make_engine(f"sqlite:///{tmp_path / 'park.db'}"))
    with db.writer_turn(), db.writer_turn(), db.transaction() as s:  # nesting does not wait on itself
        s.connection().exec_driver_sql("CREATE TABLE t (x INTEGER)")
    db.dispose()
    memory = Database(make_engine("sqlite://"))
    with memory.writer_turn():
        pass
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith("-writer")) == ["park.db-writer"]
    memory.dispose()
