from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.conftest import World
from tests.market.seeding import MarketWorld, market_objects


@pytest.fixture
def mkt(engine: Engine, world: World) -> MarketWorld:
    """Park B's marketplace objects (committed once)."""
    return market_objects(engine, world.b)
