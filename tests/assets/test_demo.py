"""The demo assets: recorded through the ledger's rules, and the planted statement difference is found."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from parkcarbon.demo.assets import demo_registry_statement, seed_assets_demo
from parkcarbon.store.db import Database
from tests.conftest import World, bearer


def test_demo_assets_and_the_difference_to_find(client: TestClient, db: Database, world: World) -> None:
    ent = world.a.enterprise_ids[0]
    demo = seed_assets_demo(db, enterprise_id=ent, year=2025)
    assert len(demo.transaction_ids) == 6
    headers = bearer(world.token("a", "enterprise_admin"))
    r = client.post(
        f"/api/v1/enterprises/{ent}/assets/reconciliation",
        json={
            "filename": "registry.csv",
            "content_base64": base64.b64encode(demo_registry_statement(2025)).decode(),
            "at": "2026-03-31",
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rejected"] == []
    # one lot differs: CCER 800 t in the ledger, 790 t (serials 1-790) on the statement
    assert [(d["kind"], d["lot"]["instrument"]) for d in body["differences"]] == [
        ("quantity", "ccer"),
        ("serials", "ccer"),
    ]
    serials = body["differences"][1]
    assert [(s["start"], s["end"]) for s in serials["ledger_only"]] == [(791, 800)]
    assert body["matched_lots"] == 4
