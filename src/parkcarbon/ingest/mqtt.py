"""MQTT intake worker: readings from gateways, acknowledged only after they are committed.

Subscriptions (MQTT 5, QoS 1):

* ``$share/{group}/parkcarbon/+/+/readings`` — a *shared* subscription: the broker hands each message
  to one worker of the group, so several workers split the load;
* ``parkcarbon/+/+/status`` — the gateways' retained heartbeats (not shared: retained messages are not
  sent on shared subscriptions, and every worker may record them; recording is idempotent).

Delivery guarantee. The client connects with ``clean_start=False`` and a session expiry interval,
so the broker keeps the subscription and every unacknowledged message while the worker is away.
Acknowledgements are manual: a message is PUBACKed only after ``handle`` returned, and ``handle``
returns only after its readings are committed. If the worker is killed, the database restarts or
the broker restarts, unacknowledged messages are delivered again; re-ingesting them is harmless
(duplicates are recognised). A message that can never be stored (malformed, every row refused) is
recorded by ``handle`` and acknowledged; any other failure is retried with backoff, unacknowledged.

The worker knows nothing about the platform's services: it is given two callbacks.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

__all__ = ["Handler", "MqttWorker", "WorkerConfig", "parse_topic"]

log = logging.getLogger(__name__)

#: ``handle(park_code, gateway, payload)``: store and commit, or raise to have the message retried.
Handler = Callable[[str, str, bytes], None]


@dataclass(frozen=True)
class WorkerConfig:
    """Connection and subscription settings of the worker.

    Attributes
    ----------
    url
        ``mqtt://host:port`` (``mqtts://`` for TLS); user and password may be in the URL.
    group
        Shared-subscription group; workers of the same group split the readings.
    client_id
        Stable id: the broker keeps this worker's session (and its unacknowledged messages) under it.
    prefix
        Topic prefix of the contract (``parkcarbon``).
    session_expiry_s
        How long the broker keeps the session while the worker is away.
    receive_maximum
        Unacknowledged messages the broker may send at once (MQTT 5 Receive Maximum).
    retry_min_s, retry_max_s
        Backoff between attempts at a message whose handling failed.
    """

    url: str = "mqtt://127.0.0.1:1883"
    group: str = "parkcarbon-ingest"
    client_id: str = "parkcarbon-ingest-1"
    prefix: str = "parkcarbon"
    session_expiry_s: int = 7 * 24 * 3600
    receive_maximum: int = 32
    retry_min_s: float = 0.5
    retry_max_s: float = 30.0
    keepalive_s: int = 30


def parse_topic(topic: str, prefix: str = "parkcarbon") -> tuple[str, str, str] | None:
    """``(park_code, gateway, kind)`` of ``{prefix}/{park}/{gateway}/{readings|status}``, else None."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != prefix or parts[3] not in {"readings", "status"}:
        return None
    if not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2], parts[3]


@dataclass
class _Msg:
    mid: int
    qos: int
    topic: str
    payload: bytes
    generation: int


class MqttWorker:
    """Consumes readings and heartbeats; see the module docstring for the guarantees.

    Parameters
    ----------
    config
        Connection and subscription settings.
    handle_readings, handle_status
        Callbacks ``(park_code, gateway, payload) -> None``; they must commit before returning and
        raise only for failures worth retrying.
    """

    def __init__(self, config: WorkerConfig, *, handle_readings: Handler, handle_status: Handler) -> None:
        self.config = config
        self.handle_readings = handle_readings
        self.handle_status = handle_status
        self._queue: queue.Queue[_Msg] = queue.Queue()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._generation = 0
        self.processed = 0
        self.failures = 0
        url = urlparse(config.url)
        self._host = url.hostname or "127.0.0.1"
        self._port = url.port or (8883 if url.scheme == "mqtts" else 1883)
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if url.username:
            self.client.username_pw_set(url.username, url.password)
        if url.scheme == "mqtts":
            self.client.tls_set()
        self.client.reconnect_delay_set(1, 10)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # ----------------------------------------------------------------------------------- paho

    def _on_connect(
        self, client: mqtt.Client, userdata: object, flags: object, rc: object, props: object
    ) -> None:
        if getattr(rc, "is_failure", False):
            log.warning("MQTT broker refused the connection: %s", rc)
            return
        self._generation += 1
        prefix = self.config.prefix
        opts = SubscribeOptions(qos=1)
        client.subscribe(
            [
                (f"$share/{self.config.group}/{prefix}/+/+/readings", opts),
                (f"{prefix}/+/+/status", SubscribeOptions(qos=1)),
            ]
        )
        self._connected.set()
        log.info(
            "MQTT connected to %s:%s as %s (session present: %s)",
            self._host,
            self._port,
            self.config.client_id,
            getattr(flags, "session_present", None),
        )

    def _on_subscribe(
        self, client: mqtt.Client, userdata: object, mid: int, reason_codes: list[Any], props: object
    ) -> None:
        refused = [str(rc) for rc in reason_codes if getattr(rc, "is_failure", False)]
        if refused:
            log.warning("MQTT broker refused a subscription: %s", ", ".join(refused))
        else:
            log.info("MQTT subscribed (%d topic filters granted)", len(reason_codes))

    def _on_disconnect(
        self, client: mqtt.Client, userdata: object, flags: object, rc: object, props: object
    ) -> None:
        self._connected.clear()
        log.info("MQTT disconnected: %s", rc)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self._queue.put(
            _Msg(message.mid, message.qos, message.topic, bytes(message.payload), self._generation)
        )

    # ---------------------------------------------------------------------------------- running

    def start(self) -> None:
        """Connect (in the background; paho keeps reconnecting) and start handling messages."""
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self.config.session_expiry_s
        props.ReceiveMaximum = self.config.receive_maximum
        self.client.connect_async(
            self._host, self._port, keepalive=self.config.keepalive_s, clean_start=False, properties=props
        )
        self.client.loop_start()
        self._thread = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)
        self._thread.start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop after the message in hand; unhandled messages stay with the broker."""
        self._stop.set()
        if hasattr(self, "_thread"):
            self._thread.join(timeout_s)
        self.client.disconnect()
        self.client.loop_stop()

    def run_forever(self) -> None:
        """Start and block until :meth:`stop` is called (from a signal handler) or interrupted."""
        self.start()
        try:
            while not self._stop.is_set():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self._process(msg)

    def _process(self, msg: _Msg) -> None:
        parsed = parse_topic(msg.topic, self.config.prefix)
        delay = self.config.retry_min_s
        while not self._stop.is_set():
            try:
                if parsed is None:
                    log.warning("ignoring message on unexpected topic %s", msg.topic)
                elif parsed[2] == "readings":
                    self.handle_readings(parsed[0], parsed[1], msg.payload)
                else:
                    self.handle_status(parsed[0], parsed[1], msg.payload)
            except Exception:
                self.failures += 1
                log.exception("handling %s failed; retrying in %.1f s (not acknowledged)", msg.topic, delay)
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, self.config.retry_max_s)
                continue
            self.processed += 1
            if msg.qos > 0 and msg.generation == self._generation:
                # a message of an earlier connection is redelivered by the broker; no ack for it
                self.client.ack(msg.mid, msg.qos)
            return
