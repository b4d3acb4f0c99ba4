"""The log's canonical JSON is RFC 8785's: the standard-library fast path for float-free records gives the
bytes of the ``rfc8785`` package (the reference implementation of the RFC's rules used here), and records
the fast path cannot take (floats, large integers, keys beyond the BMP) go to the package itself."""

from __future__ import annotations

import json

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from parkcarbon.services.trust import log

# keys and strings over all of Unicode (control characters, quotes, backslashes, astral characters)
_text = st.text(max_size=12)
_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _text
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, derandomize=True)
@given(st.dictionaries(_text, _values, max_size=6))
def test_the_fast_path_equals_rfc8785(record: dict[str, object]) -> None:
    assert log.canonical(record) == rfc8785.dumps(record)


@settings(max_examples=200, derandomize=True)
@given(st.dictionaries(_text, _values | st.floats(allow_nan=False, allow_infinity=False), max_size=6))
def test_records_with_floats_are_canonicalised_by_the_package(record: dict[str, object]) -> None:
    assert log.canonical(record) == rfc8785.dumps(record)


def test_known_differences_between_python_json_and_rfc8785_are_handled() -> None:
    """RFC 8785 §3.2.2.3 numbers (1.0 → 1, 1e21 → 1e+21) and §3.2.3 key order by UTF-16 code units
    (U+1F600 sorts before U+FF5E, unlike code-point order)."""
    assert log.canonical({"a": 1.0, "b": 1e21}) == b'{"a":1,"b":1e+21}'
    assert log.canonical({"\uff5e": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\uff5e":1}'.encode()
    record = log.LogRecord("k.x", "e", "1", 1, 2, {"f": 0.5, "s": "\u2028\x1f"})
    body = record.body("2026-12-04T00:00:00.000000Z")
    salt = json.loads(body)["salt"]
    assert len(bytes.fromhex(salt)) == 16 and json.loads(record.body("x"))["salt"] != salt  # fresh per leaf
    assert body == rfc8785.dumps({**json_envelope(record, salt), "f": 0.5, "s": "\u2028\x1f"})


def json_envelope(record: log.LogRecord, salt: str) -> dict[str, object]:
    return {
        "v": 1, "kind": record.kind, "entity": record.entity, "entity_id": record.entity_id,
        "park_id": record.park_id, "enterprise_id": record.enterprise_id,
        "logged_at": "2026-12-04T00:00:00.000000Z", "salt": salt,
    }  # fmt: skip
