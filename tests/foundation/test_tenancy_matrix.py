"""Every API operation × every role × a foreign tenant: no cross-tenant read or write succeeds.

Operations are discovered from the application's OpenAPI document, so a new route is covered
without editing this file. A path or body field naming a tenant object that this test cannot map
to a foreign object fails loudly, asking for the mapping to be added to ``tenant_ids``. A positive
control sends the same generated requests within the actor's own park, proving the requests are
valid and that the refusals are about tenancy, not about a malformed request.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from parkcarbon.api.app import create_app
from parkcarbon.demo.seed import SeededPark
from tests.conftest import World, bearer
from tests.enterprise.seeding import enterprise_objects
from tests.market.seeding import market_objects
from tests.supervision.seeding import supervision_objects
from tests.trust.seeding import log_objects

ROLES = [
    "park_admin", "park_analyst", "regulator", "enterprise_admin", "enterprise_member", "provider",
    "verifier", "financier",
]  # fmt: skip

#: Operations that reference no tenant object at all (authentication of oneself, liveness, stateless
#: accounting on the caller's own numbers).
TENANT_FREE = {
    "health", "create_token", "logout", "read_me", "change_password", "calculate",
    # the one-time code is the credential (no sign-in); its own tests are in test_invitations.py
    "redeem_invitation",
    # the tariff library's coverage of the provinces (issue 17): public reference data
    "read_tariff_coverage",
    # the marketplace's shelves and award rules: static reference data
    "read_market_catalogue",
    # the transparency log's checkpoints and consistency proofs are public (hashes of the whole log)
    "read_log_checkpoint", "read_log_consistency",
}  # fmt: skip


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    operation_id: str
    body_schema: str | None
    query_params: frozenset[str]

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def is_listing(self) -> bool:
        return self.method == "GET" and not self.path_params


class _NoRuntime:
    settings = None
    db = None


SPEC = create_app(runtime=_NoRuntime()).openapi()  # type: ignore[arg-type]
OPERATIONS = [
    Operation(
        path=path, method=method.upper(), operation_id=op["operationId"],
        body_schema=op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        .get("$ref", "").split("/")[-1] or None,
        query_params=frozenset(p["name"] for p in op.get("parameters", []) if p["in"] == "query"),
    )
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
]  # fmt: skip
CASES = [
    pytest.param(op, id=f"{op.method} {op.path}") for op in OPERATIONS if op.operation_id not in TENANT_FREE
]

#: Valid values for body fields whose JSON type alone does not make a valid request.
BODY_DEFAULTS: dict[str, Any] = {
    "code": "matrix-code", "email": "matrix.user@example.cn", "password": "Matrix-Passw0rd!",
    "province": "CN-JS", "timezone": "Asia/Shanghai", "carrier": "electricity", "unit": "kWh",
    "scope": "meter_data", "language": "en", "industry_code": "3130", "purpose": "sub", "multiplier": 1.0,
    "role": "enterprise_member",
    # enterprise end: a year with no seeded inventory or case, a workflow step valid in the seeded case's
    # state, an evidence file that passes the type checks
    "year": 2025, "market": "national_ets", "action": "approve_plan", "filename": "matrix.csv",
    "content_base64": "YSxiCjEsMgo=",
    # intake: an activity record's period
    "period_start": "2026-01-01", "period_end": "2026-01-31",
    # supervision: a target needs a figure, a month of economic data a value; bulk bodies may be empty
    "energy_tce": 12000.0, "output_value_10k_cny": 1000.0, "rows": [],
    # the break-glass act states why
    "reason": "matrix break-glass: the enterprise asked in writing",
    # energy (issue 17): a day-ahead plan needs its day, a 96-step load and (park B is in Zhejiang, whose
    # reference prices are not held) the period prices
    "day": "2026-07-15", "load_kw": [10.0] * 96,
    "prices_cny_per_kwh": {"tip": 1.2, "peak": 1.0, "flat": 0.7, "valley": 0.4},
    # marketplace: a valid credit code (GB 32100-2015), a review that applies to approved objects, a
    # qualification valid in the future, a deadline in the future
    "credit_code": "91320500MA00000010", "decision": "suspend", "valid_until": "2030-12-31",
    "deadline": "2030-06-01T00:00:00+08:00",
    # carbon assets: an allocation of 2025 allowances; a strategy on a stated (not yet verified) figure
    "instrument": "cea", "vintage": 2025, "value_date": "2025-06-30", "emissions_tco2e": 10000.0,
}  # fmt: skip
KIND_BY_SCHEMA = {
    "OrganisationCreate": "enterprise", "MeterCreate": "register", "AreaCreate": "zone",
    "QualificationCreate": "energy_audit", "AssetTransactionCreate": "free_allocation",
}  # fmt: skip
#: Values of a field name that several schemas use differently: (schema, field) → value.
BODY_BY_SCHEMA: dict[tuple[str, str], Any] = {("ListingCreate", "category"): "energy_audit"}


def tenant_ids(park: SeededPark) -> dict[str, int]:
    """Ids of ``park``'s objects for every path and body field that names a tenant object."""
    return {
        "park_id": park.park_id,
        "org_id": park.enterprise_ids[0],
        "organisation_id": park.enterprise_ids[1],
        "enterprise_id": park.enterprise_ids[0],
        "grantee_organisation_id": park.verifier_id,
        "area_id": park.area_ids[0],
        "parent_id": park.area_ids[1],
        "meter_parent_id": park.meter_ids[1],
        "meter_id": park.meter_ids[0],
        "user_id": park.user_ids["enterprise_member"],
        "membership_id": park.membership_ids["enterprise_member"],
        "key_id": park.api_key_id,
        "grant_id": park.grant_id,
    }


