from __future__ import annotations

from tests.market.seeding import MarketWorld


def test_seed(mkt: MarketWorld) -> None:
    assert len(mkt.ids) >= 10
