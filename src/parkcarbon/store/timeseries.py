"""Bulk access to the time-series tables (readings, rollups, meter status) for the intake pipeline.

Plain driver SQL with ``executemany`` on SQLite and arrays / ``COPY`` on PostgreSQL: the ORM is far
too slow for hundreds of thousands of rows per second. Every function runs inside the caller's
transaction on the given :class:`~sqlalchemy.Connection` and never commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Connection

__all__ = [
    "ROLLUP_COLUMNS",
    "copy_readings",
    "fetch_neighbours",
    "fetch_points",
    "fetch_status",
    "fetch_window",
    "insert_readings",
    "lock_meters",
    "tune_for_intake",
    "update_readings",
    "upsert_rollups",
    "upsert_status",
]

#: Additive columns of ``meter_rollups`` in the order rollup rows carry them.
ROLLUP_COLUMNS = ("consumption", "estimated", "flagged_sum", "readings", "intervals", "flagged", "value_sum")
#: Advisory-lock namespace of meter series on PostgreSQL ("PC").
LOCK_CLASS = 0x5043
_CHUNK = 2000

Row = tuple[Any, ...]


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _ph(conn: Connection) -> str:
    return "%s" if _pg(conn) else "?"


def _chunks(rows: Sequence[Row], size: int = _CHUNK) -> Iterable[Sequence[Row]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _values(conn: Connection, rows: Sequence[Row], width: int) -> tuple[str, list[Any]]:
    ph = _ph(conn)
    one = "(" + ",".join([ph] * width) + ")"
    params: list[Any] = []
    for r in rows:
        params.extend(r)
    return ",".join([one] * len(rows)), params


#: WAL pages before SQLite checkpoints automatically during intake (default 1000): bulk intake commits
#: often, and each checkpoint copies and syncs pages; a larger WAL lets one checkpoint cover many batches.
SQLITE_WAL_AUTOCHECKPOINT = 16384


def tune_for_intake(conn: Connection) -> None:
    """Per-connection settings for bulk intake (SQLite: a larger WAL auto-checkpoint threshold)."""
    if not _pg(conn):
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")


def lock_meters(conn: Connection, meter_ids: Sequence[int]) -> None:
    """Serialise writers of the same meters until the transaction ends.

    PostgreSQL: transaction-level advisory locks taken in ascending id order (no deadlocks).
    SQLite has one writer at a time; the caller's first statement must be a write so that the
    transaction holds the write lock before it reads (see :func:`parkcarbon.ingest.pipeline`).
    """
    if _pg(conn) and meter_ids:
        conn.exec_driver_sql(
            "SELECT count(pg_advisory_xact_lock(%s, m)) FROM unnest(%s::int[]) AS u(m)",
            (LOCK_CLASS, sorted(int(m) for m in meter_ids)),
        )


def fetch_status(conn: Connection, meter_ids: Sequence[int]) -> list[Row]:
    """``(meter_id, last_ts, first_ts, interval_s, typical_rate, readings_total)`` of known meters."""
    out: list[Row] = []
    cols = "meter_id, last_ts, first_ts, interval_s, typical_rate, readings_total"
    if _pg(conn):
        res = conn.exec_driver_sql(
            f"SELECT {cols} FROM meter_status WHERE meter_id = ANY(%s)", ([int(m) for m in meter_ids],)
        )
        return [tuple(r) for r in res.fetchall()]
    for chunk in _chunks([(m,) for m in meter_ids], 900):
        marks = ",".join("?" * len(chunk))
        out.extend(
            _fetch(
                conn, f"SELECT {cols} FROM meter_status WHERE meter_id IN ({marks})", [m[0] for m in chunk]
            )
        )
    return out


def _fetch(conn: Connection, sql: str, params: Sequence[Any]) -> list[Row]:
    """Rows of a query on the DBAPI cursor of the caller's transaction (SQLite; no Result overhead)."""
    dbapi = conn.connection.dbapi_connection
    if dbapi is None:  # pragma: no cover - a live connection always has one
        raise RuntimeError("no DBAPI connection")
    cur = dbapi.cursor()
    try:
        cur.execute(sql, tuple(params))
        return [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


_READ_COLS = "r.meter_id, r.ts, r.value, r.delta, r.flags"


def fetch_points(conn: Connection, keys: Sequence[tuple[int, int]]) -> list[Row]:
    """Stored readings at exact ``(meter_id, ts)`` keys: ``(meter_id, ts, value, delta, flags)``."""
    if not keys:
        return []
    if _pg(conn):
        res = conn.exec_driver_sql(
            f"SELECT {_READ_COLS} FROM unnest(%s::int[], %s::bigint[]) AS w(m, t) "
            "JOIN readings r ON r.meter_id = w.m AND r.ts = w.t",
            ([int(k[0]) for k in keys], [int(k[1]) for k in keys]),
        )
        return [tuple(r) for r in res.fetchall()]
    out: list[Row] = []
    for chunk in _chunks(keys):
        vals, params = _values(conn, chunk, 2)
        out.extend(
            _fetch(
                conn,
                f"WITH w(m, t) AS (VALUES {vals}) SELECT {_READ_COLS} FROM w "
                "JOIN readings r ON r.meter_id = w.m AND r.ts = w.t",
                params,
            )
        )
    return out


def fetch_window(conn: Connection, spans: Sequence[tuple[int, int, int]]) -> list[Row]:
    """Stored readings with ``lo <= ts <= hi`` for each ``(meter_id, lo, hi)``."""
    if not spans:
        return []
    if _pg(conn):
        res = conn.exec_driver_sql(
            f"SELECT {_READ_COLS} FROM unnest(%s::int[], %s::bigint[], %s::bigint[]) AS w(m, lo, hi) "
            "JOIN readings r ON r.meter_id = w.m AND r.ts BETWEEN w.lo AND w.hi",
            tuple([int(s[i]) for s in spans] for i in range(3)),
        )
        return [tuple(r) for r in res.fetchall()]
    out: list[Row] = []
    for chunk in _chunks(spans):
        vals, params = _values(conn, chunk, 3)
        res = conn.exec_driver_sql(
            f"WITH w(m, lo, hi) AS (VALUES {vals}) SELECT {_READ_COLS} FROM w "
            "JOIN readings r ON r.meter_id = w.m AND r.ts BETWEEN w.lo AND w.hi",
            tuple(params),
        )
        out.extend(tuple(r) for r in res.fetchall())
    return out


def fetch_neighbours(conn: Connection, spans: Sequence[tuple[int, int, int]]) -> list[Row]:
    """For each ``(meter_id, lo, hi)``: the stored reading just before ``lo`` and just after ``hi``."""
    if not spans:
        return []
    out: list[Row] = []
    for op, agg, bound in (("<", "max", "lo"), (">", "min", "hi")):
        if _pg(conn):
            res = conn.exec_driver_sql(
                f"SELECT {_READ_COLS} FROM unnest(%s::int[], %s::bigint[], %s::bigint[]) AS w(m, lo, hi) "
                f"JOIN readings r ON r.meter_id = w.m AND r.ts = (SELECT {agg}(x.ts) FROM readings x "
                f"WHERE x.meter_id = w.m AND x.ts {op} w.{bound})",
                tuple([int(s[i]) for s in spans] for i in range(3)),
            )
            out.extend(tuple(r) for r in res.fetchall())
            continue
        for chunk in _chunks(spans):
            vals, params = _values(conn, chunk, 3)
            res = conn.exec_driver_sql(
                f"WITH w(m, lo, hi) AS (VALUES {vals}) SELECT {_READ_COLS} FROM w "
                f"JOIN readings r ON r.meter_id = w.m AND r.ts = (SELECT {agg}(x.ts) FROM readings x "
                f"WHERE x.meter_id = w.m AND x.ts {op} w.{bound})",
                tuple(params),
            )
            out.extend(tuple(r) for r in res.fetchall())
    return out


def _pg_copy_text(rows: Iterable[Row]) -> bytes:
    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return "\\N"
        return repr(v) if isinstance(v, float) else str(v)

    return "".join("\t".join([cell(v) for v in r]) + "\n" for r in rows).encode()


def copy_readings(conn: Connection, columns: Sequence[Sequence[Any]], *, table: str = "readings") -> None:
    """PostgreSQL ``COPY`` of ``(meter_id, ts, value, delta, flags)`` columns (NaN delta → NULL)."""
    dbapi = conn.connection.dbapi_connection
    if dbapi is None:  # pragma: no cover - a live connection always has one
        raise RuntimeError("no DBAPI connection")
    m, t, v, d, f = columns
    text = "".join(
        f"{a}\t{b}\t{c!r}\t{e!r}\t{g}\n" if e == e else f"{a}\t{b}\t{c!r}\t\\N\t{g}\n"
        for a, b, c, e, g in zip(m, t, v, d, f, strict=True)
    ).encode()
    with (
        dbapi.cursor() as cur,  # type: ignore[attr-defined]
        cur.copy(f"COPY {table} (meter_id, ts, value, delta, flags) FROM STDIN") as cp,
    ):
        cp.write(text)


def insert_readings(conn: Connection, columns: Sequence[Sequence[Any]]) -> None:
    """Insert new readings given as columns ``(meter_id, ts, value, delta, flags)``.

    The caller has checked (under :func:`lock_meters`) that none of the keys exists.
    """
    if not columns[0]:
        return
    if _pg(conn):
        copy_readings(conn, columns)
        return
    insert_many(conn, "INSERT INTO readings (meter_id, ts, value, delta, flags) VALUES", columns)


#: Rows per multi-row ``INSERT … VALUES (…), (…)`` statement on SQLite: large statements, then
#: :data:`SMALL_ROWS_PER_STATEMENT`-row ones for the rest, then one for the last few rows. Few distinct
#: statement texts stay in the driver's statement cache (compiling a 1,000-row statement costs five
#: times as much as running it); few large statements mean few returns to Python between steps, which
#: matters when the insert runs on a second thread and has to win the GIL back after each step.
ROWS_PER_STATEMENT = 1000
SMALL_ROWS_PER_STATEMENT = 100


def insert_many(conn: Connection, head: str, columns: Sequence[Sequence[Any]], tail: str = "") -> None:
    """SQLite bulk insert of columns as multi-row ``VALUES`` statements (about twice as fast as one
    row per ``executemany`` step: fewer statement steps and Python round trips).

    ``head`` ends with ``VALUES``; ``tail`` (e.g. an ``ON CONFLICT`` clause) follows each statement.
    """
    width = len(columns)
    n = len(columns[0])
    if n == 0:
        return
    flat: list[Any] = [None] * (width * n)
    for i, col in enumerate(columns):
        flat[i::width] = col
    one = "(" + ",".join("?" * width) + ")"
    most = max(1, _max_variables(conn) // width)
    done = 0
    for k in (min(ROWS_PER_STATEMENT, most), min(SMALL_ROWS_PER_STATEMENT, most)):
        end = done + (n - done) // k * k
        if end > done:
            sql = f"{head} {','.join([one] * k)} {tail}"
            step = width * k
            chunks = range(done * width, end * width, step)
            _executemany(conn, sql, (tuple(flat[i : i + step]) for i in chunks))
            done = end
    if done < n:
        conn.exec_driver_sql(f"{head} {','.join([one] * (n - done))} {tail}", tuple(flat[done * width :]))


def _max_variables(conn: Connection) -> int:
    """Most ``?`` parameters one SQLite statement may have (32,766 since SQLite 3.32, 999 before)."""
    dbapi = conn.connection.dbapi_connection
    try:
        return int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))  # type: ignore[union-attr]
    except (AttributeError, sqlite3.Error):  # pragma: no cover - not the stdlib driver
        return 999


