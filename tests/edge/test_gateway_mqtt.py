"""The gateway against real peers: simulated SDM630 (Modbus TCP) and DL/T 645 meter, real Mosquitto."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.publish as mqtt_publish
import pytest

from parkcarbon.edge.clock import ManualClock, align_tick
from parkcarbon.edge.config import GatewayConfig, parse_config
from parkcarbon.edge.gateway import Gateway
from parkcarbon.edge.simulate import Dlt645Simulator, Sdm630Simulator

pytestmark = pytest.mark.mqtt

SDM_POINTS = {
    "import_active_energy": "E-INC",
    "total_system_power": "P-INC",
    "l1_voltage": "U1-INC",
    "total_system_power_factor": "PF-INC",
}
DLT_POINTS = {"forward_active_energy": "E-WS2", "total_active_power": "P-WS2", "phase_a_voltage": "UA-WS2"}


def make_config(tmp_path: Path, url: str, park: str, sdm_port: int, dlt_port: int, **gateway: Any) -> dict:
    return {
        "gateway": {
            "id": "gw-t",
            "park_code": park,
            "poll_interval_s": 60,
            "heartbeat_interval_s": 3600,
            "queue_path": str(tmp_path / "queue.sqlite3"),
            **gateway,
        },
        "forward": {
            "transport": "mqtt",
            "mqtt": {
                "url": url,
                "client_id": f"pc-test-gw-{uuid.uuid4().hex[:8]}",
                "ack_timeout_s": 1.0,
                "session_expiry_s": 120,
                "reconnect_min_s": 1,
                "reconnect_max_s": 1,
            },
        },
        "retry": {"initial_s": 0.05, "max_s": 0.5},
        "devices": [
            {
                "name": "incomer",
                "protocol": "modbus_tcp",
                "host": "127.0.0.1",
                "port": sdm_port,
                "unit_id": 7,
                "profile": "eastron_sdm630",
                "timeout_s": 1,
                "points": SDM_POINTS,
            },
            {
                "name": "ws2",
                "protocol": "dlt645_tcp",
                "host": "127.0.0.1",
                "port": dlt_port,
                "address": "202611230001",
                "profile": "dlt645_2007_energy",
                "timeout_s": 1,
                "ct_ratio": 40,
                "points": DLT_POINTS,
            },
        ],
    }


def clear_retained(url: str, topic: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    mqtt_publish.single(topic, b"", qos=1, retain=True, hostname=parts.hostname, port=parts.port or 1883)


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_gateway_forwards_exactly_the_polled_readings(
    protocol: str,
    tmp_path: Path,
    shared_broker_url: str,
    sdm630: Sdm630Simulator,
    dlt645: Dlt645Simulator,
    sim_clock: ManualClock,
    make_subscriber: Callable[..., Any],
    wait: Callable[..., None],
) -> None:
    park = f"T{uuid.uuid4().hex[:6]}"
    doc = make_config(tmp_path, shared_broker_url, park, sdm630.port, dlt645.port)
    doc["forward"]["mqtt"]["protocol"] = protocol
    cfg: GatewayConfig = parse_config(doc)
    assert cfg.forward.mqtt is not None
    assert cfg.forward.mqtt.protocol == protocol
    sub = make_subscriber(shared_broker_url, f"parkcarbon/{park}/gw-t/#", persistent=False)
    sub.start()
    gw = Gateway(cfg, clock=sim_clock)
    polled = []
    try:
        gw.start()
        assert gw.mqtt is not None
        wait(lambda: gw.mqtt.connected, 10, "gateway connected")
        tick = align_tick(sim_clock.now(), 60)
        for _ in range(4):
            tick += 60
            sim_clock.set(tick)
            result = gw.poll_once(tick)
            assert result.errors == {}
            assert len(result.readings) == len(SDM_POINTS) + len(DLT_POINTS)
            polled.extend(result.readings)
        wait(lambda: gw.queue.depth() == 0, 10, "queue drained")
        wait(lambda: len(sub.keys()) >= len(polled), 10, "all readings at the subscriber")
        gw.heartbeat_once()
        wait(
            lambda: any(
                s["status"] == "online" and all(d["status"] == "online" for d in s["devices"])
                for s in sub.statuses()
            ),
            10,
            "online heartbeat with devices online",
        )
    finally:
        gw.stop()
    wait(lambda: sub.statuses()[-1]["status"] == "offline", 10, "offline status on clean shutdown")
    sub.stop()
    clear_retained(shared_broker_url, cfg.status_topic)

    # exactly the polled readings, each once, with the polled values
    assert sorted(sub.keys()) == sorted(r.key for r in polled)
    got = sub.unique()
    for r in polled:
        wire = got[r.key]
        assert (wire["value"], wire["unit"], wire["kind"]) == (r.value, r.unit, r.kind)
        assert set(wire) == {"meter_code", "ts", "value", "unit", "kind"}
    # stamped with the poll tick (whole minutes) in the park's zone
    for r in got.values():
        ts = datetime.fromisoformat(r["ts"])
        assert ts.utcoffset() == timedelta(hours=8)
        assert (ts.second, ts.microsecond) == (0, 0)
        assert ts.timestamp() % 60 == 0
    # scaling: SDM630 power W → kW; DL/T 645 energy × CT 40
    last = {r.meter_code: r for r in polled[-7:]}
    s_sdm, s_dlt = sdm630.model.state(), dlt645.model.state()
    assert last["P-INC"].value == pytest.approx(s_sdm.total_power_w / 1000, rel=1e-6)
    assert last["E-WS2"].value == pytest.approx(s_dlt.import_kwh * 40, abs=0.005 * 40 + 1e-6)
    assert last["E-WS2"].unit == "kWh"
    assert last["P-INC"].unit == "kW"
    # energy registers never decrease from tick to tick
    for code in ("E-INC", "E-WS2"):
        series = [r.value for r in polled if r.meter_code == code]
        assert series == sorted(series)


def test_cli_run_subprocess_and_last_will(
    tmp_path: Path,
    shared_broker_url: str,
    make_subscriber: Callable[..., Any],
    wait: Callable[..., None],
) -> None:
    """``python -m parkcarbon.edge run`` on the wall clock; SIGKILL → the broker publishes the last will."""
    park = f"T{uuid.uuid4().hex[:6]}"
    with Sdm630Simulator(seed=3, unit_id=7) as sdm, Dlt645Simulator(seed=4, address="202611230001") as dlt:
        doc = make_config(
            tmp_path, shared_broker_url, park, sdm.port, dlt.port, poll_interval_s=1, heartbeat_interval_s=1
        )
        conf = tmp_path / "gateway.toml"
        conf.write_text(_to_toml(doc), encoding="utf-8")
        sub = make_subscriber(shared_broker_url, f"parkcarbon/{park}/gw-t/#", persistent=False)
        sub.start()
        proc = subprocess.Popen(
            [sys.executable, "-m", "parkcarbon.edge", "run", "--config", str(conf)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        try:
            wait(lambda: len(sub.keys()) >= 2 * 7, 20, "two ticks of readings from the subprocess")
            wait(lambda: any(s["status"] == "online" for s in sub.statuses()), 10, "online heartbeat")
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            wait(lambda: sub.statuses()[-1]["status"] == "offline", 10, "last will (offline)")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            sub.stop()
            clear_retained(shared_broker_url, f"parkcarbon/{park}/gw-t/status")
    will = sub.statuses()[-1]
    assert will["gateway"] == "gw-t"
    assert will["status"] == "offline"
    # every reading is stamped with a whole-second tick and appears once
    keys = sub.keys()
    assert len(keys) == len(set(keys))


def _to_toml(doc: dict) -> str:
    """Minimal TOML writer for the test config (strings, numbers, tables, arrays of tables)."""

    def val(v: Any) -> str:
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return repr(v)

    out: list[str] = []
    for section in ("gateway", "retry"):
        out.append(f"[{section}]")
        out += [f"{k} = {val(v)}" for k, v in doc[section].items()]
    out.append("[forward]")
    out.append(f"transport = {val(doc['forward']['transport'])}")
    out.append("[forward.mqtt]")
    out += [f"{k} = {val(v)}" for k, v in doc["forward"]["mqtt"].items()]
    for dev in doc["devices"]:
        out.append("[[devices]]")
        out += [f"{k} = {val(v)}" for k, v in dev.items() if k != "points"]
        out.append("[devices.points]")
        out += [f"{k} = {val(v)}" for k, v in dev["points"].items()]
    return "\n".join(out) + "\n"
