"""Meter protocol readers: Modbus TCP/RTU (pymodbus) and DL/T 645-2007 (dlt645).

A *link* is one physical connection — a TCP socket to a meter or serial server, or one serial
port shared by several meters on an RS-485 bus — and serialises the requests sent over it.
A *reader* reads one device's points over a link and returns, per point, a decoded value in
the point's unit or the error that prevented it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from parkcarbon.edge.config import DeviceConfig

__all__ = ["DeviceReader", "Link", "PointResult", "open_readers"]

PointResult = float | Exception


class Link(Protocol):
    """One physical connection; ``close`` releases it (a later read reconnects)."""

    def close(self) -> None: ...


class DeviceReader(Protocol):
    """Reads the mapped points of one device."""

    device: DeviceConfig

    def read(self) -> dict[str, PointResult]:
        """Point name → decoded value [point unit] or the exception that prevented it."""
        ...


def open_readers(devices: Sequence[DeviceConfig]) -> tuple[list[DeviceReader], list[Link]]:
    """Build one reader per device, sharing links between devices on the same bus.

    Nothing connects here; links connect lazily on the first read and reconnect after errors.
    """
    from parkcarbon.edge.protocols.dlt645 import Dlt645Link, Dlt645Reader
    from parkcarbon.edge.protocols.modbus import ModbusLink, ModbusReader

    links: dict[str, ModbusLink | Dlt645Link] = {}
    readers: list[DeviceReader] = []
    for dev in devices:
        if dev.protocol.startswith("modbus"):
            mlink = links.get(dev.bus)
            if mlink is None:
                mlink = links[dev.bus] = ModbusLink.for_device(dev)
            if not isinstance(mlink, ModbusLink):  # config validation forbids mixing; be explicit anyway
                raise TypeError(f"bus {dev.bus} mixes protocols")
            readers.append(ModbusReader(dev, mlink))
        else:
            dlink = links.get(dev.bus)
            if dlink is None:
                dlink = links[dev.bus] = Dlt645Link.for_device(dev)
            if not isinstance(dlink, Dlt645Link):
                raise TypeError(f"bus {dev.bus} mixes protocols")
            readers.append(Dlt645Reader(dev, dlink))
    return readers, list(links.values())
