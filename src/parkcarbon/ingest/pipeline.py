"""Writing validated readings: duplicates, corrections, interval consumption and rollups in one pass.

:func:`store_rows` runs inside the caller's transaction:

1. records the batch in the intake log — the first statement, so on SQLite the transaction holds
   the write lock before it reads anything; on PostgreSQL the touched meters are locked with
   advisory locks (ascending ids);
2. reads, per touched meter, only what the batch can affect: for a batch that continues a meter's
   series (the common case) the one reading at the meter's last timestamp; for late or corrected
   data the stored readings in the batch's time span and the neighbour on each side;
3. classifies every row as new, duplicate (same value and flags: nothing written) or correction
   (kept in ``reading_revisions`` with who/when/old value);
4. recomputes interval consumption (:mod:`parkcarbon.ingest.series`) for the new rows and every
   stored reading whose predecessor changed;
5. adds the *difference* each changed reading makes to its hourly, daily and monthly bucket
   (additive deltas, so late and corrected data update exactly the buckets they touch);
6. updates each meter's status (last seen, typical interval and rate).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, insert, update

from parkcarbon.ingest import flags as qf
from parkcarbon.ingest.keys import MONTH_BITS, meter_ts_key, pack_key, unpack_key
from parkcarbon.ingest.model import KIND_CODES, IngestReport, MeterInfo
from parkcarbon.ingest.series import MeterParams, interval_deltas, typical_intervals, typical_rates
from parkcarbon.ingest.validate import ValidRows
from parkcarbon.store import timeseries as ts_store
from parkcarbon.store.models import IngestBatch, ReadingRevision
from parkcarbon.store.models.readings import (
    HOUR_SLOTS,
    HOUR_VECTORS,
    decode_hours_many,
    encode_hours_many,
)

__all__ = [
    "GRAIN_DAY",
    "GRAIN_HOUR",
    "GRAIN_MONTH",
    "Actor",
    "hour_bucket",
    "local_buckets",
    "store_rows",
    "typical_status",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

GRAIN_HOUR, GRAIN_DAY, GRAIN_MONTH = 1, 2, 3
#: Rejected rows kept in the intake log (the full list goes back to the sender).
LOG_REJECTIONS = 1000


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is writing (for the intake log and the revision history)."""

    label: str
    user_id: int | None = None
    api_key_id: int | None = None


