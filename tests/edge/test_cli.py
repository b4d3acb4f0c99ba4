"""``parkcarbon edge`` commands (typer sub-app) and ``python -m parkcarbon.edge simulate``."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parkcarbon.edge.cli import edge_app
from parkcarbon.edge.config import parse_config
from parkcarbon.edge.protocols import open_readers
from parkcarbon.edge.queue import ReadingQueue
from parkcarbon.edge.readings import Reading

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "gateway"
runner = CliRunner()


def test_check_example_config() -> None:
    result = runner.invoke(edge_app, ["check", "--config", str(EXAMPLES / "gateway.toml")])
    assert result.exit_code == 0, result.output
    assert "topics: parkcarbon/DEMO/gw-01/readings  parkcarbon/DEMO/gw-01/status" in result.output
    assert "configuration OK" in result.output


def test_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "gateway.toml"
    text = (EXAMPLES / "gateway.toml").read_text(encoding="utf-8").replace("unit_id = 1", "unit_id = 300")
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(edge_app, ["check", "--config", str(bad)])
    assert result.exit_code == 2
    assert "devices[0].unit_id: must be ≤ 247, got 300" in result.output


def test_profiles_listing() -> None:
    result = runner.invoke(edge_app, ["profiles"])
    assert result.exit_code == 0
    assert "eastron_sdm630" in result.output
    result = runner.invoke(edge_app, ["profiles", "dlt645_2007_energy"])
    assert "DI 00010000 XXXXXX.XX" in result.output


def test_status_and_deadletters(tmp_path: Path) -> None:
    conf = tmp_path / "gateway.toml"
    conf.write_text((EXAMPLES / "gateway.toml").read_text(encoding="utf-8"), encoding="utf-8")
    queue = tmp_path / "var" / "gw-01-queue.sqlite3"
    with ReadingQueue(queue) as q:
        q.enqueue(
            [Reading("E-1", f"2026-11-23T08:0{i}:00+08:00", float(i), "kWh", "register") for i in range(3)]
        )
        batch = q.claim_batch(2)
        assert batch is not None
        q.reject(batch.batch_id, {0: "unknown meter_code"}, http_status=422)
    result = runner.invoke(edge_app, ["status", "--config", str(conf)])
    assert result.exit_code == 0, result.output
    assert "1 waiting (0 in flight), 1 dead letters" in result.output
    result = runner.invoke(edge_app, ["deadletters", "--config", str(conf)])
    assert "HTTP 422: unknown meter_code" in result.output
    result = runner.invoke(edge_app, ["deadletters", "--config", str(conf), "--requeue"])
    assert "re-queued 1 reading(s)" in result.output
    with ReadingQueue(queue) as q:
        assert q.depth() == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _read_lines_until(proc: subprocess.Popen[str], pattern: str, timeout_s: float) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    pytest.fail(f"no line matching {pattern!r} within {timeout_s} s: {lines}")


def test_simulate_command_serves_real_protocols() -> None:
    mport = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parkcarbon.edge",
            "simulate",
            "--modbus-port",
            str(mport),
            "--dlt645-serial",
            "pty",
            "--seed",
            "5",
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = _read_lines_until(proc, "simulating", 30)
        pty = re.search(r"point the gateway at (\S+)", "".join(lines))
        assert pty is not None, lines
        doc = {
            "gateway": {"id": "gw", "park_code": "P"},
            "forward": {"transport": "http", "http": {"base_url": "https://p.example", "api_key": "k"}},
            "devices": [
                {
                    "name": "sdm",
                    "protocol": "modbus_tcp",
                    "host": "127.0.0.1",
                    "port": mport,
                    "profile": "eastron_sdm630",
                    "timeout_s": 2,
                    "points": {"l1_voltage": "U"},
                },
                {
                    "name": "dlt",
                    "protocol": "dlt645_serial",
                    "serial_port": pty.group(1),
                    "parity": "N",
                    "address": "000000000001",
                    "profile": "dlt645_2007_energy",
                    "timeout_s": 2,
                    "points": {"forward_active_energy": "E"},
                },
            ],
        }
        readers, links = open_readers(parse_config(doc).devices)
        try:
            voltage = readers[0].read()["l1_voltage"]
            energy = readers[1].read()["forward_active_energy"]
        finally:
            for link in links:
                link.close()
        assert isinstance(voltage, float)
        assert 200 < voltage < 260
        assert isinstance(energy, float)
        assert energy >= 23_456.78
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
        assert proc.returncode == 0, out
        assert "simulators stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
