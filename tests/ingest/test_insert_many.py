"""SQLite bulk inserts as multi-row ``VALUES`` statements: every row lands once, whatever the count,
with few distinct statement texts (each new text is compiled) and within the driver's parameter limit."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from parkcarbon.store import timeseries
from parkcarbon.store.db import make_engine

HEAD = "INSERT INTO t (a, b, v) VALUES"


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Connection]:
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    with engine.connect() as c:
        c.exec_driver_sql(
            "CREATE TABLE t (a INTEGER NOT NULL, b INTEGER NOT NULL, v FLOAT, PRIMARY KEY (a, b))"
        )
        c.commit()
        yield c
    engine.dispose()


def statement_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows per executed multi-row statement (the large and small ones; the last one runs directly)."""
    sizes: list[int] = []
    real = timeseries._executemany

    def spy(conn: Connection, sql: str, rows: Any) -> None:
        rows = list(rows)
        sizes.extend(len(params) // 3 for params in rows)  # the test table has three columns
        real(conn, sql, rows)

    monkeypatch.setattr(timeseries, "_executemany", spy)
    return sizes


#: Rows → (rows per statement of the large and small kinds, rows left to a statement of their own).
SPLITS = {0: ([], 0), 1: ([], 1), 99: ([], 99), 100: ([100], 0), 101: ([100], 1), 999: ([100] * 9, 99),
          1000: ([1000], 0), 2345: ([1000, 1000, 100, 100, 100], 45)}  # fmt: skip


@pytest.mark.parametrize("n", sorted(SPLITS))
def test_every_row_lands_once(scratch: Connection, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    sizes = statement_sizes(monkeypatch)
    cols = [list(range(n)), [7] * n, [i / 4 for i in range(n)]]
    with scratch.begin():
        timeseries.insert_many(scratch, HEAD, cols)
    got = scratch.execute(text("SELECT a, b, v FROM t ORDER BY a")).all()
    assert [tuple(r) for r in got] == list(zip(*cols, strict=True))
    statements, rest = SPLITS[n]
    assert sizes == statements and n - sum(sizes) == rest


def test_conflict_clause_and_a_low_parameter_limit(
    scratch: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = statement_sizes(monkeypatch)
    dbapi = scratch.connection.dbapi_connection
    assert isinstance(dbapi, sqlite3.Connection)
    dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # SQLite before 3.32
    with scratch.begin():
        timeseries.insert_many(scratch, HEAD, [[1, 2], [0, 0], [1.0, 2.0]])
        timeseries.insert_many(
            scratch,
            HEAD,
            [list(range(1500)), [0] * 1500, [9.0] * 1500],
            "ON CONFLICT (a, b) DO UPDATE SET v = excluded.v",
        )
    assert max(sizes) == 333  # 999 parameters ÷ 3 columns
    assert scratch.execute(text("SELECT count(*), sum(v) FROM t")).one() == (1500, 9.0 * 1500)
