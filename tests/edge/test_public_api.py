"""The edge package's public surface and its independence from the platform."""

from __future__ import annotations

import subprocess
import sys

import parkcarbon.edge


def test_exports_are_pinned() -> None:
    assert sorted(parkcarbon.edge.__all__) == [
        "Clock",
        "ConfigError",
        "DeviceReadError",
        "EdgeError",
        "Gateway",
        "GatewayConfig",
        "LinkError",
        "ManualClock",
        "Profile",
        "ProfileError",
        "QueueError",
        "Reading",
        "ReadingQueue",
        "SystemClock",
        "builtin_profiles",
        "encode_payload",
        "load_config",
        "load_profile",
        "parse_config",
    ]
    for name in parkcarbon.edge.__all__:
        assert getattr(parkcarbon.edge, name) is not None


def test_gateway_does_not_load_the_platform() -> None:
    code = (
        "import sys, parkcarbon.edge, parkcarbon.edge.cli, parkcarbon.edge.simulate;"
        "import parkcarbon.edge.forward.http, parkcarbon.edge.protocols.modbus;"
        "import parkcarbon.edge.protocols.dlt645;"
        "bad = [m for m in sys.modules if m.split('.')[:2] in (['parkcarbon', p] for p in "
        "('store', 'ingest', 'services', 'api', 'web'))"
        " or m.split('.')[0] in ('sqlalchemy', 'fastapi', 'nicegui')];"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
