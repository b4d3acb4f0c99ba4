"""MQTT transport (paho-mqtt 2): readings at QoS 1, retained status, last will.

* Persistent session: MQTT 5 ``clean_start=False`` with a session expiry interval, or MQTT
  3.1.1 ``clean_session=False``; paho reconnects by itself with its capped backoff
  (``reconnect_min_s`` … ``reconnect_max_s``).
* A batch is published once; until its PUBACK arrives every further :meth:`deliver` for the
  same batch id waits on that same publication (paho re-sends it with DUP after a reconnect)
  instead of publishing a second copy. A PUBACK with an MQTT 5 failure reason (≥ 0x80, e.g.
  "not authorized") settles the publication as failed, and the batch is published anew on the
  next attempt.
* The last will (retained, QoS 1) on the status topic says ``"status": "offline"``; a clean
  shutdown publishes the same explicitly before disconnecting.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from parkcarbon.edge.config import MqttConfig
from parkcarbon.edge.forward import Delivery

__all__ = ["MqttTransport"]

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    mid: int
    seq_before: int


class MqttTransport:
    """Publishes batches and status messages over one paho client.

    Parameters
    ----------
    config
        ``[forward.mqtt]`` settings.
    readings_topic, status_topic
        Contract topics (``parkcarbon/{park}/{gateway}/readings`` and ``…/status``).
    will_payload
        Retained last-will payload (``"status": "offline"``).
    on_connected
        Called (from paho's network thread) after every successful (re)connect.
    """

    def __init__(
        self,
        config: MqttConfig,
        *,
        readings_topic: str,
        status_topic: str,
        will_payload: bytes,
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.readings_topic = readings_topic
        self.status_topic = status_topic
        self._on_connected_cb = on_connected
        self._connected = threading.Event()
        self._ack_cond = threading.Condition()
        self._ack_seq = 0
        self._acks: dict[int, tuple[int, int]] = {}  # mid -> (reason code value, seq)
        self._pending: dict[str, _Pending] = {}
        self._pending_lock = threading.Lock()
        self.last_disconnect_reason: str | None = None
        self.connects = 0
        self._interrupted = False
        v5 = config.protocol == "5"
        self._v5 = v5
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
            clean_session=None if v5 else False,
        )
        self.client.reconnect_delay_set(
            max(1, round(config.reconnect_min_s)), max(1, round(config.reconnect_max_s))
        )
        if config.username is not None:
            self.client.username_pw_set(config.username, config.password)
        if config.tls:
            self.client.tls_set(ca_certs=config.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        self.client.will_set(status_topic, will_payload, qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self._started = False

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Connect in the background (the first connection may fail; paho keeps retrying)."""
        if self._started:
            return
        c = self.config
        if self._v5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = c.session_expiry_s
            self.client.connect_async(
                c.host, c.port, keepalive=c.keepalive_s, clean_start=False, properties=props
            )
        else:
            self.client.connect_async(c.host, c.port, keepalive=c.keepalive_s)
        self.client.loop_start()
        self._started = True

    def interrupt(self) -> None:
        """Wake every :meth:`deliver` waiting for a PUBACK (shutdown); they report ``retry``."""
        with self._ack_cond:
            self._interrupted = True
            self._ack_cond.notify_all()

    def close(self, *, offline_payload: bytes | None = None, timeout_s: float = 2.0) -> None:
        """Publish the offline status (if connected), disconnect cleanly and stop the network thread."""
        with self._ack_cond:
            self._interrupted = False
        if not self._started:
            return
        if offline_payload is not None and self._connected.is_set():
            with self._ack_cond:
                seq_before = self._ack_seq
            info = self.client.publish(self.status_topic, offline_payload, qos=1, retain=True)
            self._wait_ack(info.mid, seq_before, timeout_s)
        self.client.disconnect()
        self.client.loop_stop()
        self._started = False

    @property
    def connected(self) -> bool:
        """Whether the client currently holds a broker connection."""
        return self._connected.is_set()

    def wait_connected(self, timeout_s: float) -> bool:
        """Block until connected or ``timeout_s`` passes."""
        return self._connected.wait(timeout_s)

    # ------------------------------------------------------------------ paho callbacks

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any
    ) -> None:
        if reason_code.is_failure:
            self.last_disconnect_reason = f"connect refused: {reason_code}"
            log.warning(
                "MQTT broker %s:%s refused the connection: %s",
                self.config.host,
                self.config.port,
                reason_code,
            )
            return
        self.connects += 1
        self._connected.set()
        log.info(
            "MQTT connected to %s:%s (session present: %s)",
            self.config.host,
            self.config.port,
            getattr(flags, "session_present", None),
        )
        if self._on_connected_cb is not None:
            try:
                self._on_connected_cb()
            except Exception:
                log.exception("on_connected callback failed")

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any
    ) -> None:
        self._connected.clear()
        self.last_disconnect_reason = str(reason_code)
        log.info("MQTT disconnected from %s:%s: %s", self.config.host, self.config.port, reason_code)

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason_code: Any, properties: Any
    ) -> None:
        # called under paho's out-message mutex: only touch our own condition here
        with self._ack_cond:
            self._ack_seq += 1
            self._acks[mid] = (int(getattr(reason_code, "value", 0)), self._ack_seq)
            self._ack_cond.notify_all()

    # ------------------------------------------------------------------ publishing

    def _wait_ack(self, mid: int, seq_before: int, timeout_s: float) -> int | None:
        """Reason code of the PUBACK for ``mid`` newer than ``seq_before``, or ``None`` on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._ack_cond:
            while True:
                ack = self._acks.get(mid)
                if ack is not None and ack[1] > seq_before:
                    del self._acks[mid]
                    return ack[0]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._interrupted:
                    return None
                self._ack_cond.wait(remaining)

    def deliver(self, batch_id: str, payload: bytes, count: int) -> Delivery:
        """Publish the batch (once) and wait up to ``ack_timeout_s`` for its PUBACK."""
        if not self._started:
            self.start()
        with self._pending_lock:
            pending = self._pending.get(batch_id)
            if pending is None:
                with self._ack_cond:
                    seq_before = self._ack_seq
                info = self.client.publish(self.readings_topic, payload, qos=self.config.qos)
                if info.rc == mqtt.MQTT_ERR_QUEUE_SIZE:
                    return Delivery("retry", reason="paho outgoing queue full")
                pending = self._pending[batch_id] = _Pending(info.mid, seq_before)
        reason = self._wait_ack(pending.mid, pending.seq_before, self.config.ack_timeout_s)
        if reason is None:
            why = (
                "no PUBACK yet"
                if self.connected
                else (
                    f"not connected to broker {self.config.host}:{self.config.port}"
                    + (f" ({self.last_disconnect_reason})" if self.last_disconnect_reason else "")
                )
            )
            return Delivery("retry", reason=f"{why}; batch {batch_id} ({count} readings) kept in queue")
        with self._pending_lock:
            self._pending.pop(batch_id, None)
        if reason >= 0x80:
            return Delivery("retry", reason=f"broker refused batch {batch_id}: PUBACK reason {reason:#04x}")
        return Delivery("delivered")

    def publish_status(self, payload: bytes) -> bool:
        """Publish the retained status (heartbeat) if connected; ``False`` if skipped."""
        self._prune_acks()
        if not self.connected:
            return False
        info = self.client.publish(self.status_topic, payload, qos=1, retain=True)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def _prune_acks(self) -> None:
        """Forget PUBACKs nobody waits for (status messages) so the table stays small."""
        # Every issued batch publication is registered under _pending_lock, so holding it while
        # pruning guarantees no batch PUBACK is dropped. Lock order: _pending_lock → _ack_cond
        # (paho's network thread only ever takes _ack_cond).
        with self._pending_lock:
            wanted = {p.mid for p in self._pending.values()}
            with self._ack_cond:
                for mid in [m for m in self._acks if m not in wanted]:
                    del self._acks[mid]


def offline_payload(gateway_id: str, version: str, ts: str) -> bytes:
    """Status message for the last will and for a clean shutdown."""
    return json.dumps(
        {"gateway": gateway_id, "ts": ts, "status": "offline", "version": version}, ensure_ascii=False
    ).encode("utf-8")
