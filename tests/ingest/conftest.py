"""Helpers for intake tests: meters made for the test inside the rolled-back transaction, payloads."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import meters
from parkcarbon.services.registry.schemas import MeterCreate
from parkcarbon.store.db import Database
from tests.conftest import World

#: A fixed, recent past instant so that no test reading is "in the future" or "late" by accident.
T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
_seq = itertools.count(1)


def iso(t: datetime) -> str:
    return t.isoformat()


def payload(readings: list[dict[str, Any]], **extra: Any) -> bytes:
    return orjson.dumps({"gateway": "gw-test", "readings": readings, **extra})


MakeMeter = Callable[..., Any]


@pytest.fixture
def make_meter(db: Database, world: World) -> MakeMeter:
    """Create a meter in park A (or B) for this test; returns its MeterPublic."""

    def make(park: str = "a", **kw: Any) -> Any:
        seeded = world.a if park == "a" else world.b
        fields: dict[str, Any] = {
            "park_id": seeded.park_id,
            "code": f"T-{next(_seq):05d}",
            "name": "test meter",
            "carrier": "electricity",
            "unit": "kWh",
            "enterprise_id": seeded.enterprise_ids[0],
        }
        fields.update(kw)
        return meters.create_meter(db, SYSTEM, MeterCreate(**fields))

    return make


def ts_series(n: int, *, start: datetime = T0, step: timedelta = timedelta(minutes=15)) -> list[datetime]:
    return [start + i * step for i in range(n)]
