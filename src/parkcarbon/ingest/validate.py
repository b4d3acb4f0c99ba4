"""Row validation: meters, timestamps, values, units, kinds and flags, column by column.

Every refused row gets one :class:`~parkcarbon.ingest.model.Rejection` naming the field and the
reason; every other row is kept. The checks work on whole columns (dictionary look-ups with caches
and numpy masks), so a batch of 100 000 rows costs tens of milliseconds.

Rules
-----
* meter: ``meter_code`` (or ``meter_id``) must name a meter the caller may write; unknown meters and
  meters outside the caller's scope get the same reason, so existence is not revealed.
* ``kind`` (optional) must equal the meter's kind; ``instant`` values are stored but are not
  consumption.
* ``ts``: ISO 8601. Without an offset it is read in the park's timezone, flagged ``tz_assumed`` and
  said so in a warning. Later than *now* + 5 min or earlier than 2000-01-01 is refused. A fraction of
  a second is dropped (readings are kept per second) and said so.
* ``value``: a finite number (JSON number; CSV text that parses as one); registers cannot be
  negative; ``|value|`` ≤ 1e15.
* ``unit`` (optional): converted to the meter's unit (``Wh`` → ``kWh``, ``MWh`` → ``kWh`` …);
  a unit of another dimension or an unknown unit is refused; actual ``m3`` → ``Nm3`` needs the
  meter's declared gas conditions (temperature, absolute pressure; ideal gas, 0 °C and 101.325 kPa
  reference as in GB/T 32150 Annex B).
* ``flags`` (optional): ``estimated``, ``manual``, ``replaced``, ``rollover``; other names are
  ignored with a warning.
* Repeated ``(meter, ts)`` within one batch: identical rows count as duplicates; rows with
  different values are all refused (send corrections in a later batch).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from parkcarbon.core.errors import UnitError
from parkcarbon.core.units import conversion_factor, parse_unit
from parkcarbon.ingest import flags as qf
from parkcarbon.ingest.model import KIND_CODES, MeterInfo, Rejection
from parkcarbon.ingest.parse import RawBatch

__all__ = ["ValidRows", "validate"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Earliest timestamp accepted (2000-01-01T00:00:00Z).
MIN_TS = 946_684_800
#: Clock-skew tolerance for timestamps in the future [s].
FUTURE_TOLERANCE_S = 300
#: Largest magnitude of a value accepted.
MAX_ABS_VALUE = 1e15
#: Readings arriving later than this after their timestamp are flagged ``late`` [s].
LATE_AFTER_S = 3600

#: Reason for a row of an archived meter (code ``meter.archived``): its readings are evidence, not
#: a live feed; a platform admin restores the meter to record again (issue 12 §3).
ARCHIVED_REASON = "the meter is archived; a platform admin can restore it to record readings"

_NORMAL = {"Nm3", "10^4 Nm3"}
_ACTUAL = {"m3", "10^4 m3", "10^8 m3", "L"}
_T0_K = 273.15
_P0_KPA = 101.325


@dataclass
class ValidRows:
    """Accepted rows, sorted by ``(meter_id, ts)``, at most one per key.

    ``value`` is in the meter's unit (before the multiplier); ``flags`` holds reading flags.
    """

    row: I64
    meter_id: I64
    ts: I64
    value: F64
    flags: I64
    meters: dict[int, MeterInfo]
    in_batch_duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.row.shape[0])


def _ts_parse(text: str) -> tuple[int, bool, bool] | str:
    """``(seconds, naive, had_fraction)`` or a reason. Naive: wall-clock seconds as if UTC."""
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return f"{text[:40]!r} is not an ISO 8601 timestamp (e.g. 2026-11-23T08:00:00+08:00)"
    frac = dt.microsecond != 0
    if dt.tzinfo is None:
        return int(dt.replace(tzinfo=UTC).timestamp() // 1), True, frac
    return int(dt.timestamp() // 1), False, frac


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _naive_to_epoch(wall: int, tz: str) -> int:
    local = datetime.fromtimestamp(wall, UTC).replace(tzinfo=_zone(tz))
    return int(local.timestamp())


def unit_factor(unit: str, meter: MeterInfo) -> float | str:
    """Multiplier from ``unit`` to the meter's unit, or the reason it cannot be converted."""
    if unit == meter.unit:
        return 1.0
    try:
        src = parse_unit(unit).symbol
    except UnitError:
        return f"unknown unit {unit!r}; this meter records {meter.unit}"
    try:
        dst = parse_unit(meter.unit).symbol
    except UnitError:
        return f"unit {unit!r} differs from the meter's unit {meter.unit!r}"
    try:
        factor = conversion_factor(src, dst)
    except UnitError:
        return f"unit {unit!r} is not a unit of the meter's quantity ({meter.unit})"
    if (src in _ACTUAL and dst in _NORMAL) or (src in _NORMAL and dst in _ACTUAL):
        t, p = meter.gas_temperature_c, meter.gas_pressure_kpa_abs
        if t is None or p is None:
            return (
                f"{unit} (actual volume) cannot be converted to {meter.unit}: the meter declares no "
                "gas conditions (temperature, absolute pressure)"
            )
        to_normal = (p / _P0_KPA) * (_T0_K / (_T0_K + t))
        factor *= to_normal if dst in _NORMAL else 1.0 / to_normal
    return factor