def hour_bucket(ts: I64) -> I64:
    """Hour bucket [epoch s] of readings: a reading closes the interval that ends at ``ts``, so
    09:00 belongs to the 08:00–09:00 hour."""
    return ((ts - 1) // 3600) * 3600


@lru_cache(maxsize=65536)
def local_buckets(hour: int, tz: str) -> tuple[int, int]:
    """Day and month buckets [epoch s of local midnight] of an hour bucket in a park timezone."""
    zone = ZoneInfo(tz)
    local = datetime.fromtimestamp(hour, zone)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    return int(day.timestamp()), int(month.timestamp())


def _contrib(delta: F64, flags: I64, value: F64, instant: npt.NDArray[np.bool_]) -> F64:
    """Rollup contributions of readings, columns as :data:`ROLLUP_COLUMNS`."""
    have = ~np.isnan(delta)
    excl = have & ((flags & qf.EXCLUDED) != 0)
    inc = have & ~excl
    d0 = np.where(have, delta, 0.0)
    out = np.empty((delta.shape[0], 7))
    out[:, 0] = np.where(inc, d0, 0.0)
    out[:, 1] = np.where(inc & ((flags & qf.ESTIMATED) != 0), d0, 0.0)
    out[:, 2] = np.where(excl, d0, 0.0)
    out[:, 3] = 1.0
    out[:, 4] = inc
    out[:, 5] = excl
    out[:, 6] = np.where(instant, value, 0.0)
    return out


def store_rows(
    conn: Connection,
    valid: ValidRows,
    report: IngestReport,
    *,
    actor: Actor,
    source: str,
    now: int,
    gateway: str | None = None,
    batch_id: str | None = None,
    park_id: int | None = None,
) -> IngestReport:
    """Write ``valid`` and complete ``report`` (accepted, duplicates, corrections, flagged)."""
    received = datetime.fromtimestamp(now, UTC)
    ts_store.tune_for_intake(conn)
    log_id = conn.execute(
        insert(IngestBatch)
        .values(
            park_id=park_id,
            source=source,
            gateway=gateway,
            batch_id=batch_id,
            received_at=received,
            actor_label=actor.label,
            rows=report.rows,
        )
        .returning(IngestBatch.id)
    ).scalar_one()
    report.batch_log_id = int(log_id)
    report.duplicates += valid.in_batch_duplicates
    if len(valid):
        _write(conn, valid, report, actor=actor, now=now, gateway=gateway, log_id=int(log_id))
    log_report: dict[str, Any] = _without_nul(
        {
            "rejected": [r.as_dict() for r in report.rejected[:LOG_REJECTIONS]],
            "warnings": report.warnings,
        }
    )
    conn.execute(
        update(IngestBatch)
        .where(IngestBatch.id == log_id)
        .values(
            accepted=report.accepted,
            duplicates=report.duplicates,
            corrections=report.corrections,
            rejected=len(report.rejected),
            report=log_report,
        )
    )
    return report


def _write(
    conn: Connection,
    valid: ValidRows,
    report: IngestReport,
    *,
    actor: Actor,
    now: int,
    gateway: str | None,
    log_id: int,
) -> None:
    # valid rows are sorted by meter and time: each meter's rows are one run
    starts = np.flatnonzero(np.r_[True, valid.meter_id[1:] != valid.meter_id[:-1]])
    meter_ids = valid.meter_id[starts]
    ts_store.lock_meters(conn, meter_ids.tolist())
    meters: list[MeterInfo] = [valid.meters[int(m)] for m in meter_ids]
    n_slots = len(meters)

    # ---- per-meter span of the batch and stored status --------------------------------------------
    ends = np.r_[starts[1:], valid.meter_id.size] - 1
    lo = valid.ts[starts]
    hi = valid.ts[ends]
    status = {int(r[0]): r for r in ts_store.fetch_status(conn, meter_ids.tolist())}
    point_keys: list[tuple[int, int]] = []
    spans: list[tuple[int, int, int]] = []
    for k, m in enumerate(meters):
        st = status.get(m.id)
        if st is None or st[1] is None:
            continue
        if int(lo[k]) > int(st[1]):
            point_keys.append((m.id, int(st[1])))  # appending: only the last stored reading matters
        else:
            spans.append((m.id, int(lo[k]), int(hi[k])))
    stored = ts_store.fetch_points(conn, point_keys)
    stored += ts_store.fetch_window(conn, spans)
    stored += ts_store.fetch_neighbours(conn, spans)

    # ---- combine stored and new readings ---------------------------------------------------------------
    n_new = len(valid)
    if stored:
        s_arr = np.asarray([(r[0], r[1]) for r in stored], dtype=np.int64).reshape(-1, 2)
        s_mid, s_ts = s_arr[:, 0], s_arr[:, 1]
        s_val = np.asarray([r[2] for r in stored], dtype=np.float64)
        s_delta = np.asarray([np.nan if r[3] is None else r[3] for r in stored], dtype=np.float64)
        s_flags = np.asarray([r[4] for r in stored], dtype=np.int64)
        # a key may come back twice (window and neighbour queries); keep one
        key_s = meter_ts_key(s_mid, s_ts)
        _, first = np.unique(key_s, return_index=True)
        s_mid, s_ts, s_flags = s_mid[first], s_ts[first], s_flags[first]
        s_val, s_delta = s_val[first], s_delta[first]
    else:
        s_mid = s_ts = s_flags = np.zeros(0, dtype=np.int64)
        s_val = s_delta = np.zeros(0, dtype=np.float64)
    n_st = s_mid.shape[0]

    key_new = meter_ts_key(valid.meter_id, valid.ts)
    key_st = meter_ts_key(s_mid, s_ts)
    # position of each new row's key among stored keys (sorted unique)
    match = np.zeros(n_new, dtype=bool)
    st_pos = np.zeros(n_new, dtype=np.int64)
    if n_st:
        order_st = np.argsort(key_st)
        key_sorted = key_st[order_st]
        ins = np.searchsorted(key_sorted, key_new)
        ins_c = np.minimum(ins, n_st - 1)
        match = key_sorted[ins_c] == key_new
        st_pos = order_st[ins_c]
    same_value = match & (s_val[st_pos] == valid.value) if n_st else match
    same_flags = (
        match & ((s_flags[st_pos] & qf.SENDER_FLAGS) == (valid.flags & qf.SENDER_FLAGS)) if n_st else match
    )
    dup = same_value & same_flags
    corr = match & ~dup
    report.duplicates += int(dup.sum())
    report.corrections += int(corr.sum())

    # combined arrays: stored rows (with corrections applied) + new rows that are really new
    new_only = ~match
    c_mid = np.r_[s_mid, valid.meter_id[new_only]]
    c_ts = np.r_[s_ts, valid.ts[new_only]]
    c_val = s_val.copy()
    c_rflags = s_flags & qf.READING_FLAGS
    old_delta = s_delta.copy()
    old_flags = s_flags.copy()
    old_val = s_val.copy()
    if corr.any():
        cp = st_pos[corr]
        c_val[cp] = valid.value[corr]
        keep_bits = s_flags[cp] & (qf.READING_FLAGS & ~qf.SENDER_FLAGS & ~qf.TZ_ASSUMED & ~qf.LATE)
        c_rflags[cp] = keep_bits | valid.flags[corr] | qf.CORRECTED
    c_val = np.r_[c_val, valid.value[new_only]]
    c_rflags = np.r_[c_rflags, valid.flags[new_only]]
    is_new = np.r_[np.zeros(n_st, dtype=bool), np.ones(int(new_only.sum()), dtype=bool)]
    is_corr = np.zeros(c_mid.shape[0], dtype=bool)
    if corr.any():
        is_corr[st_pos[corr]] = True
    # context rows: the neighbour before each meter's span is read but never rewritten
    order = np.lexsort((c_ts, c_mid))
    c_mid, c_ts, c_val, c_rflags, is_new, is_corr = (
        a[order] for a in (c_mid, c_ts, c_val, c_rflags, is_new, is_corr)
    )
    st_index = np.r_[np.arange(n_st), np.full(int(new_only.sum()), -1)][order]
    c_slot = np.searchsorted(meter_ids, c_mid)
    params = _params(meters, status)
    new_delta, dflags = interval_deltas(c_slot, c_ts, c_val, c_rflags, params)
    new_flags = c_rflags | dflags
    first_of_meter = np.r_[True, c_slot[1:] != c_slot[:-1]]
    lo_of_slot = lo[c_slot]
    is_context = first_of_meter & ~is_new & (c_ts < lo_of_slot)
    target = ~is_context

    # ---- what changed ----------------------------------------------------------------------------
    o_idx = np.where(st_index >= 0, st_index, n_st)  # n_st: a sentinel "no stored row"
    o_delta = np.r_[old_delta, np.nan][o_idx]
    o_flags = np.r_[old_flags, 0][o_idx]
    o_val = np.r_[old_val, 0.0][o_idx]
    delta_same = (np.isnan(o_delta) & np.isnan(new_delta)) | (o_delta == new_delta)
    # "spike" is judged against the meter's typical rate when the interval is first seen; a stored
    # interval whose value did not change keeps its verdict (re-sending must change nothing)
    keep_spike = ~is_new & delta_same
    new_flags = np.where(keep_spike, (new_flags & ~qf.SPIKE) | (o_flags & qf.SPIKE), new_flags)
    changed_existing = target & ~is_new & (is_corr | ~delta_same | (o_flags != new_flags))

    # ---- writes -----------------------------------------------------------------------------------------
    # The new readings are inserted on a second thread while this one computes the rollup and status
    # changes (pure numpy; the database driver releases the GIL while SQLite or PostgreSQL works).
    # Nothing else touches ``conn`` until the insert has finished.
    ins_mask = is_new
    n_ins = int(ins_mask.sum())
    report.accepted += n_ins
    report.flagged += int(((new_flags[target] & qf.EXCLUDED) != 0).sum())
    new_cols = (c_mid[ins_mask], c_ts[ins_mask], c_val[ins_mask], new_delta[ins_mask], new_flags[ins_mask])
    inserting = _in_background(
        n_ins >= BACKGROUND_INSERT_ROWS,
        lambda: ts_store.insert_readings(conn, [col.tolist() for col in new_cols]),
    )
    try:
        rel = ins_mask | changed_existing
        changes = None
        if rel.any():
            idx = np.flatnonzero(rel)
            instant = params.kind[c_slot[idx]] == KIND_CODES["instant"]
            diff = _contrib(new_delta[idx], new_flags[idx], c_val[idx], instant)
            old_rows = ~is_new[idx]
            if old_rows.any():
                oi = idx[old_rows]
                diff[old_rows] -= _contrib(o_delta[oi], o_flags[oi], o_val[oi], instant[old_rows])
            changes = _rollup_changes(meters, c_slot[idx], hour_bucket(c_ts[idx]), diff)
        inserted = np.bincount(c_slot[ins_mask], minlength=n_slots)
        status_rows = _status_rows(
            meters, status, (lo, hi), (c_slot, c_ts, new_delta, new_flags), inserted, now=now, gateway=gateway
        )
    finally:
        inserting()

    if changed_existing.any():
        idx = np.flatnonzero(changed_existing)
        ts_store.update_readings(
            conn,
            list(
                zip(
                    c_mid[idx].tolist(), c_ts[idx].tolist(), c_val[idx].tolist(),
                    new_delta[idx].tolist(), new_flags[idx].tolist(), strict=True,
                )
            ),
        )  # fmt: skip
    if is_corr.any():
        received = datetime.fromtimestamp(now, UTC)
        idx = np.flatnonzero(is_corr)
        park_of = {m.id: m.park_id for m in meters}
        conn.execute(
            insert(ReadingRevision),
            [
                {
                    "park_id": park_of[int(c_mid[i])],
                    "meter_id": int(c_mid[i]),
                    "ts": int(c_ts[i]),
                    "old_value": float(o_val[i]),
                    "new_value": float(c_val[i]),
                    "old_flags": int(o_flags[i]),
                    "new_flags": int(new_flags[i]),
                    "changed_at": received,
                    "changed_by": actor.label,
                    "user_id": actor.user_id,
                    "api_key_id": actor.api_key_id,
                    "batch_log_id": log_id,
                }
                for i in idx.tolist()
            ],
        )
    flagged_new = int(((new_flags[ins_mask | is_corr] & qf.EXCLUDED) != 0).sum())
    if flagged_new:
        report.warnings.append(
            f"{flagged_new} interval(s) flagged negative or jump (above the meter's rated capacity): "
            "kept and excluded from totals"
        )
    if changes is not None:
        _apply_rollups(conn, changes)
    ts_store.upsert_status(conn, status_rows)
    report.meters = n_slots


def _status_rows(
    meters: list[MeterInfo],
    status: dict[int, tuple[Any, ...]],
    span: tuple[I64, I64],
    series: tuple[I64, I64, F64, I64],
    inserted: I64,
    *,
    now: int,
    gateway: str | None,
) -> list[tuple[Any, ...]]:
    """New ``meter_status`` rows: last/first timestamp, typical interval and rate (smoothed), total."""
    lo, hi = span
    c_slot, c_ts, delta, flags = series
    rates = typical_rates(c_slot, c_ts, delta, flags, len(meters)).tolist()
    intervals = typical_intervals(c_slot, c_ts, len(meters)).tolist()
    per_slot = inserted.tolist()
    rows: list[tuple[Any, ...]] = []
    for k, m in enumerate(meters):
        st = status.get(m.id)
        interval_v, rate_v = typical_status(
            intervals[k], rates[k], st[3] if st else None, st[4] if st else None
        )
        last_ts = int(hi[k]) if st is None or st[1] is None else max(int(st[1]), int(hi[k]))
        first_ts = int(lo[k]) if st is None or st[2] is None else min(int(st[2]), int(lo[k]))
        total = (int(st[5]) if st else 0) + per_slot[k]
        rows.append((m.id, m.park_id, last_ts, first_ts, now, interval_v, rate_v, total, gateway))
    return rows


def typical_status(
    interval: float, rate: float, old_interval: int | None, old_rate: float | None
) -> tuple[int | None, float | None]:
    """A meter's typical interval [s] and rate after a batch whose own are ``interval`` and ``rate``
    (NaN: the batch cannot tell): the batch's interval, and its rate smoothed 0.7 × old + 0.3 × new."""
    interval_v = int(interval) if interval == interval and interval > 0 else old_interval
    if rate != rate:
        return interval_v, old_rate
    return interval_v, rate if old_rate is None else 0.7 * float(old_rate) + 0.3 * rate


#: Fewest new readings for which the insert runs on a second thread (below, a thread costs more than
#: it saves).
BACKGROUND_INSERT_ROWS = 5000


def _in_background(enabled: bool, fn: Callable[[], None]) -> Callable[[], None]:
    """Start ``fn()`` on a new thread (or run it now when not ``enabled``); the returned function
    waits for it and re-raises its exception."""
    if not enabled:
        fn()
        return lambda: None
    failure: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # re-raised on the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="intake-insert", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if failure:
            raise failure[0]

    return wait


def _params(meters: list[MeterInfo], status: dict[int, tuple[Any, ...]]) -> MeterParams:
    def arr(values: list[float | None]) -> F64:
        return np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)

    return MeterParams(
        kind=np.asarray([KIND_CODES.get(m.kind, 0) for m in meters], dtype=np.int64),
        multiplier=arr([m.multiplier for m in meters]),
        capacity=arr([m.rated_capacity_per_hour for m in meters]),
        register_max=arr([m.register_max for m in meters]),
        typical_rate=arr([status[m.id][4] if m.id in status else None for m in meters]),
    )


