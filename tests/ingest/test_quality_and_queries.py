"""Data quality (gaps, completeness, estimation, online status, heartbeats) and the consumption queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from parkcarbon.core import activity_coefficients
from parkcarbon.services.intake.mqtt import status_handler
from parkcarbon.services.runtime import Runtime
from tests.conftest import World, bearer
from tests.ingest.conftest import T0, MakeMeter, iso, payload

DAY = {"start": "2026-11-19T16:00:00Z", "end": "2026-11-20T16:00:00Z"}  # 2026-11-20 in Asia/Shanghai


def send(client: TestClient, world: World, rows: list[dict[str, Any]]) -> dict[str, Any]:
    r = client.post("/api/v1/readings", content=payload(rows), headers={**bearer(world.a.api_key),
                    "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def series(code: str, quarters: list[int], value: Any = None) -> list[dict[str, Any]]:
    """Register readings at the given quarter-hours after T0, rising 2.5 kWh per quarter hour."""
    return [
        {"meter_code": code, "ts": iso(T0 + timedelta(minutes=15 * q)), "value": value or 100.0 + 2.5 * q}
        for q in quarters
    ]


def test_gaps_are_found_and_estimated_linearly(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    m = make_meter()
    quarters = [q for q in range(40) if not 10 <= q < 16]  # 6 readings missing
    send(client, world, series(m.code, quarters))
    admin = bearer(world.token("a", "enterprise_admin"))
    window = {"start": iso(T0), "end": iso(T0 + timedelta(hours=10))}
    gaps = client.get(f"/api/v1/meters/{m.id}/gaps", params=window, headers=admin).json()
    assert [(g["start"], g["end"], g["missing"]) for g in gaps] == [
        ("2026-11-20T02:15:00Z", "2026-11-20T04:00:00Z", 6)
    ]
    r = client.post(
        f"/api/v1/meters/{m.id}/gap-estimates", json={**window, "method": "linear"}, headers=admin
    )
    assert r.status_code == 201, r.text
    assert r.json()["accepted"] == 6
    points = client.get(f"/api/v1/meters/{m.id}/readings", params=window, headers=admin).json()["data"]
    estimated = [p for p in points if "estimated" in p["flags"]]
    assert [p["value"] for p in estimated] == [100.0 + 2.5 * q for q in range(10, 16)]  # on the line
    assert client.get(f"/api/v1/meters/{m.id}/gaps", params=window, headers=admin).json() == []
    day = client.get(
        f"/api/v1/meters/{m.id}/consumption", params={"grain": "day", **DAY}, headers=admin
    ).json()
    assert sum(d["consumption"] for d in day["data"]) == pytest.approx(39 * 2.5)
    assert sum(d["estimated"] for d in day["data"]) == pytest.approx(6 * 2.5)


def test_profile_estimation_follows_similar_days(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    m = make_meter()
    # four previous weeks: consumption 1 kWh per quarter hour before 02:00 UTC, 3 kWh after
    rows, value = [], 0.0
    start = T0 - timedelta(days=28)
    for q in range(28 * 96 + 24):
        t = start + timedelta(minutes=15 * q)
        value += 1.0 if t.hour < 2 else 3.0
        if not (t >= T0 + timedelta(hours=1) and t < T0 + timedelta(hours=3)):
            rows.append({"meter_code": m.code, "ts": iso(t), "value": value})
    send(client, world, rows)
    admin = bearer(world.token("a", "enterprise_admin"))
    window = {"start": iso(T0), "end": iso(T0 + timedelta(hours=6))}
    r = client.post(
        f"/api/v1/meters/{m.id}/gap-estimates", json={**window, "method": "profile"}, headers=admin
    )
    assert r.status_code == 201, r.text
    assert r.json()["accepted"] == 8
    points = client.get(f"/api/v1/meters/{m.id}/readings", params=window, headers=admin).json()["data"]
    deltas = [p["delta"] for p in points if "estimated" in p["flags"]]
    # the gap 00:45–03:00 UTC: 1 kWh quarters until 02:00, then 3 kWh — the shape of similar days
    assert deltas == pytest.approx([1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0])


def test_completeness_and_online_status(
    client: TestClient, world: World, runtime: Runtime, make_meter: MakeMeter
) -> None:
    full, half = make_meter(), make_meter(enterprise_id=world.a.enterprise_ids[1])
    send(client, world, series(full.code, list(range(97))))  # one day of 15-minute readings
    send(client, world, series(half.code, list(range(0, 97, 2))))  # every other one
    staff = bearer(world.token("a", "park_analyst"))
    params = {"start": iso(T0), "end": iso(T0 + timedelta(days=1))}
    r = client.get(f"/api/v1/parks/{world.a.park_id}/data-quality", params=params, headers=staff)
    assert r.status_code == 200, r.text
    report = r.json()
    by_meter = {q["meter_id"]: q for q in report["meters"]}
    assert by_meter[full.id]["completeness_pct"] == pytest.approx(100.0)
    assert by_meter[half.id]["interval_s"] == 1800
    ents = {e["enterprise_id"]: e for e in report["enterprises"]}
    assert ents[world.a.enterprise_ids[0]]["completeness_pct"] is not None
    status = client.get(f"/api/v1/parks/{world.a.park_id}/meter-status", headers=staff).json()
    mine = {s["meter_id"]: s for s in status}
    assert mine[full.id]["online"] is True  # data arrived just now
    assert mine[full.id]["last_reading_at"] == iso(T0 + timedelta(minutes=15 * 96)).replace("+00:00", "Z")
    silent = make_meter()
    again = client.get(f"/api/v1/parks/{world.a.park_id}/meter-status", headers=staff).json()
    assert {s["meter_id"]: s for s in again}[silent.id]["online"] is False


def test_gateway_heartbeat_is_recorded(client: TestClient, world: World, runtime: Runtime) -> None:
    handle = status_handler(runtime)
    device = {"device": "sdm630-1", "status": "offline", "last_ok": None, "last_error": "timeout"}
    beat = {"gateway": "gw-7", "status": "online", "ts": "2026-11-20T08:00:00+08:00", "devices": [device]}
    handle(world.a.code, "gw-7", orjson.dumps(beat))
    handle(world.a.code, "gw-7", b"not json")  # ignored, logged
    handle("no-such-park", "gw-7", orjson.dumps(beat))  # ignored
    gws = client.get(
        f"/api/v1/parks/{world.a.park_id}/gateways", headers=bearer(world.token("a", "park_admin"))
    ).json()
    assert [(g["gateway"], g["status"], g["online"]) for g in gws] == [("gw-7", "online", True)]
    assert gws[0]["devices"][0]["status"] == "offline"


def test_park_consumption_by_enterprise_with_tce_tco2e_and_lineage(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    e0, e1 = world.a.enterprise_ids[0], world.a.enterprise_ids[1]
    m0 = make_meter(enterprise_id=e0)
    m1 = make_meter(enterprise_id=e1, unit="MWh")
    sub = make_meter(enterprise_id=e0, parent_id=m0.id)  # a sub-meter: not added to the totals
    send(client, world, series(m0.code, list(range(5))))  # 10 kWh
    later = iso(T0 + timedelta(hours=1))
    send(client, world, [{"meter_code": m1.code, "ts": iso(T0), "value": 1.0},
                         {"meter_code": m1.code, "ts": later, "value": 1.5}])  # fmt: skip
    send(client, world, series(sub.code, list(range(5))))
    r = client.get(
        f"/api/v1/parks/{world.a.park_id}/consumption",
        params={"grain": "day", **DAY, "group_by": ["enterprise", "carrier"]},
        headers=bearer(world.token("a", "park_analyst")),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {(d["enterprise_id"], d["label"]): d for d in body["data"]}
    own = rows[(e0, "2026-11-20")]
    other = rows[(e1, "2026-11-20")]
    assert (own["quantity"], own["unit"]) == (pytest.approx(10.0), "kWh")
    assert other["quantities"]["electricity"]["quantity"] == pytest.approx(500.0)  # 0.5 MWh in kWh
    coef = activity_coefficients("electricity", "kWh", year=2026, region="CN-JS")
    assert own["tce"] == pytest.approx(10.0 * coef.tce_per_unit)
    assert own["tco2e"] == pytest.approx(10.0 * coef.tco2e_per_unit)
    used = {(c["carrier"], c["unit"]) for c in body["coefficients"]}
    assert ("electricity", "kWh") in used and ("electricity", "MWh") in used
    assert all(c["lineage"]["factors"] for c in body["coefficients"])
    hourly = client.get(
        f"/api/v1/parks/{world.a.park_id}/consumption",
        params={"grain": "hour", **DAY, "group_by": ["enterprise"], "enterprise_id": e0},
        headers=bearer(world.token("a", "enterprise_member")),
    ).json()
    assert sum(d["quantities"]["electricity"]["quantity"] for d in hourly["data"]) == pytest.approx(10.0)


def test_meter_series_needs_meter_data_rights(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    shared = make_meter(
        enterprise_id=world.a.enterprise_ids[0]
    )  # this enterprise granted meter_data to the park
    private = make_meter(enterprise_id=world.a.enterprise_ids[1])
    staff = bearer(world.token("a", "park_analyst"))
    assert client.get(f"/api/v1/meters/{shared.id}/readings", headers=staff).status_code == 200
    assert client.get(f"/api/v1/meters/{private.id}/readings", headers=staff).status_code == 403
    r = client.get(
        f"/api/v1/parks/{world.a.park_id}/consumption",
        params={"group_by": ["meter"], "enterprise_id": world.a.enterprise_ids[1]},
        headers=staff,
    )
    assert r.status_code == 403
    # late data: a reading long after its time is flagged, and the day's bucket follows
    old = datetime.now(UTC) - timedelta(days=3)
    body = send(client, world, [{"meter_code": shared.code, "ts": iso(old), "value": 1.0}])
    assert any("late" in w for w in body["warnings"])