def _executemany(conn: Connection, sql: str, rows: Iterable[Row]) -> None:
    """``executemany`` on the DBAPI cursor of the caller's transaction, fed lazily (SQLite)."""
    dbapi = conn.connection.dbapi_connection
    if dbapi is None:  # pragma: no cover - a live connection always has one
        raise RuntimeError("no DBAPI connection")
    cur = dbapi.cursor()
    try:
        cur.executemany(sql, rows)  # type: ignore[arg-type]  # sqlite3 accepts any iterable
    finally:
        cur.close()


def update_readings(conn: Connection, rows: Sequence[tuple[int, int, float, float | None, int]]) -> None:
    """Set ``value, delta, flags`` of stored readings: rows ``(meter_id, ts, value, delta, flags)``."""
    if not rows:
        return
    clean = [(m, t, v, None if d is None or d != d else d, f) for m, t, v, d, f in rows]
    if _pg(conn):
        conn.exec_driver_sql(
            "UPDATE readings r SET value = u.v, delta = u.d, flags = u.f "
            "FROM unnest(%s::int[], %s::bigint[], %s::float8[], %s::float8[], %s::int[]) AS u(m, t, v, d, f) "
            "WHERE r.meter_id = u.m AND r.ts = u.t",
            tuple([r[i] for r in clean] for i in range(5)),
        )
        return
    conn.exec_driver_sql(
        "UPDATE readings SET value = ?, delta = ?, flags = ? WHERE meter_id = ? AND ts = ?",
        [(v, d, f, m, t) for m, t, v, d, f in clean],
    )