def validate(
    raw: RawBatch,
    *,
    by_code: Mapping[str, MeterInfo],
    by_id: Mapping[int, MeterInfo],
    now: int,
    scope_reason: str = "is unknown or not in this key's scope",
) -> ValidRows:
    """Check every row of ``raw`` against the meters the caller may write.

    Parameters
    ----------
    raw
        The parsed batch.
    by_code, by_id
        Meters in the caller's scope, by external code and by id (only those the batch names).
    now
        Current time [epoch s] (future and late checks).
    scope_reason
        Reason text for unknown or out-of-scope meters (the same for both).

    Returns
    -------
    ValidRows
        Accepted rows sorted by meter and time, rejections and warnings.
    """
    found = _Findings(len(raw), dict(raw.errors))
    # the checks run in this order: a row's first refusal is the one reported
    mc = _resolve_meters(raw, by_code, by_id, scope_reason, found)
    _check_kinds(raw, mc, found)
    ts_sec, naive = _read_timestamps(raw, mc, now, found)
    value = _read_values(raw, found)
    value = _convert_units(raw, value, mc, found)
    found.reject((value < 0) & (mc.kind == KIND_CODES["register"]) & ~mc.unknown, "value",
                 "a cumulative register cannot be negative")  # fmt: skip
    fl = _reading_flags(raw, naive, ts_sec, now, found)
    return _assemble(raw, mc, ts_sec, value, fl, found)


@dataclass
class _Findings:
    """Refusals by row (field, reason; the first one given for a row stands) and the batch's warnings."""

    n: int
    errors: dict[int, tuple[str, str]]
    warnings: list[str] = field(default_factory=list)
    row_codes: dict[int, str] = field(default_factory=dict)

    def reject(self, mask: npt.NDArray[np.bool_], fieldname: str, reasons: list[str] | str) -> None:
        errors = self.errors
        for j in np.flatnonzero(mask).tolist():
            if j not in errors:
                errors[j] = (fieldname, reasons if isinstance(reasons, str) else reasons[j])


@dataclass
class _MeterColumns:
    """The meters a batch names, and per row: its meter's slot, whether it is unknown, its kind code."""

    meters: list[MeterInfo]
    slot: I64
    unknown: npt.NDArray[np.bool_]
    kind: I64


