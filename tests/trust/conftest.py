"""Transparency-log fixtures: the enterprise end's principals and demo case, and empty databases of
their own for the concurrency tests (their commits must not reach the shared session database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from parkcarbon.store.db import make_engine
from parkcarbon.store.migrate import upgrade
from tests.conftest import POSTGRES_URL, drop_postgres_database, fresh_postgres_database
from tests.enterprise.conftest import demo, who  # noqa: F401 - fixtures shared with the enterprise end


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A freshly migrated, empty database (SQLite file or PostgreSQL database), dropped afterwards."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('log') / 'log.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need PARKCARBON_TEST_POSTGRES_URL (set by .ci/run)")
    url = fresh_postgres_database(POSTGRES_URL, "log")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    drop_postgres_database(POSTGRES_URL, url)
