"""Quality flags of a reading (数据质量标记), stored as a bit set in ``readings.flags``.

Two families share the bit set:

* *reading* flags describe the value as sent or as received: ``estimated``, ``manual``, ``replaced``
  (first reading of a new register after a meter replacement), ``rollover`` (the sender says the
  counter wrapped), ``corrected`` (the value has a revision history), ``tz_assumed`` (the timestamp
  had no offset and was read in the park's timezone), ``late`` (arrived long after its timestamp);
* *interval* flags describe the consumption ending at the reading (``delta``), set by the
  register → interval step: ``negative`` and ``jump`` (impossible: above the meter's rated capacity)
  are **excluded from totals** but kept and reported; ``wrapped`` (a counter rollover was applied),
  ``spike`` (far above the neighbouring intervals, kept) and ``spans`` (the interval spans more than
  one hour bucket; its consumption is booked in the bucket where it ends) are informational.
"""

from __future__ import annotations

__all__ = [
    "CORRECTED",
    "DELTA_FLAGS",
    "ESTIMATED",
    "EXCLUDED",
    "FLAG_BITS",
    "JUMP",
    "LATE",
    "MANUAL",
    "NEGATIVE",
    "READING_FLAGS",
    "REPLACED",
    "ROLLOVER",
    "SENDER_FLAGS",
    "SPANS",
    "SPIKE",
    "TZ_ASSUMED",
    "WRAPPED",
    "flag_names",
]

ESTIMATED = 1 << 0
MANUAL = 1 << 1
REPLACED = 1 << 2
ROLLOVER = 1 << 3
CORRECTED = 1 << 4
TZ_ASSUMED = 1 << 5
LATE = 1 << 6
NEGATIVE = 1 << 8
JUMP = 1 << 9
WRAPPED = 1 << 10
SPIKE = 1 << 11
SPANS = 1 << 12

#: Flag names as they appear in payloads and reports, by bit.
FLAG_BITS: dict[str, int] = {
    "estimated": ESTIMATED,
    "manual": MANUAL,
    "replaced": REPLACED,
    "rollover": ROLLOVER,
    "corrected": CORRECTED,
    "tz_assumed": TZ_ASSUMED,
    "late": LATE,
    "negative": NEGATIVE,
    "jump": JUMP,
    "wrapped": WRAPPED,
    "spike": SPIKE,
    "spans": SPANS,
}

#: Flags a sender may set in a payload (``"flags": ["estimated"]``).
SENDER_FLAGS = ESTIMATED | MANUAL | REPLACED | ROLLOVER
#: Flags describing the reading itself (kept when the interval is recomputed).
READING_FLAGS = SENDER_FLAGS | CORRECTED | TZ_ASSUMED | LATE
#: Flags set by the register → interval step (recomputed whenever a neighbour changes).
DELTA_FLAGS = NEGATIVE | JUMP | WRAPPED | SPIKE | SPANS
#: Intervals with these flags are kept out of every total.
EXCLUDED = NEGATIVE | JUMP


def flag_names(bits: int) -> list[str]:
    """Names of the flags set in ``bits``, in bit order.

    Examples
    --------
    >>> flag_names(ESTIMATED | NEGATIVE)
    ['estimated', 'negative']
    """
    return [name for name, bit in FLAG_BITS.items() if bits & bit]
