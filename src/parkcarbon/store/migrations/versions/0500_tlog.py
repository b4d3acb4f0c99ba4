"""tlog: the transparency log's head, leaves, tree nodes and signed checkpoints (issue 19)

``log_head`` gets its one row (size 0, the empty tree's root ``SHA-256("")``). Leaves, nodes and
checkpoints are append-only: triggers on SQLite and PostgreSQL refuse UPDATE and DELETE; the head refuses
DELETE and any UPDATE that makes the tree smaller.

Revision ID: 0500_tlog
Revises: 0410_archive
Create Date: 2026-12-04
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0500_tlog"
down_revision = "0410_archive"
branch_labels = None
depends_on = None

APPEND_ONLY = ("log_leaves", "log_nodes", "log_checkpoints")
_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    head = op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", _BIGINT, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    op.create_table(
        "log_leaves",
        sa.Column("leaf_index", _BIGINT, autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_log_leaves")),
    )
    with op.batch_alter_table("log_leaves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_log_leaves_enterprise_id_leaf_index"),
            ["enterprise_id", "leaf_index"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_log_leaves_entity_entity_id"), ["entity", "entity_id"], unique=False
        )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("node_index", _BIGINT, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("size", _BIGINT, autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("key_name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_log_checkpoints")),
    )
    op.bulk_insert(head, [{"id": 1, "size": 0, "root": hashlib.sha256(b"").digest()}])
    _triggers()


def _triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION log_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in (*APPEND_ONLY, "log_head"):
            verbs = "DELETE" if table == "log_head" else "UPDATE OR DELETE"
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE {verbs} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION log_refuse_change()"
            )
        op.execute(
            """
            CREATE FUNCTION log_head_refuse_shrink() RETURNS trigger AS $$
            BEGIN
                IF NEW.size < OLD.size THEN
                    RAISE EXCEPTION 'log_head is append-only: the tree never shrinks';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER log_head_no_shrink BEFORE UPDATE ON log_head "
            "FOR EACH ROW EXECUTE FUNCTION log_head_refuse_shrink()"
        )
        return
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    op.execute(
        "CREATE TRIGGER log_head_no_delete BEFORE DELETE ON log_head "
        "BEGIN SELECT RAISE(ABORT, 'log_head is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER log_head_no_shrink BEFORE UPDATE ON log_head WHEN NEW.size < OLD.size "
        "BEGIN SELECT RAISE(ABORT, 'log_head is append-only: the tree never shrinks'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*APPEND_ONLY, "log_head"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP TRIGGER IF EXISTS log_head_no_shrink ON log_head")
        op.execute("DROP FUNCTION IF EXISTS log_refuse_change()")
        op.execute("DROP FUNCTION IF EXISTS log_head_refuse_shrink()")
    else:
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        op.execute("DROP TRIGGER IF EXISTS log_head_no_delete")
        op.execute("DROP TRIGGER IF EXISTS log_head_no_shrink")
    op.drop_table("log_checkpoints")
    op.drop_table("log_nodes")
    with op.batch_alter_table("log_leaves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_leaves_entity_entity_id"))
        batch_op.drop_index(batch_op.f("ix_log_leaves_enterprise_id_leaf_index"))
    op.drop_table("log_leaves")
    op.drop_table("log_head")
