"""Readings and the wire payload shared by the MQTT and HTTPS forwarders.

Payload (contract with the platform, UTF-8 JSON)::

    {"gateway": "gw-01", "batch_id": "…", "readings": [
        {"meter_code": "E-001", "ts": "2026-11-23T08:00:00+08:00", "value": 12345.67,
         "unit": "kWh", "kind": "register"}]}

``flags`` is present only when non-empty. ``value`` is always a finite JSON number.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Reading", "encode_payload"]

Kind = Literal["register", "interval", "instant"]


@dataclass(frozen=True)
class Reading:
    """One value of one platform meter at one poll tick.

    Attributes
    ----------
    meter_code
        The meter's external code configured in the platform.
    ts
        Poll tick, ISO 8601 with the park's UTC offset.
    value
        Finite value in ``unit``.
    unit
        Unit symbol (kWh, kW, V, A, Hz, "1" …).
    kind
        ``register`` (cumulative counter), ``interval`` or ``instant``.
    flags
        Data-quality flags (``"estimated"``, ``"rollover"``).
    device, point
        Where the value came from (kept in the local queue for diagnosis, not sent).
    """

    meter_code: str
    ts: str
    value: float
    unit: str
    kind: Kind
    flags: tuple[str, ...] = ()
    device: str = field(default="", compare=False)
    point: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError(f"reading {self.meter_code}@{self.ts}: value must be finite, got {self.value!r}")

    @property
    def key(self) -> tuple[str, str]:
        """Identity of a reading: ``(meter_code, ts)``."""
        return (self.meter_code, self.ts)

    def to_wire(self) -> dict[str, Any]:
        """The reading as it appears in the payload's ``readings`` list."""
        out: dict[str, Any] = {
            "meter_code": self.meter_code,
            "ts": self.ts,
            "value": self.value,
            "unit": self.unit,
            "kind": self.kind,
        }
        if self.flags:
            out["flags"] = list(self.flags)
        return out


def encode_payload(gateway_id: str, batch_id: str, readings: Sequence[Reading]) -> bytes:
    """Serialise a batch to the contract's JSON (UTF-8, NaN refused)."""
    doc = {"gateway": gateway_id, "batch_id": batch_id, "readings": [r.to_wire() for r in readings]}
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
