"""The enterprise API: problem+json field errors, evidence uploads (limits, types, SHA-256), tenancy of
documents, the report download, and the park's overdue list."""

from __future__ import annotations

import base64
import hashlib

from fastapi.testclient import TestClient

from parkcarbon.services.enterprise.demo import DemoEnterprise
from tests.conftest import World, bearer
from tests.enterprise.conftest import YEAR


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_profile_refuses_a_wrong_check_character(client: TestClient, world: World) -> None:
    ent = world.a.enterprise_ids[0]
    h = bearer(world.token("a", "enterprise_admin"))
    bad = client.patch(
        f"/api/v1/enterprises/{ent}/file", json={"credit_code": "91350100M000100Y44"}, headers=h
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert (
        bad.json()["errors"][0]["field"] == "credit_code"
        and "check character" in bad.json()["errors"][0]["reason"]
    )
    ok = client.patch(
        f"/api/v1/enterprises/{ent}/file",
        json={
            "credit_code": "91350100M000100Y43",
            "industry_code": "C3130",
            "contacts": [{"name": "李敏"}],
            "boundary": {"approach": "operational_control", "sites": ["一号车间"]},
        },
        headers=h,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["industry"] == "黑色金属冶炼和压延加工业" and ok.json()["boundary"]["sites"] == [
        "一号车间"
    ]
    assert (
        client.patch(
            f"/api/v1/enterprises/{ent}/file",
            json={"address": "x"},
            headers=bearer(world.token("a", "park_admin")),
        ).status_code
        == 403
    )


def test_document_upload_checks_and_sha256(client: TestClient, world: World) -> None:
    ent = world.a.enterprise_ids[0]
    h = bearer(world.token("a", "enterprise_member"))
    url = f"/api/v1/enterprises/{ent}/documents"
    pdf = b"%PDF-1.4\n% evidence\n"
    created = client.post(
        url, json={"filename": "校准报告.pdf", "content_base64": _b64(pdf), "kind": "calibration"}, headers=h
    )
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["sha256"] == hashlib.sha256(pdf).hexdigest() and doc["content_type"] == "application/pdf"
    got = client.get(f"/api/v1/documents/{doc['id']}/content", headers=h)
    assert got.content == pdf and got.headers["x-content-sha256"] == doc["sha256"]
    cases = {
        "not base64": ({"filename": "a.pdf", "content_base64": "***"}, 422, "content_base64"),
        "type by extension": ({"filename": "a.exe", "content_base64": _b64(b"MZ")}, 422, "content_type"),
        "bytes contradict type": (
            {"filename": "a.pdf", "content_base64": _b64(b"hello")},
            422,
            "content_base64",
        ),
        "empty": ({"filename": "a.txt", "content_base64": _b64(b"")}, 422, "content_base64"),
        "too large": (
            {"filename": "a.txt", "content_base64": _b64(b"x" * (10 * 1024 * 1024 + 1))},
            413,
            "content_base64",
        ),
    }
    before = client.get(url, headers=h).json()["count"]
    for name, (body, code, field) in cases.items():
        r = client.post(url, json=body, headers=h)
        assert r.status_code == code, (name, r.text[:200])
        assert any(e["field"] == field for e in r.json()["errors"]), (name, r.json())
    assert client.get(url, headers=h).json()["count"] == before  # nothing stored by refused uploads
    # the park never reads documents; the financier only with a documents grant
    for role in ("park_admin", "regulator", "financier"):
        assert (
            client.get(f"/api/v1/documents/{doc['id']}", headers=bearer(world.token("a", role))).status_code
            == 403
        )


def test_override_without_reason_or_evidence_is_a_field_error(
    client: TestClient, world: World, demo: DemoEnterprise
) -> None:
    h = bearer(world.token("a", "enterprise_admin"))
    inv = client.post(f"/api/v1/enterprises/{demo.enterprise_id}/inventories", json={"year": YEAR}, headers=h)
    assert inv.status_code == 201, inv.text
    line = inv.json()["lines"][0]
    url = f"/api/v1/inventories/{inv.json()['id']}/lines/{line['id']}"
    r = client.patch(url, json={"quantity": 5}, headers=h)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"reason", "evidence_document_id"}
    foreign = client.patch(
        url, json={"quantity": 5, "reason": "x", "evidence_document_id": 2**31 - 1}, headers=h
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "evidence_document_id"
    fine = client.patch(
        url, json={"quantity": 5, "reason": "抄表复核", "evidence_document_id": demo.document_id}, headers=h
    )
    assert fine.status_code == 200 and fine.json()["lines"][0]["quantity"] == 5
    xlsx = client.get(f"/api/v1/inventories/{inv.json()['id']}/report", params={"format": "xlsx"}, headers=h)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert "attachment" in xlsx.headers["content-disposition"]
    assert (
        client.get(
            f"/api/v1/inventories/{inv.json()['id']}/report", headers=bearer(world.token("a", "park_admin"))
        ).status_code
        == 403
    )


def test_source_refuses_a_meter_of_another_enterprise(client: TestClient, world: World) -> None:
    h = bearer(world.token("a", "enterprise_admin"))
    r = client.post(
        f"/api/v1/enterprises/{world.a.enterprise_ids[0]}/sources",
        json={
            "name": "外购电力",
            "carrier": "electricity",
            "unit": "kWh",
            "meter_ids": [world.a.meter_ids[1]],
        },
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "meter_ids"
    r = client.post(
        f"/api/v1/enterprises/{world.a.enterprise_ids[0]}/sources",
        json={"name": "电力（错误单位）", "carrier": "electricity", "unit": "Nm3"},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit"


def test_park_overview_lists_overdue_cases(client: TestClient, world: World, demo: DemoEnterprise) -> None:
    r = client.get(
        f"/api/v1/parks/{world.a.park_id}/mrv/overview",
        params={"overdue": True},
        headers=bearer(world.token("a", "regulator")),
    )
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["data"]] == [demo.case_id]  # the 2025 report was due 31 March 2026
    assert r.json()["data"][0]["overdue"] == "report"
