"""The buyer/provider journey through the services (issue 15 §1–§5), on a rolled-back database:
onboarding → listing → request → sealed bids → opening → award → order with an order-scoped grant →
delivery → acceptance (the grant is revoked) → rating; and the refusals on the way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from parkcarbon.services import access
from parkcarbon.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from parkcarbon.services.market import listings, orders, procurement, providers
from parkcarbon.services.market.schemas import (
    AwardCreate,
    BidCreate,
    BidEvaluation,
    Decision,
    DeliveryCreate,
    ListingCreate,
    ProviderApplication,
    RatingCreate,
    RequestCreate,
    RequestStatus,
    ReviewDecision,
    WeightsIn,
)
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import SYSTEM, MembershipInfo, Principal
from parkcarbon.services.registry import organisations
from parkcarbon.services.registry.schemas import OrganisationCreate
from parkcarbon.store.db import Database
from parkcarbon.vocab import GrantScope, OrgKind, Role
from tests.conftest import World
from tests.market.seeding import as_enterprise_admin, as_provider, credit_code

T0 = datetime.now(UTC) - timedelta(days=3)


def _code(exc: pytest.ExceptionInfo[Exception]) -> set[str]:
    err = exc.value
    return {err.code, *(e["code"] for e in err.errors)}  # type: ignore[attr-defined]


def _member(world: World) -> Principal:
    ent = world.a.enterprise_ids[0]
    return Principal(
        label="member",
        memberships=(MembershipInfo(ent, world.a.park_id, Role.ENTERPRISE_MEMBER, OrgKind.ENTERPRISE),),
    )


def _park_admin(world: World) -> Principal:
    return Principal(
        label="park-admin",
        memberships=(
            MembershipInfo(world.a.operator_id, world.a.park_id, Role.PARK_ADMIN, OrgKind.PARK_OPERATOR),
        ),
    )


def _providers(db: Database, world: World) -> list[int]:
    extra = [
        organisations.create_organisation(
            db, SYSTEM, OrganisationCreate(park_id=world.a.park_id, kind=OrgKind.SERVICE_PROVIDER, name=n)
        ).id
        for n in ("旅程服务商乙", "旅程服务商丙")
    ]
    return [world.a.provider_id, *extra]


def test_onboarding_checks_the_credit_code_and_needs_reasons(db: Database, world: World) -> None:
    pid = world.a.provider_id
    me = as_provider(world.a, pid)
    bad = credit_code(7)[:-1] + ("0" if credit_code(7)[-1] != "0" else "1")  # a wrong check character
    with pytest.raises(InvalidInput) as exc:
        providers.apply(db, me, pid, ProviderApplication(credit_code=bad, description="x"))
    assert "market.credit_code" in _code(exc)
    assert providers.apply(
        db, me, pid, ProviderApplication(credit_code=credit_code(7), description="x")
    ).status == ("applied")
    # the application under review is not shown to an enterprise, nor is the provider yet on the shelves
    assert providers.get_provider(db, _member(world), pid).status is None
    with pytest.raises(Forbidden):  # another party cannot decide
        providers.decide(db, _member(world), pid, ReviewDecision(decision=Decision.APPROVE))
    with pytest.raises(InvalidInput) as exc:
        providers.decide(db, _park_admin(world), pid, ReviewDecision(decision=Decision.NEEDS_INFO))
    assert "market.reason_required" in _code(exc)
    providers.decide(
        db, _park_admin(world), pid, ReviewDecision(decision=Decision.NEEDS_INFO, reason="缺少资质")
    )
    providers.apply(db, me, pid, ProviderApplication(credit_code=credit_code(7), description="补充材料"))
    assert (
        providers.decide(db, _park_admin(world), pid, ReviewDecision(decision=Decision.APPROVE)).status
        == "approved"
    )
    with pytest.raises(Conflict):  # approving twice is not a state change
        providers.decide(db, _park_admin(world), pid, ReviewDecision(decision=Decision.APPROVE))
    assert providers.get_provider(db, _member(world), pid).status == "approved"


def test_the_whole_journey(db: Database, world: World) -> None:
    pids = _providers(db, world)
    for i, pid in enumerate(pids[:2]):  # the third provider stays unapproved for now
        providers.apply(
            db,
            as_provider(world.a, pid),
            pid,
            ProviderApplication(credit_code=credit_code(20 + i), description="d"),
        )
        providers.decide(db, SYSTEM, pid, ReviewDecision(decision=Decision.APPROVE))
    p1, p2, p3 = (as_provider(world.a, pid) for pid in pids)
    buyer, member, park = as_enterprise_admin(world.a), _member(world), _park_admin(world)
    ent = world.a.enterprise_ids[0]

    # listings: only approved providers; a fixed price states it; pending listings are not on the shelves
    with pytest.raises(Conflict) as exc:
        listings.create_listing(
            db, p3, ListingCreate(provider_id=pids[2], category="energy_audit", title="t", scope="s")
        )
    assert "market.provider_not_approved" in _code(exc)
    with pytest.raises(InvalidInput) as exc:
        listings.create_listing(
            db,
            p1,
            ListingCreate(
                provider_id=pids[0], category="energy_audit", title="t", scope="s", price_model="fixed"
            ),  # type: ignore[arg-type]
        )
    assert "market.price_required" in _code(exc)
    lst = listings.create_listing(
        db, p1, ListingCreate(provider_id=pids[0], category="pv_storage_epc", title="屋顶光伏", scope="s")
    )
    assert lst.shelf == "energy"
    assert lst.id not in {x.id for x in listings.list_listings(db, member, PageParams()).data}
    listings.decide_listing(db, park, lst.id, ReviewDecision(decision=Decision.APPROVE))
    assert lst.id in {x.id for x in listings.list_listings(db, member, PageParams(), shelf="energy").data}  # type: ignore[arg-type]

    # a request: 综合评分 below the price-weight floor is refused; 询价 from the listing is raised
    with pytest.raises(InvalidInput) as exc:
        procurement.create_request(
            db,
            member,
            RequestCreate(
                enterprise_id=ent,
                listing_id=lst.id,
                title="光伏",
                scope="s",
                budget_ceiling_cny=1e6,
                deadline=T0 + timedelta(days=1),
                award_rule="scored",
                weights=WeightsIn(price=0.05, technical=0.6, service=0.35),
            ),  # type: ignore[arg-type]
            now=T0,
        )
    assert "market.invalid_rule" in _code(exc)
    req = procurement.create_request(
        db,
        member,
        RequestCreate(
            enterprise_id=ent,
            listing_id=lst.id,
            title="光伏",
            scope="s",
            budget_ceiling_cny=1_000_000.0,
            deadline=T0 + timedelta(days=1),
        ),
        now=T0,
    )
    assert req.category == "pv_storage_epc" and req.sealed is True  # at T0, before its deadline

    # bids: the unapproved provider does not see the request; a revised bid stays one bid
    t_bid = T0 + timedelta(hours=1)
    with pytest.raises(NotFound):
        procurement.submit_bid(
            db, p3, req.id, BidCreate(provider_id=pids[2], amount_cny=1.0, proposal="p"), now=t_bid
        )
    providers.apply(db, p3, pids[2], ProviderApplication(credit_code=credit_code(22), description="d"))
    providers.decide(db, SYSTEM, pids[2], ReviewDecision(decision=Decision.APPROVE))
    b1 = procurement.submit_bid(
        db, p1, req.id, BidCreate(provider_id=pids[0], amount_cny=880_000.0, proposal="a"), now=t_bid
    )
    b1 = procurement.submit_bid(
        db, p1, req.id, BidCreate(provider_id=pids[0], amount_cny=860_000.0, proposal="a2"), now=t_bid
    )
    b2 = procurement.submit_bid(
        db, p2, req.id, BidCreate(provider_id=pids[1], amount_cny=870_000.0, proposal="b"), now=t_bid
    )
    b3 = procurement.submit_bid(
        db, p3, req.id, BidCreate(provider_id=pids[2], amount_cny=900_000.0, proposal="c"), now=t_bid
    )

    sealed = T0 + timedelta(hours=2)
    with pytest.raises(Forbidden) as exc:
        procurement.list_bids(db, buyer, req.id, PageParams(), now=sealed)
    assert exc.value.code == "market.sealed"
    with pytest.raises(Forbidden):
        procurement.compare_bids(db, buyer, req.id, now=sealed)
    with pytest.raises(NotFound):  # a competitor
        procurement.get_bid(db, p2, b1.id, now=sealed)
    with pytest.raises(NotFound):  # the park
        procurement.get_request(db, park, req.id, now=sealed)
    with pytest.raises(NotFound):  # the platform admin reads the request, never a sealed bid
        procurement.get_bid(db, SYSTEM, b1.id, now=sealed)
    assert [b.amount_cny for b in procurement.list_bids(db, p1, req.id, PageParams(), now=sealed).data] == [
        860_000.0
    ]

    # after the deadline: no more bids; the buyer compares and its admin awards
    opened = T0 + timedelta(days=2)
    with pytest.raises(Conflict) as exc:
        procurement.submit_bid(
            db, p2, req.id, BidCreate(provider_id=pids[1], amount_cny=1.0, proposal="late"), now=opened
        )
    assert "market.bidding_closed" in _code(exc)
    cmp = procurement.compare_bids(db, member, req.id, now=opened)
    assert cmp.winner_bid_id == b1.id and [r.bid_id for r in cmp.rows] == [b1.id, b2.id, b3.id]
    with pytest.raises(NotFound):  # competitors never read each other's bids, even after opening
        procurement.get_bid(db, p2, b1.id, now=opened)
    with pytest.raises(Forbidden):
        procurement.award(db, member, req.id, AwardCreate(reason="r"), now=opened)
    with pytest.raises(InvalidInput) as exc:
        procurement.award(db, buyer, req.id, AwardCreate(reason="r", bid_id=b2.id), now=opened)
    assert "market.not_winner" in _code(exc)
    result = procurement.award(
        db,
        buyer,
        req.id,
        AwardCreate(reason="最低有效报价", grant_scope=GrantScope.METER_DATA, grant_days=30),
    )
    order = result.order
    assert order is not None and result.request.status == RequestStatus.AWARDED
    assert order.amount_cny == 860_000.0 and order.grant_active and order.provider_id == pids[0]

    # the order-scoped grant: the provider reads the enterprise's meter data while the order runs
    with db.read() as s:
        assert access.can_read_enterprise_data(s, p1, world.a.park_id, ent, GrantScope.METER_DATA)
        assert not access.can_read_enterprise_data(s, p2, world.a.park_id, ent, GrantScope.METER_DATA)
    with pytest.raises(Conflict):  # not yet closed
        orders.rate(db, buyer, order.id, RatingCreate(stars=5, comment="好"))
    with pytest.raises(Forbidden):
        orders.deliver(db, buyer, order.id, DeliveryCreate(note="n"))
    with pytest.raises(NotFound):  # not a party
        orders.get_order(db, p2, order.id)
    orders.deliver(db, p1, order.id, DeliveryCreate(note="并网验收报告"))
    with pytest.raises(Forbidden):
        orders.accept(db, member, order.id)
    closed = orders.accept(db, buyer, order.id)
    assert closed.status == "closed" and not closed.grant_active
    with db.read() as s:
        assert not access.can_read_enterprise_data(s, p1, world.a.park_id, ent, GrantScope.METER_DATA)

    # the rating: the buyer's admin, once
    with pytest.raises(Forbidden):
        orders.rate(db, p1, order.id, RatingCreate(stars=5, comment="自评"))
    orders.rate(db, buyer, order.id, RatingCreate(stars=4, comment="按期交付"))
    with pytest.raises(Conflict) as exc:
        orders.rate(db, buyer, order.id, RatingCreate(stars=1, comment="again"))
    assert "market.already_rated" in _code(exc)
    summary = orders.provider_ratings(db, member, pids[0], PageParams())
    assert (summary.average, summary.count) == (4.0, 1)

    # the park's view: counts and the awarded total, no bid
    view = orders.market_summary(db, park, world.a.park_id)
    assert view.requests_by_status == {"awarded": 1}
    assert [(c.category, c.orders, c.awarded_cny) for c in view.awarded_by_category] == [
        ("pv_storage_epc", 1, 860_000.0)
    ]
    assert "870000" not in view.model_dump_json() and "900000" not in view.model_dump_json()
    with pytest.raises(Forbidden):
        orders.market_summary(db, member, world.a.park_id)


def test_too_few_valid_bids_fail_the_request(db: Database, world: World) -> None:
    pids = _providers(db, world)
    for i, pid in enumerate(pids):
        providers.apply(
            db,
            as_provider(world.a, pid),
            pid,
            ProviderApplication(credit_code=credit_code(30 + i), description="d"),
        )
        providers.decide(db, SYSTEM, pid, ReviewDecision(decision=Decision.APPROVE))
    buyer = as_enterprise_admin(world.a)
    req = procurement.create_request(
        db,
        buyer,
        RequestCreate(
            enterprise_id=world.a.enterprise_ids[0],
            category="carbon_inventory",
            title="碳盘查",
            scope="s",
            budget_ceiling_cny=50_000.0,
            deadline=T0 + timedelta(days=1),
        ),
        now=T0,
    )
    bids = [
        procurement.submit_bid(
            db,
            as_provider(world.a, pid),
            req.id,
            BidCreate(provider_id=pid, amount_cny=amt, proposal="p"),
            now=T0 + timedelta(hours=1),
        )
        for pid, amt in zip(pids, (40_000.0, 45_000.0, 60_000.0), strict=True)  # the third is over the budget
    ]
    procurement.evaluate_bid(db, buyer, bids[0].id, BidEvaluation(compliant=True))
    result = procurement.award(db, buyer, req.id, AwardCreate(reason="不足三家有效报价"))
    assert result.request.status == RequestStatus.FAILED and result.order is None
    assert result.comparison.valid_bids == 2
    assert {r.bid_id: r.invalid_reason for r in result.comparison.rows}[bids[2].id] == "over_budget"
    with pytest.raises(Conflict):
        procurement.award(db, buyer, req.id, AwardCreate(reason="again"))


def test_invited_requests_are_hidden_from_others_and_invitees_do_not_learn_each_other(
    db: Database, world: World
) -> None:
    pids = _providers(db, world)
    fourth = organisations.create_organisation(
        db,
        SYSTEM,
        OrganisationCreate(park_id=world.a.park_id, kind=OrgKind.SERVICE_PROVIDER, name="未受邀服务商"),
    ).id
    for i, pid in enumerate([*pids, fourth]):
        providers.apply(
            db,
            as_provider(world.a, pid),
            pid,
            ProviderApplication(credit_code=credit_code(40 + i), description="d"),
        )
        providers.decide(db, SYSTEM, pid, ReviewDecision(decision=Decision.APPROVE))
    buyer = as_enterprise_admin(world.a)
    with pytest.raises(InvalidInput) as exc:  # fewer invitees than the rule's minimum of valid bids
        procurement.create_request(
            db,
            buyer,
            RequestCreate(
                enterprise_id=world.a.enterprise_ids[0],
                category="energy_om",
                title="运维",
                scope="s",
                budget_ceiling_cny=9_000.0,
                deadline=T0 + timedelta(days=1),
                invited_provider_ids=pids[:2],
            ),
            now=T0,
        )
    assert "market.too_few_invited" in _code(exc)
    req = procurement.create_request(
        db,
        buyer,
        RequestCreate(
            enterprise_id=world.a.enterprise_ids[0],
            category="energy_om",
            title="运维",
            scope="s",
            budget_ceiling_cny=9_000.0,
            deadline=datetime.now(UTC) + timedelta(days=5),
            invited_provider_ids=pids,
        ),
    )
    assert procurement.get_request(db, buyer, req.id).invited_provider_ids == pids
    assert procurement.get_request(db, as_provider(world.a, pids[1]), req.id).invited_provider_ids == []
    outsider = as_provider(world.a, fourth)
    with pytest.raises(NotFound):
        procurement.get_request(db, outsider, req.id)
    with pytest.raises(NotFound):
        procurement.submit_bid(
            db, outsider, req.id, BidCreate(provider_id=fourth, amount_cny=1.0, proposal="p")
        )
    assert req.id not in {r.id for r in procurement.list_requests(db, outsider, PageParams()).data}
    assert req.id in {
        r.id for r in procurement.list_requests(db, as_provider(world.a, pids[2]), PageParams()).data
    }


def test_an_expired_qualification_takes_the_listing_off_the_shelves(db: Database, world: World) -> None:
    import base64

    from parkcarbon.services.market.schemas import QualificationCreate
    from parkcarbon.store.models import ProviderQualification

    pid = world.a.provider_id
    me = as_provider(world.a, pid)
    providers.apply(db, me, pid, ProviderApplication(credit_code=credit_code(50), description="d"))
    providers.decide(db, SYSTEM, pid, ReviewDecision(decision=Decision.APPROVE))
    content = base64.b64encode(b"a,b\n1,2\n").decode()
    body = QualificationCreate(
        kind="epc_filing",
        number="EPC-1",
        issuer="i",
        valid_until="2099-12-31",  # type: ignore[arg-type]
        filename="c.csv",
        content_base64=content,
    )
    with pytest.raises(InvalidInput) as exc:  # an expired qualification is refused at once
        providers.add_qualification(db, me, pid, body.model_copy(update={"valid_until": T0.date()}))
    assert "market.qualification_expired" in _code(exc)
    qual = providers.add_qualification(db, me, pid, body)
    lst = listings.create_listing(
        db,
        me,
        ListingCreate(
            provider_id=pid, category="energy_audit", title="t", scope="s", qualification_ids=[qual.id]
        ),
    )
    listings.decide_listing(db, SYSTEM, lst.id, ReviewDecision(decision=Decision.APPROVE))
    member = _member(world)
    assert lst.id in {x.id for x in listings.list_listings(db, member, PageParams()).data}
    with db.transaction() as s:  # the expiry date arrives (within 30 days: a warning first)
        row = s.get(ProviderQualification, qual.id)
        assert row is not None
        row.valid_until = (datetime.now(UTC) + timedelta(days=10)).date()
    assert listings.get_listing(db, me, lst.id).qualification_expiring
    with db.transaction() as s:
        row = s.get(ProviderQualification, qual.id)
        assert row is not None
        row.valid_until = (datetime.now(UTC) - timedelta(days=2)).date()
    assert lst.id not in {x.id for x in listings.list_listings(db, member, PageParams()).data}
    mine = listings.get_listing(db, me, lst.id)
    assert mine.status == "suspended" and mine.qualification_expired
    with pytest.raises(InvalidInput):  # no request from it either
        procurement.create_request(
            db,
            as_enterprise_admin(world.a),
            RequestCreate(
                enterprise_id=world.a.enterprise_ids[0],
                listing_id=lst.id,
                title="t",
                scope="s",
                budget_ceiling_cny=1.0,
                deadline=datetime.now(UTC) + timedelta(days=3),
            ),
        )


def test_the_operator_cannot_read_a_sealed_bid_by_joining_a_provider(db: Database, world: World) -> None:
    """A park admin who also holds a provider membership (park admins manage park-side memberships) does
    not act for that provider: its sealed bid stays unreadable to them."""
    pids = _providers(db, world)
    for i, pid in enumerate(pids):
        providers.apply(
            db,
            as_provider(world.a, pid),
            pid,
            ProviderApplication(credit_code=credit_code(60 + i), description="d"),
        )
        providers.decide(db, SYSTEM, pid, ReviewDecision(decision=Decision.APPROVE))
    req = procurement.create_request(
        db,
        as_enterprise_admin(world.a),
        RequestCreate(
            enterprise_id=world.a.enterprise_ids[0],
            category="energy_audit",
            title="t",
            scope="s",
            budget_ceiling_cny=9_000.0,
            deadline=datetime.now(UTC) + timedelta(days=5),
        ),
    )
    bid = procurement.submit_bid(
        db,
        as_provider(world.a, pids[0]),
        req.id,
        BidCreate(provider_id=pids[0], amount_cny=8_000.0, proposal="p"),
    )
    both = Principal(
        label="operator-in-disguise",
        memberships=(
            MembershipInfo(world.a.operator_id, world.a.park_id, Role.PARK_ADMIN, OrgKind.PARK_OPERATOR),
            MembershipInfo(pids[0], world.a.park_id, Role.PROVIDER, OrgKind.SERVICE_PROVIDER),
        ),
    )
    with pytest.raises(NotFound):
        procurement.get_bid(db, both, bid.id)
    with pytest.raises(NotFound):
        procurement.list_bids(db, both, req.id, PageParams())
    assert procurement.get_bid(db, as_provider(world.a, pids[0]), bid.id).amount_cny == 8_000.0
