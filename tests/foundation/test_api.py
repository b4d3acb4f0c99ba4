"""The REST API: CRUD, 201 on create, pagination, problem+json naming field and reason, roles in a park."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from parkcarbon.store.db import Database
from tests.conftest import World, bearer

API = "/api/v1"


def test_meter_crud_as_park_admin(client: TestClient, world: World) -> None:
    h = bearer(world.token("a", "park_admin"))
    body = {
        "park_id": world.a.park_id,
        "code": "E01-NG-BOILER",
        "name": "锅炉天然气表",
        "carrier": "natural_gas",
        "unit": "Nm3",
        "kind": "register",
        "enterprise_id": world.a.enterprise_ids[0],
        "area_id": world.a.area_ids[0],
        "parent_id": None,
        "purpose": "process",
        "multiplier": 1,
        "register_max": 99999999,
    }
    created = client.post(f"{API}/meters", headers=h, json=body)
    assert created.status_code == 201, created.text
    meter = created.json()
    assert meter["carrier"] == "natural_gas" and meter["active"] is True
    got = client.get(f"{API}/meters/{meter['id']}", headers=h)
    assert got.json() == meter
    patched = client.patch(
        f"{API}/meters/{meter['id']}", headers=h, json={"name": "1#锅炉天然气表", "multiplier": 2}
    )
    assert patched.status_code == 200 and patched.json()["multiplier"] == 2
    dup = client.post(f"{API}/meters", headers=h, json=body)
    assert dup.status_code == 409 and dup.json()["code"] == "conflict"
    assert dup.json()["errors"] == [
        {"field": "code", "reason": "already used in this park", "code": "value.duplicate"}
    ]
    assert client.delete(f"{API}/meters/{meter['id']}", headers=h).status_code == 204
    assert client.get(f"{API}/meters/{meter['id']}", headers=h).status_code == 404
    audit = client.get(
        f"{API}/audit-events", headers=h, params={"entity": "meter", "entity_id": meter["id"]}
    ).json()
    assert [e["action"] for e in audit["data"]] == ["meter.archive", "meter.update", "meter.create"]
    update = audit["data"][1]
    assert update["before"]["name"] == "锅炉天然气表" and update["after"]["name"] == "1#锅炉天然气表"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"carrier": "electricity", "unit": "Nm3"}, "unit", "cannot convert 'Nm3'"),
        ({"carrier": "plutonium"}, "carrier", "unknown carrier"),
        ({"multiplier": 0}, "multiplier", "greater than 0"),
        ({"code": "bad code with spaces"}, "code", "pattern"),
        ({"enterprise_id": 999999}, "enterprise_id", "is not an enterprise of this park"),
        ({"kind": "sometimes"}, "kind", "register"),
        ({"name": ""}, "name", "at least 1 character"),
    ],
)
def test_meter_input_errors_name_field_and_reason(
    client: TestClient, world: World, body: dict[str, object], field: str, reason: str
) -> None:
    base = {"park_id": world.a.park_id, "code": "X-1", "name": "x", "carrier": "electricity", "unit": "kWh"}
    r = client.post(f"{API}/meters", headers=bearer(world.token("a", "park_admin")), json={**base, **body})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == 422 and problem["instance"] == f"{API}/meters"
    assert any(e["field"] == field and reason in e["reason"] for e in problem["errors"]), problem


def test_malformed_json_is_a_problem(client: TestClient, world: World) -> None:
    r = client.post(
        f"{API}/areas",
        headers={**bearer(world.token("a", "park_admin")), "content-type": "application/json"},
        content=b"{not json",
    )
    assert r.status_code == 422
    assert r.json()["title"] == "Invalid input"


def test_pagination(client: TestClient, world: World) -> None:
    h = bearer(world.token("a", "park_admin"))
    for i in range(7):
        r = client.post(f"{API}/areas", headers=h, json={"park_id": world.a.park_id, "name": f"区{i}"})
        assert r.status_code == 201
    first = client.get(f"{API}/areas", headers=h, params={"limit": 4}).json()
    second = client.get(f"{API}/areas", headers=h, params={"limit": 4, "offset": 4}).json()
    assert first["count"] == second["count"] == 9
    assert len(first["data"]) == 4 and len(second["data"]) == 4
    assert {a["id"] for a in first["data"]}.isdisjoint({a["id"] for a in second["data"]})
    assert client.get(f"{API}/areas", headers=h, params={"limit": 0}).status_code == 422


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("park_admin", 201),
        ("park_analyst", 403),
        ("regulator", 403),
        ("enterprise_admin", 403),
        ("enterprise_member", 403),
        ("provider", 403),
        ("verifier", 403),
        ("financier", 403),
    ],
)
def test_only_park_admin_creates_organisations(
    client: TestClient, world: World, role: str, status: int
) -> None:
    r = client.post(
        f"{API}/organisations",
        headers=bearer(world.token("a", role)),
        json={"park_id": world.a.park_id, "kind": "enterprise", "name": f"新企业-{role}"},
    )
    assert r.status_code == status, r.text


def test_enterprise_admin_manages_only_own_meters(client: TestClient, world: World) -> None:
    h = bearer(world.token("a", "enterprise_admin"))  # admin of enterprise_ids[0]
    own = {
        "park_id": world.a.park_id,
        "code": "OWN-1",
        "name": "own",
        "carrier": "electricity",
        "unit": "kWh",
        "enterprise_id": world.a.enterprise_ids[0],
    }
    assert client.post(f"{API}/meters", headers=h, json=own).status_code == 201
    other = {**own, "code": "OTHER-1", "enterprise_id": world.a.enterprise_ids[1]}
    assert client.post(f"{API}/meters", headers=h, json=other).status_code == 403
    assert (
        client.patch(f"{API}/meters/{world.a.meter_ids[1]}", headers=h, json={"name": "x"}).status_code == 404
    )


def test_meter_visibility_follows_grants(client: TestClient, world: World) -> None:
    """Park staff see meter metadata; a provider sees an enterprise's meters only while granted."""
    provider = bearer(world.token("a", "provider"))
    meter = world.a.meter_ids[1]
    assert client.get(f"{API}/meters/{meter}", headers=provider).status_code == 404
    admin = bearer(world.token("a", "park_admin"))
    assert client.get(f"{API}/meters/{meter}", headers=admin).status_code == 200
    grant = client.post(
        f"{API}/grants",
        headers=bearer(world.token("a", "enterprise_admin")),
        json={
            "enterprise_id": world.a.enterprise_ids[0],
            "grantee_organisation_id": world.a.provider_id,
            "scope": "meter_data",
        },
    )
    assert grant.status_code == 201
    shared = world.a.meter_ids[0]
    assert client.get(f"{API}/meters/{shared}", headers=provider).status_code == 200
    assert client.get(f"{API}/meters/{meter}", headers=provider).status_code == 404  # not this enterprise's
    client.post(
        f"{API}/grants/{grant.json()['id']}/revoke", headers=bearer(world.token("a", "enterprise_admin"))
    )
    assert client.get(f"{API}/meters/{shared}", headers=provider).status_code == 404
    assert client.get(f"{API}/meters", headers=bearer(world.token("a", "regulator"))).json()["count"] == 0


