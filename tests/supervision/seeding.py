"""Supervision objects committed once per database and park, for tests that need existing ids
(the tenancy matrix's positive control and cross-tenant requests)."""

from __future__ import annotations

from sqlalchemy import Engine

from parkcarbon.demo.seed import SeededPark
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.supervision import targets
from parkcarbon.services.supervision.schemas import TargetSet
from parkcarbon.store.db import Database
from parkcarbon.store.models import SupervisionWarning

_CACHE: dict[tuple[str, int], dict[str, int]] = {}


def supervision_objects(engine: Engine, park: SeededPark) -> dict[str, int]:
    """Ids of a 2024 target of the park's first enterprise. Created (and committed) on first use."""
    key = (str(engine.url), park.park_id)
    if key in _CACHE:
        return _CACHE[key]
    db = Database(engine)
    target, _ = targets.set_target(
        db, SYSTEM, park.park_id, TargetSet(enterprise_id=park.enterprise_ids[0], year=2024, energy_tce=900.0)
    )
    ids = {"target_id": target.id, "warning_id": _warning(db, park)}
    _CACHE[key] = ids
    return ids


def _warning(db: Database, park: SeededPark) -> int:
    """An open warning of the park's first enterprise (the key of no rule: evaluation resolves it)."""
    with db.transaction() as s:
        w = SupervisionWarning(
            park_id=park.park_id, enterprise_id=park.enterprise_ids[0], year=2024, rule="energy_total",
            key="matrix:energy_total", level="yellow", status="open", value=1.0, reason_zh="测试预警",
            reason_en="test warning", numbers={},
        )  # fmt: skip
        s.add(w)
        s.flush()
        return w.id
