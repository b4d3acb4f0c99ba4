"""Sealed bids (密封投标), proven for every role × every marketplace read route (issue 15 §3).

Every GET route of the marketplace (discovered from the OpenAPI document, so a new route is covered
without editing this file) and the audit log are read by every role of the park, the platform admin and
a competing provider, pointed at (a) an open request with one sealed bid and (b) a request past its
deadline with three bids. The bid amounts are distinctive strings; a response containing one is a read
of that bid's price. Expected: before the deadline only the bidder reads its amount; after it the
requesting enterprise reads all three, each provider only its own, nobody else any.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from parkcarbon.api.app import create_app
from parkcarbon.services.accounts import auth
from parkcarbon.services.accounts.schemas import LoginRequest
from parkcarbon.services.runtime import Runtime
from parkcarbon.store.db import Database
from tests.conftest import PASSWORD, World, bearer
from tests.market.seeding import MarketWorld


class _NoRuntime:
    settings = None
    db = None


SPEC = create_app(runtime=_NoRuntime()).openapi()  # type: ignore[arg-type]
GET_ROUTES = sorted(
    path for path, item in SPEC["paths"].items() if path.startswith("/api/v1/market") and "get" in item
)
ROLES = [
    "park_admin",
    "park_analyst",
    "regulator",
    "enterprise_admin",
    "enterprise_member",
    "provider",
    "verifier",
    "financier",
    "platform_admin",
    "provider2",
]


def _marks(amount: float) -> tuple[str, ...]:
    """How an amount can appear in JSON: 77777.77 (float) or "77777.77" (audit decimals)."""
    return (f"{amount:.2f}".rstrip("0").rstrip("."), f"{amount:.2f}")


def _token(world: World, runtime: Runtime, role: str) -> str:
    if role == "platform_admin":
        return world.token("-", "platform_admin")
    if role == "provider2":
        result = auth.login(
            runtime.db,
            runtime.settings,
            LoginRequest(email="provider2@park-b.example.cn", password=PASSWORD),  # type: ignore[arg-type]
        )
        return result.token.access_token
    return world.token("b", role)


def _read_all(client: TestClient, token: str, ids: dict[str, int]) -> str:
    """The bodies of every marketplace GET route and of the audit log, concatenated."""
    bodies = []
    for path in GET_ROUTES:
        params = {p: ids[p] for p in re.findall(r"{(\w+)}", path)}
        r = client.get(path.format(**params), headers=bearer(token))
        assert r.status_code < 500, (path, r.text[:300])
        bodies.append(r.text)
    bodies.append(client.get("/api/v1/audit", params={"limit": 500}, headers=bearer(token)).text)
    return "\n".join(bodies)


@pytest.mark.parametrize("role", ROLES)
def test_before_the_deadline_only_the_bidder_reads_its_bid(
    client: TestClient, runtime: Runtime, world: World, mkt: MarketWorld, role: str
) -> None:
    ids = {
        **mkt.ids,
        "park_id": world.b.park_id,
        "request_id": mkt.ids["open_request_id"],
        "bid_id": mkt.ids["open_bid_id"],
    }
    seen = _read_all(client, _token(world, runtime, role), ids)
    leaked = any(m in seen for m in _marks(mkt.amounts[mkt.ids["open_bid_id"]]))
    assert leaked == (role == "provider"), f"{role} reads the sealed amount: {leaked}"
    assert "sealed 密封方案" not in seen or role == "provider"  # the proposal is sealed too


@pytest.mark.parametrize("role", ROLES)
def test_after_the_deadline_the_buyer_reads_all_and_providers_their_own(
    client: TestClient, runtime: Runtime, world: World, mkt: MarketWorld, role: str
) -> None:
    ids = {**mkt.ids, "park_id": world.b.park_id}
    seen = _read_all(client, _token(world, runtime, role), ids)
    own = {"provider": mkt.ids["bid_id"], "provider2": mkt.ids["other_bid_id"]}
    amounts = [a for b, a in mkt.amounts.items() if b != mkt.ids["open_bid_id"]]
    for bid_id, amount in mkt.amounts.items():
        if bid_id == mkt.ids["open_bid_id"]:
            continue
        visible = any(m in seen for m in _marks(amount))
        expected = role in {"enterprise_admin", "enterprise_member"} or own.get(role) == bid_id
        assert visible == expected, f"{role} {'reads' if visible else 'misses'} bid {bid_id} ({amount})"
    assert len(amounts) == 3


def test_audit_snapshots_of_bids_carry_no_amount(db: Database, mkt: MarketWorld) -> None:
    from sqlalchemy import select

    from parkcarbon.store.models import AuditEvent

    with db.read() as s:
        events = [
            e.after or {} for e in s.scalars(select(AuditEvent).where(AuditEvent.entity == "market_bid"))
        ]
    assert len(events) >= 4
    for e in events:
        assert "amount_cny" not in e and "proposal" not in e, e
        assert e.get("sealed") is True and e.get("provider_id")


def test_sealed_comparison_and_award_answer_market_sealed(
    client: TestClient, world: World, mkt: MarketWorld
) -> None:
    token = world.token("b", "enterprise_admin")
    rid = mkt.ids["open_request_id"]
    for method, path, body in (
        ("GET", f"/api/v1/market/requests/{rid}/comparison", None),
        ("GET", f"/api/v1/market/requests/{rid}/bids", None),
        ("POST", f"/api/v1/market/requests/{rid}/award", {"reason": "too early"}),
        ("POST", f"/api/v1/market/bids/{mkt.ids['open_bid_id']}/evaluation", {"compliant": False}),
    ):
        r = client.request(method, path, json=body, headers=bearer(token))
        if path.endswith("evaluation"):  # the enterprise may not even learn that the bid exists
            assert r.status_code == 404, r.text
            continue
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "market.sealed"
