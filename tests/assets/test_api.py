"""The carbon-asset routes on real SQLite and PostgreSQL: recording, balances, position from a verified MRV
case, strategy, the park-wide double claim, and who sees what (every role × every route, grants)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from parkcarbon.services.enterprise import mrv
from parkcarbon.services.enterprise.schemas import CaseCreate
from parkcarbon.services.principal import SYSTEM, MembershipInfo, Principal
from parkcarbon.services.registry import grants
from parkcarbon.services.registry.schemas import GrantCreate
from parkcarbon.store.db import Database
from parkcarbon.store.models import GrantScope, MrvCase, OrgKind, Role
from tests.conftest import World, bearer

API = "/api/v1"
ROLES = [
    "park_admin", "park_analyst", "regulator", "enterprise_admin", "enterprise_member", "provider",
    "verifier", "financier",
]  # fmt: skip

CEA = {"instrument": "cea", "vintage": 2024}
GEC = {
    "instrument": "gec", "project": "P-WIND-01", "technology": "wind", "production_month": "2024-03",
    "tradable": True,
}  # fmt: skip


def _url(ent: int, what: str) -> str:
    return f"{API}/enterprises/{ent}/assets/{what}"


@pytest.fixture
def ent(world: World) -> int:
    return world.a.enterprise_ids[0]


@pytest.fixture
def post(client: TestClient, world: World, ent: int) -> Callable[..., Any]:
    def send(body: dict[str, Any], *, role: str = "enterprise_admin", enterprise: int | None = None) -> Any:
        return client.post(
            _url(enterprise or ent, "transactions"), json=body, headers=bearer(world.token("a", role))
        )

    return send


def _verify(db: Database, ent: int, year: int, tco2e: float) -> int:
    """An MRV case of ``ent`` for ``year`` in the verified state with ``tco2e`` (the workflow itself is
    tested in tests/enterprise; here only its outcome matters)."""
    case = mrv.create_case_unchecked(
        db, SYSTEM, CaseCreate(enterprise_id=ent, year=year), verifier_accepted=True
    )
    with db.transaction() as s:
        s.execute(
            update(MrvCase)
            .where(MrvCase.id == case.id)
            .values(status="verified", verified_tco2e=tco2e, verified_at=datetime.now(UTC))
        )
    return case.id


def test_record_balances_and_serial_splitting(client: TestClient, world: World, ent: int, post: Any) -> None:
    r = post({"kind": "free_allocation", "value_date": "2025-01-10", "quantity": 8000, **CEA, "price_cny": 0})
    assert r.status_code == 201, r.text
    assert r.json()["rules_used"] == []
    r = post({
        "kind": "purchase", "value_date": "2024-09-01", "quantity": 100, **GEC, "price_cny": 5.5,
        "serials": [{"block": "GEC-B", "start": 1, "end": 100}], "counterparty": "北京电力交易中心",
    })  # fmt: skip
    assert r.status_code == 201, r.text
    assert {"id": "gec.max_trades", "version": 1} in r.json()["rules_used"]
    assert r.json()["price_cny"] == 5.5
    r = post({
        "kind": "claim", "value_date": "2025-02-01", "quantity": 30, **GEC,
        "serials": [{"block": "GEC-B", "start": 21, "end": 50}],
    })  # fmt: skip
    assert r.status_code == 201, r.text
    headers = bearer(world.token("a", "enterprise_member"))
    body = client.get(_url(ent, "balances"), params={"at": "2025-06-30"}, headers=headers).json()
    rows = {(b["account"], b["lot"]["instrument"]): b for b in body["data"]}
    assert rows[("holding", "cea")]["quantity"] == 8000
    gec = rows[("holding", "gec")]
    assert gec["quantity"] == 70
    assert [(s["start"], s["end"]) for s in gec["serials"]] == [(1, 20), (51, 100)]
    assert gec["valid_until"] == "2026-02-28"  # 24 months from 2024-03 inclusive (67号)
    assert (gec["days_left"], gec["expiring"]) == (243, False)  # 2025-06-30 → 2026-02-28
    late = client.get(_url(ent, "balances"), params={"at": "2026-01-15"}, headers=headers).json()
    held = next(b for b in late["data"] if b["account"] == "holding" and b["lot"]["instrument"] == "gec")
    assert (held["days_left"], held["expiring"]) == (44, True)
    assert rows[("claimed", "gec")]["quantity"] == 30
    # before the allocation date there was no CEA
    early = client.get(_url(ent, "balances"), params={"at": "2024-12-31"}, headers=headers).json()
    assert {(b["account"], b["lot"]["instrument"]) for b in early["data"]} == {("holding", "gec")}
    listed = client.get(_url(ent, "transactions"), headers=headers).json()
    assert listed["count"] == 3
    assert [t["kind"] for t in listed["data"]] == ["purchase", "free_allocation", "claim"]  # by value date


def test_refusals_carry_assets_codes(post: Any) -> None:
    r = post({
        "kind": "purchase", "value_date": "2024-09-01", "quantity": 10, **GEC,
        "serials": [{"block": "GEC-C", "start": 1, "end": 10}],
    })  # fmt: skip
    assert r.status_code == 201
    cases = [
        # a purchased GEC was its one trade
        ({"kind": "sale", "value_date": "2024-09-02", "quantity": 5, **GEC,
          "serials": [{"block": "GEC-C", "start": 1, "end": 5}]}, 409, "assets.double_sale"),
        # claimed after 2026-02-28
        ({"kind": "claim", "value_date": "2026-03-01", "quantity": 5, **GEC,
          "serials": [{"block": "GEC-C", "start": 1, "end": 5}]}, 409, "assets.expired"),
        ({"kind": "sale", "value_date": "2025-01-01", "quantity": 5, **CEA}, 409, "assets.insufficient"),
        # a GEC lot without its technology
        ({"kind": "purchase", "value_date": "2025-01-01", "quantity": 1, "instrument": "gec", "project": "P",
          "production_month": "2024-03", "tradable": True,
          "serials": [{"block": "X", "start": 1, "end": 1}]}, 422, "assets.invalid_lot"),
        ({"kind": "purchase", "value_date": "2025-01-01", "quantity": 2, **GEC,
          "serials": [{"block": "X", "start": 1, "end": 1}]}, 422, "assets.invalid_transaction"),
    ]  # fmt: skip
    for body, status, code in cases:
        r = post(body)
        assert r.status_code == status, (code, r.text)
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert problem["code"] == code
        assert problem["errors"][0]["code"] == code


def test_double_claim_across_enterprises_of_the_park(db: Database, world: World, post: Any) -> None:
    """Enterprise 1 claimed GEC serials; enterprise 2 records the same serials: refused (never kept)."""
    r = post({
        "kind": "purchase", "value_date": "2024-09-01", "quantity": 10, **GEC,
        "serials": [{"block": "GEC-D", "start": 1, "end": 10}],
    })  # fmt: skip
    assert r.status_code == 201
    r = post({
        "kind": "claim", "value_date": "2024-10-01", "quantity": 10, **GEC,
        "serials": [{"block": "GEC-D", "start": 1, "end": 10}],
    })  # fmt: skip
    assert r.status_code == 201
    other = world.a.enterprise_ids[1]
    admin2 = Principal(
        label="admin of the second enterprise",
        user_id=world.a.user_ids["enterprise_admin"],
        memberships=(MembershipInfo(other, world.a.park_id, Role.ENTERPRISE_ADMIN, OrgKind.ENTERPRISE),),
    )
    from parkcarbon.services.assets import ledger
    from parkcarbon.services.assets.schemas import AssetTransactionCreate
    from parkcarbon.services.errors import Conflict

    body = AssetTransactionCreate.model_validate({
        "kind": "free_allocation", "value_date": "2024-11-01", "quantity": 1, **GEC,
        "serials": [{"block": "GEC-D", "start": 7, "end": 7}],
    })  # fmt: skip
    with pytest.raises(Conflict) as caught:
        ledger.record_transaction(db, admin2, other, body)
    assert caught.value.code == "assets.double_claim"
    # the message does not name the enterprise that claimed them
    assert "华东" not in caught.value.detail and str(world.a.enterprise_ids[0]) not in caught.value.detail


def test_position_and_strategy_from_the_verified_case(
    client: TestClient, db: Database, world: World, ent: int, post: Any
) -> None:
    """Verified 2024: 10 000 t. Holds CEA 8 000 t (2024) and 1 000 t (2025), CCER 300 t; see
    tests/assets/test_compliance.py for the hand-worked figures."""
    case_id = _verify(db, ent, 2024, 10_000.0)
    ccer = {
        "instrument": "ccer",
        "project": "CCER-14-0001",
        "methodology": "CCER-14-001-V01",
        "vintage": 2024,
    }
    for body in (
        {"kind": "free_allocation", "value_date": "2025-01-10", "quantity": 8000, **CEA},
        {"kind": "free_allocation", "value_date": "2025-01-10", "quantity": 1000, **CEA, "vintage": 2025},
        {"kind": "purchase", "value_date": "2025-02-01", "quantity": 300, **ccer,
         "serials": [{"block": "CCER-K", "start": 1, "end": 300}]},
    ):  # fmt: skip
        assert post(body).status_code == 201
    headers = bearer(world.token("a", "enterprise_admin"))
    pos = client.get(_url(ent, "position"), params={"year": 2024, "at": "2025-12-01"}, headers=headers).json()
    assert pos["basis"] == "verified" and pos["mrv_case_id"] == case_id
    assert (pos["obligation_tco2e"], pos["ccer_cap_tco2e"], pos["shortfall_tco2e"]) == (10_000, 500, 1700)
    assert pos["surrender_due"] == "2025-12-31" and pos["days_to_surrender_due"] == 30
    r = client.post(
        _url(ent, "strategy"),
        json={"year": 2024, "cea_price_cny_per_t": 90, "ccer_price_cny_per_t": 60, "at": "2025-12-01"},
        headers=headers,
    )
    plan = r.json()
    assert r.status_code == 200, r.text
    assert plan["cash_cny"] == 147_000 and plan["all_cea_cash_cny"] == 180_000
    assert {"id": "ccer.offset_cap_fraction", "version": 2} in plan["rules_used"]
    # surrendering CCER beyond the cap is refused by the same rule
    year = {"compliance_year": 2024}
    r = post({"kind": "surrender", "value_date": "2025-12-02", "quantity": 300, **ccer, **year,
              "serials": [{"block": "CCER-K", "start": 1, "end": 300}]})  # fmt: skip
    assert r.status_code == 201, r.text
    r = post({"kind": "purchase", "value_date": "2025-12-02", "quantity": 201, **ccer,
              "serials": [{"block": "CCER-K", "start": 301, "end": 501}]})  # fmt: skip
    assert r.status_code == 201
    r = post({"kind": "surrender", "value_date": "2025-12-03", "quantity": 201, **ccer, **year,
              "serials": [{"block": "CCER-K", "start": 301, "end": 501}]})  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "assets.ccer_cap"
    # and borrowing the 2025 vintage for 2024 is refused
    r = post({"kind": "surrender", "value_date": "2025-12-03", "quantity": 10, "instrument": "cea",
              "vintage": 2025, "compliance_year": 2024})  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "assets.borrowing"


def test_position_without_a_verified_case(client: TestClient, world: World, ent: int) -> None:
    headers = bearer(world.token("a", "enterprise_admin"))
    r = client.get(_url(ent, "position"), params={"year": 2023}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "assets.obligation_unknown"
    # a stated (monitored / forecast) figure plans ahead
    r = client.post(
        _url(ent, "strategy"),
        json={"year": 2023, "cea_price_cny_per_t": 90, "ccer_price_cny_per_t": 60, "emissions_tco2e": 2000},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["position"]["basis"] == "stated"
    assert r.json()["cash_cny"] == 100 * 60 + 1900 * 90  # 5 % CCER, the rest CEA


# --- who sees what -------------------------------------------------------------------------------------

READS = ["transactions", "balances", "position?year=2024"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_enterprise_reads_and_only_its_admin_writes(
    client: TestClient, world: World, ent: int, role: str
) -> None:
    headers = bearer(world.token("a", role))
    member = role in {"enterprise_admin", "enterprise_member"}
    for what in READS:
        r = client.get(_url(ent, what), headers=headers)
        if member:
            assert r.status_code in {200, 409}, (what, r.text)  # 409: no verified case for the position
        else:
            assert r.status_code == 403, (role, what, r.text)
    r = client.post(
        _url(ent, "strategy"),
        json={"year": 2025, "cea_price_cny_per_t": 1, "ccer_price_cny_per_t": 1, "emissions_tco2e": 1},
        headers=headers,
    )
    assert r.status_code == (200 if member else 403), r.text
    r = client.post(
        _url(ent, "transactions"),
        json={"kind": "free_allocation", "value_date": "2025-01-10", "quantity": 1, **CEA},
        headers=headers,
    )
    assert r.status_code == (201 if role == "enterprise_admin" else 403), (role, r.text)


def test_platform_admin_reads_without_prices_and_cannot_write(
    client: TestClient, world: World, ent: int, post: Any
) -> None:
    assert (
        post(
            {"kind": "purchase", "value_date": "2025-01-10", "quantity": 5, **CEA, "price_cny": 88}
        ).status_code
        == 201
    )
    headers = bearer(world.token("-", "platform_admin"))
    listed = client.get(_url(ent, "transactions"), headers=headers).json()
    assert listed["data"][0]["price_cny"] is None
    r = client.post(
        _url(ent, "transactions"),
        json={"kind": "free_allocation", "value_date": "2025-01-10", "quantity": 1, **CEA},
        headers=headers,
    )
    assert r.status_code == 403


def test_a_grant_opens_holdings_and_costs_open_prices(
    client: TestClient, db: Database, world: World, ent: int, post: Any
) -> None:
    assert (
        post(
            {"kind": "purchase", "value_date": "2025-01-10", "quantity": 5, **CEA, "price_cny": 88}
        ).status_code
        == 201
    )
    headers = bearer(world.token("a", "financier"))
    assert client.get(_url(ent, "balances"), headers=headers).status_code == 403
    # an inventory grant is not an assets grant
    grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(
            enterprise_id=ent, grantee_organisation_id=world.a.financier_id, scope=GrantScope.INVENTORY
        ),
    )
    assert client.get(_url(ent, "balances"), headers=headers).status_code == 403
    grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(enterprise_id=ent, grantee_organisation_id=world.a.financier_id, scope=GrantScope.ASSETS),
    )
    assert client.get(_url(ent, "balances"), headers=headers).status_code == 200
    listed = client.get(_url(ent, "transactions"), headers=headers).json()
    assert listed["data"][0]["quantity"] == 5 and listed["data"][0]["price_cny"] is None
    # a grantee never writes
    r = client.post(
        _url(ent, "transactions"),
        json={"kind": "free_allocation", "value_date": "2025-01-10", "quantity": 1, **CEA},
        headers=headers,
    )
    assert r.status_code == 403
    grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(enterprise_id=ent, grantee_organisation_id=world.a.financier_id, scope=GrantScope.COSTS),
    )
    listed = client.get(_url(ent, "transactions"), headers=headers).json()
    assert listed["data"][0]["price_cny"] == 88
    # the park operator still sees nothing
    assert (
        client.get(_url(ent, "balances"), headers=bearer(world.token("a", "park_admin"))).status_code == 403
    )


def test_audit_events_are_the_enterprise_s(client: TestClient, world: World, ent: int, post: Any) -> None:
    assert (
        post(
            {"kind": "purchase", "value_date": "2025-01-10", "quantity": 5, **CEA, "price_cny": 88}
        ).status_code
        == 201
    )

    def actions(role: str) -> list[dict[str, Any]]:
        r = client.get(
            f"{API}/audit-events", params={"limit": 500}, headers=bearer(world.token(*role.split(":")))
        )
        assert r.status_code == 200, r.text
        return [e for e in r.json()["data"] if e["entity"] == "asset_transaction"]

    own = actions("a:enterprise_admin")
    assert len(own) == 1 and own[0]["enterprise_id"] == ent
    assert Decimal(own[0]["after"]["price_cny"]) == 88  # snapshots keep exact decimals (as text)
    assert actions("a:park_admin") == []


def test_rules_listing(client: TestClient, world: World) -> None:
    r = client.get(f"{API}/assets/rules", headers=bearer(world.token("a", "regulator")))
    assert r.status_code == 200
    rows = {(x["id"], x["version"]): x for x in r.json()["data"]}
    assert rows[("ccer.offset_cap_fraction", 1)]["value"] == "0.05"
    assert rows[("cea.borrowing_allowed", 2)]["value"] == "false"
    assert rows[("cea.borrowing_allowed", 2)]["confidence"] == "L"


def test_a_back_dated_transaction_is_checked_against_the_later_ones(post: Any) -> None:
    serials = [{"block": "GEC-E", "start": 1, "end": 10}]
    assert (
        post(
            {"kind": "free_allocation", "value_date": "2024-09-01", "quantity": 10, **GEC, "serials": serials}
        ).status_code
        == 201
    )
    assert (
        post(
            {"kind": "sale", "value_date": "2025-03-01", "quantity": 10, **GEC, "serials": serials}
        ).status_code
        == 201
    )
    # claiming them in between would leave the recorded sale without the serials it sold
    r = post({"kind": "claim", "value_date": "2025-01-01", "quantity": 10, **GEC, "serials": serials})
    assert r.status_code == 409 and r.json()["code"] == "assets.out_of_order", r.text
    # a back-dated purchase of other serials is fine
    other = [{"block": "GEC-F", "start": 1, "end": 3}]
    assert (
        post(
            {"kind": "free_allocation", "value_date": "2024-10-01", "quantity": 3, **GEC, "serials": other}
        ).status_code
        == 201
    )


def test_a_future_dated_transaction_is_refused(post: Any) -> None:
    r = post({"kind": "free_allocation", "value_date": "2099-01-01", "quantity": 1, **CEA})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "value_date" and r.json()["errors"][0]["code"] == "input.range"
