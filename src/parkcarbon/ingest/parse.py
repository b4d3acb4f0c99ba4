"""Reading the body of a readings batch: JSON (the gateway contract) or CSV, optionally gzip-compressed.

The result is columnar (:class:`RawBatch`): one list per field, one entry per row, plus the rows that
could not be read at all with their reason. Nothing is validated against meters here.

JSON is decoded on a fast path with :mod:`msgspec` against the contract's types; if that fails (a
string where a number belongs, ``NaN``, a missing field …) the body is decoded again generically so
that every row gets its own reason and every good row is kept.
"""

from __future__ import annotations

import gzip
import json
import math
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import orjson

try:  # the fast path; without msgspec every body takes the generic (slower) path
    import msgspec
except ImportError:  # pragma: no cover - msgspec is a declared dependency
    msgspec = None  # type: ignore[assignment]

from parkcarbon import sheets
from parkcarbon.ingest.errors import BatchTooLarge, DecompressionBusy, MalformedBody, UnsupportedMediaType
from parkcarbon.ingest.model import Kind

__all__ = ["Claim", "DecompressionBudget", "RawBatch", "decode_body", "parse_csv", "parse_json"]

#: The reason given for a JSON body whose arrays/objects nest deeper than the decoders allow.
NESTED_TOO_DEEPLY = "the JSON body is nested too deeply (more than a few hundred levels of [ or {)"
#: Largest decompressed body accepted, per row of the batch limit [bytes].
BYTES_PER_ROW_LIMIT = 1024


@dataclass
class RawBatch:
    """Rows of a batch as sent, one list per field.

    Attributes
    ----------
    meter_code, meter_id, ts, value, unit, kind, flags
        One entry per row (``None`` when absent); types are whatever the body held.
    errors
        Row index → ``(field, reason)`` for rows that are unusable as sent.
    lines
        For CSV, the 1-based line of each row in the file (for reports); empty for JSON.
    gateway, batch_id
        Optional envelope fields of the JSON contract.
    absent
        Optional fields that no row has (their columns are all ``None``).
    typed
        Every ``ts`` is a ``str`` and every ``value`` a ``float`` (the JSON fast path decoded them
        against the contract's types), so validation need not check each entry's type.
    """

    meter_code: list[Any] = field(default_factory=list)
    meter_id: list[Any] = field(default_factory=list)
    ts: list[Any] = field(default_factory=list)
    value: list[Any] = field(default_factory=list)
    unit: list[Any] = field(default_factory=list)
    kind: list[Any] = field(default_factory=list)
    flags: list[Any] = field(default_factory=list)
    errors: dict[int, tuple[str, str]] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)
    gateway: str | None = None
    batch_id: str | None = None
    absent: frozenset[str] = frozenset()
    typed: bool = False
    _distinct: dict[str, frozenset[Any] | None] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ts)

    def distinct(self, name: str) -> frozenset[Any] | None:
        """The distinct values of column ``name`` (``None`` when one is unhashable), computed once:
        the meter look-up and validation both need those of ``meter_code``."""
        if name not in self._distinct:
            column = [None] if name in self.absent else getattr(self, name)
            try:
                self._distinct[name] = frozenset(column)
            except TypeError:
                self._distinct[name] = None
        return self._distinct[name]


# ---------------------------------------------------------------------------------------------- bodies


class DecompressionBudget:
    """The decompressed bytes all requests of a process may hold at once [bytes] (thread-safe).

    A gzip body is small on the wire and large in memory; the per-request cap alone lets a few dozen
    concurrent uploads of "zip bombs" fill the memory. Each request takes its bytes through a
    :meth:`claim`, which gives them back when the request is done.
    """

    def __init__(self, total_bytes: int) -> None:
        self.total_bytes = total_bytes
        self.in_use = 0
        self._lock = threading.Lock()

    def _take(self, n: int) -> bool:
        with self._lock:
            if self.in_use + n > self.total_bytes:
                return False
            self.in_use += n
            return True

    def _give_back(self, n: int) -> None:
        with self._lock:
            self.in_use -= n

    @contextmanager
    def claim(self) -> Iterator[Claim]:
        """A claim on the budget for one request; everything taken is given back on exit."""
        c = Claim(self)
        try:
            yield c
        finally:
            self._give_back(c.held)