def make_body(op: Operation, ids: dict[str, int]) -> dict[str, Any] | None:
    if op.body_schema is None:
        return None
    if op.body_schema == "ReadingsBatch":
        # an array-of-readings body naming the target park's meter (by id: meter codes repeat across parks)
        reading = {"meter_id": ids["meter_id"], "ts": "2026-01-05T08:00:00+08:00", "value": 1.0}
        return {"gateway": "matrix-gw", "readings": [reading]}
    schema = SPEC["components"]["schemas"][op.body_schema]
    body: dict[str, Any] = {}
    for name, prop in schema["properties"].items():
        if name.endswith("_id"):
            key = "meter_parent_id" if name == "parent_id" and op.body_schema.startswith("Meter") else name
            if key not in ids:
                pytest.fail(f"{op.path}: body field {name!r} is not mapped in tenant_ids(); add it")
            body[name] = ids[key]
        elif name == "kind":
            if op.body_schema in KIND_BY_SCHEMA:
                body[name] = KIND_BY_SCHEMA[op.body_schema]
        elif (op.body_schema, name) in BODY_BY_SCHEMA:
            body[name] = BODY_BY_SCHEMA[(op.body_schema, name)]
        elif name in BODY_DEFAULTS:
            body[name] = BODY_DEFAULTS[name]
        elif name in schema.get("required", []):
            kinds = [o.get("type") for o in prop.get("anyOf", [prop])]
            body[name] = {"string": "Matrix 测试", "integer": 1, "number": 1.0, "boolean": True}[kinds[0]]
    if op.operation_id == "create_park":
        body["code"] = "matrix-park"
    return body


