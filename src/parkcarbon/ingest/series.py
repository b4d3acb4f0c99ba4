"""Register → interval consumption (累计示数 → 区间用量), vectorised over many meters at once.

For a series of readings of one meter sorted by time, the consumption of the interval
``(ts[i-1], ts[i]]`` is booked on reading ``i`` as ``delta[i]`` (in the meter's unit, after the
multiplier):

* **register** meters: ``delta[i] = (v[i] − v[i-1]) × multiplier``.

  - ``v[i] < v[i-1]`` with ``register_max`` set, or with the ``rollover`` flag from the sender: the
    counter wrapped, ``delta[i] = (register_max − v[i-1] + v[i]) × multiplier``, flagged ``wrapped``,
    if that is physically possible (below the rated capacity when it is known, below half the
    register's range otherwise); else
  - a negative difference is flagged ``negative`` and excluded from totals (never clamped);
  - a reading flagged ``replaced`` starts a new register (meter replacement): it has no delta;
  - the first reading of a meter has no delta.

* **interval** meters: ``delta[i] = v[i] × multiplier``; a negative value is flagged ``negative``.
* **instant** meters (kW, V, A, PF): no delta.

For every delta: above ``rated_capacity_per_hour × (ts[i] − ts[i-1]) / 3600`` it is flagged ``jump``
(impossible; excluded); above 10 × the meter's typical rate it is flagged ``spike`` (kept, reported);
an interval that starts before the hour in which it ends is flagged ``spans``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parkcarbon.ingest import flags as qf

__all__ = [
    "SPIKE_FACTOR",
    "MeterParams",
    "group_median",
    "interval_deltas",
    "typical_intervals",
    "typical_rates",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: A delta above this multiple of the meter's typical hourly rate is flagged ``spike``.
SPIKE_FACTOR = 10.0
#: Tolerance on the rated capacity before a delta is called impossible (meter accuracy class).
CAPACITY_TOLERANCE = 1.02


@dataclass(frozen=True)
class MeterParams:
    """Per-meter parameters as arrays indexed by meter slot.

    ``capacity`` and ``register_max`` are NaN when unknown; ``typical_rate`` [unit/h] is NaN until
    the meter has history.
    """

    kind: I64
    multiplier: F64
    capacity: F64
    register_max: F64
    typical_rate: F64


def interval_deltas(slot: I64, ts: I64, value: F64, flags: I64, params: MeterParams) -> tuple[F64, I64]:
    """Interval consumption and its flags for readings sorted by ``(slot, ts)``.

    Parameters
    ----------
    slot
        Meter slot of each reading (index into ``params`` arrays); sorted ascending.
    ts
        Epoch seconds, ascending within a slot.
    value
        Values in the meter's unit before the multiplier.
    flags
        Reading flags (``replaced``, ``rollover`` are used).
    params
        Meter parameters by slot.

    Returns
    -------
    delta : ndarray of float
        Consumption ending at each reading; NaN where there is none.
    dflags : ndarray of int
        Interval flags (``negative``, ``jump``, ``wrapped``, ``spike``, ``spans``).
    """
    n = ts.shape[0]
    delta = np.full(n, np.nan)
    dflags = np.zeros(n, dtype=np.int64)
    if n == 0:
        return delta, dflags
    kind = params.kind[slot]
    mult = params.multiplier[slot]
    cap = params.capacity[slot]
    has_prev = np.zeros(n, dtype=bool)
    has_prev[1:] = slot[1:] == slot[:-1]
    prev_v = np.r_[np.nan, value[:-1]]
    prev_ts = np.r_[ts[0], ts[:-1]]
    dt_h = np.where(has_prev, (ts - prev_ts) / 3600.0, np.nan)

    reg = (kind == 0) & has_prev & ((flags & qf.REPLACED) == 0)
    diff = value - prev_v
    raw = np.where(reg, diff, np.nan)
    neg = reg & (diff < 0)
    if neg.any():
        rmax = params.register_max[slot]
        wrapped = rmax - prev_v + value
        limit = np.where(np.isnan(cap), rmax * 0.5, cap * dt_h * CAPACITY_TOLERANCE)
        can_wrap = neg & ~np.isnan(rmax) & (wrapped >= 0) & (wrapped * mult <= limit)
        declared = neg & ((flags & qf.ROLLOVER) != 0) & ~np.isnan(rmax) & (wrapped >= 0)
        use_wrap = can_wrap | declared
        raw = np.where(use_wrap, wrapped, raw)
        dflags |= np.where(use_wrap, qf.WRAPPED, 0)
        dflags |= np.where(neg & ~use_wrap, qf.NEGATIVE, 0)
    delta = np.where(reg, raw * mult, delta)

    itv = kind == 1
    delta = np.where(itv, value * mult, delta)
    dflags |= np.where(itv & (value < 0), qf.NEGATIVE, 0)

    have = ~np.isnan(delta)
    jump = have & has_prev & ~np.isnan(cap) & (delta > cap * dt_h * CAPACITY_TOLERANCE)
    dflags |= np.where(jump, qf.JUMP, 0)
    rate = params.typical_rate[slot]
    spike = (
        have & has_prev & ~np.isnan(rate) & (rate > 0) & (dt_h > 0)
        & (delta > SPIKE_FACTOR * rate * np.maximum(dt_h, 0.25)) & ((dflags & qf.EXCLUDED) == 0)
    )  # fmt: skip
    dflags |= np.where(spike, qf.SPIKE, 0)
    spans = have & has_prev & (prev_ts < ((ts - 1) // 3600) * 3600)
    dflags |= np.where(spans, qf.SPANS, 0)
    return delta, dflags


def group_median(groups: I64, values: F64, n_groups: int) -> F64:
    """Median of ``values`` per group id in ``0 … n_groups−1`` (NaN for empty groups), vectorised."""
    out = np.full(n_groups, np.nan)
    if values.size == 0:
        return out
    order = np.lexsort((values, groups))
    g, v = groups[order], values[order]
    ids = np.arange(n_groups)
    lo = np.searchsorted(g, ids, "left")
    hi = np.searchsorted(g, ids, "right")
    cnt = hi - lo
    has = cnt > 0
    a = np.minimum(lo + (cnt - 1) // 2, v.size - 1)
    b = np.minimum(lo + cnt // 2, v.size - 1)
    out[has] = (v[a[has]] + v[b[has]]) / 2.0
    return out


def typical_rates(slot: I64, ts: I64, delta: F64, dflags: I64, n_slots: int) -> F64:
    """Median hourly rate [unit/h] of the included, positive deltas of each slot (NaN if none)."""
    prev_ts = np.r_[ts[0] if ts.size else 0, ts[:-1]]
    has_prev = np.zeros(ts.shape[0], dtype=bool)
    has_prev[1:] = slot[1:] == slot[:-1]
    ok = has_prev & ~np.isnan(delta) & ((dflags & (qf.EXCLUDED | qf.SPIKE)) == 0) & (delta > 0)
    if not ok.any():
        return np.full(n_slots, np.nan)
    rate = delta[ok] / ((ts[ok] - prev_ts[ok]) / 3600.0)
    return group_median(slot[ok], rate, n_slots)


def typical_intervals(slot: I64, ts: I64, n_slots: int) -> F64:
    """Median spacing [s] of consecutive readings of each slot (NaN with fewer than two readings)."""
    same = slot[1:] == slot[:-1]
    return group_median(slot[1:][same], (ts[1:] - ts[:-1])[same].astype(np.float64), n_slots)
