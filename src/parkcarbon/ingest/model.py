"""Plain data passed between the intake steps: meters as intake sees them, rejections, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = ["KIND_CODES", "IngestReport", "Kind", "MeterInfo", "Rejection"]

#: What a reading is: a cumulative register, an interval's consumption or an instantaneous value.
Kind = Literal["register", "interval", "instant"]
#: Meter kinds as small integers (array-friendly).
KIND_CODES: dict[str, int] = {k: i for i, k in enumerate(get_args(Kind))}


@dataclass(frozen=True, slots=True)
class MeterInfo:
    """What intake needs to know about a meter (loaded once per batch by the caller).

    Attributes
    ----------
    id, park_id, enterprise_id, area_id, code
        Identity and ownership.
    carrier, unit, kind
        Energy carrier id, the unit readings are stored in, ``register``/``interval``/``instant``.
    multiplier
        CT × PT ratio applied to register deltas and interval values (not to stored raw values).
    rated_capacity_per_hour
        Largest physically possible consumption per hour [unit/h] after the multiplier; a larger
        interval is flagged ``jump`` and excluded.
    register_max
        The counter's modulus: a register at ``register_max`` reads 0 next.
    active
        Inactive meters refuse new readings.
    timezone
        IANA timezone of the meter's park (timestamps without offset, days and months).
    gas_temperature_c, gas_pressure_kpa_abs
        Working conditions of a gas meter, enabling m3 (actual) → Nm3 at intake.
    archived
        The meter was archived (issue 12 §3): its rows are refused with the code ``meter.archived``.
    """

    id: int
    park_id: int
    enterprise_id: int | None
    area_id: int | None
    code: str
    carrier: str
    unit: str
    kind: str
    multiplier: float = 1.0
    rated_capacity_per_hour: float | None = None
    register_max: float | None = None
    active: bool = True
    timezone: str = "Asia/Shanghai"
    gas_temperature_c: float | None = None
    gas_pressure_kpa_abs: float | None = None
    archived: bool = False


@dataclass(frozen=True, slots=True)
class Rejection:
    """One rejected row: its 0-based position in the batch, the meter as sent, the field and why."""

    row: int
    field: str
    reason: str
    meter_code: str | None = None
    line: int | None = None
    code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "row": self.row,
            "meter_code": self.meter_code,
            "field": self.field,
            "reason": self.reason,
        }
        if self.line is not None:
            out["line"] = self.line
        if self.code is not None:
            out["code"] = self.code
        return out


@dataclass
class IngestReport:
    """What became of a batch.

    Attributes
    ----------
    rows
        Rows in the batch.
    accepted
        New readings stored.
    duplicates
        Rows identical to a stored reading or to an earlier row of the same batch (harmless).
    corrections
        Rows with a different value (or flags) for a stored reading: applied, the old value kept in
        the revision history.
    rejected
        Every refused row with its reason.
    warnings
        Batch-level notes (timestamps read in the park's timezone, flagged intervals, late data …).
    flagged
        Intervals flagged ``negative`` or ``jump`` (kept, excluded from totals).
    meters
        Meters touched.
    batch_log_id
        Row of the intake log recording this batch.
    """

    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    corrections: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    flagged: int = 0
    meters: int = 0
    batch_log_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "corrections": self.corrections,
            "rejected": [r.as_dict() for r in self.rejected],
            "warnings": list(self.warnings),
            "flagged": self.flagged,
            "meters": self.meters,
            "batch_log_id": self.batch_log_id,
        }