def _resolve_meters(
    raw: RawBatch,
    by_code: Mapping[str, MeterInfo],
    by_id: Mapping[int, MeterInfo],
    scope_reason: str,
    found: _Findings,
) -> _MeterColumns:
    """Each row's meter (by code or id); refuses unknown, out-of-scope, archived and inactive meters."""
    n, errors = found.n, found.errors
    meters: list[MeterInfo] = []
    pos: dict[int, int] = {}

    def slot(m: MeterInfo | None) -> int:
        if m is None:
            return -1
        k = pos.get(m.id)
        if k is None:
            k = pos[m.id] = len(meters)
            meters.append(m)
        return k

    meter_errors: dict[int, str] = {}
    codes_col, ids_col = raw.meter_code, raw.meter_id
    uniq_codes = raw.distinct("meter_code")
    if uniq_codes is not None and not all(type(c) is str for c in uniq_codes):
        uniq_codes = None
    if uniq_codes is not None and ("meter_id" in raw.absent or _all_none(ids_col)):
        # fast path: every row names its meter by code (the gateway contract)
        code_slot = {c: slot(by_code.get(c)) for c in sorted(uniq_codes)}
        midx = np.fromiter(map(code_slot.__getitem__, codes_col), dtype=np.int64, count=n)
    else:
        midx = np.asarray(_meter_slots(codes_col, ids_col, by_code, by_id, slot, meters, meter_errors),
                          dtype=np.int64)  # fmt: skip
    for j, reason in meter_errors.items():
        errors.setdefault(j, ("meter_code", reason))
    unknown = midx < 0
    if unknown.any():
        for j in np.flatnonzero(unknown).tolist():
            if j not in errors:
                name = raw.meter_code[j] if raw.meter_code[j] is not None else raw.meter_id[j]
                errors[j] = ("meter_code", f"meter {name} {scope_reason}")
    safe = np.where(unknown, 0, midx)
    if meters:
        m_archived = np.asarray([m.archived for m in meters], dtype=bool)[safe] & ~unknown
        if m_archived.any():
            for j in np.flatnonzero(m_archived).tolist():
                if j not in errors:
                    errors[j] = ("meter_code", ARCHIVED_REASON)
                    found.row_codes[j] = "meter.archived"
        m_kind = np.asarray([KIND_CODES.get(m.kind, 0) for m in meters], dtype=np.int64)[safe]
        m_active = np.asarray([m.active for m in meters], dtype=bool)[safe]
        inactive = "the meter is inactive; activate it to record readings"
        found.reject(~unknown & ~m_active, "meter_code", inactive)
    else:
        m_kind = np.zeros(n, dtype=np.int64)
    return _MeterColumns(meters, midx, unknown, m_kind)


def _check_kinds(raw: RawBatch, mc: _MeterColumns, found: _Findings) -> None:
    """Refuses a ``kind`` that is not a kind, or not the meter's."""
    kinds = raw.kind
    if "kind" in raw.absent or _all_none(kinds):
        return
    k_uniq, k_idx = _factorize(kinds)
    k_map = np.asarray(
        [-1 if k is None else KIND_CODES.get(k, -2) if isinstance(k, str) else -2 for k in k_uniq],
        dtype=np.int64,
    )
    kcode = k_map[k_idx]
    found.reject(kcode == -2, "kind", "must be one of register, interval, instant")
    bad = (kcode >= 0) & (kcode != mc.kind) & ~mc.unknown
    if bad.any():
        names = {v: k for k, v in KIND_CODES.items()}
        reasons = [""] * found.n
        for j in np.flatnonzero(bad).tolist():
            reasons[j] = f"kind {kinds[j]} does not match the meter's kind {names[int(mc.kind[j])]}"
        found.reject(bad, "kind", reasons)


