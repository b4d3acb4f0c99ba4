"""archive: evidence is archived, never cascaded away (issue 12 §3)

Organisations, meters and documents get ``archived_at`` / ``archived_by``; the foreign keys through which
deleting a park, an organisation or a meter would cascade evidence away (readings, reading revisions,
activity data, documents, inventories and their lines, MRV cases, and the meters that hold readings)
become ``RESTRICT``. On SQLite the tables are rebuilt (``batch_alter_table``); ``readings`` stays
``WITHOUT ROWID``.

Revision ID: 0410_archive
Revises: 0400_invitations
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0410_archive"
down_revision = "0400_invitations"
branch_labels = None
depends_on = None

#: table -> the (column, referred table) foreign keys that become RESTRICT
RESTRICTED: dict[str, tuple[tuple[str, str], ...]] = {
    "meters": (("park_id", "parks"), ("enterprise_id", "organisations")),
    "readings": (("meter_id", "meters"),),
    "reading_revisions": (("park_id", "parks"), ("meter_id", "meters")),
    "activity_records": (("park_id", "parks"), ("enterprise_id", "organisations")),
    "enterprise_documents": (("park_id", "parks"), ("enterprise_id", "organisations")),
    "inventories": (("park_id", "parks"), ("enterprise_id", "organisations")),
    "inventory_lines": (("park_id", "parks"), ("enterprise_id", "organisations")),
    "mrv_cases": (("park_id", "parks"), ("enterprise_id", "organisations")),
}
ARCHIVED = ("organisations", "meters", "enterprise_documents")
#: tables that are WITHOUT ROWID on SQLite (kept so when rebuilt)
WITHOUT_ROWID = {"readings"}


def _alter(ondelete: str, *, add_columns: bool) -> None:
    for table in dict.fromkeys((*RESTRICTED, *ARCHIVED)):
        kwargs = {"sqlite_with_rowid": False} if table in WITHOUT_ROWID else {}
        with op.batch_alter_table(table, schema=None, table_kwargs=kwargs) as batch_op:
            for column, referred in RESTRICTED.get(table, ()):
                name = f"fk_{table}_{column}_{referred}"
                batch_op.drop_constraint(name, type_="foreignkey")
                batch_op.create_foreign_key(name, referred, [column], ["id"], ondelete=ondelete)
            if table in ARCHIVED:
                if add_columns:
                    batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
                    batch_op.add_column(sa.Column("archived_by", sa.String(length=254), nullable=True))
                else:
                    batch_op.drop_column("archived_by")
                    batch_op.drop_column("archived_at")


def upgrade() -> None:
    _alter("RESTRICT", add_columns=True)


def downgrade() -> None:
    _alter("CASCADE", add_columns=False)