class Claim:
    """The bytes one request holds of a :class:`DecompressionBudget`."""

    def __init__(self, budget: DecompressionBudget) -> None:
        self.budget = budget
        self.held = 0

    def take(self, n: int) -> None:
        """Hold ``n`` more bytes.

        Raises
        ------
        DecompressionBusy
            The process-wide budget is used up by other requests; retry shortly.
        """
        if not self.budget._take(n):
            raise DecompressionBusy(
                f"the server is decompressing {self.budget.total_bytes} bytes for other requests "
                "(PARKCARBON_INGEST_DECOMPRESSED_TOTAL_BYTES); retry shortly",
                field="Content-Encoding",
            )
        self.held += n

    def give_back(self, n: int) -> None:
        """Release ``n`` of the bytes held (a step that produced less than it took)."""
        n = min(n, self.held)
        self.budget._give_back(n)
        self.held -= n


#: Bytes decompressed per step, taken from the claim before the step runs (the unused rest is given back).
_GZIP_STEP = 64 * 1024


def decode_body(
    body: bytes,
    *,
    content_encoding: str | None,
    max_rows: int,
    max_bytes: int | None = None,
    claim: Claim | None = None,
) -> bytes:
    """Undo ``Content-Encoding: gzip`` (or a gzip body sent without the header), with size caps.

    The decompressed body may hold at most ``max_rows × 1 KiB`` and at most ``max_bytes``; with a
    ``claim`` its bytes are also taken, step by step, from the process-wide budget.

    Raises
    ------
    MalformedBody
        The gzip stream is corrupt.
    UnsupportedMediaType
        An encoding other than gzip / identity.
    BatchTooLarge
        The decompressed body exceeds the caps.
    DecompressionBusy
        The claim's budget is used up by other requests.
    """
    limit = max(max_rows, 1) * BYTES_PER_ROW_LIMIT
    if max_bytes is not None:
        limit = min(limit, max_bytes)
    encoding = (content_encoding or "identity").strip().lower()
    if encoding not in {"gzip", "x-gzip", "identity", ""}:
        raise UnsupportedMediaType(
            f"Content-Encoding {content_encoding!r} is not supported; send gzip or no encoding",
            field="Content-Encoding",
        )
    if encoding in {"gzip", "x-gzip"} or body[:2] == b"\x1f\x8b":
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            parts: list[bytes] = []
            size = 0
            pending = body
            while True:
                step = min(_GZIP_STEP, limit + 1 - size)
                if claim is not None:
                    claim.take(step)
                part = d.decompress(pending, step)
                if claim is not None:
                    claim.give_back(step - len(part))
                pending = d.unconsumed_tail
                parts.append(part)
                size += len(part)
                if size > limit:
                    raise BatchTooLarge(
                        f"the decompressed body exceeds {limit} bytes; split the batch", limit=max_rows
                    )
                if d.eof or (not pending and len(part) < step):
                    break  # the end of the stream, or of the input with nothing left to flush
            if not d.eof:
                raise MalformedBody("the gzip stream is truncated")
        except zlib.error as exc:
            raise MalformedBody(f"the body is not valid gzip: {exc}") from exc
        return b"".join(parts)
    if len(body) > limit:
        raise BatchTooLarge(f"the body exceeds {limit} bytes; split the batch", limit=max_rows)
    return body


# ------------------------------------------------------------------------------------------------ JSON