@dataclass(frozen=True)
class RollupChanges:
    """What a set of readings adds to its buckets (computed without the database, so that a bulk
    loader can compute the next chunk while the database writes the current one).

    ``months``: rows for :func:`~parkcarbon.store.timeseries.upsert_rollups`; per touched meter-day:
    ``day_meter``, ``day``, ``day_park``, the totals (n × 7, :data:`ROLLUP_COLUMNS` order) and the
    hourly vectors (n × 4 × 25) to add to the stored day row.
    """

    months: list[tuple[Any, ...]]
    day_meter: I64
    day: I64
    day_park: I64
    totals: F64
    vectors: F64


def _rollup_changes(meters: list[MeterInfo], slot: I64, hour: I64, diff: F64) -> RollupChanges:
    """Month rows and day changes of per-reading contributions ``diff`` (pure)."""
    uniq_hours = np.unique(hour)
    tzs = sorted({m.timezone for m in meters})
    tz_of_slot = np.asarray([tzs.index(m.timezone) for m in meters], dtype=np.int64)
    day = np.zeros(hour.shape[0], dtype=np.int64)
    month = np.zeros(hour.shape[0], dtype=np.int64)
    pos = np.searchsorted(uniq_hours, hour)
    for z, tz in enumerate(tzs):
        lookup = np.asarray([local_buckets(int(h), tz) for h in uniq_hours.tolist()], dtype=np.int64)
        lookup = lookup.reshape(-1, 2)
        sel = tz_of_slot[slot] == z if len(tzs) > 1 else np.ones(slot.shape[0], dtype=bool)
        day = np.where(sel, lookup[pos, 0], day)
        month = np.where(sel, lookup[pos, 1], month)
    ids = np.asarray([m.id for m in meters], dtype=np.int64)
    parks = np.asarray([m.park_id for m in meters], dtype=np.int64)

    # ---- months: additive upsert --------------------------------------------------------------
    order, starts, uniq, _ = _groups(pack_key(slot, month, MONTH_BITS))
    sums = np.add.reduceat(diff if order is None else diff[order], starts, axis=0)
    keep = np.any(sums != 0, axis=1)
    uniq, sums = uniq[keep], sums[keep]
    u_slot, u_month = unpack_key(uniq, MONTH_BITS)
    counts = np.rint(sums[:, 3:6]).astype(np.int64)
    months = list(
        zip(
            ids[u_slot].tolist(), [GRAIN_MONTH] * uniq.size, u_month.tolist(),
            parks[u_slot].tolist(), sums[:, 0].tolist(), sums[:, 1].tolist(), sums[:, 2].tolist(),
            counts[:, 0].tolist(), counts[:, 1].tolist(), counts[:, 2].tolist(), sums[:, 6].tolist(),
            strict=True,
        )
    )  # fmt: skip

    # ---- days: read, add, write (totals and hourly vectors) ---------------------------------------
    order, starts, uniq, inv = _groups(slot * (1 << 40) + day)
    n_days = uniq.shape[0]
    totals = np.add.reduceat(diff if order is None else diff[order], starts, axis=0)
    hslot = np.clip((hour - day) // 3600, 0, HOUR_SLOTS - 1)
    flat = inv * HOUR_SLOTS + hslot
    vectors = np.zeros((n_days, len(HOUR_VECTORS), HOUR_SLOTS))
    for row, col in enumerate(_HOUR_COLS):
        vectors[:, row, :] = np.bincount(flat, weights=diff[:, col], minlength=n_days * HOUR_SLOTS).reshape(
            n_days, HOUR_SLOTS
        )
    d_slot = uniq >> 40
    return RollupChanges(months, ids[d_slot], uniq & ((1 << 40) - 1), parks[d_slot], totals, vectors)


def _groups(key: I64) -> tuple[I64 | None, I64, I64, I64]:
    """Group rows by ``key`` (non-empty): the order that sorts them (``None`` when they already are, as
    rows in meter and time order are), each group's first position in that order, the distinct keys
    ascending, and each row's group index."""
    if bool(np.all(key[1:] >= key[:-1])):
        order, k_sorted = None, key
    else:
        order = np.argsort(key, kind="stable")
        k_sorted = key[order]
    first = np.r_[True, k_sorted[1:] != k_sorted[:-1]]
    group = np.cumsum(first) - 1
    if order is not None:  # back to the rows' own order
        unsorted = np.empty_like(group)
        unsorted[order] = group
        group = unsorted
    return order, np.flatnonzero(first), k_sorted[first], group


def _apply_rollups(conn: Connection, changes: RollupChanges) -> None:
    """Add :class:`RollupChanges` to the month buckets and the stored day rows (read, add, write)."""
    ts_store.upsert_rollups(conn, changes.months)
    m_ids, d_day, totals, vectors = changes.day_meter, changes.day, changes.totals, changes.vectors
    keys = list(zip(m_ids.tolist(), d_day.tolist(), strict=True))
    stored = ts_store.fetch_days(conn, keys)
    if stored:
        row_of = {k: i for i, k in enumerate(keys)}
        at = np.fromiter((row_of[(r[0], r[1])] for r in stored), dtype=np.int64, count=len(stored))
        totals[at] += np.asarray([r[2:9] for r in stored], dtype=np.float64)
        with_hours = [k for k, r in enumerate(stored) if r[9] is not None]
        if with_hours:
            vectors[at[with_hours]] += decode_hours_many(stored[k][9] for k in with_hours)
    counts = np.rint(totals[:, 3:6]).astype(np.int64)
    blobs = encode_hours_many(vectors)
    ts_store.upsert_days(
        conn,
        list(
            zip(
                m_ids.tolist(), d_day.tolist(), changes.day_park.tolist(), totals[:, 0].tolist(),
                totals[:, 1].tolist(), totals[:, 2].tolist(), counts[:, 0].tolist(), counts[:, 1].tolist(),
                counts[:, 2].tolist(), totals[:, 6].tolist(), blobs, strict=True,
            )
        ),
    )  # fmt: skip


#: Columns of the contribution matrix kept per hour (consumption, estimated, readings, flagged).
_HOUR_COLS = (0, 1, 3, 5)


def _without_nul(value: Any) -> Any:
    """``value`` with NUL characters of its strings replaced by U+FFFD: PostgreSQL's JSON cannot hold
    ``\\u0000``, and a rejected row's echo (e.g. a meter code of one NUL) must not lose the batch's log."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value
