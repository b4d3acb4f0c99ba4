from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World, bearer
from tests.ingest.conftest import MakeMeter, iso, payload, ts_series


def test_register_batch_roundtrip(client: TestClient, world: World, make_meter: MakeMeter) -> None:
    m = make_meter()
    rows = [
        {"meter_code": m.code, "ts": iso(t), "value": 100.0 + i * 2.5} for i, t in enumerate(ts_series(9))
    ]
    r = client.post(
        "/api/v1/readings",
        content=payload(rows),
        headers={**bearer(world.a.api_key), "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 9, body
    r2 = client.post(
        "/api/v1/readings",
        content=payload(rows),
        headers={**bearer(world.a.api_key), "Content-Type": "application/json"},
    )
    assert r2.json()["duplicates"] == 9, r2.text
    r3 = client.get(
        f"/api/v1/meters/{m.id}/consumption",
        params={"grain": "hour", "start": "2026-11-19T00:00:00Z", "end": "2026-11-21T00:00:00Z"},
        headers=bearer(world.token("a", "enterprise_admin")),
    )
    assert r3.status_code == 200, r3.text
    total = sum(p["consumption"] for p in r3.json()["data"])
    assert total == 8 * 2.5
    r4 = client.get(
        f"/api/v1/parks/{world.a.park_id}/consumption",
        params={
            "grain": "day",
            "start": "2026-11-19T00:00:00Z",
            "end": "2026-11-21T00:00:00Z",
            "group_by": ["enterprise", "carrier"],
        },
        headers=bearer(world.token("a", "park_admin")),
    )
    assert r4.status_code == 200, r4.text
    # one enterprise, one carrier, one local day: the 8 intervals of 2.5 kWh, and their coal equivalent at
    # GB/T 2589-2020 Table A.2's 0.1229 kgce/kWh (equivalent value): 20 kWh × 0.1229 / 1000 = 0.002458 tce
    (cell,) = r4.json()["data"]
    assert (cell["enterprise_id"], cell["carrier"], cell["unit"]) == (m.enterprise_id, "electricity", "kWh")
    assert cell["quantity"] == 20.0
    assert cell["tce"] == 0.002458