def test_users_and_memberships(client: TestClient, world: World, db: Database) -> None:
    h = bearer(world.token("a", "enterprise_admin"))
    body = {
        "email": "New.Engineer@Example.cn",
        "display_name": "能源工程师",
        "password": "Engineer-Passw0rd",
        "organisation_id": world.a.enterprise_ids[0],
        "role": "enterprise_member",
    }
    created = client.post(f"{API}/users", headers=h, json=body)
    assert created.status_code == 201 and created.json()["email"] == "new.engineer@example.cn"
    wrong_role = client.post(
        f"{API}/users", headers=h, json={**body, "email": "b@example.cn", "role": "verifier"}
    )
    assert wrong_role.status_code == 422 and wrong_role.json()["errors"][0]["field"] == "role"
    other_org = client.post(
        f"{API}/users",
        headers=h,
        json={**body, "email": "c@example.cn", "organisation_id": world.a.enterprise_ids[1]},
    )
    assert other_org.status_code == 403
    login = client.post(
        f"{API}/auth/token", json={"email": "new.engineer@example.cn", "password": "Engineer-Passw0rd"}
    )
    assert login.status_code == 201
    listed = {u["email"] for u in client.get(f"{API}/users", headers=h).json()["data"]}
    assert "new.engineer@example.cn" in listed and world.a.users["verifier"] not in listed
    deactivate = client.patch(f"{API}/users/{created.json()['id']}", headers=h, json={"is_active": False})
    assert deactivate.status_code == 200
    again = client.post(
        f"{API}/auth/token", json={"email": "new.engineer@example.cn", "password": "Engineer-Passw0rd"}
    )
    assert again.status_code == 401