def upsert_rollups(conn: Connection, rows: Sequence[Row]) -> None:
    """Add to rollup buckets: rows ``(meter_id, grain, bucket, park_id, *ROLLUP_COLUMNS)``."""
    if not rows:
        return
    cols = ("meter_id", "grain", "bucket", "park_id", *ROLLUP_COLUMNS)
    sets = ", ".join(f"{c} = meter_rollups.{c} + excluded.{c}" for c in ROLLUP_COLUMNS)
    conflict = f"ON CONFLICT (meter_id, grain, bucket) DO UPDATE SET {sets}"
    if _pg(conn):
        types = (
            "int",
            "smallint",
            "bigint",
            "int",
            "float8",
            "float8",
            "float8",
            "int",
            "int",
            "int",
            "float8",
        )
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        conn.exec_driver_sql(
            f"INSERT INTO meter_rollups ({', '.join(cols)}) SELECT * FROM unnest({arrays}) {conflict}",
            tuple([r[i] for r in rows] for i in range(len(cols))),
        )
        return
    insert_many(
        conn, f"INSERT INTO meter_rollups ({', '.join(cols)}) VALUES", list(zip(*rows, strict=True)), conflict
    )


_STATUS_COLS = (
    "meter_id", "park_id", "last_ts", "first_ts", "last_seen_at", "interval_s", "typical_rate",
    "readings_total", "gateway",
)  # fmt: skip


