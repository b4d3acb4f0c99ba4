"""The demo park's marketplace (issue 15 §9): approved providers, listings on both shelves, one completed
order with a rating whose grant is gone, and one sealed request."""

from __future__ import annotations

from parkcarbon.demo.market import COMPLETED_BIDS
from parkcarbon.services.market import listings, orders, procurement, providers
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import MembershipInfo, Principal
from parkcarbon.vocab import OrgKind, Role
from tests.demo.conftest import NOW, Built


def test_demo_park_has_a_marketplace(demo: Built) -> None:
    park, db = demo.park, demo.db
    market = park.market
    assert market is not None
    member = Principal(
        label="m",
        memberships=(
            MembershipInfo(
                park.seeded.enterprise_ids[1], park.park_id, Role.ENTERPRISE_MEMBER, OrgKind.ENTERPRISE
            ),
        ),
    )
    buyer = Principal(
        label="b",
        memberships=(
            MembershipInfo(
                park.seeded.enterprise_ids[0], park.park_id, Role.ENTERPRISE_ADMIN, OrgKind.ENTERPRISE
            ),
        ),
    )
    shown = providers.list_providers(db, member, PageParams()).data
    assert len([p for p in shown if p.status == "approved"]) == 4
    shelves = {x.shelf for x in listings.list_listings(db, member, PageParams()).data}
    assert shelves == {"energy", "carbon"}
    order = orders.get_order(db, buyer, market.completed_order_id)
    assert order.status == "closed" and not order.grant_active and order.grant_id is not None
    assert order.amount_cny == min(COMPLETED_BIDS.values())  # 询价: the lowest of the three valid bids
    cmp = procurement.compare_bids(db, buyer, market.completed_request_id, now=NOW)
    assert len(cmp.rows) == 3 and cmp.winner_bid_id == order.bid_id
    rating = orders.provider_ratings(db, member, order.provider_id, PageParams())
    assert (rating.average, rating.count) == (5.0, 1)
    sealed = procurement.get_request(db, buyer, market.open_request_id, now=NOW)
    assert sealed.sealed and sealed.status == "open"
    assert demo.park.timings["market"] < demo.park.timings["total"]
