"""Within the park: every marketplace write route × every role (and the platform admin, and a competing
provider). Only the entitled roles act; every other one is refused (403, or 404 where the object is
not theirs to see). The requests are the tenancy matrix's own (``tests/foundation/test_tenancy_matrix``),
so they are known to be well-formed for the entitled actor."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from parkcarbon.services.runtime import Runtime
from tests.conftest import World
from tests.foundation.test_tenancy_matrix import OPERATIONS, _own_ids, send, tenant_ids
from tests.market.seeding import MarketWorld
from tests.market.test_sealed_bids import ROLES, _token

#: operation → roles that may perform it (its state may still refuse: 409)
ENTITLED: dict[str, set[str]] = {
    "submit_provider_application": {"provider"},
    "decide_provider": {"park_admin", "platform_admin"},
    "add_qualification": {"provider"},
    "create_listing": {"provider"},
    "decide_listing": {"park_admin", "platform_admin"},
    "create_request": {"enterprise_admin", "enterprise_member"},
    "submit_bid": {"provider"},
    "withdraw_bid": {"provider"},
    "evaluate_bid": {"enterprise_admin"},
    "award_request": {"enterprise_admin"},
    "deliver_order": {"provider"},
    "accept_order": {"enterprise_admin"},
    "rate_order": {"enterprise_admin"},
}
WRITES = [op for op in OPERATIONS if op.path.startswith("/api/v1/market") and op.method != "GET"]


def test_every_market_write_route_is_listed() -> None:
    assert {op.operation_id for op in WRITES} == set(ENTITLED)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", WRITES, ids=lambda op: op.operation_id)
def test_only_entitled_roles_write(
    client: TestClient,
    runtime: Runtime,
    engine: Engine,
    world: World,
    mkt: MarketWorld,
    op: object,
    role: str,
) -> None:
    ids = _own_ids(op, {**tenant_ids(world.b), **mkt.ids}, world.b)  # type: ignore[arg-type]
    response = send(client, op, ids, _token(world, runtime, role))  # type: ignore[arg-type]
    if role in ENTITLED[op.operation_id]:  # type: ignore[attr-defined]
        assert response.status_code < 300 or response.status_code == 409, response.text[:300]
    else:
        assert response.status_code in {403, 404}, f"{role}: {response.status_code} {response.text[:300]}"