def upsert_status(conn: Connection, rows: Sequence[Row]) -> None:
    """Replace meter status rows (columns as in :data:`_STATUS_COLS`, computed by the caller)."""
    if not rows:
        return
    sets = ", ".join(f"{c} = excluded.{c}" for c in _STATUS_COLS[1:])
    conflict = f"ON CONFLICT (meter_id) DO UPDATE SET {sets}"
    if _pg(conn):
        types = ("int", "int", "bigint", "bigint", "bigint", "int", "float8", "bigint", "text")
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        conn.exec_driver_sql(
            f"INSERT INTO meter_status ({', '.join(_STATUS_COLS)}) SELECT * FROM unnest({arrays}) {conflict}",
            tuple([r[i] for r in rows] for i in range(len(_STATUS_COLS))),
        )
        return
    marks = ",".join("?" * len(_STATUS_COLS))
    conn.exec_driver_sql(
        f"INSERT INTO meter_status ({', '.join(_STATUS_COLS)}) VALUES ({marks}) {conflict}", list(rows)
    )


DAY_COLUMNS = ("consumption", "estimated", "flagged_sum", "readings", "intervals", "flagged", "value_sum")


def fetch_days(conn: Connection, keys: Sequence[tuple[int, int]]) -> list[Row]:
    """Stored day rows ``(meter_id, day, *DAY_COLUMNS, hours)`` for ``(meter_id, day)`` keys."""
    if not keys:
        return []
    cols = "d.meter_id, d.day, " + ", ".join(f"d.{c}" for c in DAY_COLUMNS) + ", h.hours"
    if _pg(conn):
        res = conn.exec_driver_sql(
            f"SELECT {cols} FROM unnest(%s::int[], %s::bigint[]) AS w(m, t) "
            "JOIN meter_days d ON d.meter_id = w.m AND d.day = w.t "
            "LEFT JOIN meter_hours h ON h.meter_id = w.m AND h.day = w.t",
            ([int(k[0]) for k in keys], [int(k[1]) for k in keys]),
        )
        return [tuple(r) for r in res.fetchall()]
    out: list[Row] = []
    for chunk in _chunks(keys):
        vals, params = _values(conn, chunk, 2)
        out.extend(
            _fetch(
                conn,
                f"WITH w(m, t) AS (VALUES {vals}) SELECT {cols} FROM w "
                "JOIN meter_days d ON d.meter_id = w.m AND d.day = w.t "
                "LEFT JOIN meter_hours h ON h.meter_id = w.m AND h.day = w.t",
                params,
            )
        )
    return out