def test_openapi_has_stable_operation_ids(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert {"list_meters", "create_meter", "create_token", "calculate", "list_audit_events"} <= set(ids)
    creates = [
        (p, m)
        for p, item in spec["paths"].items()
        for m, op in item.items()
        if op["operationId"].startswith("create_")
    ]
    for path, method in creates:
        assert "201" in spec["paths"][path][method]["responses"], (path, method)


def test_calc_endpoint_answers_the_contract(client: TestClient, world: World) -> None:
    request = {
        "standard": "GB/T 32150-2015",
        "gwp": "AR5",
        "year": 2023,
        "region": "CN-JS",
        "activities": [
            {"id": "e", "carrier": "electricity", "quantity": 100, "unit": "MWh", "use": "purchased"}
        ],
    }
    r = client.post(f"{API}/calc", headers=bearer(world.token("a", "verifier")), json=request)
    assert r.status_code == 200
    # 100 MWh × 0.5306 tCO2/MWh (MEE/NBS 2023 national average) = 53.06 tCO2 — GHGTOOL G06 vector
    assert r.json()["results"][0]["tco2e"] == pytest.approx(53.06, abs=1e-9)
    bad = client.post(
        f"{API}/calc",
        headers=bearer(world.token("a", "verifier")),
        json={**request, "activities": [{"id": "e", "carrier": "electricity", "quantity": -1}]},
    )
    assert bad.status_code == 422
    assert all(e["activity"] == "e" for e in bad.json()["errors"])
    assert client.post(f"{API}/calc", json=request).status_code == 401


def test_calc_endpoint_refuses_nonsense_with_codes(client: TestClient, world: World) -> None:
    h = bearer(world.token("a", "verifier"))
    cases = [
        ({"carrier": "electricity", "quantity": -10, "unit": "MWh"}, "quantity", "quantity.negative"),
        (
            {"carrier": "hot_water", "quantity": 10, "unit": "t", "temperature_c": 12},
            "temperature_c",
            "hot_water.below_reference",
        ),
        (
            {"carrier": "steam", "quantity": 10, "unit": "t", "pressure_mpa": 1.0, "state": "saturated",
             "temperature_c": 250},
            "temperature_c",
            "steam.saturated_with_temperature",
        ),
    ]  # fmt: skip
    for activity, field, code in cases:
        r = client.post(
            f"{API}/calc", headers=h, json={"year": 2023, "activities": [{"id": "x", **activity}]}
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        (error,) = r.json()["errors"]
        assert (error["activity"], error["field"], error["code"]) == ("x", f"activities[0].{field}", code)
        assert error["reason"]
    assert client.post(f"{API}/calc", headers=h, json=[1, 2]).status_code == 422  # not an object


def test_calc_endpoint_answers_what_it_can(client: TestClient, world: World) -> None:
    request = {
        "year": 2023,
        "activities": [{"id": "c", "carrier": "bituminous_coal", "quantity": 100, "unit": "t"}],
    }
    r = client.post(f"{API}/calc", headers=bearer(world.token("a", "verifier")), json=request)
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    # 100 t × 19.570 GJ/t × 26.1 tC/TJ × 93 % × 44/12 (GB/T 32150-2015 Annex B Table B.1) = 174.175 tCO2
    assert result["tco2e"] == pytest.approx(174.175, abs=5e-4)
    assert result["tce"] is None  # GB/T 2589-2020 has no bituminous-coal coefficient
    assert [(m["figure"], m["code"]) for m in result["missing"]] == [("tce", "factor.missing")]
    assert r.json()["totals"]["tce"] is None


def test_park_accounting_profile(client: TestClient, world: World) -> None:
    """The park admin sets the accounting profile; invalid options are refused naming the option."""
    h = bearer(world.token("a", "park_admin"))
    url = f"{API}/parks/{world.a.park_id}"
    ok = client.patch(
        url,
        headers=h,
        json={"accounting_options": {"guideline": "GB/T 32151.22-2024", "water_coefficient": "0.0857"}},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["accounting_options"] == {
        "guideline": "GB/T 32151.22-2024",
        "water_coefficient": "0.0857",
    }
    bad = client.patch(url, headers=h, json={"accounting_options": {"gwp": "AR9", "colour": "green"}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "accounting_options"
    assert "colour" in bad.json()["errors"][0]["reason"]
    bad_value = client.patch(url, headers=h, json={"accounting_options": {"gwp": "AR9"}})
    assert "gwp: must be one of" in bad_value.json()["errors"][0]["reason"]
    analyst = client.patch(
        url, headers=bearer(world.token("a", "park_analyst")), json={"accounting_options": {}}
    )
    assert analyst.status_code == 403


def test_the_enterprise_sees_acts_on_its_members_in_its_audit_view(client: TestClient, world: World) -> None:
    """Issue 12 §2: audit events about an enterprise carry its enterprise_id, whoever acted. The park admin
    can no longer plant a member (403); what it can do, invite, shows in the enterprise's audit view."""
    enterprise = world.a.enterprise_ids[0]
    park_admin = bearer(world.token("a", "park_admin"))
    planted = client.post(
        f"{API}/users",
        headers=park_admin,
        json={
            "email": "planted.by.park@example.cn", "display_name": "planted", "password": "Planted-Passw0rd",
            "organisation_id": enterprise, "role": "enterprise_member",
        },
    )  # fmt: skip
    assert planted.status_code == 403, planted.text
    invited = client.post(
        f"{API}/invitations",
        headers=park_admin,
        json={
            "enterprise_id": enterprise,
            "email": "planted.by.park@example.cn",
            "role": "enterprise_member",
        },
    )
    assert invited.status_code == 201, invited.text
    seen = client.get(
        f"{API}/audit-events",
        params={"entity": "invitation", "entity_id": str(invited.json()["id"])},
        headers=bearer(world.token("a", "enterprise_admin")),
    )
    assert seen.status_code == 200, seen.text
    assert [e["action"] for e in seen.json()["data"]] == ["invitation.create"]
    assert "pci_" not in seen.text  # the one-time code is never logged


def test_unknown_field_in_a_write_body_is_refused_naming_it(client: TestClient, world: World) -> None:
    """Issue 12: ``code`` is not patchable on a meter; it used to be silently ignored."""
    h = bearer(world.token("a", "park_admin"))
    base = {"park_id": world.a.park_id, "code": "X-9", "name": "x", "carrier": "electricity", "unit": "kWh"}
    created = client.post(f"{API}/meters", headers=h, json=base)
    assert created.status_code == 201, created.text
    meter_id = created.json()["id"]
    r = client.patch(f"{API}/meters/{meter_id}", headers=h, json={"code": "X-10"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"] == "code" for e in r.json()["errors"]), r.json()
    assert client.get(f"{API}/meters/{meter_id}", headers=h).json()["code"] == "X-9"
    r = client.post(f"{API}/meters", headers=h, json={**base, "code": "X-11", "colour": "red"})
    assert r.status_code == 422 and any(e["field"] == "colour" for e in r.json()["errors"]), r.text
