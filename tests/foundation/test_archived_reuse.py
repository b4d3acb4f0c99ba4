"""Issue 12 §3 leftovers: an archived meter's code and an archived organisation's name stay taken (the
evidence refers to them). Reusing one answers an explicit 409 ``archive.code_taken`` (translated in the
console), not the generic duplicate; restoring brings the same object back, never a second one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from parkcarbon.web.errors import ERROR_TEXTS
from tests.conftest import World, bearer

API = "/api/v1"


def _meter_body(world: World) -> dict[str, Any]:
    return {
        "park_id": world.a.park_id, "code": "REUSE-NG-01", "name": "复用测试天然气表",
        "carrier": "natural_gas", "unit": "Nm3", "kind": "register",
        "enterprise_id": world.a.enterprise_ids[0], "area_id": world.a.area_ids[0], "parent_id": None,
        "purpose": "process", "multiplier": 1, "register_max": 99999999,
    }  # fmt: skip


def _codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def test_archived_meter_code_reuse_is_an_explicit_409_and_restore_does_not_duplicate(
    client: TestClient, world: World
) -> None:
    park_admin = bearer(world.token("a", "park_admin"))
    root = bearer(world.token("-", "platform_admin"))
    body = _meter_body(world)
    meter = client.post(f"{API}/meters", headers=park_admin, json=body).json()
    live_dup = client.post(f"{API}/meters", headers=park_admin, json=body)
    assert live_dup.status_code == 409 and _codes(live_dup) == ["value.duplicate"]
    assert client.delete(f"{API}/meters/{meter['id']}", headers=park_admin).status_code == 204
    reuse = client.post(f"{API}/meters", headers=park_admin, json=body)
    assert reuse.status_code == 409, reuse.text
    assert reuse.headers["content-type"].startswith("application/problem+json")
    assert reuse.json()["errors"] == [
        {"field": "code", "reason": "belongs to an archived object", "code": "archive.code_taken"}
    ]
    # restore brings the same meter back; a second restore is refused; one meter holds the code
    restored = client.post(f"{API}/meters/{meter['id']}/restore", headers=root)
    assert restored.status_code == 200 and restored.json()["id"] == meter["id"], restored.text
    again = client.post(f"{API}/meters/{meter['id']}/restore", headers=root)
    assert again.status_code == 409 and _codes(again) == ["state.not_allowed"]
    listed = client.get(
        f"{API}/meters", headers=park_admin, params={"park_id": world.a.park_id, "limit": 500}
    ).json()["data"]
    assert [m["id"] for m in listed if m["code"] == "REUSE-NG-01"] == [meter["id"]]
    # once live again, reuse is the ordinary duplicate
    assert _codes(client.post(f"{API}/meters", headers=park_admin, json=body)) == ["value.duplicate"]


def test_archived_organisation_name_reuse_is_an_explicit_409(client: TestClient, world: World) -> None:
    park_admin = bearer(world.token("a", "park_admin"))
    root = bearer(world.token("-", "platform_admin"))
    body = {"park_id": world.a.park_id, "kind": "enterprise", "name": "复用测试企业"}
    org = client.post(f"{API}/organisations", headers=park_admin, json=body)
    assert org.status_code == 201, org.text
    org_id = org.json()["id"]
    assert client.delete(f"{API}/organisations/{org_id}", headers=park_admin).status_code == 204
    reuse = client.post(f"{API}/organisations", headers=park_admin, json=body)
    assert reuse.status_code == 409 and _codes(reuse) == ["archive.code_taken"], reuse.text
    # renaming another organisation to the archived name: the same answer
    other = client.post(f"{API}/organisations", headers=park_admin, json={**body, "name": "复用测试企业二"})
    renamed = client.patch(
        f"{API}/organisations/{other.json()['id']}", headers=park_admin, json={"name": "复用测试企业"}
    )
    assert renamed.status_code == 409 and _codes(renamed) == ["archive.code_taken"], renamed.text
    restored = client.post(f"{API}/organisations/{org_id}/restore", headers=root)
    assert restored.status_code == 200 and restored.json()["id"] == org_id
    listed = client.get(
        f"{API}/organisations", headers=park_admin, params={"park_id": world.a.park_id, "limit": 500}
    ).json()["data"]
    assert [o["id"] for o in listed if o["name"] == "复用测试企业"] == [org_id]


def test_the_code_is_translated() -> None:
    zh, en = ERROR_TEXTS["archive.code_taken"]
    assert "归档" in zh and "archived" in en
