"""Alembic environment: runs on the connection handed in by :func:`parkcarbon.store.migrate.upgrade`."""

from __future__ import annotations

from alembic import context

from parkcarbon.store import models  # noqa: F401  (registers tables)
from parkcarbon.store.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from parkcarbon.store.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `parkcarbon db upgrade`")
run_migrations_online()
