"""Body parsing: the msgspec fast path and the generic path give the same rows."""

from __future__ import annotations

import orjson
import pytest

from parkcarbon.ingest import parse
from parkcarbon.ingest.errors import BatchTooLarge, MalformedBody

ROWS = [
    {"meter_code": "A", "ts": "2026-01-01T00:00:00+08:00", "value": 1.5, "unit": "kWh", "kind": "register"},
    {"meter_id": 7, "ts": "2026-01-01T00:15:00+08:00", "value": 2, "flags": ["estimated"]},
]


def test_fast_and_generic_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    body = orjson.dumps({"gateway": "g", "batch_id": "b", "readings": ROWS})
    fast = parse.parse_json(body, max_rows=10)
    monkeypatch.setattr(parse, "_DECODER", None)
    generic = parse.parse_json(body, max_rows=10)
    for name in ("meter_code", "meter_id", "ts", "value", "unit", "kind", "flags", "gateway", "batch_id"):
        assert getattr(fast, name) == getattr(generic, name), name


def test_limits_and_malformed_bodies() -> None:
    with pytest.raises(BatchTooLarge):
        parse.parse_json(orjson.dumps({"readings": ROWS}), max_rows=1)
    with pytest.raises(MalformedBody, match="not UTF-8"):
        parse.parse_json(b'{"readings": [{"ts": "\xff"}]}', max_rows=10)
    with pytest.raises(MalformedBody, match="must be a string"):
        parse.parse_json(b'{"gateway": 5, "readings": []}', max_rows=10)
    with pytest.raises(BatchTooLarge):
        parse.decode_body(parse.gzip_bytes(b" " * 5000), content_encoding="gzip", max_rows=2)


def test_absent_fields_shortcut_respects_escaped_keys() -> None:
    plain = parse.parse_json(
        b'{"readings": [{"meter_code": "A", "ts": "2026-01-01T00:00:00Z", "value": 1}]}', max_rows=5
    )
    assert plain.absent == frozenset({"meter_id", "unit", "kind", "flags"})
    row = b'{"meter_code": "A", "ts": "2026-01-01T00:00:00Z", "value": 1, "\\u0066lags": ["estimated"]}'
    escaped = parse.parse_json(b'{"readings": [' + row + b"]}", max_rows=5)
    assert escaped.flags == [["estimated"]]
    # any backslash (here an escaped quote in a value, not in a key) turns the shortcut off: every
    # column is read from the rows
    quoted = parse.parse_json(
        b'{"readings": [{"meter_code": "A\\"1", "ts": "2026-01-01T00:00:00Z", "value": 1}]}', max_rows=5
    )
    assert quoted.absent == frozenset() and quoted.meter_code == ['A"1'] and quoted.flags == [None]


def test_distinct_values_of_a_column() -> None:
    batch = parse.parse_json(orjson.dumps({"readings": [ROWS[0], ROWS[0], ROWS[1]]}), max_rows=10)
    assert batch.distinct("meter_code") == {"A", None}
    assert batch.distinct("meter_code") is batch.distinct("meter_code")  # computed once
    absent = parse.parse_json(orjson.dumps({"readings": [ROWS[0]]}), max_rows=10)
    assert absent.distinct("meter_id") == {None}
    unhashable = parse.parse_json(b'{"readings": [{"meter_code": ["A"], "ts": "x", "value": 1}]}', max_rows=5)
    assert unhashable.distinct("meter_code") is None