def send(client: TestClient, op: Operation, ids: dict[str, int], token: str) -> Any:
    missing = [p for p in op.path_params if p not in ids]
    if missing:
        pytest.fail(f"{op.path}: path parameter(s) {missing} are not mapped in tenant_ids(); add them")
    path = op.path.format(**{p: ids[p] for p in op.path_params})
    if op.operation_id == "upload_activity_data":  # the body is the spreadsheet itself (CSV here)
        sheet = b"carrier,quantity,unit,period_start,period_end\ndiesel,1.5,t,2026-01-01,2026-01-31\n"
        return client.post(path, content=sheet, headers={**bearer(token), "Content-Type": "text/csv"})
    if op.operation_id == "upload_economic_data":  # a month of the target park's first enterprise
        sheet = f"enterprise,year,month,output_value_10k_cny\n{ids['enterprise_id']},2025,1,1000\n".encode()
        return client.post(path, content=sheet, headers={**bearer(token), "Content-Type": "text/csv"})
    if op.operation_id == "reconcile_asset_statement":  # a registry statement with the columns it needs
        statement = base64.b64encode(b"instrument,vintage,quantity\ncea,2025,1\n").decode()
        body = {"filename": "statement.csv", "content_base64": statement}
        return client.post(path, json=body, headers=bearer(token))
    # listings are asked for the foreign park's objects by every filter they declare
    params = {name: ids[name] for name in op.query_params if name in ids} if op.is_listing else None
    return client.request(op.method, path, json=make_body(op, ids), params=params, headers=bearer(token))


@pytest.fixture
def ids_b(engine: Engine, world: World) -> dict[str, int]:
    """Park B's ids, with enterprise-end objects (file parts, inventory, MRV case) and supervision objects
    (a target) created once."""
    return {
        **tenant_ids(world.b),
        **enterprise_objects(engine, world.b),
        **supervision_objects(engine, world.b),
        **market_objects(engine, world.b).ids,
        **log_objects(engine, world.b),
    }


@pytest.mark.parametrize("role", [*ROLES, "api_key"])
@pytest.mark.parametrize("op", CASES)
def test_no_cross_tenant_access(
    client: TestClient, world: World, ids_b: dict[str, int], op: Operation, role: str
) -> None:
    token = world.a.api_key if role == "api_key" else world.token("a", role)
    response = send(client, op, ids_b, token)
    if op.is_listing:
        # a listing may answer, filtered to what the actor may see: never park B's objects
        assert response.status_code in {200, 403}, response.text
        if response.status_code == 200:
            leaked = [i for i in response.json()["data"] if i.get("park_id") == world.b.park_id]
            assert leaked == [], f"{role} of park A sees park B's objects in {op.path}: {leaked[:2]}"
        return
    assert response.status_code in {403, 404, 422}, (
        f"{role} of park A got {response.status_code} on {op.method} {op.path} with park B's objects: "
        f"{response.text[:300]}"
    )
    assert response.headers["content-type"].startswith("application/problem+json")


#: Who may perform an operation in their own park (default: park_admin).
OWN_ACTOR = {
    "create_grant": ("b", "enterprise_admin"), "revoke_grant": ("b", "enterprise_admin"),
    "create_park": ("-", "platform_admin"), "delete_park": ("-", "platform_admin"),
    "create_platform_admin": ("-", "platform_admin"),
    "restore_meter": ("-", "platform_admin"), "restore_organisation": ("-", "platform_admin"),
    "restore_document": ("-", "platform_admin"),
    # issue 12 §2: an enterprise's members come from its own admin; the platform's break-glass is apart
    "break_glass_membership": ("-", "platform_admin"),
    "create_user": ("b", "enterprise_admin"), "create_membership": ("b", "enterprise_admin"),
    "delete_membership": ("b", "enterprise_admin"), "update_user": ("b", "enterprise_admin"),
    "accept_invitation": ("b", "enterprise_admin"), "decline_invitation": ("b", "enterprise_admin"),
    "accept_case_verifier": ("b", "enterprise_admin"), "decline_case_verifier": ("b", "enterprise_admin"),
    **dict.fromkeys((
        "update_enterprise_file", "create_facility", "update_facility", "delete_facility", "create_source",
        "update_source", "delete_source", "create_product", "update_product", "delete_product",
        "upload_document", "delete_document", "set_target", "create_inventory", "override_inventory_line",
        "recalculate_inventory", "submit_inventory", "revise_inventory", "act_on_case", "review_case_months",
        "create_case_comment", "resolve_case_comment", "plan_enterprise_dispatch",
        # marketplace: the buyer raises, evaluates, awards, accepts and rates
        "create_request", "evaluate_bid", "award_request", "accept_order", "rate_order",
        # carbon assets (issue 18): the enterprise's own; the park sees nothing without a grant
        "record_asset_transaction", "plan_asset_strategy", "reconcile_asset_statement",
    ), ("b", "enterprise_admin")),
    # marketplace: the provider's own members apply, document, list, bid and deliver
    **dict.fromkeys((
        "submit_provider_application", "add_qualification", "create_listing", "submit_bid", "withdraw_bid",
        "deliver_order",
    ), ("b", "provider")),
}  # fmt: skip


