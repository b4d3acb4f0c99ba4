"""The transparency log's tables (透明日志, issue 19): head, leaves, tree nodes, signed checkpoints.

* ``log_head`` — one row (``id = 1``): the tree's size and root (RFC 9162 ``MTH``). Every append
  updates it first (``UPDATE … RETURNING``), which makes appends of concurrent transactions queue on this
  row on PostgreSQL; SQLite admits one writer anyway. A trigger refuses a smaller size and a DELETE.
* ``log_leaves`` — one row per leaf: its ``leaf_index``, ``SHA-256(0x00 ‖ body)``, the body (RFC 8785
  canonical JSON bytes), and what it is about (``park_id``, ``enterprise_id``, ``kind``, ``entity``,
  ``entity_id``) so the access module can decide who reads it. Level 0 of the tree is these leaf hashes.
* ``log_nodes`` — the hash of every *complete* subtree of level ≥ 1 (``level``, ``node_index`` covers
  leaves ``[node_index·2^level, (node_index+1)·2^level)``): fewer than ``n`` rows for ``n`` leaves, and a
  proof reads ``O(log n)`` of them (by primary key, in one query).
* ``log_checkpoints`` — every checkpoint the log signed (C2SP signed note), one per tree size.

Leaves, nodes and checkpoints are append-only: triggers on SQLite and PostgreSQL refuse UPDATE and
DELETE (migration ``0500_tlog``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parkcarbon.store.base import Base, utcnow

_BIGINT = BigInteger().with_variant(Integer(), "sqlite")


class LogHead(Base):
    """The log's current tree head (one row, ``id = 1``)."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(_BIGINT)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogLeaf(Base):
    """One logged record: leaf ``leaf_index`` of the tree."""

    __tablename__ = "log_leaves"
    __table_args__ = (Index(None, "enterprise_id", "leaf_index"), Index(None, "entity", "entity_id"))

    leaf_index: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: RFC 8785 canonical JSON of the record, the exact bytes hashed
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # plain integers, not foreign keys: the log outlives what it describes and is never updated
    park_id: Mapped[int | None] = mapped_column(Integer)
    enterprise_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LogNode(Base):
    """The hash of a complete subtree of level ≥ 1."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogCheckpoint(Base):
    """A checkpoint the log signed: tree ``size`` and ``root`` and the signed note as served."""

    __tablename__ = "log_checkpoints"

    size: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    #: the signing key's name and 8-hex-digit key hash (rotation: several keys over time)
    key_name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