if msgspec is not None:

    class _Row(msgspec.Struct, gc=False, forbid_unknown_fields=False):
        ts: str
        value: float
        meter_code: str | None = None
        meter_id: int | None = None
        unit: str | None = None
        # a Literal decodes to shared objects (validation's "all the same kind" check compares by
        # identity); an unknown kind takes the generic path, which reports it per row
        kind: Kind | None = None
        flags: list[str] | None = None

    class _Batch(msgspec.Struct, gc=False):
        readings: list[_Row]
        gateway: str | None = None
        batch_id: str | None = None

    _DECODER = msgspec.json.Decoder(_Batch)
else:  # pragma: no cover
    _DECODER = None


class _NonFinite(float):
    """A ``NaN``/``Infinity`` token of a non-standard JSON body (kept to report the row)."""


def _non_finite(token: str) -> float:
    return _NonFinite({"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[token])


#: Longest ``gateway`` and ``batch_id`` accepted (as documented in the OpenAPI schema of the batch).
META_MAX_LENGTH = {"gateway": 64, "batch_id": 128}


def parse_json(body: bytes, *, max_rows: int) -> RawBatch:
    """Parse the gateway JSON contract into a :class:`RawBatch`.

    Raises
    ------
    MalformedBody
        Not JSON, not an object, no ``readings`` list, or an over-long ``gateway`` / ``batch_id``.
    BatchTooLarge
        More than ``max_rows`` readings.
    """
    batch = _parse_json(body, max_rows=max_rows)
    for key, limit in META_MAX_LENGTH.items():
        value = getattr(batch, key)
        if value is not None and len(value) > limit:
            raise MalformedBody(f"{key} is longer than {limit} characters", field=key)
    return batch


def _parse_json(body: bytes, *, max_rows: int) -> RawBatch:
    if _DECODER is None:  # pragma: no cover
        return _parse_json_slow(body, max_rows=max_rows)
    try:
        fast = _DECODER.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return _parse_json_slow(body, max_rows=max_rows)
    rows = fast.readings
    if len(rows) > max_rows:
        raise BatchTooLarge(
            f"{len(rows)} readings exceed the limit of {max_rows}; split the batch", limit=max_rows
        )
    n = len(rows)
    # an optional key that appears nowhere in the body is absent from every row: skip its column (not
    # when the body has a backslash: an escape could spell a key differently; a one-byte search is cheap)
    absent = frozenset() if b"\\" in body else frozenset(k for k in _OPTIONAL if _KEY_BYTES[k] not in body)
    return RawBatch(
        meter_code=[None] * n if "meter_code" in absent else list(map(_get_code, rows)),
        meter_id=[None] * n if "meter_id" in absent else list(map(_get_id, rows)),
        ts=list(map(_get_ts, rows)),
        value=list(map(_get_value, rows)),
        unit=[None] * n if "unit" in absent else list(map(_get_unit, rows)),
        kind=[None] * n if "kind" in absent else list(map(_get_kind, rows)),
        flags=[None] * n if "flags" in absent else list(map(_get_flags, rows)),
        gateway=fast.gateway,
        batch_id=fast.batch_id,
        absent=absent,
        typed=True,
    )


_OPTIONAL = ("meter_code", "meter_id", "unit", "kind", "flags")
_KEY_BYTES = {k: f'"{k}"'.encode() for k in _OPTIONAL}
_get_code, _get_id, _get_ts, _get_value, _get_unit, _get_kind, _get_flags = (
    attrgetter(a) for a in ("meter_code", "meter_id", "ts", "value", "unit", "kind", "flags")
)


_LOAD_FAILED = object()


def _parse_json_slow(body: bytes, *, max_rows: int) -> RawBatch:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        doc = _LOAD_FAILED
    try:
        if doc is _LOAD_FAILED:  # NaN / Infinity tokens (not JSON, but common): read them to report the rows
            doc = json.loads(body, parse_constant=_non_finite)
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"the body is not UTF-8: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise MalformedBody(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise MalformedBody(NESTED_TOO_DEEPLY) from exc
    if not isinstance(doc, dict):
        raise MalformedBody('the body must be a JSON object {"readings": [...]}')
    readings = doc.get("readings")
    if not isinstance(readings, list):
        raise MalformedBody('the body must have a "readings" list', field="readings")
    if len(readings) > max_rows:
        raise BatchTooLarge(
            f"{len(readings)} readings exceed the limit of {max_rows}; split the batch", limit=max_rows
        )
    out = RawBatch()
    for key in ("gateway", "batch_id"):
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            raise MalformedBody(f"{key} must be a string", field=key)
        setattr(out, key, value)
    for i, item in enumerate(readings):
        if not isinstance(item, dict):
            out.errors[i] = ("readings", "each reading must be a JSON object")
            item = {}
        value = item.get("value")
        if isinstance(value, _NonFinite):
            value = float(value)
        out.meter_code.append(item.get("meter_code"))
        out.meter_id.append(item.get("meter_id"))
        out.ts.append(item.get("ts"))
        out.value.append(value)
        out.unit.append(item.get("unit"))
        out.kind.append(item.get("kind"))
        out.flags.append(item.get("flags"))
    return out


# ------------------------------------------------------------------------------------------------- CSV

CSV_COLUMNS = ("meter_code", "meter_id", "ts", "value", "unit", "kind", "flags")


def parse_csv(body: bytes, *, max_rows: int) -> RawBatch:
    """Parse a CSV body: header ``meter_code,ts,value[,unit][,kind][,flags]``.

    ``meter_id`` may replace ``meter_code``; ``flags`` are separated by ``;`` or ``|``. Values stay
    strings here except ``value`` (a float, or the original text when it is not a number) and
    ``meter_id`` (an int, or the text).

    Raises
    ------
    MalformedBody
        Not UTF-8, no header, a missing required column or an unknown column.
    BatchTooLarge
        More than ``max_rows`` data rows.
    """
    try:
        text = sheets.decode_text(body)
    except sheets.SheetError as exc:
        raise MalformedBody(f"the CSV body is not text: {exc.reason}") from exc
    reader = sheets.csv_rows(text)
    try:
        _line, header = next(reader)
    except StopIteration:
        raise MalformedBody("the CSV body is empty; the first line must be the header") from None
    except sheets.SheetError as exc:
        raise MalformedBody(f"malformed CSV header: {exc.reason}") from exc
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in CSV_COLUMNS]
    if unknown:
        raise MalformedBody(
            f"unknown CSV column(s) {unknown}; the header is meter_code,ts,value[,unit][,kind][,flags]",
            field="header",
        )
    if "ts" not in names or "value" not in names or not ({"meter_code", "meter_id"} & set(names)):
        raise MalformedBody("the CSV header must name meter_code (or meter_id), ts and value", field="header")
    if len(set(names)) != len(names):
        raise MalformedBody("a CSV column is named twice in the header", field="header")
    pos = {n: i for i, n in enumerate(names)}
    width = len(names)
    out = RawBatch()
    cols = {n: getattr(out, n) for n in CSV_COLUMNS}
    try:
        for line, row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            i = len(out.ts)
            if i >= max_rows:
                raise BatchTooLarge(f"more than {max_rows} CSV rows; split the file", limit=max_rows)
            out.lines.append(line)
            if len(row) != width:
                out.errors[i] = ("row", f"has {len(row)} fields, the header has {width}")
                row = (row + [""] * width)[:width]
            for name in CSV_COLUMNS:
                j = pos.get(name)
                cell = row[j].strip() if j is not None else ""
                cols[name].append(cell if cell != "" else None)
    except sheets.SheetError as exc:
        raise MalformedBody(exc.reason) from exc
    out.value = [_csv_number(v) for v in out.value]
    out.meter_id = [_csv_int(v) for v in out.meter_id]
    out.flags = [None if f is None else [x.strip() for x in f.replace("|", ";").split(";") if x.strip()]
                 for f in out.flags]  # fmt: skip
    return out


def _csv_number(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _csv_int(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def gzip_bytes(data: bytes) -> bytes:
    """Gzip ``data`` (for clients, tests and benchmarks)."""
    return gzip.compress(data, compresslevel=5)
