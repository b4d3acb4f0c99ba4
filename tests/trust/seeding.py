"""Log objects of a seeded park for the tenancy matrix: the leaf its seeded grant left."""

from __future__ import annotations

from sqlalchemy import Engine, select

from parkcarbon.demo.seed import SeededPark
from parkcarbon.store.db import Database
from parkcarbon.store.models import LogLeaf


def log_objects(engine: Engine, park: SeededPark) -> dict[str, int]:
    """``leaf_index`` of the ``grant.create`` entry of the seeded grant (first enterprise → operator)."""
    with Database(engine).read() as s:
        index = s.scalar(
            select(LogLeaf.leaf_index).where(
                LogLeaf.entity == "access_grant", LogLeaf.entity_id == str(park.grant_id)
            )
        )
    if index is None:
        raise LookupError(f"the seeded grant {park.grant_id} left no log entry")
    return {"leaf_index": index}
