"""Local store-and-forward queue (本地缓存队列) on SQLite.

Every reading is written here *before* any attempt to send it; a reading leaves the queue only
when the platform confirmed it (MQTT PUBACK, HTTP 2xx) or when the platform rejected it, in
which case it moves to the dead-letter table with the reason — never silently dropped.

Batches are *claimed*: the first :meth:`ReadingQueue.claim_batch` stamps a batch id on the
oldest unclaimed rows, and until that batch is acknowledged every later call returns the very
same rows under the very same id — also after a gateway restart. The ``batch_id`` the platform
sees is therefore stable across retries.

Durability: WAL journal, ``synchronous=FULL`` (a committed reading survives power loss, which
field gateways see), one connection guarded by a lock (the poller, forwarder and heartbeat
threads share it).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parkcarbon.edge.errors import QueueError
from parkcarbon.edge.readings import Reading

__all__ = ["Batch", "DeadLetter", "QueueStats", "ReadingQueue"]

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    meter_code  TEXT    NOT NULL,
    ts          TEXT    NOT NULL,
    value       REAL    NOT NULL,
    unit        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    flags       TEXT    NOT NULL DEFAULT '[]',
    device      TEXT    NOT NULL DEFAULT '',
    point       TEXT    NOT NULL DEFAULT '',
    batch_id    TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    enqueued_at TEXT    NOT NULL,
    UNIQUE (meter_code, ts)
);
CREATE INDEX IF NOT EXISTS outbox_batch ON outbox (batch_id);
CREATE TABLE IF NOT EXISTS dead_letter (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    meter_code  TEXT    NOT NULL,
    ts          TEXT    NOT NULL,
    value       REAL    NOT NULL,
    unit        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    flags       TEXT    NOT NULL DEFAULT '[]',
    device      TEXT    NOT NULL DEFAULT '',
    point       TEXT    NOT NULL DEFAULT '',
    batch_id    TEXT,
    reason      TEXT    NOT NULL,
    http_status INTEGER,
    failed_at   TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
_COLUMNS = "meter_code, ts, value, unit, kind, flags, device, point"


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row_to_reading(row: Sequence[Any]) -> Reading:
    meter_code, ts, value, unit, kind, flags, device, point = row
    return Reading(
        meter_code=meter_code,
        ts=ts,
        value=value,
        unit=unit,
        kind=kind,
        flags=tuple(json.loads(flags)),
        device=device,
        point=point,
    )


@dataclass(frozen=True)
class Batch:
    """A claimed batch: the rows to send and the id they are sent under."""

    batch_id: str
    row_ids: tuple[int, ...]
    readings: tuple[Reading, ...]
    attempts: int

    def __len__(self) -> int:
        return len(self.readings)


@dataclass(frozen=True)
class DeadLetter:
    """A reading the platform refused, with its reason."""

    id: int
    reading: Reading
    batch_id: str | None
    reason: str
    http_status: int | None
    failed_at: str


@dataclass(frozen=True)
class QueueStats:
    """Queue metrics for the heartbeat and ``parkcarbon edge status``."""

    depth: int
    claimed: int
    dead_letters: int
    oldest_ts: str | None
    last_send_ok: str | None
    last_send_error: str | None


class ReadingQueue:
    """SQLite-backed outbox and dead-letter store.

    Parameters
    ----------
    path
        Database file; parent directories are created. ``":memory:"`` for throwaway use.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            version = self._get_meta("schema_version")
            if version is None:
                self._set_meta("schema_version", str(_SCHEMA_VERSION))
            elif int(version) != _SCHEMA_VERSION:
                raise QueueError(
                    f"queue {self.path!r} has schema version {version}, this gateway expects "
                    f"{_SCHEMA_VERSION}; drain it with the gateway version that wrote it"
                )
        except sqlite3.DatabaseError as exc:
            raise QueueError(f"cannot open queue {self.path!r}: {exc}") from exc
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the database (idempotent)."""
        with self._lock, contextlib.suppress(sqlite3.ProgrammingError):  # already closed
            self._db.close()

    def __enter__(self) -> ReadingQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ meta

    def _get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def record_send_ok(self) -> None:
        """Remember the time of the last confirmed delivery."""
        with self._lock:
            self._set_meta("last_send_ok", _utcnow())

    def record_send_error(self, reason: str) -> None:
        """Remember the last delivery failure (time and reason)."""
        with self._lock:
            self._set_meta("last_send_error", f"{_utcnow()} {reason}")

    # ------------------------------------------------------------------ writing

    def enqueue(self, readings: Iterable[Reading]) -> int:
        """Persist readings; returns how many were new.

        A reading whose ``(meter_code, ts)`` is already queued is ignored (the same tick polled
        twice, e.g. after a restart within one tick) — the first value wins.
        """
        rows = [
            (
                r.meter_code,
                r.ts,
                r.value,
                r.unit,
                r.kind,
                json.dumps(list(r.flags)),
                r.device,
                r.point,
                _utcnow(),
            )
            for r in readings
        ]
        if not rows:
            return 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                before = self._db.total_changes
                self._db.executemany(
                    f"INSERT OR IGNORE INTO outbox ({_COLUMNS}, enqueued_at) VALUES ({', '.join('?' * 9)})",
                    rows,
                )
                inserted = self._db.total_changes - before
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return inserted

    # ------------------------------------------------------------------ forwarding

    def claim_batch(self, limit: int) -> Batch | None:
        """The batch to send next, or ``None`` if the queue is empty.

        An unacknowledged claimed batch is returned again, unchanged; otherwise the oldest
        ``limit`` unclaimed rows are claimed under a new UUID4 batch id. Each call counts one
        delivery attempt.
        """
        if limit < 1:
            raise ValueError("limit must be ≥ 1")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT batch_id FROM outbox WHERE batch_id IS NOT NULL ORDER BY id LIMIT 1"
                ).fetchone()
                if row is not None:
                    batch_id = str(row[0])
                else:
                    ids = [
                        r[0]
                        for r in self._db.execute(
                            "SELECT id FROM outbox WHERE batch_id IS NULL ORDER BY id LIMIT ?", (limit,)
                        )
                    ]
                    if not ids:
                        self._db.execute("COMMIT")
                        return None
                    batch_id = str(uuid.uuid4())
                    self._db.executemany(
                        "UPDATE outbox SET batch_id = ? WHERE id = ?", [(batch_id, i) for i in ids]
                    )
                self._db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE batch_id = ?", (batch_id,))
                rows = self._db.execute(
                    f"SELECT id, attempts, {_COLUMNS} FROM outbox WHERE batch_id = ? ORDER BY id", (batch_id,)
                ).fetchall()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Batch(
            batch_id=batch_id,
            row_ids=tuple(r[0] for r in rows),
            readings=tuple(_row_to_reading(r[2:]) for r in rows),
            attempts=max(r[1] for r in rows),
        )

    def ack(self, batch_id: str) -> int:
        """Delivery confirmed: delete the batch's rows; returns how many were deleted."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                n = self._db.execute("DELETE FROM outbox WHERE batch_id = ?", (batch_id,)).rowcount
                self._set_meta("last_send_ok", _utcnow())
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return n

    def reject(
        self, batch_id: str, rejected: Mapping[int, str], *, http_status: int | None
    ) -> tuple[int, int]:
        """The platform refused some rows of a batch.

        Parameters
        ----------
        batch_id
            The claimed batch.
        rejected
            Position in the batch's ``readings`` list → reason given by the platform. Rows not
            listed were accepted and are deleted.
        http_status
            Status code of the response, stored with each dead letter.

        Returns
        -------
        (accepted, dead_lettered)
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute(
                    f"SELECT id, {_COLUMNS} FROM outbox WHERE batch_id = ? ORDER BY id", (batch_id,)
                ).fetchall()
                bad = [(i, rows[i]) for i in sorted(rejected) if 0 <= i < len(rows)]
                now = _utcnow()
                self._db.executemany(
                    f"INSERT INTO dead_letter ({_COLUMNS}, batch_id, reason, http_status, failed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*row[1:], batch_id, rejected[i], http_status, now) for i, row in bad],
                )
                n = self._db.execute("DELETE FROM outbox WHERE batch_id = ?", (batch_id,)).rowcount
                self._set_meta("last_send_ok", now)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return n - len(bad), len(bad)

    def release(self, batch_id: str) -> None:
        """Un-claim a batch so its rows can be re-batched (e.g. smaller, after HTTP 413)."""
        with self._lock:
            self._db.execute("UPDATE outbox SET batch_id = NULL WHERE batch_id = ?", (batch_id,))

    # ------------------------------------------------------------------ inspection

    def depth(self) -> int:
        """Readings waiting for delivery (claimed or not)."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def pending(self) -> list[Reading]:
        """All queued readings, oldest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY id").fetchall()
        return [_row_to_reading(r) for r in rows]

    def dead_letters(self) -> list[DeadLetter]:
        """All dead letters, oldest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, {_COLUMNS}, batch_id, reason, http_status, failed_at "
                "FROM dead_letter ORDER BY id"
            ).fetchall()
        return [
            DeadLetter(
                id=r[0],
                reading=_row_to_reading(r[1:9]),
                batch_id=r[9],
                reason=r[10],
                http_status=r[11],
                failed_at=r[12],
            )
            for r in rows
        ]

    def requeue_dead_letters(self, ids: Iterable[int] | None = None) -> int:
        """Move dead letters back to the outbox (after fixing the cause on the platform).

        Parameters
        ----------
        ids
            Dead-letter ids; ``None`` for all.

        Returns
        -------
        Number of readings re-queued.
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                where = ""
                params: tuple[int, ...] = ()
                if ids is not None:
                    id_list = list(ids)
                    where = f" WHERE id IN ({','.join('?' * len(id_list))})" if id_list else " WHERE 0"
                    params = tuple(id_list)
                now = _utcnow()
                self._db.execute(
                    f"INSERT OR IGNORE INTO outbox ({_COLUMNS}, enqueued_at) "
                    f"SELECT {_COLUMNS}, ? FROM dead_letter{where} ORDER BY id",
                    (now, *params),
                )
                n = self._db.execute(f"DELETE FROM dead_letter{where}", params).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return n

    def stats(self) -> QueueStats:
        """Current metrics."""
        with self._lock:
            depth, claimed, oldest = self._db.execute(
                "SELECT COUNT(*), COUNT(batch_id), MIN(ts) FROM outbox"
            ).fetchone()
            dead = self._db.execute("SELECT COUNT(*) FROM dead_letter").fetchone()[0]
            return QueueStats(
                depth=int(depth),
                claimed=int(claimed),
                dead_letters=int(dead),
                oldest_ts=oldest,
                last_send_ok=self._get_meta("last_send_ok"),
                last_send_error=self._get_meta("last_send_error"),
            )
