"""Storage: migrations on SQLite and PostgreSQL, models in sync with them, the append-only audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from parkcarbon.store.base import Base
from parkcarbon.store.db import Database
from parkcarbon.store.migrate import current_revision, head_revision, upgrade
from parkcarbon.store.models import AuditEvent, Meter
from tests.conftest import World


def test_database_is_at_head_and_upgrade_is_idempotent(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_models_match_migrations(engine: Engine) -> None:
    """Autogenerate finds nothing to do: the migrations create exactly what the models declare."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []


def test_audit_log_refuses_update_and_delete(db: Database, world: World) -> None:
    with db.read() as s:
        event_id = s.scalar(select(AuditEvent.id).limit(1))
    assert event_id is not None
    for statement in (
        "UPDATE audit_events SET action = 'tampered' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text(statement), {"id": event_id})


def test_every_tenant_row_carries_park_id() -> None:
    tenant_tables = {t.name for t in Base.metadata.sorted_tables} - {
        "parks",
        "users",
        "auth_tokens",
        "audit_events",
        "alembic_version",
        # meter-keyed time series: tenancy follows the meter (FK, cascade), every access path joins
        # meters; a park_id per 15-minute reading would grow the largest table for no access path
        "readings",
        "meter_hours",
        # the transparency log is one tree for the whole platform (one origin, one signing key): its head,
        # nodes and checkpoints hash every park's leaves together; log_leaves carries park_id
        "log_head",
        "log_nodes",
        "log_checkpoints",
    }
    for name in tenant_tables:
        assert "park_id" in Base.metadata.tables[name].columns, f"{name} lacks park_id"


def test_datetimes_round_trip_as_utc(db: Database, world: World) -> None:
    with db.read() as s:
        meter = s.get(Meter, world.a.meter_ids[0])
        assert meter is not None
        assert meter.created_at.tzinfo is not None
        assert meter.created_at.utcoffset() == UTC.utcoffset(datetime.now(UTC))


def test_hour_vector_codec_layout_and_round_trip() -> None:
    """The ``meter_hours.hours`` layout: 4 × 25 little-endian float64, vector-major, one blob a meter-day."""
    import struct

    import numpy as np

    from parkcarbon.store.models.readings import (
        HOUR_READINGS,
        HOUR_SLOTS,
        HOUR_VECTORS,
        decode_hours,
        decode_hours_many,
        encode_hours_many,
    )

    assert (HOUR_VECTORS[HOUR_READINGS], HOUR_SLOTS) == ("readings", 25)
    # a blob written by hand: readings of slot 3 = 4.0, consumption of slot 0 = 2.5
    values = [0.0] * (4 * 25)
    values[0] = 2.5
    values[HOUR_READINGS * 25 + 3] = 4.0
    blob = struct.pack("<100d", *values)
    m = decode_hours(blob)
    assert (m[0, 0], m[HOUR_READINGS, 3], m.sum()) == (2.5, 4.0, 6.5)
    many = np.stack([m, m * 2])
    assert encode_hours_many(many) == [blob, struct.pack("<100d", *(2 * v for v in values))]
    assert np.array_equal(decode_hours_many(encode_hours_many(many)), many)


#: (table, column) foreign keys that hold evidence: deleting their parent is refused (issue 12 §3)
EVIDENCE_FKS = [
    ("meters", "park_id"),
    ("meters", "enterprise_id"),
    ("readings", "meter_id"),
    ("reading_revisions", "meter_id"),
    ("activity_records", "enterprise_id"),
    ("enterprise_documents", "enterprise_id"),
    ("inventories", "enterprise_id"),
    ("inventory_lines", "enterprise_id"),
    ("mrv_cases", "enterprise_id"),
]


def test_migrated_schema_restricts_evidence_foreign_keys_and_has_archive_columns(engine: Engine) -> None:
    """The migrated database (SQLite and PostgreSQL) refuses cascades through evidence (migration 0410)."""
    from sqlalchemy import inspect

    insp = inspect(engine)
    for table, column in EVIDENCE_FKS:
        (fk,) = [fk for fk in insp.get_foreign_keys(table) if fk["constrained_columns"] == [column]]
        assert (fk.get("options") or {}).get("ondelete", "").upper() == "RESTRICT", (table, column, fk)
    for table in ("organisations", "meters", "enterprise_documents"):
        assert {"archived_at", "archived_by"} <= {c["name"] for c in insp.get_columns(table)}, table
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'readings'").scalar_one()
        assert "WITHOUT ROWID" in sql.upper()


def test_hard_delete_of_a_meter_with_readings_is_refused(db: Database, world: World) -> None:
    """Below the services too: a DELETE of a meter that has readings fails instead of cascading them."""
    with db.transaction() as s:
        meter_id = s.scalar(select(Meter.id).where(Meter.park_id == world.a.park_id).limit(1))
        s.execute(
            text("INSERT INTO readings (meter_id, ts, value, flags) VALUES (:m, 1767225600, 1.0, 0)"),
            {"m": meter_id},
        )
    with pytest.raises(DBAPIError), db.transaction() as s:
        s.execute(text("DELETE FROM meters WHERE id = :id"), {"id": meter_id})
    with db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM readings WHERE meter_id = :m"), {"m": meter_id}) == 1
