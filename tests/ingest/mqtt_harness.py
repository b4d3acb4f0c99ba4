"""End-to-end MQTT loss check: a throwaway Mosquitto, the ingest worker as a real process, a publisher.

Used by ``tests/ingest/test_mqtt.py`` (≈20k readings) and ``benchmarks/ingest.py --mqtt N`` (1M).
The run kills the worker with SIGKILL mid-stream and restarts it, restarts the broker mid-stream,
and then checks that the database holds exactly the readings published.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy import text

from parkcarbon.demo.seed import seed_park
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import meters
from parkcarbon.services.registry.schemas import MeterCreate
from parkcarbon.store.db import Database, make_engine
from parkcarbon.store.migrate import upgrade

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """A Mosquitto process with persistence in ``workdir``; restartable on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.dir = workdir / "mosquitto"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.dir}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 0\n"
            "max_inflight_messages 0\n"
            f"log_dest file {self.dir}/mosquitto.log\n" + ("user root\n" if os.geteuid() == 0 else "")
            # as root, mosquitto would drop to the "mosquitto" user, who cannot write our temp dir
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # a clean stop writes the persistence file
            self.proc.wait(timeout=20)
        self.proc = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


class Worker:
    """``parkcarbon ingest mqtt`` as a child process (killable with SIGKILL)."""

    def __init__(self, broker_url: str, db_url: str, client_id: str, log: Path) -> None:
        self.args = [
            sys.executable, "-c", "from parkcarbon.intake_cli import ingest_app; ingest_app()",
            "mqtt", "--broker", broker_url, "--client-id", client_id, "--group", "e2e",
        ]  # fmt: skip
        self.env = {**os.environ, "PARKCARBON_DATABASE_URL": db_url, "PARKCARBON_ENV": "development"}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.connected = threading.Event()
        self.disconnected = threading.Event()

    def start(self, timeout_s: float = 30) -> None:
        self.connected.clear()
        self.disconnected.clear()
        out = self.log.open("ab")
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=out, stderr=subprocess.PIPE)
        threading.Thread(target=self._watch, args=(self.proc, out), daemon=True).start()
        if not self.connected.wait(timeout_s):
            raise RuntimeError(f"the worker did not connect and subscribe; see {self.log}")

    def _watch(self, proc: subprocess.Popen[bytes], out: object) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            out.write(line)  # type: ignore[attr-defined]
            if b"MQTT subscribed" in line:  # the SUBACK arrived: messages from now on reach the worker
                self.connected.set()
            elif b"MQTT disconnected" in line:
                self.disconnected.set()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Publisher:
    """QoS 1 publisher that republishes until the broker acknowledges (duplicates are harmless)."""

    def __init__(self, port: int) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"e2e-pub-{os.getpid()}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self.client.reconnect_delay_set(1, 2)
        self.client.connect_async("127.0.0.1", port)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes, deadline_s: float = 120) -> None:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            info = self.client.publish(topic, payload, qos=1)
            if info.rc == mqtt.MQTT_ERR_SUCCESS:
                with contextlib.suppress(RuntimeError, ValueError):
                    info.wait_for_publish(timeout=5)
                if info.is_published():
                    return
            time.sleep(0.3)
        raise RuntimeError(f"could not publish to {topic}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class Result:
    published: int
    stored: int
    seconds: float
    events: list[str] = field(default_factory=list)


def prepare_database(db_url: str, n_meters: int) -> tuple[str, list[str]]:
    engine = make_engine(db_url)
    upgrade(engine)
    db = Database(engine)
    park = seed_park(db, code="mqtt-e2e", name="消息园区", name_en="MQTT park", password="E2e-Passw0rd-2026")
    codes = []
    for i in range(n_meters):
        code = f"MQ{i:04d}"
        meters.create_meter(
            db,
            SYSTEM,
            MeterCreate(park_id=park.park_id, code=code, name=code, carrier="electricity", unit="kWh",
                        enterprise_id=park.enterprise_ids[0]),
        )  # fmt: skip
        codes.append(code)
    engine.dispose()
    return park.code, codes


def count_readings(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM readings")).scalar_one())
    finally:
        engine.dispose()


def run(
    workdir: Path,
    *,
    n_readings: int = 20_000,
    per_message: int = 1_000,
    n_meters: int = 50,
    db_url: str | None = None,
    timeout_s: float = 300,
) -> Result:
    """Publish ``n_readings``; SIGKILL the worker at 30 %, restart the broker at 60 %; count."""
    if shutil.which("mosquitto") is None:
        raise RuntimeError("mosquitto is not installed")
    db_url = db_url or f"sqlite:///{workdir / 'e2e.db'}"
    park_code, codes = prepare_database(db_url, n_meters)
    broker = Broker(workdir)
    broker.start()
    worker = Worker(broker.url, db_url, "e2e-worker-1", workdir / "worker.log")
    worker.start()
    pub = Publisher(broker.port)
    topic = f"parkcarbon/{park_code}/gw-e2e/readings"
    ticks = n_readings // n_meters
    ticks_per_msg = max(1, per_message // n_meters)
    n_msgs = (ticks + ticks_per_msg - 1) // ticks_per_msg
    events: list[str] = []
    published = 0
    start = time.monotonic()
    try:
        for k in range(n_msgs):
            if k == int(n_msgs * 0.3):
                worker.kill()
                events.append(f"worker killed (SIGKILL) before message {k}")
            if k == int(n_msgs * 0.45):
                worker.start()
                events.append(f"worker restarted before message {k}")
            if k == int(n_msgs * 0.6):
                worker.disconnected.clear()
                broker.stop()
                events.append(f"broker stopped before message {k}")
                if not worker.disconnected.wait(30):  # the outage lasts until the worker has noticed it
                    raise RuntimeError(f"the worker did not notice the broker outage; see {worker.log}")
                broker.start()
                events.append("broker restarted")
            rows = []
            for t in range(k * ticks_per_msg, min(ticks, (k + 1) * ticks_per_msg)):
                ts = (T0 + timedelta(minutes=15 * t)).isoformat()
                for i, code in enumerate(codes):
                    rows.append(
                        {"meter_code": code, "ts": ts, "value": 100.0 + t * (1 + i % 5), "unit": "kWh"}
                    )
            pub.publish(topic, orjson.dumps({"gateway": "gw-e2e", "batch_id": f"m{k}", "readings": rows}))
            published += len(rows)
        deadline = time.monotonic() + timeout_s
        stored = 0
        while time.monotonic() < deadline:
            stored = count_readings(db_url)
            if stored >= published:
                break
            time.sleep(0.5)
        # once the worker has exited nothing more can arrive: anything beyond the published count shows now
        worker.stop()
        stored = count_readings(db_url)
        return Result(published=published, stored=stored, seconds=time.monotonic() - start, events=events)
    finally:
        pub.close()
        worker.stop()
        broker.stop()
