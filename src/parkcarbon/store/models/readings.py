"""Meter data (计量数据): readings, their revision history, rollups, status and the intake log.

The readings table is deliberately compact and written in bulk by :mod:`parkcarbon.ingest`: ``ts`` is
an integer number of seconds since the Unix epoch (UTC), ``flags`` a bit set (see
:mod:`parkcarbon.ingest.flags`), and ``delta`` the interval consumption that ends at ``ts`` in the
meter's unit after the meter's multiplier (``NULL`` for instant values and for the first reading of a
register). On SQLite the table is ``WITHOUT ROWID`` (clustered by meter and time).

Rollups are kept current on every ingest; dashboards read them, never the raw readings:
``meter_days`` (one row per meter and park-local day, with hourly vectors) and ``meter_rollups``
(months). Buckets are epoch seconds of the bucket start: hours in UTC, days and months at local
midnight of the park's timezone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from parkcarbon.store.base import Base, CreatedAtMixin, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Reading(Base):
    """One value of one meter at one instant; ``(meter_id, ts)`` is unique."""

    __tablename__ = "readings"
    __table_args__ = ({"sqlite_with_rowid": False},)

    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id", ondelete="RESTRICT"), primary_key=True, autoincrement=False
    )
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # epoch s, UTC
    value: Mapped[float] = mapped_column(Float)  # in the meter's unit, before the multiplier
    delta: Mapped[float | None] = mapped_column(Float)  # interval ending at ts, after the multiplier
    flags: Mapped[int] = mapped_column(Integer, default=0)


class ReadingRevision(Base):
    """A correction: the value a reading had before a different value arrived for the same instant."""

    __tablename__ = "reading_revisions"
    __table_args__ = (Index(None, "meter_id", "ts"), Index(None, "park_id", "changed_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"))
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="RESTRICT"))
    ts: Mapped[int] = mapped_column(BigInteger)
    old_value: Mapped[float] = mapped_column(Float)
    new_value: Mapped[float] = mapped_column(Float)
    old_flags: Mapped[int] = mapped_column(Integer)
    new_flags: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(254))  # principal label
    user_id: Mapped[int | None] = mapped_column(Integer)
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    batch_log_id: Mapped[int | None] = mapped_column(BigInteger)


class MeterRollup(Base):
    """Per-meter totals of one bucket: ``grain`` 3 = month (park-local). Hours and days live in
    :class:`MeterDay`."""

    __tablename__ = "meter_rollups"
    # queries reach buckets through the primary key from the park's meters; no secondary index
    # (every ingest upserts thousands of buckets, each index would cost on every one of them)
    __table_args__ = ({"sqlite_with_rowid": False},)

    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    grain: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    park_id: Mapped[int] = mapped_column(Integer)
    consumption: Mapped[float] = mapped_column(Float, default=0.0)  # included deltas, meter unit
    estimated: Mapped[float] = mapped_column(Float, default=0.0)  # part of consumption estimated
    flagged_sum: Mapped[float] = mapped_column(Float, default=0.0)  # flagged deltas kept out of totals
    readings: Mapped[int] = mapped_column(Integer, default=0)
    intervals: Mapped[int] = mapped_column(Integer, default=0)  # included deltas
    flagged: Mapped[int] = mapped_column(Integer, default=0)  # excluded deltas
    value_sum: Mapped[float] = mapped_column(Float, default=0.0)  # instant meters: sum of values


class MeterDay(Base):
    """Per-meter totals of one park-local day (``day`` = epoch seconds of local midnight)."""

    __tablename__ = "meter_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    day: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # local midnight
    park_id: Mapped[int] = mapped_column(Integer)
    consumption: Mapped[float] = mapped_column(Float, default=0.0)
    estimated: Mapped[float] = mapped_column(Float, default=0.0)
    flagged_sum: Mapped[float] = mapped_column(Float, default=0.0)
    readings: Mapped[int] = mapped_column(Integer, default=0)
    intervals: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    value_sum: Mapped[float] = mapped_column(Float, default=0.0)


class MeterHours(Base):
    """The hourly vectors of a meter-day: 4 × 25 little-endian float64 (see :data:`HOUR_VECTORS`).

    Consumption, estimated consumption, readings and flagged intervals per hour slot, slot ``k`` being
    the UTC hour that starts ``k`` hours after the local midnight ``day`` (25 slots cover the longest
    DST day). One row per meter-day instead of 24 hourly rows keeps ingest cheap; kept apart from
    :class:`MeterDay` so that scans of day totals stay compact. The query service expands the vectors.
    """

    __tablename__ = "meter_hours"
    __table_args__ = ({"sqlite_with_rowid": False},)

    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    day: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hours: Mapped[bytes] = mapped_column(LargeBinary)


#: Rows of the ``meter_hours.hours`` matrix.
HOUR_VECTORS = ("consumption", "estimated", "readings", "flagged")
#: Row indices of :data:`HOUR_VECTORS`, by name.
HOUR_CONSUMPTION, HOUR_ESTIMATED, HOUR_READINGS, HOUR_FLAGGED = range(len(HOUR_VECTORS))
#: Hour slots per day row.
HOUR_SLOTS = 25
_HOURS_DTYPE = "<f8"
_HOURS_BYTES = len(HOUR_VECTORS) * HOUR_SLOTS * 8


def decode_hours(blob: bytes) -> npt.NDArray[np.float64]:
    """One ``meter_hours.hours`` blob as its ``(len(HOUR_VECTORS), HOUR_SLOTS)`` matrix (read-only view)."""
    return np.frombuffer(blob, dtype=_HOURS_DTYPE).reshape(len(HOUR_VECTORS), HOUR_SLOTS)


def decode_hours_many(blobs: Iterable[bytes]) -> npt.NDArray[np.float64]:
    """Many blobs as one ``(n, len(HOUR_VECTORS), HOUR_SLOTS)`` array (one copy, then a view)."""
    return np.frombuffer(b"".join(blobs), dtype=_HOURS_DTYPE).reshape(-1, len(HOUR_VECTORS), HOUR_SLOTS)


def encode_hours_many(vectors: npt.NDArray[np.float64]) -> list[bytes]:
    """The inverse of :func:`decode_hours_many`: one blob per ``(len(HOUR_VECTORS), HOUR_SLOTS)`` matrix."""
    packed = np.ascontiguousarray(vectors, dtype=_HOURS_DTYPE).tobytes()
    return [packed[i : i + _HOURS_BYTES] for i in range(0, len(packed), _HOURS_BYTES)]


class MeterStatus(Base):
    """Last-seen state of a meter (online/offline), its typical interval and intake counters."""

    __tablename__ = "meter_status"

    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    park_id: Mapped[int] = mapped_column(Integer, index=True)
    last_ts: Mapped[int | None] = mapped_column(BigInteger)  # newest reading, epoch s
    first_ts: Mapped[int | None] = mapped_column(BigInteger)  # oldest reading, epoch s
    last_seen_at: Mapped[int | None] = mapped_column(BigInteger)  # when data last arrived, epoch s
    interval_s: Mapped[int | None] = mapped_column(Integer)  # typical reading interval
    typical_rate: Mapped[float | None] = mapped_column(Float)  # typical consumption [unit/h]
    readings_total: Mapped[int] = mapped_column(BigInteger, default=0)
    gateway: Mapped[str | None] = mapped_column(String(64))


class MeterGasConditions(Base):
    """Working conditions of a gas meter measuring actual volume (工况), for m3 → Nm3 at intake."""

    __tablename__ = "meter_gas_conditions"

    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    temperature_c: Mapped[float] = mapped_column(Float)
    pressure_kpa_abs: Mapped[float] = mapped_column(Float)


class GatewayStatus(Base):
    """Last heartbeat of an edge gateway (retained MQTT status) or last batch seen from it."""

    __tablename__ = "gateway_status"

    park_id: Mapped[int] = mapped_column(
        ForeignKey("parks.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    gateway: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_heartbeat_at: Mapped[datetime | None]
    last_batch_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any] | None]


class IngestBatch(Base):
    """One intake request or message: who sent what, and what became of every row."""

    __tablename__ = "ingest_batches"
    __table_args__ = (Index(None, "park_id", "received_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    park_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # api | mqtt | upload | estimate
    gateway: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_label: Mapped[str] = mapped_column(String(254))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    corrections: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None]  # rejected rows (first 1000) and warnings


class ActivityRecord(CreatedAtMixin, Base):
    """Unmetered activity data (非计量活动数据): fuel purchases, coal with measured NCV, bills."""

    __tablename__ = "activity_records"
    __table_args__ = (Index(None, "park_id", "enterprise_id", "period_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    carrier: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    use: Mapped[str | None] = mapped_column(String(16))
    period_start: Mapped[str] = mapped_column(String(10))  # ISO date, park-local, inclusive
    period_end: Mapped[str] = mapped_column(String(10))  # ISO date, park-local, inclusive
    ncv: Mapped[float | None] = mapped_column(Float)
    ncv_unit: Mapped[str | None] = mapped_column(String(16))
    carbon_content: Mapped[float | None] = mapped_column(Float)  # tC/TJ
    oxidation_rate: Mapped[float | None] = mapped_column(Float)  # fraction
    supplier_factor: Mapped[float | None] = mapped_column(Float)
    supplier_factor_unit: Mapped[str | None] = mapped_column(String(16))
    pressure_mpa: Mapped[float | None] = mapped_column(Float)
    temperature_c: Mapped[float | None] = mapped_column(Float)
    cost_cny: Mapped[float | None] = mapped_column(Float)
    supplier: Mapped[str | None] = mapped_column(String(200))
    document_ref: Mapped[str | None] = mapped_column(String(200))  # invoice / bill / delivery note no.
    evidence: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(String(200))
    source_row: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(254))
    created_by_user_id: Mapped[int | None] = mapped_column(Integer)
