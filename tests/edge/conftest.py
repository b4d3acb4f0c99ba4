"""Fixtures for the edge gateway tests: simulated meters, throwaway brokers, a receiving "platform".

Every wait here is bounded and polls a condition; no test sleeps for a fixed time hoping
something happened.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from parkcarbon.edge.clock import ManualClock
from parkcarbon.edge.simulate import Dlt645Simulator, Sdm630Simulator

T0 = 1_795_392_000.0  # 2026-11-23T08:00:00+08:00


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 0.02) -> None:
    """Poll ``predicate`` until true; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval_s)
    if predicate():
        return
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


@pytest.fixture
def wait() -> Callable[..., None]:
    """The bounded :func:`wait_until` helper, as a fixture (test modules do not import conftest)."""
    return wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------- simulators


@pytest.fixture(scope="session")
def sim_clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture(scope="session")
def sdm630(sim_clock: ManualClock) -> Iterator[Sdm630Simulator]:
    with Sdm630Simulator(clock=sim_clock, seed=11, unit_id=7) as sim:
        yield sim


@pytest.fixture(scope="session")
def dlt645(sim_clock: ManualClock) -> Iterator[Dlt645Simulator]:
    with Dlt645Simulator(clock=sim_clock, seed=12, address="202611230001") as sim:
        yield sim


# ---------------------------------------------------------------------------- brokers

MOSQUITTO = shutil.which("mosquitto")
needs_mosquitto = pytest.mark.skipif(MOSQUITTO is None, reason="the mosquitto binary is not on PATH")


class ThrowawayBroker:
    """A private Mosquitto on a free port with persistence, stoppable and restartable."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.host = "127.0.0.1"
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {workdir}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 0\n"
            f"log_dest file {workdir}/mosquitto.log\n",
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self) -> None:
        if MOSQUITTO is None:  # pragma: no cover - guarded by needs_mosquitto
            pytest.skip("the mosquitto binary is not on PATH")
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(lambda: port_open(self.host, self.port), 10, f"mosquitto listening on {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: mosquitto writes its persistence file and exits
            self.proc.wait(10)
            self.proc = None
        wait_until(lambda: not port_open(self.host, self.port), 10, "mosquitto to stop listening")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[ThrowawayBroker]:
    if MOSQUITTO is None:
        pytest.skip("the mosquitto binary is not on PATH")
    b = ThrowawayBroker(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def shared_broker_url() -> str:
    """The real broker: ``PARKCARBON_TEST_MQTT_URL`` (must be reachable), else 127.0.0.1:1883."""
    url = os.environ.get("PARKCARBON_TEST_MQTT_URL")
    target = url or "mqtt://127.0.0.1:1883"
    parts = urlsplit(target)
    if not port_open(parts.hostname or "127.0.0.1", parts.port or 1883):
        if url:
            pytest.fail(f"PARKCARBON_TEST_MQTT_URL={url} is not reachable")
        pytest.skip("no MQTT broker at 127.0.0.1:1883 and PARKCARBON_TEST_MQTT_URL not set")
    return target


# ---------------------------------------------------------------------------- receiving side


class PlatformSubscriber:
    """Stands in for the platform's MQTT intake: persistent QoS 1 subscription, de-duplication.

    ``received`` keeps every reading as delivered (duplicates included);
    ``unique`` de-duplicates by ``(meter_code, ts)`` as the platform does.
    """

    def __init__(
        self, url: str, topic: str, *, client_id: str | None = None, persistent: bool = True
    ) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 1883
        self.topic = topic
        self.client_id = client_id or f"test-platform-{uuid.uuid4().hex[:8]}"
        self.persistent = persistent
        self.received: list[dict[str, Any]] = []
        self.batches: list[str] = []
        self.status: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client: mqtt.Client | None = None

    def start(self) -> None:
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=MQTTProtocolVersion.MQTTv311,
            clean_session=not self.persistent,
        )
        c.reconnect_delay_set(1, 1)
        c.on_connect = self._on_connect
        c.on_subscribe = lambda *a: self._subscribed.set()
        c.on_message = self._on_message
        self._subscribed.clear()
        c.connect_async(self.host, self.port, keepalive=10)
        c.loop_start()
        self.client = c
        wait_until(self._subscribed.is_set, 10, f"subscription to {self.topic}")

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        client.subscribe(self.topic, qos=1)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        doc = json.loads(msg.payload.decode("utf-8"))
        with self._lock:
            if msg.topic.endswith("/readings"):
                self.batches.append(doc["batch_id"])
                self.received.extend(doc["readings"])
            elif msg.topic.endswith("/status"):
                self.status.append(doc)

    def statuses(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.status)

    def stop(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None

    def keys(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(r["meter_code"], r["ts"]) for r in self.received]

    def unique(self) -> dict[tuple[str, str], dict[str, Any]]:
        with self._lock:
            return {(r["meter_code"], r["ts"]): r for r in self.received}


@pytest.fixture
def make_subscriber() -> Iterator[Callable[..., PlatformSubscriber]]:
    subs: list[PlatformSubscriber] = []

    def make(url: str, topic: str, **kw: Any) -> PlatformSubscriber:
        s = PlatformSubscriber(url, topic, **kw)
        subs.append(s)
        return s

    yield make
    for s in subs:
        s.stop()
