"""Polling meters at a tick: read, scale, convert, stamp (采集、换算、打时标).

For each mapped point::

    reported = (raw × scale + offset) × unit_factor × multiplier      [report unit]

``scale``/``offset`` come from the profile, ``unit_factor`` converts the profile unit to the
report unit (Wh → kWh: 0.001), ``multiplier`` is the device's CT/PT ratio for the point's
``ratio`` times the mapping's own multiplier. The reading is stamped with the poll tick in the
park's time zone.

Devices on different links are read in parallel; devices sharing a link (an RS-485 bus, one
serial server port) one after another.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from parkcarbon.edge.clock import format_ts
from parkcarbon.edge.config import DeviceConfig, PointMapping
from parkcarbon.edge.protocols import DeviceReader, PointResult
from parkcarbon.edge.readings import Reading
from parkcarbon.edge.units import tidy

__all__ = ["DeviceStatus", "PollResult", "Poller", "scale_reading"]

log = logging.getLogger(__name__)


@dataclass
class DeviceStatus:
    """Online state of one device as shown in the heartbeat and the console."""

    device: str
    status: str = "unknown"  # "online" | "offline" | "unknown" (not polled yet)
    last_ok: str | None = None
    last_error: str | None = None
    consecutive_failures: int = 0

    def to_wire(self) -> dict[str, object]:
        """Heartbeat representation (contract keys)."""
        return {
            "device": self.device,
            "status": "offline" if self.status != "online" else "online",
            "last_ok": self.last_ok,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class PollResult:
    """What one poll produced."""

    tick: float
    ts: str
    readings: tuple[Reading, ...]
    errors: dict[str, dict[str, str]]  # device -> point -> reason


def scale_reading(mapping: PointMapping, value: float) -> float:
    """Apply unit conversion and multiplier to a decoded point value."""
    return tidy(value * mapping.unit_factor * mapping.multiplier)


class Poller:
    """Polls all devices once per call to :meth:`poll`.

    Parameters
    ----------
    readers
        One reader per device (see :func:`parkcarbon.edge.protocols.open_readers`).
    timezone
        Park time zone for the timestamps.
    """

    def __init__(self, readers: Sequence[DeviceReader], *, timezone: ZoneInfo) -> None:
        self.readers = list(readers)
        self.timezone = timezone
        self.status: dict[str, DeviceStatus] = {
            r.device.name: DeviceStatus(r.device.name) for r in self.readers
        }
        self._lock = threading.Lock()
        buses: dict[str, list[DeviceReader]] = {}
        for r in self.readers:
            buses.setdefault(r.device.bus, []).append(r)
        self._buses = list(buses.values())
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(self._buses)), thread_name_prefix="edge-poll")

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=True)

    def snapshot(self) -> list[DeviceStatus]:
        """Copy of every device's status."""
        with self._lock:
            return [DeviceStatus(**vars(s)) for s in self.status.values()]

    def poll(self, tick: float) -> PollResult:
        """Read every device and return the readings stamped ``tick``.

        Errors never raise: a failed point is reported in ``errors`` and in the device status.
        """
        ts = format_ts(tick, self.timezone)
        futures = [self._pool.submit(self._poll_bus, bus) for bus in self._buses]
        per_device: list[tuple[DeviceConfig, dict[str, PointResult]]] = []
        for f in futures:
            per_device.extend(f.result())
        readings: list[Reading] = []
        errors: dict[str, dict[str, str]] = {}
        for dev, results in per_device:
            ok = 0
            dev_errors: dict[str, str] = {}
            for m in dev.points:
                res = results.get(m.point.name)
                if res is None:
                    dev_errors[m.point.name] = "not read"
                    continue
                if isinstance(res, Exception):
                    dev_errors[m.point.name] = str(res)
                    continue
                value = scale_reading(m, res)
                if not math.isfinite(value):
                    dev_errors[m.point.name] = f"non-finite value {value!r} (not sent)"
                    continue
                readings.append(
                    Reading(
                        meter_code=m.meter_code,
                        ts=ts,
                        value=value,
                        unit=m.report_unit,
                        kind=m.point.kind,
                        device=dev.name,
                        point=m.point.name,
                    )
                )
                ok += 1
            self._update_status(dev.name, ts, ok, dev_errors)
            if dev_errors:
                errors[dev.name] = dev_errors
        return PollResult(tick=tick, ts=ts, readings=tuple(readings), errors=errors)

    def _poll_bus(self, readers: list[DeviceReader]) -> list[tuple[DeviceConfig, dict[str, PointResult]]]:
        out = []
        for r in readers:
            try:
                out.append((r.device, r.read()))
            except Exception as exc:  # a reader bug must not stop the other devices
                log.exception("reading device %s failed", r.device.name)
                out.append((r.device, {m.point.name: exc for m in r.device.points}))
        return out

    def _update_status(self, device: str, ts: str, ok: int, errors: dict[str, str]) -> None:
        with self._lock:
            st = self.status[device]
            if ok:
                if st.status != "online":
                    log.info("device %s online", device)
                st.status, st.last_ok, st.consecutive_failures = "online", ts, 0
            else:
                if st.status != "offline":
                    log.warning("device %s offline: %s", device, next(iter(errors.values()), "no points"))
                st.status = "offline"
                st.consecutive_failures += 1
            if errors:
                first_point, first_reason = next(iter(errors.items()))
                more = f" (+{len(errors) - 1} more points)" if len(errors) > 1 else ""
                st.last_error = f"{ts} {first_point}: {first_reason}{more}"
