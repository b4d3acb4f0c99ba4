"""Simulated DL/T 645-2007 meter on the dlt645 package's own slave implementation.

The dlt645 package (3.2.0) already contains a meter-side ("server") service,
:class:`dlt645.MeterServerService`, with TCP and serial transports: it parses requests, checks
the address, looks data identifiers up in its table, encodes BCD and builds normal and
abnormal answers. The simulator *extends* it (subclass, no copied code) in one place only:
before answering a request it advances the load model to the clock's time and writes the
fresh values into the service's data table. Everything on the wire is the library's.

Address convention: the service keeps its address as the 6 wire bytes A0..A5; we derive them
from the 12-digit nameplate address (most significant digits first), as the gateway does.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from dlt645.service.serversvc.server_service import MeterServerService
from dlt645.transport.server.rtu_server import RtuServer
from dlt645.transport.server.tcp_server import TcpServer

from parkcarbon.edge.clock import Clock, SystemClock
from parkcarbon.edge.protocols.dlt645 import address_to_wire
from parkcarbon.edge.simulate.model import MeterState, ThreePhaseLoad

__all__ = ["DLT645_VALUES", "Dlt645Simulator"]

log = logging.getLogger(__name__)

_BROADCAST = (b"\xaa" * 6, b"\x99" * 6)  # DL/T 645-2007 §4.2: wildcard and broadcast addresses

# data identifier (DI3 first) -> quantity in the unit of the standard's table
DLT645_VALUES: dict[int, Any] = {
    0x00000000: lambda s: s.import_kwh + s.export_kwh,  # combined active (forward + reverse)
    0x00010000: lambda s: s.import_kwh,  # forward active total, kWh
    0x00020000: lambda s: s.export_kwh,  # reverse active total, kWh
    0x00030000: lambda s: s.import_kvarh,  # combined reactive 1 total, kvarh
    0x00040000: lambda s: s.export_kvarh,  # combined reactive 2 total, kvarh
    0x02010100: lambda s: s.voltage_v[0],  # phase A voltage, V
    0x02010200: lambda s: s.voltage_v[1],
    0x02010300: lambda s: s.voltage_v[2],
    0x02020100: lambda s: s.current_a[0],  # phase A current, A
    0x02020200: lambda s: s.current_a[1],
    0x02020300: lambda s: s.current_a[2],
    0x02030000: lambda s: s.total_power_w / 1000,  # total active power, kW
    0x02030100: lambda s: s.power_w[0] / 1000,
    0x02030200: lambda s: s.power_w[1] / 1000,
    0x02030300: lambda s: s.power_w[2] / 1000,
    0x02040000: lambda s: s.total_var / 1000,  # total reactive power, kvar
    0x02050000: lambda s: s.total_va / 1000,  # total apparent power, kVA
    0x02060000: lambda s: s.power_factor,  # total power factor
    0x02060100: lambda s: s.power_factor,
    0x02060200: lambda s: s.power_factor,
    0x02060300: lambda s: s.power_factor,
    0x02800002: lambda s: s.frequency_hz,  # grid frequency, Hz
}


class _SimulatedMeterService(MeterServerService):  # type: ignore[misc]
    """``MeterServerService`` whose values follow a load model."""

    def __init__(
        self, server: TcpServer | RtuServer, *, wire_address: bytes, model: ThreePhaseLoad, clock: Clock
    ) -> None:
        super().__init__(server, address=bytearray(wire_address))
        server.service = self
        self.model = model
        self.clock = clock
        self.requests = 0
        self._sim_lock = threading.Lock()
        self._write(model.state())

    def _write(self, state: MeterState) -> None:
        for di, quantity in DLT645_VALUES.items():
            value = quantity(state)
            ok = self.set_00(di, value) if di >> 24 == 0x00 else self.set_02(di, value)
            if not ok:  # out of the format's range: a model/range mismatch, make it loud
                raise ValueError(f"simulated value {value!r} does not fit DI {di:08X}")

    def handle_request(self, frame: Any) -> Any:
        """Refresh the values from the model, then answer with the library's handler.

        Like a real meter on an RS-485 bus, stay silent for frames addressed to another meter
        (the library's service would answer them with an error frame, which collides with the
        addressed meter's answer on a shared bus).
        """
        addr = bytes(frame.addr)
        if addr != bytes(self.address) and addr not in _BROADCAST:
            return None
        with self._sim_lock:
            self.requests += 1
            self._write(self.model.advance_to(self.clock.now()))
            return super().handle_request(frame)


class Dlt645Simulator:
    """A DL/T 645-2007 meter over TCP (like a serial server port) or a serial device.

    Parameters
    ----------
    address
        12-digit meter address as on the nameplate.
    host, port
        TCP listen address; ``port=0`` picks a free port (:attr:`port` after start).
    serial_port
        Serve on this serial device instead (e.g. one end of a ``SerialPair``).
    baudrate, parity
        Serial settings (DL/T 645-2007 default 2400 8E1).
    seed, clock, model
        Load model configuration (see :class:`ThreePhaseLoad`).
    """

    def __init__(
        self,
        *,
        address: str = "000000000001",
        host: str = "127.0.0.1",
        port: int = 0,
        serial_port: str | None = None,
        baudrate: int = 2400,
        parity: str = "E",
        seed: int = 0,
        clock: Clock | None = None,
        model: ThreePhaseLoad | None = None,
    ) -> None:
        self.address = address
        self.clock: Clock = clock or SystemClock()
        self.model = model or ThreePhaseLoad(
            seed=seed,
            start_time=self.clock.now(),
            nominal_voltage_v=220.0,
            mean_power_kw=12.0,
            min_power_kw=1.0,
            max_power_kw=40.0,
            initial_import_kwh=23_456.78,
            initial_import_kvarh=4_567.89,
        )
        server: TcpServer | RtuServer
        if serial_port is not None:
            server = RtuServer(serial_port, 8, 1, baudrate, parity, 1.0)
        else:
            server = TcpServer(host, port, 5.0)
        self.server = server
        self.serial_port = serial_port
        self.host = host
        self.meter = _SimulatedMeterService(
            server, wire_address=address_to_wire(address), model=self.model, clock=self.clock
        )

    @property
    def port(self) -> int | None:
        """Bound TCP port (after :meth:`start`), ``None`` for serial."""
        return self.server.port if isinstance(self.server, TcpServer) else None

    @property
    def endpoint(self) -> str:
        """``host:port`` or the serial device."""
        return self.serial_port if self.serial_port is not None else f"{self.host}:{self.port}"

    @property
    def requests(self) -> int:
        """Requests answered so far."""
        return self.meter.requests

    def start(self) -> Dlt645Simulator:
        """Start listening in the library's background thread.

        Raises
        ------
        OSError
            If the port cannot be bound / the serial device opened.
        """
        if not self.server.start():
            raise OSError(f"DL/T 645 simulator cannot listen on {self.endpoint}")
        log.info("DL/T 645 simulator (address %s) serving on %s", self.address, self.endpoint)
        return self

    def stop(self) -> None:
        """Stop and join the server threads (idempotent)."""
        self.server.stop()

    def __enter__(self) -> Dlt645Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
