"""The tick loop on a manual clock: alignment, skipped ticks, a clock stepped back, restart."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from parkcarbon.edge.clock import ManualClock
from parkcarbon.edge.config import DeviceConfig, parse_config
from parkcarbon.edge.errors import LinkError
from parkcarbon.edge.forward import Delivery
from parkcarbon.edge.gateway import Gateway
from parkcarbon.edge.protocols import PointResult

T0 = 1_795_392_000.0  # 2026-11-23T08:00:00+08:00


class FakeReader:
    def __init__(self, device: DeviceConfig) -> None:
        self.device = device
        self.fail = False
        self.energy = 100.0

    def read(self) -> dict[str, PointResult]:
        if self.fail:
            return {m.point.name: LinkError(self.device.name, "cannot connect") for m in self.device.points}
        self.energy += 1.0
        return {"import_active_energy": self.energy, "total_system_power": 25_000.0}


class RecordingTransport:
    def __init__(self) -> None:
        self.batches: list[bytes] = []

    def deliver(self, batch_id: str, payload: bytes, count: int) -> Delivery:
        self.batches.append(payload)
        return Delivery("delivered")

    def close(self) -> None:
        pass


def test_run_polls_on_tick_boundaries(tmp_path: Path, wait: Callable[..., None]) -> None:
    cfg = parse_config(
        {
            "gateway": {
                "id": "gw",
                "park_code": "P",
                "queue_path": str(tmp_path / "q.sqlite3"),
                "heartbeat_interval_s": 3600,
            },
            "forward": {"transport": "http", "http": {"base_url": "https://p.example", "api_key": "k"}},
            "devices": [
                {
                    "name": "m",
                    "protocol": "modbus_tcp",
                    "host": "127.0.0.1",
                    "profile": "eastron_sdm630",
                    "points": {"import_active_energy": "E", "total_system_power": "P"},
                }
            ],
        }
    )
    clock = ManualClock(T0 + 5)
    reader = FakeReader(cfg.devices[0])
    transport = RecordingTransport()
    gw = Gateway(cfg, clock=clock, readers=[reader], transport=transport)
    stop = threading.Event()
    th = threading.Thread(target=gw.run, args=(stop,), kwargs={"max_wait_s": 0.01}, daemon=True)
    th.start()
    try:
        wait(lambda: gw.next_due == T0 + 60, 5, "loop waiting for the first boundary")
        assert gw.polls == 0  # nothing before the first boundary
        clock.set(T0 + 60)
        wait(lambda: gw.polls == 1, 5, "first tick")
        wait(lambda: gw.next_due == T0 + 120, 5, "next boundary")
        clock.set(T0 + 250)  # overslept: ticks at +120 and +180 are skipped, +240 is polled
        wait(lambda: gw.polls == 2, 5, "second poll")
        assert gw.missed_ticks == 2
        clock.set(T0 - 3600 + 30)  # clock stepped back an hour
        wait(lambda: gw.next_due == T0 - 3600 + 60, 5, "re-aligned boundary")
        clock.set(T0 - 3600 + 60)
        wait(lambda: gw.polls == 3, 5, "poll after the clock went back")
        reader.fail = True
        wait(lambda: gw.next_due == T0 - 3600 + 120, 5, "next boundary")
        clock.set(T0 - 3600 + 120)
        wait(lambda: gw.polls == 4, 5, "poll with the device down")
        assert [s.status for s in gw.device_status()] == ["offline"]
        wait(lambda: gw.queue.depth() == 0, 5, "delivered")
        ts = [r.ts for r in gw.queue.pending()]  # empty: delivered
        assert ts == []
    finally:
        stop.set()
        th.join(10)
    assert not th.is_alive()
    sent = b"".join(transport.batches).decode()
    for stamp in ("08:01:00+08:00", "08:04:00+08:00", "07:01:00+08:00"):
        assert stamp in sent
    assert "08:02:00" not in sent
    assert "08:03:00" not in sent
    assert "07:02:00" not in sent  # the failed poll produced no readings
    assert '"value":25.0,"unit":"kW"' in sent