def _read_timestamps(
    raw: RawBatch, mc: _MeterColumns, now: int, found: _Findings
) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Each row's instant [epoch s] and whether it had no UTC offset (read in the meter's timezone);
    refuses unreadable, future and pre-2000 timestamps."""
    n = found.n
    ts_list = raw.ts
    ts_sec = np.zeros(n, dtype=np.int64)
    naive = np.zeros(n, dtype=bool)
    frac = np.zeros(n, dtype=bool)
    ts_bad: dict[int, str] = {}
    uniq_ts = set(ts_list) if raw.typed or set(map(type, ts_list)) <= {str} else None
    parsed = {t: _ts_parse(t) for t in uniq_ts} if uniq_ts is not None else None
    if parsed is not None and all(type(v) is tuple and not v[1] and not v[2] for v in parsed.values()):
        # fast path: every timestamp parses, with an offset and whole seconds
        sec = {t: v[0] for t, v in parsed.items() if type(v) is tuple}
        ts_sec = np.fromiter(map(sec.__getitem__, ts_list), dtype=np.int64, count=n)
    else:
        cache: dict[Any, tuple[int, bool, bool] | str] = dict(parsed or {})
        for j, text in enumerate(ts_list):
            if not isinstance(text, str):
                ts_bad[j] = "is required" if text is None else "must be an ISO 8601 string"
                continue
            got = cache.get(text)
            if got is None:
                got = cache[text] = _ts_parse(text)
            if isinstance(got, str):
                ts_bad[j] = got
            else:
                ts_sec[j], naive[j], frac[j] = got
    for j, reason in ts_bad.items():
        found.errors.setdefault(j, ("ts", reason))
    if naive.any():
        _localise_naive(ts_sec, naive, mc, found)
    if frac.any():
        found.warnings.append(f"{int(frac.sum())} timestamp(s) had a fraction of a second, which was dropped")
    found.reject(ts_sec > now + FUTURE_TOLERANCE_S, "ts", "is in the future (more than 5 minutes ahead)")
    found.reject((ts_sec < MIN_TS) & ~np.isin(np.arange(n), list(ts_bad)), "ts", "is before 2000-01-01")
    return ts_sec, naive


def _localise_naive(ts_sec: I64, naive: npt.NDArray[np.bool_], mc: _MeterColumns, found: _Findings) -> None:
    """Reads offset-less wall-clock times (in ``ts_sec`` as if UTC) in their meter's timezone, in place."""
    meters, midx, unknown = mc.meters, mc.slot, mc.unknown
    conv: dict[tuple[int, str], int] = {}
    for j in np.flatnonzero(naive & ~unknown).tolist():
        key = (int(ts_sec[j]), meters[int(midx[j])].timezone)
        got_s = conv.get(key)
        if got_s is None:
            got_s = conv[key] = _naive_to_epoch(*key)
        ts_sec[j] = got_s
    zones = sorted({meters[int(k)].timezone for k in midx[naive & ~unknown].tolist()})
    found.warnings.append(
        f"{int(naive.sum())} timestamp(s) had no UTC offset and were read in the park's timezone "
        f"({', '.join(zones) or 'unknown'}); they are flagged tz_assumed"
    )


def _read_values(raw: RawBatch, found: _Findings) -> F64:
    """Each row's value as sent (0 where refused); refuses missing, non-numeric, non-finite, huge ones."""
    n = found.n
    vals = raw.value
    if raw.typed or set(map(type, vals)) <= {float}:
        value = np.fromiter(vals, dtype=np.float64, count=n)
    else:
        value = np.zeros(n, dtype=np.float64)
        for j, v in enumerate(vals):
            if type(v) is float or (type(v) is int):
                value[j] = v
            elif v is None:
                found.errors.setdefault(j, ("value", "is required"))
            else:
                found.errors.setdefault(j, ("value", f"must be a number, got {_show(v)}"))
    finite = np.isfinite(value)
    if not finite.all():
        reasons = [""] * n
        for j in np.flatnonzero(~finite).tolist():
            reasons[j] = f"must be a finite number, got {value[j]}"
        found.reject(~finite, "value", reasons)
    value = np.where(finite, value, 0.0)
    found.reject(np.abs(value) > MAX_ABS_VALUE, "value", "is out of range (|value| > 1e15)")
    return value


