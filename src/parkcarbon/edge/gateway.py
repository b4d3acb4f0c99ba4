"""The gateway process: poll → queue → forward, plus heartbeat (网关主流程).

Threads:

* the caller's thread runs :meth:`Gateway.run` — polls every device at each tick boundary and
  enqueues the readings (a poll never waits for the network);
* ``edge-forward`` drains the queue through the transport (:class:`ForwardLoop`);
* ``edge-heartbeat`` publishes the retained status (gateway and devices online/offline) every
  ``heartbeat_interval_s`` and right after each (re)connect;
* paho's network thread (MQTT) and one poll worker per link.

For tests, :meth:`Gateway.poll_once` polls at an explicit tick, so no test waits for a clock.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parkcarbon import __version__
from parkcarbon.edge.clock import Clock, SystemClock, align_tick, format_ts, next_tick
from parkcarbon.edge.config import GatewayConfig
from parkcarbon.edge.forward import ForwardLoop, Transport
from parkcarbon.edge.forward.http import HttpTransport
from parkcarbon.edge.forward.mqtt import MqttTransport, offline_payload
from parkcarbon.edge.poller import DeviceStatus, Poller, PollResult
from parkcarbon.edge.protocols import DeviceReader, Link, open_readers
from parkcarbon.edge.queue import ReadingQueue

__all__ = ["Gateway", "status_file_for"]

log = logging.getLogger(__name__)


def status_file_for(queue_path: Path) -> Path:
    """Where the gateway writes its last status document (next to the queue)."""
    return queue_path.with_name(queue_path.name + ".status.json")


class Gateway:
    """One edge gateway.

    Parameters
    ----------
    config
        Validated configuration.
    clock
        Time source for ticks and heartbeat timestamps.
    readers
        Device readers to use instead of real links (tests).
    transport
        Readings transport to use instead of the configured one (tests).
    rng
        Random source for backoff jitter.
    """

    def __init__(
        self,
        config: GatewayConfig,
        *,
        clock: Clock | None = None,
        readers: Sequence[DeviceReader] | None = None,
        transport: Transport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.queue = ReadingQueue(config.queue_path)
        self._links: list[Link] = []
        if readers is None:
            readers, self._links = open_readers(config.devices)
        self.poller = Poller(readers, timezone=config.timezone)
        self.mqtt: MqttTransport | None = None
        self._heartbeat_wake = threading.Event()
        fwd = config.forward
        if fwd.mqtt is not None and (transport is None or fwd.transport == "http"):
            self.mqtt = MqttTransport(
                fwd.mqtt,
                readings_topic=config.readings_topic,
                status_topic=config.status_topic,
                will_payload=offline_payload(config.gateway_id, __version__, self._now_ts()),
                on_connected=self._on_connected,
            )
        if transport is None:
            if fwd.transport == "mqtt":
                if self.mqtt is None:  # pragma: no cover - config validation guarantees it
                    raise RuntimeError("forward.transport is mqtt but no MQTT settings")
                transport = self.mqtt
            else:
                if fwd.http is None:  # pragma: no cover
                    raise RuntimeError("forward.transport is http but no HTTP settings")
                transport = HttpTransport(fwd.http)
        self.transport = transport
        self.forwarder = ForwardLoop(
            self.queue,
            transport,
            gateway_id=config.gateway_id,
            batch_size=config.batch_size,
            retry=config.retry,
            rng=rng,
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False
        self.status_path = status_file_for(config.queue_path)
        self.polls = 0
        self.missed_ticks = 0
        self.next_due: float | None = None  # the tick :meth:`run` waits for

    # ------------------------------------------------------------------ lifecycle

    def _now_ts(self) -> str:
        return format_ts(math.floor(self.clock.now()), self.config.timezone)

    def _on_connected(self) -> None:
        self.forwarder.interrupt_backoff()
        self._heartbeat_wake.set()

    def start(self) -> None:
        """Connect (in the background) and start the forwarder and heartbeat threads."""
        if self._started:
            return
        self._stop.clear()
        if self.mqtt is not None:
            self.mqtt.start()
        self._threads = [
            threading.Thread(target=self.forwarder.run, args=(self._stop,), name="edge-forward", daemon=True),
            threading.Thread(target=self._heartbeat_loop, name="edge-heartbeat", daemon=True),
        ]
        for t in self._threads:
            t.start()
        self._started = True
        log.info(
            "gateway %s started: %d devices, forwarding over %s, queue %s (%d waiting)",
            self.config.gateway_id,
            len(self.config.devices),
            self.config.forward.transport,
            self.config.queue_path,
            self.queue.depth(),
        )

    def stop(self, *, timeout_s: float = 10.0) -> None:
        """Stop threads, publish ``offline``, close links and the queue (idempotent).

        Readings not yet delivered stay in the queue file for the next start.
        """
        self._stop.set()
        self.forwarder.interrupt_backoff()
        self._heartbeat_wake.set()
        if self.mqtt is not None:
            self.mqtt.interrupt()  # a delivery waiting for PUBACK gives up now (rows stay queued)
        http = self.config.forward.http
        join_s = max(timeout_s, http.timeout_s + 1.0) if http is not None else timeout_s
        for t in self._threads:
            t.join(join_s)
            if t.is_alive():
                log.warning("thread %s did not stop within %.0f s", t.name, join_s)
        self._threads = []
        if self.mqtt is not None:
            self.mqtt.close(
                offline_payload=offline_payload(self.config.gateway_id, __version__, self._now_ts())
            )
        if self.transport is not self.mqtt:
            self.transport.close()
        for link in self._links:
            try:
                link.close()
            except Exception:  # closing a dead link must not prevent closing the queue
                log.debug("closing link failed", exc_info=True)
        self.poller.close()
        self.queue.close()
        self._started = False

    def __enter__(self) -> Gateway:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ polling

    def poll_once(self, tick: float | None = None) -> PollResult:
        """Poll every device at ``tick`` (default: the current tick) and enqueue the readings."""
        if tick is None:
            tick = align_tick(self.clock.now(), self.config.poll_interval_s)
        result = self.poller.poll(tick)
        inserted = self.queue.enqueue(result.readings)
        self.polls += 1
        if inserted != len(result.readings):
            log.warning(
                "tick %s: %d of %d readings were already queued (tick polled twice?)",
                result.ts,
                len(result.readings) - inserted,
                len(result.readings),
            )
        for device, errors in result.errors.items():
            log.warning(
                "tick %s: device %s: %d point(s) failed: %s",
                result.ts,
                device,
                len(errors),
                "; ".join(f"{p}: {r}" for p, r in list(errors.items())[:3]),
            )
        self.forwarder.notify()
        return result

    def run(self, stop: threading.Event | None = None, *, max_wait_s: float = 1.0) -> None:
        """Poll at every tick boundary until ``stop`` is set (or forever), then shut down.

        Ticks missed because a poll overran (or the host slept) are skipped and counted, never
        back-filled with invented values. ``max_wait_s`` bounds each wait between clock checks
        (small values let tests drive a :class:`ManualClock`).
        """
        stop = stop or threading.Event()
        interval = self.config.poll_interval_s
        self.start()
        try:
            due = self.next_due = next_tick(self.clock.now(), interval)
            while not stop.is_set():
                wait = due - self.clock.now()
                if wait > interval:  # the clock was stepped back: re-align rather than wait it out
                    log.warning("clock went back by %.0f s; re-aligning ticks", wait - interval)
                    due = self.next_due = next_tick(self.clock.now(), interval)
                    continue
                if wait > 0:
                    stop.wait(min(wait, max_wait_s))
                    continue
                behind = math.floor((self.clock.now() - due) / interval)
                if behind > 0:
                    self.missed_ticks += behind
                    log.warning("skipping %d missed tick(s)", behind)
                    due += behind * interval
                self.poll_once(due)
                due = self.next_due = due + interval
        finally:
            self.stop()

    # ------------------------------------------------------------------ status

    def device_status(self) -> list[DeviceStatus]:
        """Online/offline state of every device."""
        return self.poller.snapshot()

    def status_payload(self) -> dict[str, Any]:
        """The heartbeat document (contract keys plus queue metrics)."""
        stats = self.queue.stats()
        return {
            "gateway": self.config.gateway_id,
            "ts": self._now_ts(),
            "status": "online",
            "version": __version__,
            "queue_depth": stats.depth,
            "devices": [s.to_wire() for s in self.device_status()],
            "dead_letters": stats.dead_letters,
            "oldest_queued_ts": stats.oldest_ts,
            "last_send_ok": stats.last_send_ok,
            "last_send_error": stats.last_send_error,
            "transport": self.config.forward.transport,
        }

    def heartbeat_once(self) -> bool:
        """Publish the status now (MQTT, if available) and write the local status file.

        Returns whether the status reached the broker's client queue.
        """
        doc = self.status_payload()
        payload = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        self._write_status_file(doc)
        if self.mqtt is None:
            return False
        return self.mqtt.publish_status(payload)

    def _write_status_file(self, doc: dict[str, Any]) -> None:
        tmp = self.status_path.with_name(self.status_path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
            os.replace(tmp, self.status_path)
        except OSError as exc:
            log.warning("cannot write status file %s: %s", self.status_path, exc)

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.heartbeat_once()
            except Exception:  # the heartbeat must never take the gateway down
                log.exception("heartbeat failed")
            self._heartbeat_wake.wait(self.config.heartbeat_interval_s)
            self._heartbeat_wake.clear()

    def wait_drained(self, timeout_s: float) -> bool:
        """Block until the queue is empty or ``timeout_s`` passes; returns whether it drained."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.queue.depth() == 0:
                return True
            time.sleep(0.05)
        return self.queue.depth() == 0
