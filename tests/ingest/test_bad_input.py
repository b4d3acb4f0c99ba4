"""Bad input to ``POST /api/v1/readings``, case by case, on SQLite and PostgreSQL.

Every refused row comes back with its reason; accepted rows are kept; nothing is dropped silently.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from parkcarbon.services.runtime import Runtime
from tests.conftest import World, bearer
from tests.ingest.conftest import T0, MakeMeter, iso, payload

URL = "/api/v1/readings"


def post(
    client: TestClient, world: World, body: bytes, ctype: str = "application/json", **headers: str
) -> Any:
    return client.post(
        URL, content=body, headers={**bearer(world.a.api_key), "Content-Type": ctype, **headers}
    )


def stored(client: TestClient, world: World, meter_id: int) -> list[dict[str, Any]]:
    r = client.get(
        f"/api/v1/meters/{meter_id}/readings",
        params={"start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"},
        headers=bearer(world.token("a", "enterprise_admin")),
    )
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def good(code: str, i: int = 0, value: float = 100.0) -> dict[str, Any]:
    return {"meter_code": code, "ts": iso(T0 + timedelta(minutes=15 * i)), "value": value}


def reasons(body: dict[str, Any]) -> dict[int, str]:
    return {r["row"]: f"{r['field']}: {r['reason']}" for r in body["rejected"]}


def test_malformed_json_is_refused_as_a_whole(client: TestClient, world: World) -> None:
    r = post(client, world, b'{"readings": [{"meter_code": "x", "ts": ')
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "malformed JSON" in r.json()["detail"]
    r = post(client, world, b'[{"meter_code": "x"}]')
    assert r.status_code == 400 and "readings" in r.json()["detail"]


def test_malformed_csv_header_is_refused(client: TestClient, world: World) -> None:
    r = post(client, world, b"code;time;val\nE01;2026;1\n", "text/csv")
    assert r.status_code == 400
    assert "unknown CSV column" in r.json()["detail"]
    r = post(client, world, b"", "text/csv")
    assert r.status_code == 400 and "empty" in r.json()["detail"]


def test_unsupported_media_type(client: TestClient, world: World) -> None:
    r = post(client, world, b"<readings/>", "application/xml")
    assert r.status_code == 415
    assert r.headers["content-type"].startswith("application/problem+json")


def test_unknown_meter_is_a_row_rejection_and_good_rows_are_kept(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    m = make_meter()
    r = post(client, world, payload([good(m.code, 0), good("NO-SUCH-METER", 0), good(m.code, 1, 101.0)]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 2
    assert reasons(body) == {1: "meter_code: meter NO-SUCH-METER is unknown or not in this key's scope"}
    assert body["rejected"][0]["meter_code"] == "NO-SUCH-METER"
    assert [p["value"] for p in stored(client, world, m.id)] == [100.0, 101.0]


def test_a_meter_code_with_a_nul_byte_is_an_unknown_meter(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    """PostgreSQL refuses NUL in text: the row is rejected with its reason, not a 500 (schemathesis)."""
    m = make_meter()
    r = post(client, world, payload([good(m.code, 0), good("\x00", 0)]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 1
    assert reasons(body) == {1: "meter_code: meter \x00 is unknown or not in this key's scope"}
    assert [p["value"] for p in stored(client, world, m.id)] == [100.0]


def test_meter_outside_the_key_scope_reads_like_an_unknown_meter(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    foreign = make_meter("b")
    r = post(client, world, payload([good(foreign.code, 0)]))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    err = r.json()["errors"][0]
    assert err["row"] == 0
    assert err["reason"] == f"meter {foreign.code} is unknown or not in this key's scope"
    # by id as well
    r = post(client, world, payload([{"meter_id": foreign.id, "ts": iso(T0), "value": 1.0}]))
    assert r.status_code == 422
    assert r.json()["errors"][0]["reason"] == f"meter {foreign.id} is unknown or not in this key's scope"


def test_enterprise_admin_token_writes_only_its_enterprise(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    own = make_meter(enterprise_id=world.a.enterprise_ids[0])
    other = make_meter(enterprise_id=world.a.enterprise_ids[1])
    r = client.post(
        URL,
        content=payload([good(own.code), good(other.code)]),
        headers={**bearer(world.token("a", "enterprise_admin")), "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1
    assert reasons(r.json()) == {1: f"meter_code: meter {other.code} is unknown or not in your scope"}


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("t", "unit 't' is not a unit of the meter's quantity (kWh)"),
        ("kW", "unknown unit 'kW'; this meter records kWh"),
        ("m3", "unit 'm3' is not a unit of the meter's quantity (kWh)"),
    ],
)
def test_wrong_units(
    client: TestClient, world: World, make_meter: MakeMeter, unit: str, expected: str
) -> None:
    m = make_meter()
    r = post(client, world, payload([good(m.code, 0), {**good(m.code, 1), "unit": unit}]))
    assert r.status_code == 200
    assert reasons(r.json()) == {1: f"unit: {expected}"}


def test_units_are_converted_at_intake(client: TestClient, world: World, make_meter: MakeMeter) -> None:
    m = make_meter()
    r = post(
        client,
        world,
        payload([{**good(m.code, 0, 1_000_000.0), "unit": "Wh"}, {**good(m.code, 1, 1.5), "unit": "MWh"}]),
    )
    assert r.json()["accepted"] == 2, r.text
    assert [p["value"] for p in stored(client, world, m.id)] == [1000.0, 1500.0]


def test_m3_to_nm3_needs_declared_gas_conditions(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    m = make_meter(carrier="natural_gas", unit="Nm3")
    r = post(client, world, payload([{**good(m.code, 0, 100.0), "unit": "m3"}]))
    assert r.status_code == 422
    assert "declares no gas conditions" in r.json()["errors"][0]["reason"]
    r = client.put(
        f"/api/v1/meters/{m.id}/gas-conditions",
        json={"temperature_c": 20.0, "pressure_kpa_abs": 201.325},
        headers=bearer(world.token("a", "park_admin")),
    )
    assert r.status_code == 200, r.text
    r = post(client, world, payload([{**good(m.code, 0, 100.0), "unit": "m3"}]))
    assert r.json()["accepted"] == 1, r.text
    # ideal gas: V_n = V × (p / 101.325 kPa) × (273.15 K / (273.15 K + t)); 100 m3 at 20 °C, 201.325 kPa
    expected = 100.0 * (201.325 / 101.325) * (273.15 / 293.15)
    assert stored(client, world, m.id)[0]["value"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("kind", ["cumulative", "REGISTER", "", 1])
def test_unknown_kind_in_json(client: TestClient, world: World, make_meter: MakeMeter, kind: Any) -> None:
    m = make_meter()
    rows = [
        {**good(m.code, 0), "kind": "register"},
        {**good(m.code, 1, 101.0), "kind": kind},
        good(m.code, 2, 102.0),
    ]
    r = post(client, world, payload(rows))
    assert r.status_code == 200, r.text
    assert reasons(r.json()) == {1: "kind: must be one of register, interval, instant"}
    assert [p["value"] for p in stored(client, world, m.id)] == [100.0, 102.0]


@pytest.mark.parametrize("value", ['"12.5"', '"abc"', "true", "null", "[1]"])
def test_non_numeric_values_in_json(
    client: TestClient, world: World, make_meter: MakeMeter, value: str
) -> None:
    m = make_meter()
    body = (
        b'{"readings": [{"meter_code": "' + m.code.encode() + b'", "ts": "' + iso(T0).encode()
        + b'", "value": 1.0}, {"meter_code": "' + m.code.encode() + b'", "ts": "'
        + iso(T0 + timedelta(minutes=15)).encode() + b'", "value": ' + value.encode() + b"}]}"
    )  # fmt: skip
    r = post(client, world, body)
    assert r.status_code == 200, r.text
    rej = r.json()["rejected"]
    assert [(x["row"], x["field"]) for x in rej] == [(1, "value")]
    assert r.json()["accepted"] == 1


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_in_json(
    client: TestClient, world: World, make_meter: MakeMeter, token: str
) -> None:
    m = make_meter()
    body = (
        b'{"readings": [{"meter_code": "' + m.code.encode() + b'", "ts": "' + iso(T0).encode()
        + b'", "value": ' + token.encode() + b"}, " + orjson.dumps(good(m.code, 1)) + b"]}"
    )  # fmt: skip
    r = post(client, world, body)
    assert r.status_code == 200, r.text
    assert reasons(r.json())[0].startswith("value: must be a finite number")
    assert r.json()["accepted"] == 1


def test_csv_body_with_bad_rows(client: TestClient, world: World, make_meter: MakeMeter) -> None:
    m = make_meter()
    lines = [
        "meter_code,ts,value,unit,kind",
        f"{m.code},{iso(T0)},100,kWh,register",
        f"{m.code},{iso(T0 + timedelta(minutes=15))},abc,kWh,register",
        f"{m.code},{iso(T0 + timedelta(minutes=30))},nan,kWh,register",
        f"{m.code},{iso(T0 + timedelta(minutes=45))},inf,kWh,register",
        f"{m.code},{iso(T0 + timedelta(minutes=60))},101,kWh",
        f"{m.code},not-a-time,102,kWh,register",
        f"{m.code},{iso(T0 + timedelta(minutes=75))},103,kWh,interval",
    ]
    r = post(client, world, ("\n".join(lines) + "\n").encode(), "text/csv")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 1
    got = {x["row"]: (x["field"], x["line"]) for x in body["rejected"]}
    assert got == {
        1: ("value", 3),
        2: ("value", 4),
        3: ("value", 5),
        4: ("row", 6),
        5: ("ts", 7),
        6: ("kind", 8),
    }
    assert reasons(body)[4] == "row: has 4 fields, the header has 5"
    assert "must be a number" in reasons(body)[1]
    assert "kind interval does not match the meter's kind register" in reasons(body)[6]


def test_timestamp_without_offset_is_read_in_the_park_timezone(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    m = make_meter()
    r = post(client, world, payload([{"meter_code": m.code, "ts": "2026-11-20T08:00:00", "value": 5.0}]))
    assert r.status_code == 200, r.text
    assert any("no UTC offset" in w and "Asia/Shanghai" in w for w in r.json()["warnings"])
    point = stored(client, world, m.id)[0]
    assert point["ts"] == "2026-11-20T00:00:00Z"  # 08:00 in Asia/Shanghai (UTC+8)
    assert "tz_assumed" in point["flags"]


def test_far_future_and_ancient_timestamps(client: TestClient, world: World, make_meter: MakeMeter) -> None:
    m = make_meter()
    future = datetime.now(UTC) + timedelta(days=3)
    r = post(
        client,
        world,
        payload(
            [
                good(m.code),
                {**good(m.code), "ts": iso(future)},
                {**good(m.code), "ts": "1990-01-01T00:00:00Z"},
            ]
        ),
    )
    assert r.status_code == 200
    assert reasons(r.json()) == {
        1: "ts: is in the future (more than 5 minutes ahead)",
        2: "ts: is before 2000-01-01",
    }


def test_duplicated_rows_within_one_batch(client: TestClient, world: World, make_meter: MakeMeter) -> None:
    m = make_meter()
    rows = [
        good(m.code, 0, 1.0),
        good(m.code, 0, 1.0),
        good(m.code, 1, 2.0),
        good(m.code, 1, 3.0),
        good(m.code, 2),
    ]
    r = post(client, world, payload(rows))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 2  # ts 0 once, ts 2
    assert body["duplicates"] == 1
    assert set(reasons(body)) == {2, 3}
    assert "with a different value" in reasons(body)[3]


def test_batch_larger_than_the_limit(
    client: TestClient, world: World, runtime: Runtime, make_meter: MakeMeter
) -> None:
    m = make_meter()
    small = Runtime(settings=runtime.settings.model_copy(update={"ingest_max_batch": 3}), db=runtime.db)
    client.app.state.runtime = small  # type: ignore[attr-defined]
    r = post(client, world, payload([good(m.code, i) for i in range(4)]))
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "limit of 3" in r.json()["detail"]
    csv = "meter_code,ts,value\n" + "".join(f"{m.code},{iso(T0)},{i}\n" for i in range(4))
    r = post(client, world, csv.encode(), "text/csv")
    assert r.status_code == 413


def test_gzip_bodies(client: TestClient, world: World, make_meter: MakeMeter) -> None:
    m = make_meter()
    body = gzip.compress(payload([good(m.code, 0), good(m.code, 1, 101.0)]))
    r = post(client, world, body, **{"Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text
    r = post(client, world, body[:20], **{"Content-Encoding": "gzip"})
    assert r.status_code == 400
    r = post(client, world, b"abc", **{"Content-Encoding": "br"})
    assert r.status_code == 415


def test_resending_is_harmless_and_a_different_value_is_a_correction(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    m = make_meter()
    rows = [good(m.code, i, 100.0 + i) for i in range(4)]
    assert post(client, world, payload(rows)).json()["accepted"] == 4
    again = post(client, world, payload(rows)).json()
    assert (again["accepted"], again["duplicates"], again["corrections"]) == (0, 4, 0)
    fixed = post(client, world, payload([good(m.code, 2, 102.5)])).json()
    assert (fixed["accepted"], fixed["corrections"]) == (0, 1)
    r = client.get(f"/api/v1/meters/{m.id}/revisions", headers=bearer(world.token("a", "enterprise_admin")))
    rev = r.json()
    assert len(rev) == 1
    assert (rev[0]["old_value"], rev[0]["new_value"]) == (102.0, 102.5)
    assert rev[0]["changed_by"].startswith("api-key:")
    points = stored(client, world, m.id)
    assert [p["delta"] for p in points] == [None, 1.0, 1.5, 0.5]
    assert "corrected" in points[2]["flags"]


def test_negative_deltas_and_impossible_jumps_are_flagged_and_excluded(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    m = make_meter(rated_capacity_per_hour=40.0)  # at most 10 kWh per 15 min
    values = [100.0, 105.0, 103.0, 108.0, 500.0, 505.0]
    r = post(client, world, payload([good(m.code, i, v) for i, v in enumerate(values)]))
    assert r.status_code == 200 and r.json()["flagged"] == 2, r.text
    points = stored(client, world, m.id)
    assert "negative" in points[2]["flags"] and points[2]["delta"] == -2.0
    assert "jump" in points[4]["flags"] and points[4]["delta"] == 392.0
    r = client.get(
        f"/api/v1/meters/{m.id}/consumption",
        params={"grain": "day", "start": "2026-11-19T00:00:00Z", "end": "2026-11-21T00:00:00Z"},
        headers=bearer(world.token("a", "enterprise_admin")),
    )
    day = r.json()["data"]
    assert sum(d["consumption"] for d in day) == 5.0 + 5.0 + 5.0  # the flagged -2 and 392 are excluded
    assert sum(d["flagged"] for d in day) == 2


def test_counter_rollover_and_meter_replacement(
    client: TestClient, world: World, make_meter: MakeMeter
) -> None:
    m = make_meter(register_max=10_000.0, multiplier=2.0)
    rows = [good(m.code, 0, 9_990.0), good(m.code, 1, 5.0), good(m.code, 2, 12.0)]
    rows.append({**good(m.code, 3, 0.5), "flags": ["replaced"]})
    rows.append(good(m.code, 4, 3.5))
    r = post(client, world, payload(rows))
    assert r.status_code == 200 and r.json()["flagged"] == 0, r.text
    points = stored(client, world, m.id)
    assert [p["delta"] for p in points] == [None, 30.0, 14.0, None, 6.0]  # × CT/PT ratio 2
    assert "wrapped" in points[1]["flags"]
    assert "replaced" in points[3]["flags"]
