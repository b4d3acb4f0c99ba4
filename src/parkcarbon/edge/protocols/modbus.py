"""Modbus TCP / RTU reader on pymodbus' synchronous clients."""

from __future__ import annotations

import logging
import threading

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ModbusException

from parkcarbon.edge.config import DeviceConfig
from parkcarbon.edge.errors import DeviceReadError, LinkError
from parkcarbon.edge.profiles import ModbusPoint, decode_registers, plan_modbus_blocks
from parkcarbon.edge.protocols import PointResult

__all__ = ["ModbusLink", "ModbusReader"]

log = logging.getLogger(__name__)

# Modbus exception codes, Modbus Application Protocol V1.1b3 §7
_EXCEPTIONS = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


class ModbusLink:
    """A pymodbus sync client plus the lock that serialises requests on it."""

    def __init__(self, client: ModbusTcpClient | ModbusSerialClient, label: str) -> None:
        self.client = client
        self.label = label
        self.lock = threading.Lock()

    @classmethod
    def for_device(cls, dev: DeviceConfig) -> ModbusLink:
        """Client for the device's TCP endpoint or serial port (one retry per request)."""
        if dev.protocol == "modbus_tcp":
            if dev.host is None or dev.port is None:
                raise ValueError(f"device {dev.name!r}: modbus_tcp needs host and port")
            client: ModbusTcpClient | ModbusSerialClient = ModbusTcpClient(
                dev.host, port=dev.port, timeout=dev.timeout_s, retries=1
            )
            return cls(client, f"{dev.host}:{dev.port}")
        if dev.serial_port is None:
            raise ValueError(f"device {dev.name!r}: modbus_rtu needs serial_port")
        client = ModbusSerialClient(
            dev.serial_port,
            baudrate=dev.baudrate,
            bytesize=dev.bytesize,
            parity=dev.parity,
            stopbits=dev.stopbits,
            timeout=dev.timeout_s,
            retries=1,
        )
        return cls(client, dev.serial_port)

    def ensure_connected(self, device: str) -> None:
        """Connect if needed.

        Raises
        ------
        DeviceReadError
            If the connection cannot be made.
        """
        if not self.client.connected and not self.client.connect():
            raise LinkError(device, f"cannot connect to Modbus endpoint {self.label}")

    def close(self) -> None:
        """Close the connection; the next read reconnects."""
        self.client.close()  # type: ignore[no-untyped-call]


class ModbusReader:
    """Reads a device's mapped points in as few requests as its profile allows."""

    def __init__(self, device: DeviceConfig, link: ModbusLink) -> None:
        self.device = device
        self.link = link
        points = [m.point for m in device.points if isinstance(m.point, ModbusPoint)]
        self.blocks = plan_modbus_blocks(
            points, max_registers=device.profile.max_registers_per_request, max_gap=device.profile.max_gap
        )

    def read(self) -> dict[str, PointResult]:
        """Point name → value in the point's unit, or the error for that point."""
        results: dict[str, PointResult] = {}
        with self.link.lock:
            try:
                self.link.ensure_connected(self.device.name)
            except LinkError as exc:
                return {p.name: exc for b in self.blocks for p in b.points}
            for i, block in enumerate(self.blocks):
                try:
                    registers = self._read_block(block.table, block.start, block.count)
                except LinkError as exc:
                    # the link is gone: fail the remaining blocks fast, reconnect at the next poll
                    self.link.close()
                    for rest in self.blocks[i:]:
                        results.update({p.name: exc for p in rest.points})
                    break
                except DeviceReadError as exc:
                    results.update({p.name: exc for p in block.points})
                    continue
                for p in block.points:
                    try:
                        results[p.name] = decode_registers(p, block.slice_for(p, registers))
                    except ValueError as exc:
                        results[p.name] = DeviceReadError(self.device.name, str(exc))
        return results

    def _read_block(self, table: str, start: int, count: int) -> list[int]:
        dev = self.device
        client = self.link.client
        try:
            if table == "input":
                rr = client.read_input_registers(start, count=count, device_id=dev.unit_id)
            else:
                rr = client.read_holding_registers(start, count=count, device_id=dev.unit_id)
        except ModbusException as exc:
            raise LinkError(
                dev.name,
                f"no response / connection error reading {table} registers "
                f"{start}..{start + count - 1}: {exc}",
            ) from exc
        if rr.isError():
            code = getattr(rr, "exception_code", None)
            text = _EXCEPTIONS.get(code or -1, "unknown exception")
            raise DeviceReadError(
                dev.name,
                f"Modbus exception {code} ({text}) reading {table} registers "
                f"{start}..{start + count - 1} of unit {dev.unit_id}",
            )
        registers = list(rr.registers)
        if len(registers) < count:
            raise DeviceReadError(dev.name, f"short response: {len(registers)} of {count} registers")
        return registers[:count]
