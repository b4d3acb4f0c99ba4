"""Simulated Eastron SDM630 on a real Modbus TCP (or RTU) server — pymodbus' simulator datastore.

The register image is transcribed here independently of the gateway's profile (from the
SDM630-Modbus V2 manual's input-register table, see ``profiles/eastron_sdm630.toml`` for the
sources), so a wrong address in the profile makes the gateway tests fail instead of agreeing
with itself. Values are float32, most significant word first. Each read request first advances
the load model to the clock's time, then serves the registers.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import threading
from collections.abc import Callable
from typing import Any

from pymodbus.constants import ExcCodes
from pymodbus.framer import FramerType
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from parkcarbon.edge.clock import Clock, SystemClock
from parkcarbon.edge.simulate.model import MeterState, ThreePhaseLoad

__all__ = ["SDM630_INPUT_REGISTERS", "Sdm630Simulator"]

log = logging.getLogger(__name__)

# 0-based input-register address -> quantity (SDM630-Modbus V2 manual §1.2, registers 3xxxx − 30001)
SDM630_INPUT_REGISTERS: dict[int, Callable[[MeterState], float]] = {
    0x0000: lambda s: s.voltage_v[0],  # 30001 phase 1 line to neutral volts
    0x0002: lambda s: s.voltage_v[1],  # 30003
    0x0004: lambda s: s.voltage_v[2],  # 30005
    0x0006: lambda s: s.current_a[0],  # 30007 phase 1 current
    0x0008: lambda s: s.current_a[1],  # 30009
    0x000A: lambda s: s.current_a[2],  # 30011
    0x000C: lambda s: s.power_w[0],  # 30013 phase 1 power W
    0x000E: lambda s: s.power_w[1],  # 30015
    0x0010: lambda s: s.power_w[2],  # 30017
    0x0012: lambda s: s.power_w[0] / s.power_factor,  # 30019 phase 1 VA
    0x0014: lambda s: s.power_w[1] / s.power_factor,  # 30021
    0x0016: lambda s: s.power_w[2] / s.power_factor,  # 30023
    0x001E: lambda s: s.power_factor,  # 30031 phase 1 power factor
    0x0020: lambda s: s.power_factor,  # 30033
    0x0022: lambda s: s.power_factor,  # 30035
    0x002A: lambda s: sum(s.voltage_v) / 3,  # 30043 average line to neutral volts
    0x002E: lambda s: sum(s.current_a) / 3,  # 30047 average line current
    0x0030: lambda s: sum(s.current_a),  # 30049 sum of line currents
    0x0034: lambda s: s.total_power_w,  # 30053 total system power W
    0x0038: lambda s: s.total_va,  # 30057 total system VA
    0x003C: lambda s: s.total_var,  # 30061 total system VAr
    0x003E: lambda s: s.power_factor,  # 30063 total system power factor
    0x0046: lambda s: s.frequency_hz,  # 30071 frequency Hz
    0x0048: lambda s: s.import_kwh,  # 30073 import kWh
    0x004A: lambda s: s.export_kwh,  # 30075 export kWh
    0x004C: lambda s: s.import_kvarh,  # 30077 import kvarh
    0x004E: lambda s: s.export_kvarh,  # 30079 export kvarh
    0x0156: lambda s: s.import_kwh + s.export_kwh,  # 30343 total kWh
    0x0158: lambda s: s.import_kvarh + s.export_kvarh,  # 30345 total kvarh
}
_INPUT_SIZE = 0x0180  # registers 30001 … 30384
_HOLDING_SIZE = 0x0040
_SYSTEM_TYPE_ADDR = 0x000A  # 40011 system type, 3 = 3P4W


def _f32(value: float) -> tuple[int, int]:
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return hi, lo


class Sdm630Simulator:
    """A real Modbus server answering like an SDM630; usable as a context manager.

    Parameters
    ----------
    host, port
        TCP listen address; ``port=0`` picks a free port (see :attr:`port` after start).
    serial_port
        Serve Modbus RTU on this serial device instead of TCP (e.g. one end of a
        :class:`~parkcarbon.edge.simulate.serial_pair.SerialPair`).
    unit_id
        Modbus unit (slave) id the meter answers to.
    seed
        Seed of the load model.
    clock
        Time source for the load model (a :class:`~parkcarbon.edge.clock.ManualClock` in tests).
    model
        A prepared load model; overrides ``seed``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        serial_port: str | None = None,
        baudrate: int = 9600,
        unit_id: int = 1,
        seed: int = 0,
        clock: Clock | None = None,
        model: ThreePhaseLoad | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.serial_port = serial_port
        self.baudrate = baudrate
        self.unit_id = unit_id
        self.clock: Clock = clock or SystemClock()
        self.model = model or ThreePhaseLoad(seed=seed, start_time=self.clock.now())
        self.port: int | None = None
        self.requests = 0
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_async: asyncio.Event | None = None

    # ------------------------------------------------------------------ register image

    def _device(self) -> SimDevice:
        holding = [0] * _HOLDING_SIZE
        holding[_SYSTEM_TYPE_ADDR : _SYSTEM_TYPE_ADDR + 2] = _f32(3.0)
        return SimDevice(
            id=self.unit_id,
            simdata=(
                [SimData(0, count=16, values=False, datatype=DataType.BITS)],
                [SimData(0, count=16, values=False, datatype=DataType.BITS)],
                [SimData(0, values=holding, datatype=DataType.REGISTERS)],
                [SimData(0, values=[0] * _INPUT_SIZE, datatype=DataType.REGISTERS)],
            ),
            action=self._action,
        )

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: Any,
    ) -> ExcCodes | None:
        self.requests += 1
        if set_values is not None and function_code != 3:
            return ExcCodes.ILLEGAL_FUNCTION
        if function_code == 4:
            state = self.model.advance_to(self.clock.now())
            for addr, quantity in SDM630_INPUT_REGISTERS.items():
                i = addr - start_address
                registers[i], registers[i + 1] = _f32(quantity(state))
        return None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Sdm630Simulator:
        """Start serving in a background thread; returns when listening.

        Raises
        ------
        OSError
            If the server cannot listen.
        """
        self._thread = threading.Thread(target=self._run, name="sim-sdm630", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise OSError("SDM630 simulator did not start within 10 s")
        if self._error is not None:
            raise OSError(f"SDM630 simulator failed to start: {self._error}") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop_async = asyncio.Event()
        server: ModbusTcpServer | ModbusSerialServer
        if self.serial_port is not None:
            server = ModbusSerialServer(
                self._device(), framer=FramerType.RTU, port=self.serial_port, baudrate=self.baudrate
            )
        else:
            server = ModbusTcpServer(self._device(), address=(self.host, self._requested_port))
        await server.serve_forever(background=True)
        if self.serial_port is None:
            self.port = server.transport.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self._ready.set()
        log.info("SDM630 simulator serving on %s", self.endpoint)
        try:
            await self._stop_async.wait()
        finally:
            await server.shutdown()  # type: ignore[no-untyped-call]

    @property
    def endpoint(self) -> str:
        """``host:port`` or the serial device."""
        return self.serial_port if self.serial_port is not None else f"{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop the server and join its thread (idempotent)."""
        loop, stop = self._loop, self._stop_async
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> Sdm630Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