#: Operations whose entitled same-park request meets a state that refuses it: a park holding evidence is
#: never deleted (issue 12 §3), and the seeded objects are not archived, so there is nothing to restore.
AUTHORISED_CONFLICT = {
    "delete_park": "archive.has_evidence",
    "restore_meter": "state.not_allowed",
    "restore_organisation": "state.not_allowed",
    "restore_document": "state.not_allowed",
    # the matrix's provider is approved: an application is resubmitted only after a request for more
    "submit_provider_application": "state.not_allowed",
}


def _own_ids(op: Operation, ids: dict[str, int], park: SeededPark) -> dict[str, int]:
    """The entitled actor's request: the enterprise's admin adds a member to its own enterprise (an account
    that is not yet one); accepting a verifier needs a case whose verifier is only proposed."""
    if op.operation_id in {"create_user", "create_membership", "break_glass_membership"}:
        return {**ids, "organisation_id": park.enterprise_ids[0], "user_id": park.user_ids["provider"]}
    if op.operation_id in {"accept_case_verifier", "decline_case_verifier"}:
        return {**ids, "case_id": ids["proposed_case_id"]}
    # marketplace: bidding needs an open request; accepting a delivered order; rating a closed one
    market = {
        "submit_bid": {"request_id": ids["open_request_id"]}, "withdraw_bid": {"bid_id": ids["open_bid_id"]},
        "accept_order": {"order_id": ids["delivered_order_id"]},
        "rate_order": {"order_id": ids["closed_order_id"]},
    }  # fmt: skip
    if op.operation_id in market:
        return {**ids, **market[op.operation_id]}
    return ids


@pytest.mark.parametrize("op", [c for c in CASES if c.values[0].method != "GET"])
def test_positive_control_same_tenant(
    client: TestClient, world: World, ids_b: dict[str, int], op: Operation
) -> None:
    """The generated requests are valid: an entitled actor of the same park succeeds with them."""
    actor = world.token(*OWN_ACTOR.get(op.operation_id, ("b", "park_admin")))
    response = send(client, op, _own_ids(op, ids_b, world.b), actor)
    if op.operation_id in AUTHORISED_CONFLICT:
        # authorised and well-formed, refused by the object's state (the same code every time)
        problem = response.json()
        assert response.status_code == 409, response.text
        codes = {problem["code"], *(e["code"] for e in problem["errors"])}
        assert AUTHORISED_CONFLICT[op.operation_id] in codes, response.text
        return
    assert response.status_code < 300, f"{op.method} {op.path}: {response.status_code} {response.text[:400]}"


def test_matrix_sees_every_operation() -> None:
    ids = {op.operation_id for op in OPERATIONS}
    assert {
        "list_meters",
        "create_meter",
        "read_meter",
        "update_meter",
        "delete_meter",
        "create_api_key",
    } <= ids
    assert len(CASES) >= 30


# --- intra-park: park-side roles never read an ungranted enterprise's cost fields (issue 12 §4/§5) ------