def _convert_units(raw: RawBatch, value: F64, mc: _MeterColumns, found: _Findings) -> F64:
    """Values in their meter's unit; refuses a ``unit`` that cannot be converted to it."""
    if "unit" in raw.absent or _all_none(raw.unit):
        return value
    meters, midx, unknown = mc.meters, mc.slot, mc.unknown
    u_uniq, u_idx = _factorize(raw.unit)
    n_m = max(len(meters), 1)
    table = np.ones((len(u_uniq), n_m))  # factor by (unit, meter slot); NaN: refused
    why: dict[tuple[int, int], str] = {}
    used = np.flatnonzero(np.bincount(u_idx * n_m + np.where(unknown, 0, midx)))
    for code in used.tolist():
        ui, k = divmod(code, n_m)
        u = u_uniq[ui]
        if u is None or not meters:
            continue
        got_f = unit_factor(u, meters[k]) if isinstance(u, str) else "must be a string"
        if isinstance(got_f, str):
            table[ui, k] = np.nan
            why[(ui, k)] = got_f
        else:
            table[ui, k] = got_f
    factor = table[u_idx, np.where(unknown, 0, midx)]
    bad_unit = np.isnan(factor) & ~unknown
    if bad_unit.any():
        reasons = [""] * found.n
        for j in np.flatnonzero(bad_unit).tolist():
            reasons[j] = why[(int(u_idx[j]), int(midx[j]))]
        found.reject(bad_unit, "unit", reasons)
    return value * np.where(np.isnan(factor), 1.0, factor)


def _reading_flags(
    raw: RawBatch, naive: npt.NDArray[np.bool_], ts_sec: I64, now: int, found: _Findings
) -> I64:
    """Each row's reading flags: the sender's recognised ones, ``tz_assumed`` and ``late``."""
    fl = np.zeros(found.n, dtype=np.int64)
    unknown_flags: set[str] = set()
    if "flags" not in raw.absent and not _all_none(raw.flags):
        for j, f in enumerate(raw.flags):
            if f is None:
                continue
            if not isinstance(f, list) or not all(isinstance(x, str) for x in f):
                found.errors.setdefault(j, ("flags", "must be a list of strings"))
                continue
            bits = 0
            for name in f:
                bit = qf.FLAG_BITS.get(name, 0)
                if bit & qf.SENDER_FLAGS:
                    bits |= bit
                else:
                    unknown_flags.add(name)
            fl[j] = bits
    if unknown_flags:
        found.warnings.append(
            f"flag(s) {sorted(unknown_flags)} are not recognised and were ignored; "
            "senders may set estimated, manual, replaced, rollover"
        )
    fl |= np.where(naive, qf.TZ_ASSUMED, 0)
    late = (now - ts_sec) > LATE_AFTER_S
    fl |= np.where(late, qf.LATE, 0)
    return fl


def _assemble(
    raw: RawBatch, mc: _MeterColumns, ts_sec: I64, value: F64, fl: I64, found: _Findings
) -> ValidRows:
    """The accepted rows sorted by meter and time, de-duplicated within the batch, and the rejections."""
    errors, warnings, meters, midx = found.errors, found.warnings, mc.meters, mc.slot
    ok = np.ones(found.n, dtype=bool)
    if errors:
        ok[np.fromiter(errors.keys(), dtype=np.int64, count=len(errors))] = False
    rows = np.flatnonzero(ok)
    meter_ids = np.asarray([m.id for m in meters], dtype=np.int64)[midx[rows]] if meters else rows * 0
    ts_ok, val_ok, fl_ok = ts_sec[rows], value[rows], fl[rows]
    order = np.lexsort((rows, ts_ok, meter_ids))
    rows, meter_ids, ts_ok, fl_ok = rows[order], meter_ids[order], ts_ok[order], fl_ok[order]
    val_ok = val_ok[order]
    dup_count = 0
    if rows.size > 1:
        same = (meter_ids[1:] == meter_ids[:-1]) & (ts_ok[1:] == ts_ok[:-1])
        if same.any():
            keep = np.ones(rows.size, dtype=bool)
            identical = same & (val_ok[1:] == val_ok[:-1]) & (fl_ok[1:] == fl_ok[:-1])
            # groups of equal keys; a group with any differing row is refused as a whole
            start = np.r_[True, ~same]
            gid = np.cumsum(start) - 1
            conflict_groups = np.unique(gid[1:][same & ~identical])
            in_conflict = np.isin(gid, conflict_groups)
            for j in np.flatnonzero(in_conflict).tolist():
                first = int(rows[np.flatnonzero(gid == gid[j])[0]])
                errors[int(rows[j])] = (
                    "ts",
                    f"repeats meter and timestamp of row {first} with a different value; "
                    "send a correction in a separate batch",
                )
            keep &= ~in_conflict
            dup_mask = np.r_[False, identical] & ~in_conflict
            dup_count = int(dup_mask.sum())
            keep &= ~dup_mask
            rows, meter_ids, ts_ok, fl_ok = rows[keep], meter_ids[keep], ts_ok[keep], fl_ok[keep]
            val_ok = val_ok[keep]
        if dup_count:
            warnings.append(f"{dup_count} row(s) repeated an earlier row of this batch and were skipped")
    late_n = int((fl_ok & qf.LATE != 0).sum())
    if late_n:
        warnings.append(f"{late_n} reading(s) arrived more than 1 h after their timestamp (flagged late)")

    lines = raw.lines
    rejected = [
        Rejection(
            row=j,
            field=fname,
            reason=reason,
            meter_code=raw.meter_code[j] if isinstance(raw.meter_code[j], str) else None,
            line=lines[j] if lines else None,
            code=found.row_codes.get(j),
        )
        for j, (fname, reason) in sorted(errors.items())
    ]
    return ValidRows(
        row=rows,
        meter_id=meter_ids,
        ts=ts_ok,
        value=val_ok,
        flags=fl_ok,
        meters={m.id: m for m in meters},
        in_batch_duplicates=dup_count,
        rejected=rejected,
        warnings=warnings,
    )


