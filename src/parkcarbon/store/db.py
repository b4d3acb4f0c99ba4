"""Engines and the :class:`Database` handle through which services open transactions.

SQLite (embedded default) gets WAL, foreign keys and a busy timeout; PostgreSQL uses psycopg 3.
Tests can build a :class:`Database` bound to one connection whose outer transaction is rolled back
after the test (``join_transaction_mode="create_savepoint"``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: writers wait in SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]


#: Execution option marking a connection whose transactions may write (SQLite: ``BEGIN IMMEDIATE``).
WRITES: Final = "parkcarbon_writes"


def normalise_url(url: str) -> str:
    """Prefer psycopg 3 for PostgreSQL URLs written without a driver."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; creates the parent directory of an SQLite file."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()
            # let SQLAlchemy, not the driver, open transactions, so SAVEPOINTs work (SQLAlchemy docs,
            # "Serializable isolation / Savepoints / Transactional DDL" for pysqlite)
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # a unit of work that may write takes the write lock when it begins: a deferred transaction
            # that reads first and writes later fails at once ("database is locked", SQLITE_BUSY_SNAPSHOT)
            # when another connection committed in between, without waiting in the busy handler
            immediate = conn.get_execution_options().get(WRITES, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


#: Writer turns this thread holds (lock file paths), so that :meth:`Database.writer_turn` nests.
_turns = threading.local()


class Database:
    """A handle on one database; services open their transactions through it."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        join_mode = "create_savepoint" if isinstance(bind, Connection) else "conditional_savepoint"
        self._sessions = sessionmaker(bind=bind, expire_on_commit=False, join_transaction_mode=join_mode)

    @property
    def engine(self) -> Engine:
        return self.bind if isinstance(self.bind, Engine) else self.bind.engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any exception. On SQLite it holds the
        write lock from its first statement (``BEGIN IMMEDIATE``), so reading and then writing cannot
        fail because another writer committed in between."""
        session = self._sessions()
        if self.dialect == "sqlite":
            session.connection(execution_options={WRITES: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def writer_turn(self) -> Iterator[None]:
        """Wait for this database's writer turn before a bulk write transaction (an SQLite file;
        elsewhere this does nothing).

        SQLite admits one writer at a time. A writer that finds the write lock taken waits in SQLite's
        busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 … ms between attempts and so wakes up to
        25 ms or more after the lock was freed. Bulk writers (the readings intake of every HTTP worker
        and MQTT worker process) queue instead on an exclusive ``flock`` of ``<database>-writer``, and
        the kernel wakes the next one the moment the current one is done. Other writers still wait in
        the busy handler. Re-entrant within a thread; take it before the transaction begins.
        """
        path = self._writer_lock_path()
        held: set[str] = _turns.__dict__.setdefault("held", set())
        if path is None or path in held:
            yield
            return
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            held.add(path)
            try:
                yield
            finally:
                held.discard(path)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _writer_lock_path(self) -> str | None:
        database = self.engine.url.database if self.dialect == "sqlite" else None
        if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
            return None
        return os.path.abspath(database) + "-writer"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs))

    def dispose(self) -> None:
        if isinstance(self.bind, Engine):
            self.bind.dispose()
