"""Packed integer keys (组合键): two non-negative integer columns as one sortable int64.

Vectorised grouping and matching (``np.unique``, ``np.searchsorted``) run on one int64 column; these functions
are the one place where two columns are packed into it and unpacked again, with the bit widths named.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]

#: Bits of the low part of a packed key: epoch seconds up to 2^34 (year 2514) beside a meter id below 2^29;
#: a local month start (epoch seconds) up to 2^40 beside a meter slot below 2^23. Both fit a signed int64.
TS_BITS = 34
MONTH_BITS = 40


def pack_key(high: I64, low: I64, low_bits: int) -> I64:
    """Two non-negative integer columns as one sortable int64 key (``high`` major), for grouping."""
    return (high << low_bits) + low


def unpack_key(key: I64, low_bits: int) -> tuple[I64, I64]:
    """The inverse of :func:`pack_key`: ``(high, low)``."""
    return key >> low_bits, key & ((1 << low_bits) - 1)


def meter_ts_key(meter_id: I64, ts_epoch_s: I64) -> I64:
    """The identity of a reading, (meter, UTC epoch seconds), as one int64 key."""
    return pack_key(meter_id, ts_epoch_s, TS_BITS)
