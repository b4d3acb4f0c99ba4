"""Meter readers against real protocol peers: simulators over TCP sockets and pty serial pairs.

The simulators' register images are written independently of the gateway's profiles, so a
wrong address or word order in a profile makes these comparisons fail.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parkcarbon.edge.clock import ManualClock
from parkcarbon.edge.config import DeviceConfig, parse_config
from parkcarbon.edge.errors import DeviceReadError, LinkError
from parkcarbon.edge.protocols import open_readers
from parkcarbon.edge.protocols.dlt645 import build_read_request
from parkcarbon.edge.simulate import Dlt645Simulator, Sdm630Simulator, SerialPair, ThreePhaseLoad

SDM_POINTS = [
    "l1_voltage",
    "l2_voltage",
    "l3_voltage",
    "l1_current",
    "l1_power",
    "total_system_power",
    "total_system_volt_amps",
    "total_system_var",
    "total_system_power_factor",
    "frequency",
    "import_active_energy",
    "export_active_energy",
    "import_reactive_energy",
    "total_active_energy",
]
DLT_POINTS = [
    "combined_active_energy",
    "forward_active_energy",
    "reverse_active_energy",
    "combined_reactive1_energy",
    "phase_a_voltage",
    "phase_b_voltage",
    "phase_a_current",
    "total_active_power",
    "total_reactive_power",
    "total_power_factor",
    "grid_frequency",
]


def device(**dev: Any) -> DeviceConfig:
    points = dev.pop("points")
    doc = {
        "gateway": {"id": "gw", "park_code": "P"},
        "forward": {"transport": "http", "http": {"base_url": "https://p.example", "api_key": "k"}},
        "devices": [{"name": "dev", "timeout_s": 1.0, **dev, "points": {p: f"M-{p}" for p in points}}],
    }
    return parse_config(doc).devices[0]


def read_once(dev: DeviceConfig) -> dict[str, Any]:
    readers, links = open_readers([dev])
    try:
        return readers[0].read()
    finally:
        for link in links:
            link.close()


def f32(x: float) -> float:
    import struct

    return struct.unpack(">f", struct.pack(">f", x))[0]


def test_sdm630_over_modbus_tcp_matches_the_meter(sdm630: Sdm630Simulator, sim_clock: ManualClock) -> None:
    sim_clock.advance(900)
    dev = device(
        protocol="modbus_tcp",
        host="127.0.0.1",
        port=sdm630.port,
        unit_id=7,
        profile="eastron_sdm630",
        points=SDM_POINTS,
    )
    values = read_once(dev)
    s = sdm630.model.state()
    assert s.t == sim_clock.now()
    expected = {
        "l1_voltage": s.voltage_v[0],
        "l2_voltage": s.voltage_v[1],
        "l3_voltage": s.voltage_v[2],
        "l1_current": s.current_a[0],
        "l1_power": s.power_w[0],
        "total_system_power": s.total_power_w,
        "total_system_volt_amps": s.total_va,
        "total_system_var": s.total_var,
        "total_system_power_factor": s.power_factor,
        "frequency": s.frequency_hz,
        "import_active_energy": s.import_kwh,
        "export_active_energy": 0.0,
        "import_reactive_energy": s.import_kvarh,
        "total_active_energy": s.import_kwh,
    }
    for name, want in expected.items():
        # the meter transmits float32: equal to the float32 of the model value
        assert f32(values[name]) == f32(want), name
    assert 200 < values["l1_voltage"] < 260
    assert 0.85 <= values["total_system_power_factor"] <= 0.99


def test_sdm630_energy_increases_with_power(sim_clock: ManualClock) -> None:
    clock = ManualClock(sim_clock.now())
    model = ThreePhaseLoad(seed=5, start_time=clock.now())
    previous = model.state().import_kwh
    for _ in range(10):
        clock.advance(60)
        s = model.advance_to(clock.now())
        assert s.import_kwh > previous
        # over one minute the energy step lies between min and max power × 1/60 h
        assert model.min_power_kw / 60 <= s.import_kwh - previous <= model.max_power_kw / 60
        previous = s.import_kwh
    again = ThreePhaseLoad(seed=5, start_time=sim_clock.now()).advance_to(clock.now())
    assert again == s  # deterministic for a seed, whatever the read pattern


def test_modbus_exception_and_unreachable_endpoint(sdm630: Sdm630Simulator) -> None:
    # holding table 0x0100 is outside the simulated holding block → exception 2
    dev = device(
        protocol="modbus_tcp",
        host="127.0.0.1",
        port=sdm630.port,
        unit_id=7,
        profile="generic_modbus_example",
        points=["active_energy", "energy_wh"],
    )
    values = read_once(dev)
    assert isinstance(values["active_energy"], DeviceReadError)
    assert "Modbus exception 2 (illegal data address)" in str(values["active_energy"])
    assert isinstance(values["energy_wh"], float)  # the other block still reads
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    dev = device(
        protocol="modbus_tcp", host="127.0.0.1", port=port, profile="eastron_sdm630", points=["l1_voltage"]
    )
    err = read_once(dev)["l1_voltage"]
    assert isinstance(err, LinkError)
    assert "cannot connect" in str(err)


def test_dlt645_over_tcp_matches_the_meter(dlt645: Dlt645Simulator, sim_clock: ManualClock) -> None:
    sim_clock.advance(900)
    dev = device(
        protocol="dlt645_tcp",
        host="127.0.0.1",
        port=dlt645.port,
        address="202611230001",
        profile="dlt645_2007_energy",
        points=DLT_POINTS,
    )
    values = read_once(dev)
    s = dlt645.model.state()
    assert s.t == sim_clock.now()
    # BCD formats: energy 0.01 kWh, voltage 0.1 V, current 0.001 A, power 0.0001 kW, PF 0.001, f 0.01 Hz
    expected = {
        "combined_active_energy": (s.import_kwh, 0.005),
        "forward_active_energy": (s.import_kwh, 0.005),
        "reverse_active_energy": (0.0, 0),
        "combined_reactive1_energy": (s.import_kvarh, 0.005),
        "phase_a_voltage": (s.voltage_v[0], 0.05),
        "phase_b_voltage": (s.voltage_v[1], 0.05),
        "phase_a_current": (s.current_a[0], 0.0005),
        "total_active_power": (s.total_power_w / 1000, 0.00005),
        "total_reactive_power": (s.total_var / 1000, 0.00005),
        "total_power_factor": (s.power_factor, 0.0005),
        "grid_frequency": (s.frequency_hz, 0.005),
    }
    for name, (want, half_step) in expected.items():
        assert values[name] == pytest.approx(want, abs=half_step + 1e-9), name


def test_dlt645_errors(dlt645: Dlt645Simulator, tmp_path: Path) -> None:
    # a DI the meter does not know → abnormal answer D1H with an error word; other points still read
    (tmp_path / "unknown_di.toml").write_text(
        '[profile]\nname = "x"\nprotocol = "dlt645"\n'
        '[points.nonexistent]\ndi = "0001FF00"\nformat = "XXXXXX.XX"\nunit = "kWh"\nkind = "register"\n'
        '[points.energy]\ndi = "00010000"\nformat = "XXXXXX.XX"\nunit = "kWh"\nkind = "register"\n',
        encoding="utf-8",
    )
    doc = {
        "gateway": {"id": "gw", "park_code": "P"},
        "forward": {"transport": "http", "http": {"base_url": "https://p.example", "api_key": "k"}},
        "devices": [
            {
                "name": "dev",
                "protocol": "dlt645_tcp",
                "host": "127.0.0.1",
                "port": dlt645.port,
                "address": "202611230001",
                "timeout_s": 0.5,
                "profile": "unknown_di.toml",
                "points": {"nonexistent": "X", "energy": "Y"},
            }
        ],
    }
    values = read_once(parse_config(doc, base_dir=tmp_path).devices[0])
    assert isinstance(values["nonexistent"], DeviceReadError)
    assert "meter refused DI 0001FF00" in str(values["nonexistent"])
    assert isinstance(values["energy"], float)
    # another meter's address: the meter stays silent, as on an RS-485 bus → no answer in time
    wrong = device(
        timeout_s=0.3,
        protocol="dlt645_tcp",
        host="127.0.0.1",
        port=dlt645.port,
        address="000000000099",
        profile="dlt645_2007_energy",
        points=["forward_active_energy"],
    )
    err = read_once(wrong)["forward_active_energy"]
    assert isinstance(err, LinkError)
    assert "no valid answer for DI 00010000 from meter 000000000099 within 0.3 s" in str(err)


@pytest.fixture
def serial_pair() -> Iterator[SerialPair]:
    with SerialPair() as pair:
        yield pair


def test_dlt645_over_serial_pty(serial_pair: SerialPair) -> None:
    # ptys cannot do parity: both ends use 8N1 (the bytes and frames are the real ones)
    model = ThreePhaseLoad(seed=9, start_time=0.0, nominal_voltage_v=220.0, mean_power_kw=10.0)
    with Dlt645Simulator(
        serial_port=serial_pair.port_a,
        parity="N",
        address="000000000161",
        model=model,
        clock=ManualClock(120.0),
    ) as sim:
        dev = device(
            protocol="dlt645_serial",
            serial_port=serial_pair.port_b,
            parity="N",
            address="000000000161",
            profile="dlt645_2007_energy",
            points=["forward_active_energy", "phase_a_voltage"],
        )
        values = read_once(dev)
        s = model.state()
        assert values["forward_active_energy"] == pytest.approx(s.import_kwh, abs=0.005 + 1e-9)
        assert values["phase_a_voltage"] == pytest.approx(s.voltage_v[0], abs=0.05 + 1e-9)
        assert sim.requests == 2
        assert serial_pair.bytes_b_to_a > 0
        assert serial_pair.bytes_a_to_b > 0


def test_sdm630_over_modbus_rtu_pty(serial_pair: SerialPair) -> None:
    clock = ManualClock(0.0)
    with Sdm630Simulator(serial_port=serial_pair.port_a, unit_id=3, seed=4, clock=clock) as sim:
        clock.advance(300)
        dev = device(
            protocol="modbus_rtu",
            serial_port=serial_pair.port_b,
            unit_id=3,
            profile="eastron_sdm630",
            points=["import_active_energy", "l1_voltage"],
        )
        values = read_once(dev)
        s = sim.model.state()
        assert f32(values["import_active_energy"]) == f32(s.import_kwh)
        assert f32(values["l1_voltage"]) == f32(s.voltage_v[0])


class ScriptedPeer:
    """A TCP peer that answers one recorded request with one recorded response."""

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            buf = b""
            while not buf.endswith(b"\x16") or len(buf) < 16:
                chunk = conn.recv(256)
                if not chunk:
                    return
                buf += chunk
            self.requests.append(buf)
            conn.sendall(self.response)
            conn.recv(1)  # hold the connection until the client closes it

    def close(self) -> None:
        self.sock.close()


# Published frames, "DLT645-2007 规约 电表 报文解析" V1.1 (2012), https://hwhale.com/article/138066 ;
# the request with the 4 × FEH preamble as captured in the same article's log.
PUBLISHED = [
    (
        "00010000",
        "forward_active_energy",
        "FE FE FE FE 68 61 01 00 00 00 00 68 11 04 33 33 34 33 14 16",
        "68 61 01 00 00 00 00 68 91 08 33 33 34 33 59 33 33 33 8A 16",
        0.26,
    ),
    (
        "02010100",
        "phase_a_voltage",
        "FE FE FE FE 68 61 01 00 00 00 00 68 11 04 33 34 34 35 17 16",
        "68 61 01 00 00 00 00 68 91 06 33 34 34 35 34 43 10 16",
        100.1,
    ),
]


@pytest.mark.parametrize(("di", "point", "request_hex", "response_hex", "value"), PUBLISHED)
def test_dlt645_published_frames(
    di: str, point: str, request_hex: str, response_hex: str, value: float
) -> None:
    assert build_read_request("000000000161", int(di, 16)) == bytes.fromhex(request_hex)
    peer = ScriptedPeer(bytes.fromhex(response_hex))
    try:
        dev = device(
            protocol="dlt645_tcp",
            host="127.0.0.1",
            port=peer.port,
            address="000000000161",
            profile="dlt645_2007_energy",
            points=[point],
        )
        assert read_once(dev) == {point: value}
        assert peer.requests == [bytes.fromhex(request_hex)]
    finally:
        peer.close()
