"""gateway.toml validation: the shipped examples load; every error names its key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from parkcarbon.edge.config import load_config, parse_config
from parkcarbon.edge.errors import ConfigError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "gateway"

BASE: dict[str, Any] = {
    "gateway": {"id": "gw-01", "park_code": "DEMO"},
    "forward": {"transport": "mqtt", "mqtt": {"url": "mqtt://127.0.0.1:1883"}},
    "devices": [
        {
            "name": "m1",
            "protocol": "modbus_tcp",
            "host": "127.0.0.1",
            "profile": "eastron_sdm630",
            "points": {"import_active_energy": "E-1", "total_system_power": {"meter": "P-1"}},
        },
        {
            "name": "d1",
            "protocol": "dlt645_tcp",
            "host": "127.0.0.1",
            "port": 6450,
            "address": "000000000001",
            "profile": "dlt645_2007_energy",
            "ct_ratio": 40,
            "points": {"forward_active_energy": "E-2", "phase_a_voltage": "U-2"},
        },
    ],
}


def test_example_configs_load(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(EXAMPLES / "gateway.toml")
    assert cfg.readings_topic == "parkcarbon/DEMO/gw-01/readings"
    assert cfg.status_topic == "parkcarbon/DEMO/gw-01/status"
    assert cfg.queue_path == EXAMPLES / "var" / "gw-01-queue.sqlite3"
    assert [d.name for d in cfg.devices] == ["incomer-sdm630", "workshop2-dlt645"]
    monkeypatch.setenv("PARKCARBON_API_KEY", "secret-key")
    https = load_config(EXAMPLES / "gateway-https.toml")
    assert https.forward.http is not None
    assert https.forward.http.api_key == "secret-key"
    assert "secret-key" not in repr(https.forward.http)


def test_defaults_and_scaling() -> None:
    cfg = parse_config(BASE)
    assert cfg.timezone.key == "Asia/Shanghai"
    assert cfg.poll_interval_s == 60
    assert cfg.batch_size == 500
    m1, d1 = cfg.devices
    assert (m1.port, m1.unit_id, m1.bus) == (502, 1, "tcp:127.0.0.1:502")
    power = next(p for p in m1.points if p.meter_code == "P-1")
    assert (power.report_unit, power.unit_factor) == ("kW", 0.001)
    # DL/T 645-2007 §4.1 serial defaults would apply on a serial link: 2400 8E1
    assert (d1.baudrate, d1.parity) == (2400, "E")
    energy = next(p for p in d1.points if p.meter_code == "E-2")
    voltage = next(p for p in d1.points if p.meter_code == "U-2")
    assert energy.multiplier == 40  # ratio "ct*pt" with ct 40, pt 1
    assert voltage.multiplier == 1  # ratio "pt"


def _with(path: str, value: Any) -> dict[str, Any]:
    """BASE with one key set (``value=...`` deletes it). Path like ``devices.0.port``."""
    doc = copy.deepcopy(BASE)
    parts = path.split(".")
    node: Any = doc
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node[p]
    last = parts[-1]
    if value is ...:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "key", "reason"),
    [
        (_with("gateway.id", ...), "gateway.id", "is required"),
        (_with("gateway.id", "gw/01"), "gateway.id", "MQTT topic level"),
        (_with("gateway.timezone", "Mars/Olympus"), "gateway.timezone", "unknown IANA time zone"),
        (_with("gateway.poll_interval_s", 0), "gateway.poll_interval_s", "must be > 0"),
        (_with("gateway.poll_interval_s", "60"), "gateway.poll_interval_s", "must be a number"),
        (_with("gateway.colour", "red"), "gateway.colour", "unknown key"),
        (_with("forward.transport", "kafka"), "forward.transport", "must be one of"),
        (_with("forward.mqtt.url", "http://broker"), "forward.mqtt.url", "mqtt:// or mqtts://"),
        (_with("forward.mqtt.qos", 0), "forward.mqtt.qos", "could lose readings"),
        (_with("forward.transport", "http"), "forward.http", "no [forward.http] table"),
        (_with("devices", []), "devices", "at least one"),
        (_with("devices.0.protocol", "modbus_udp"), "devices[0].protocol", "must be one of"),
        (_with("devices.0.profile", "dlt645_2007_energy"), "devices[0].profile", "needs a modbus profile"),
        (_with("devices.0.points", {"kwh": "E-1"}), "devices[0].points.kwh", "has no point 'kwh'"),
        (
            _with("devices.0.points.import_active_energy", {"meter": "E-1", "unit": "kW"}),
            "devices[0].points.import_active_energy.unit",
            "cannot convert",
        ),
        (
            _with("devices.0.points.import_active_energy", {"meter": "E 1"}),
            "devices[0].points.import_active_energy.meter",
            "without spaces",
        ),
        (_with("devices.0.serial_port", "/dev/ttyUSB0"), "devices[0].serial_port", "is a serial setting"),
        (_with("devices.0.address", "000000000001"), "devices[0].address", "is a DL/T 645 setting"),
        (_with("devices.1.address", "1"), "devices[1].address", "12-digit"),
        (_with("devices.1.port", ...), "devices[1].port", "is required"),
        (_with("devices.1.ct_ratio", -40), "devices[1].ct_ratio", "must be > 0"),
        (
            _with("devices.1.points.forward_active_energy", "E-1"),
            "devices[1].points.forward_active_energy.meter",
            "already used by m1.import_active_energy",
        ),
        (_with("devices.1.name", "m1"), "devices[1].name", "duplicate device name"),
    ],
)
def test_config_errors_name_the_key(doc: dict[str, Any], key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(doc, source="gateway.toml")
    assert err.value.key == key, str(err.value)
    assert reason in err.value.reason, str(err.value)
    assert str(err.value).startswith(f"gateway.toml: {key}: ")


def test_secret_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _with(
        "forward",
        {"transport": "http", "http": {"base_url": "https://p.example", "api_key_env": "PC_TEST_KEY"}},
    )
    monkeypatch.delenv("PC_TEST_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"forward\.http\.api_key_env: environment variable 'PC_TEST_KEY'"):
        parse_config(doc)
    monkeypatch.setenv("PC_TEST_KEY", "k")
    assert parse_config(doc).forward.http.api_key == "k"  # type: ignore[union-attr]


def test_serial_bus_settings_must_agree() -> None:
    dev = {"protocol": "dlt645_serial", "serial_port": "/dev/ttyUSB1", "profile": "dlt645_2007_energy"}
    doc = _with(
        "devices",
        [
            {**dev, "name": "a", "address": "000000000001", "points": {"forward_active_energy": "A"}},
            {
                **dev,
                "name": "b",
                "address": "000000000002",
                "baudrate": 9600,
                "points": {"forward_active_energy": "B"},
            },
        ],
    )
    with pytest.raises(ConfigError, match=r"devices\[1\]\.baudrate: differs from device 'a'"):
        parse_config(doc)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[gateway\nid = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