#: The park-side roles that hold no ``costs`` grant of the park's enterprises.
PARK_SIDE = ["park_admin", "park_analyst", "regulator"]
COST_MARK = "MATRIX-成本-SUPPLIER"
GET_CASES = [c for c in CASES if c.values[0].method == "GET"]


def _cost_leaks(value: Any, path: str = "$") -> list[str]:
    """JSON paths of non-null values under a key of ``access.COST_FIELDS``, at any depth."""
    from parkcarbon.services.access import COST_FIELDS

    if isinstance(value, dict):
        return [f"{path}.{k}" for k, v in value.items() if k in COST_FIELDS and v is not None] + [
            leak for k, v in value.items() for leak in _cost_leaks(v, f"{path}.{k}")
        ]
    if isinstance(value, list):
        return [leak for i, v in enumerate(value) for leak in _cost_leaks(v, f"{path}[{i}]")]
    return []


@pytest.fixture
def costed_b(db: Any, world: World, ids_b: dict[str, int]) -> dict[str, int]:
    """Park B's ids, and an activity record of its first enterprise with cost figures (rolled back), taken
    into the matrix's draft inventory (recalculated)."""
    from datetime import date

    from parkcarbon.services.enterprise import inventory
    from parkcarbon.services.intake import unmetered_activity
    from parkcarbon.services.principal import SYSTEM

    record = unmetered_activity.ActivityRecordCreate(
        carrier="diesel", quantity=2.0, unit="t", use="combustion", period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 31), cost_cny=123_456.78, supplier=COST_MARK,
    )  # fmt: skip
    unmetered_activity.create_record(db, SYSTEM, world.b.enterprise_ids[0], record, today=date(2026, 1, 1))
    inventory.recalculate(db, SYSTEM, ids_b["inventory_id"])
    return ids_b


@pytest.mark.parametrize("role", PARK_SIDE)
@pytest.mark.parametrize("op", GET_CASES)
def test_park_side_roles_read_no_cost_field(
    client: TestClient, world: World, costed_b: dict[str, int], op: Operation, role: str
) -> None:
    """Every GET route (from the OpenAPI document), read in its own park by a park-side role: no response
    body holds a non-null cost field (``access.COST_FIELDS``) or the cost marker of the ungranted one."""
    response = send(client, op, costed_b, world.token("b", role))
    if response.status_code >= 300:
        return  # refused or not found: nothing read
    if response.headers.get("content-type", "").startswith("application/json"):
        leaks = _cost_leaks(response.json())
        assert leaks == [], f"{role} reads cost fields on {op.path}: {leaks[:5]}"
    assert COST_MARK.encode() not in response.content, f"{role} reads the enterprise's supplier on {op.path}"


def test_cost_matrix_is_not_vacuous(client: TestClient, world: World, costed_b: dict[str, int]) -> None:
    """The enterprise itself reads the cost marker on the routes the matrix walks (the check can fail)."""
    token = world.token("b", "enterprise_admin")
    seen = [
        op.path
        for op in (c.values[0] for c in GET_CASES)
        if (r := send(client, op, costed_b, token)).status_code == 200 and COST_MARK.encode() in r.content
    ]
    assert len(seen) >= 2, seen  # the activity listing and the audit log at least


# --- anonymous: every operation but the tenant-free ones needs credentials ------------------------------


@pytest.mark.parametrize("op", CASES)
def test_anonymous_gets_401(client: TestClient, world: World, ids_b: dict[str, int], op: Operation) -> None:
    """No credentials: 401 problem+json on every operation that names a tenant object (invitations'
    revoke, accept and decline included); only the tenant-free ones (``TENANT_FREE``) answer without."""
    path = op.path.format(**{p: ids_b[p] for p in op.path_params})
    response = client.request(op.method, path, json=make_body(op, ids_b))
    assert response.status_code == 401, f"{op.method} {op.path}: {response.status_code} {response.text[:200]}"
    assert response.headers["content-type"].startswith("application/problem+json")