def upsert_days(conn: Connection, rows: Sequence[Row]) -> None:
    """Write day rows ``(meter_id, day, park_id, *DAY_COLUMNS, hours)`` to ``meter_days`` and
    ``meter_hours`` (values replace stored ones; the caller read them under the meters' lock and added
    its changes)."""
    if not rows:
        return
    cols = ("meter_id", "day", "park_id", *DAY_COLUMNS)
    sets = ", ".join(f"{c} = excluded.{c}" for c in DAY_COLUMNS)
    conflict = f"ON CONFLICT (meter_id, day) DO UPDATE SET {sets}"
    hour_conflict = "ON CONFLICT (meter_id, day) DO UPDATE SET hours = excluded.hours"
    n = len(cols)
    if _pg(conn):
        types = ("int", "bigint", "int", "float8", "float8", "float8", "int", "int", "int", "float8")
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        conn.exec_driver_sql(
            f"INSERT INTO meter_days ({', '.join(cols)}) SELECT * FROM unnest({arrays}) {conflict}",
            tuple([r[i] for r in rows] for i in range(n)),
        )
        conn.exec_driver_sql(
            "INSERT INTO meter_hours (meter_id, day, hours) SELECT * FROM unnest(%s::int[], %s::bigint[], "
            f"%s::bytea[]) {hour_conflict}",
            ([r[0] for r in rows], [r[1] for r in rows], [r[n] for r in rows]),
        )
        return
    columns = list(zip(*rows, strict=True))
    insert_many(conn, f"INSERT INTO meter_days ({', '.join(cols)}) VALUES", columns[:n], conflict)
    insert_many(
        conn,
        "INSERT INTO meter_hours (meter_id, day, hours) VALUES",
        [columns[0], columns[1], columns[n]],
        hour_conflict,
    )


def day_totals_by_group(conn: Connection, group_of: dict[int, int], a: int, b: int) -> list[Row]:
    """``(day, group, consumption, estimated, readings, flagged)`` summed per day and meter group for
    days in ``[a, b)``; ``group_of`` maps meter id → small integer group. Grouping on one integer key
    (day × 2^16 + group) keeps the database's sort cheap for a park-year of meter-days."""
    if not group_of:
        return []
    cols = "sum(d.consumption), sum(d.estimated), sum(d.readings), sum(d.flagged)"
    if _pg(conn):
        res = conn.exec_driver_sql(
            f"SELECT d.day * 65536 + g.k AS key, {cols} FROM unnest(%s::int[], %s::int[]) AS g(m, k) "
            "JOIN meter_days d ON d.meter_id = g.m WHERE d.day >= %s AND d.day < %s GROUP BY key",
            (list(group_of), list(group_of.values()), a, b),
        )
        rows = [tuple(r) for r in res.fetchall()]
    else:
        vals = ",".join(f"({int(m)},{int(k)})" for m, k in group_of.items())
        rows = _fetch(
            conn,
            f"WITH g(m, k) AS (VALUES {vals}) SELECT d.day * 65536 + g.k AS key, {cols} FROM g "
            "JOIN meter_days d ON d.meter_id = g.m WHERE d.day >= ? AND d.day < ? GROUP BY key",
            (a, b),
        )
    out: list[Row] = []
    for key, *rest in rows:
        k = int(cast(int, key))
        out.append((k >> 16, k & 0xFFFF, *rest))
    return out


def fetch_day_totals(conn: Connection, meter_ids: Sequence[int], a: int, b: int) -> list[Row]:
    """``(meter_id, day, consumption, estimated, readings, flagged)`` of the meters' days in ``[a, b)``,
    read through the DBAPI cursor (hundreds of thousands of rows for a park-year)."""
    if not meter_ids:
        return []
    sql = (
        "SELECT meter_id, day, consumption, estimated, readings, flagged FROM meter_days "
        "WHERE meter_id = {m} AND day >= {p} AND day < {p}"
    )
    out: list[Row] = []
    dbapi = conn.connection.dbapi_connection
    if dbapi is None:  # pragma: no cover - a live connection always has one
        raise RuntimeError("no DBAPI connection")
    cur = dbapi.cursor()
    try:
        if _pg(conn):
            cur.execute(
                "SELECT meter_id, day, consumption, estimated, readings, flagged FROM meter_days "
                "WHERE meter_id = ANY(%s) AND day >= %s AND day < %s",
                ([int(m) for m in meter_ids], a, b),
            )
            out = [tuple(r) for r in cur.fetchall()]
        else:
            one = sql.format(m="?", p="?")
            for m in meter_ids:
                cur.execute(one, (int(m), a, b))
                out.extend(cur.fetchall())
    finally:
        cur.close()
    return out