def _all_none(column: list[Any]) -> bool:
    """Whether every entry is ``None`` (``list.count`` runs in C and compares by identity first; a first
    entry that is not ``None`` answers at once)."""
    return not column or (column[0] is None and column.count(None) == len(column))


def _factorize(column: list[Any]) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """Distinct values of a column (hashable ones; others become their repr) and each row's index."""
    if column and column.count(column[0]) == len(column) and isinstance(column[0], str | None):
        return [column[0]], np.zeros(len(column), dtype=np.int64)
    try:
        uniq = list(set(column))
    except TypeError:
        uniq = None
    if uniq is not None:
        where = {v: i for i, v in enumerate(uniq)}
        return uniq, np.fromiter(map(where.__getitem__, column), dtype=np.int64, count=len(column))
    # unhashable values (lists, objects): index them by their repr
    seen: dict[Any, int] = {}
    keys = [v if isinstance(v, str | None) else repr(v) for v in column]
    idx = np.fromiter((seen.setdefault(v, len(seen)) for v in keys), dtype=np.int64, count=len(keys))
    originals: dict[int, Any] = {}
    for v, k in zip(column, idx.tolist(), strict=True):
        originals.setdefault(k, v)
    return [originals[i] for i in range(len(seen))], idx


def _meter_slots(
    codes: list[Any],
    ids: list[Any],
    by_code: Mapping[str, MeterInfo],
    by_id: Mapping[int, MeterInfo],
    slot: Any,
    meters: list[MeterInfo],
    meter_errors: dict[int, str],
) -> list[int]:
    """Meter slot of each row (−1: unknown or invalid), row by row (mixed codes and ids)."""
    code_slot: dict[str, int] = {}
    out: list[int] = []
    for j, (code, mid) in enumerate(zip(codes, ids, strict=True)):
        if code is not None:
            if not isinstance(code, str):
                meter_errors[j] = "meter_code must be a string"
                k = -1
            else:
                got = code_slot.get(code)
                k = got if got is not None else code_slot.setdefault(code, slot(by_code.get(code)))
            if k >= 0 and mid is not None and meters[k].id != mid:
                meter_errors[j] = "meter_code and meter_id name different meters"
        elif mid is not None:
            if isinstance(mid, bool) or not isinstance(mid, int):
                meter_errors[j] = "meter_id must be an integer"
                k = -1
            else:
                k = slot(by_id.get(mid))
        else:
            meter_errors[j] = "meter_code or meter_id is required"
            k = -1
        out.append(k)
    return out


def _show(v: Any) -> str:
    if isinstance(v, str):
        return f"text {v[:30]!r}"
    if isinstance(v, bool):
        return f"boolean {str(v).lower()}"
    if v is None:
        return "null"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return type(v).__name__
