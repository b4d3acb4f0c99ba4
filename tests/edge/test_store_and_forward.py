"""Store-and-forward without loss: broker outage, platform outage and gateway restart.

A private Mosquitto (persistence on) is stopped and restarted; the receiving "platform" (a
persistent QoS 1 subscriber) is taken offline separately; the gateway process is restarted with
readings still queued. Every polled reading must arrive; duplicates may occur on the wire
(at-least-once), the platform de-duplicates by ``(meter_code, ts)``, and exactly the polled set
remains.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from parkcarbon.edge.clock import ManualClock, align_tick
from parkcarbon.edge.config import GatewayConfig, parse_config
from parkcarbon.edge.gateway import Gateway
from parkcarbon.edge.queue import ReadingQueue
from parkcarbon.edge.readings import Reading
from parkcarbon.edge.simulate import Dlt645Simulator, Sdm630Simulator

pytestmark = pytest.mark.mqtt


def config(tmp_path: Path, broker_url: str, sdm_port: int, dlt_port: int) -> GatewayConfig:
    return parse_config(
        {
            "gateway": {
                "id": "gw-sf",
                "park_code": "SF",
                "poll_interval_s": 60,
                "heartbeat_interval_s": 3600,
                "queue_path": str(tmp_path / "queue.sqlite3"),
                "batch_size": 5,
            },
            "forward": {
                "transport": "mqtt",
                "mqtt": {
                    "url": broker_url,
                    "client_id": "pc-test-gw-sf",
                    "ack_timeout_s": 0.5,
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
                    "points": {"import_active_energy": "E-INC", "total_system_power": "P-INC"},
                },
                {
                    "name": "ws2",
                    "protocol": "dlt645_tcp",
                    "host": "127.0.0.1",
                    "port": dlt_port,
                    "address": "202611230001",
                    "profile": "dlt645_2007_energy",
                    "timeout_s": 1,
                    "points": {"forward_active_energy": "E-WS2"},
                },
            ],
        }
    )


def test_no_reading_lost_through_outages_and_restart(
    tmp_path: Path,
    broker: Any,
    sdm630: Sdm630Simulator,
    dlt645: Dlt645Simulator,
    sim_clock: ManualClock,
    make_subscriber: Callable[..., Any],
    wait: Callable[..., None],
) -> None:
    cfg = config(tmp_path, broker.url, sdm630.port, dlt645.port)
    platform = make_subscriber(broker.url, cfg.readings_topic, client_id=f"platform-{uuid.uuid4().hex[:6]}")
    platform.start()
    polled: list[Reading] = []
    tick = align_tick(sim_clock.now(), 60)

    def poll(gw: Gateway, n: int) -> None:
        nonlocal tick
        for _ in range(n):
            tick += 60
            sim_clock.set(tick)
            result = gw.poll_once(tick)
            assert result.errors == {}
            polled.extend(result.readings)

    gw = Gateway(cfg, clock=sim_clock)
    gw.start()
    try:
        # 1. normal operation
        poll(gw, 3)
        wait(lambda: gw.queue.depth() == 0, 10, "phase 1 delivered")

        # 2. broker down: readings pile up locally, nothing is dropped
        broker.stop()
        wait(lambda: gw.mqtt is not None and not gw.mqtt.connected, 10, "gateway to notice the outage")
        poll(gw, 4)
        wait(lambda: gw.forwarder.last_error is not None, 10, "a failed delivery attempt")
        assert gw.queue.depth() >= 4 * 3 - 5  # at most one batch (5) can be in paho's hands
        assert "not connected" in (gw.forwarder.last_error or "")
    finally:
        gw.stop()  # 3. gateway restarts while the broker is still down

    gw = Gateway(cfg, clock=sim_clock)
    assert gw.queue.depth() > 0, "readings must survive the gateway restart on disk"
    gw.start()
    try:
        poll(gw, 2)  # polling goes on while the broker is down
        broker.start()  # 4. broker back: the queue drains
        wait(lambda: gw.queue.depth() == 0, 20, "queue drained after broker restart")

        # 5. platform down (subscriber offline, its persistent session keeps QoS 1 messages)
        platform.stop()
        poll(gw, 3)
        wait(lambda: gw.queue.depth() == 0, 10, "broker accepted readings while the platform is down")
        platform.start()  # 6. platform back: it receives what the broker kept for it
        polled_keys = {r.key for r in polled}
        wait(lambda: set(platform.unique()) >= polled_keys, 20, "every polled reading at the platform")
    finally:
        gw.stop()

    received = platform.keys()
    unique = platform.unique()
    duplicates = len(received) - len(unique)
    # exactly-once at the receiver after de-duplication by (meter_code, ts) …
    assert set(unique) == {r.key for r in polled}
    assert len(unique) == len(polled) == (3 + 4 + 2 + 3) * 3
    # … with the values that were polled …
    for r in polled:
        assert unique[r.key]["value"] == r.value
    # … and at most the batches that were in flight at an outage delivered twice
    assert duplicates <= 2 * cfg.batch_size, f"{duplicates} duplicates"


def test_shutdown_does_not_wait_for_a_puback_that_cannot_come(
    tmp_path: Path,
    broker: Any,
    sdm630: Sdm630Simulator,
    dlt645: Dlt645Simulator,
    sim_clock: ManualClock,
    wait: Callable[..., None],
) -> None:
    import threading

    doc_cfg = config(tmp_path, broker.url, sdm630.port, dlt645.port)
    cfg = dataclasses.replace(
        doc_cfg,
        forward=dataclasses.replace(
            doc_cfg.forward, mqtt=dataclasses.replace(doc_cfg.forward.mqtt, ack_timeout_s=600.0)
        ),
    )
    gw = Gateway(cfg, clock=sim_clock)
    gw.start()
    wait(lambda: gw.mqtt is not None and gw.mqtt.connected, 10, "connected")
    broker.stop()
    wait(lambda: gw.mqtt is not None and not gw.mqtt.connected, 10, "disconnected")
    tick = align_tick(sim_clock.now(), 60) + 60
    sim_clock.set(tick)
    gw.poll_once(tick)
    wait(lambda: gw.queue.stats().claimed > 0, 10, "a batch handed to the MQTT client")
    forwarders = [t for t in threading.enumerate() if t.name == "edge-forward"]
    gw.stop(timeout_s=10)  # the forwarder waits up to 600 s for a PUBACK unless interrupted
    assert forwarders
    assert not any(t.is_alive() for t in forwarders)
    with ReadingQueue(cfg.queue_path) as q:
        assert q.depth() == 3  # still queued for the next start
    broker.start()  # the fixture stops it again
