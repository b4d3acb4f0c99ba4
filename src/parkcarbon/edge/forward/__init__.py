"""Forwarding queued readings to the platform (MQTT or HTTPS) with retry and backoff.

:class:`ForwardLoop` owns the delivery discipline, the transports only move bytes:

1. claim the oldest batch from the queue (the same batch, under the same id, until settled);
2. hand its payload to the transport and wait for the transport's verdict;
3. ``delivered`` → delete the rows; ``rejected`` → dead-letter the refused rows with the
   platform's reason, delete the accepted ones; ``split`` → un-claim and retry smaller;
   ``retry`` → keep everything and wait ``min(max, initial × multiplier^n) × U(1−jitter, 1)``.

Nothing leaves the queue without a confirmation from the platform or a recorded reason.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from typing import Literal, Protocol

from parkcarbon.edge.config import RetryConfig
from parkcarbon.edge.queue import ReadingQueue
from parkcarbon.edge.readings import encode_payload

__all__ = ["Backoff", "Delivery", "ForwardLoop", "Transport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """A transport's verdict on one batch.

    Attributes
    ----------
    outcome
        ``delivered``, ``rejected`` (some or all rows refused, see ``rejected``), ``split``
        (payload too large: retry with smaller batches) or ``retry`` (transient failure).
    rejected
        Position in the batch → reason, for ``rejected``.
    reason
        Human-readable cause for ``retry`` / ``rejected`` / ``split``.
    http_status
        HTTP status, when the transport is HTTP.
    retry_after_s
        Server-requested wait (``Retry-After``), if any.
    """

    outcome: Literal["delivered", "rejected", "split", "retry"]
    rejected: dict[int, str] = field(default_factory=dict)
    reason: str = ""
    http_status: int | None = None
    retry_after_s: float | None = None


class Transport(Protocol):
    """Moves one batch payload to the platform and reports the verdict."""

    def deliver(self, batch_id: str, payload: bytes, count: int) -> Delivery:
        """Send (or keep waiting for the confirmation of) one batch."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class Backoff:
    """Capped exponential backoff with jitter.

    ``delay_n = min(max_s, initial_s × multiplier^n) × U(1 − jitter, 1)`` for the n-th
    consecutive failure (n = 0, 1, …); :meth:`reset` after a success.

    Parameters
    ----------
    config
        The ``[retry]`` settings.
    rng
        Random source for the jitter (seed it in tests).
    """

    def __init__(self, config: RetryConfig, rng: random.Random | None = None) -> None:
        self.config = config
        self.rng = rng or random.Random()
        self.failures = 0

    def next_delay(self) -> float:
        """Delay before the next attempt [s]; counts one failure."""
        c = self.config
        base = min(c.max_s, c.initial_s * c.multiplier ** min(self.failures, 64))
        self.failures += 1
        return base * (1.0 - c.jitter * self.rng.random())

    def reset(self) -> None:
        """Back to the initial delay."""
        self.failures = 0


class ForwardLoop:
    """Drains the queue through a transport; run in its own thread via :meth:`run`.

    Parameters
    ----------
    queue
        The store-and-forward queue.
    transport
        MQTT or HTTP transport (or a fake in tests).
    gateway_id
        Sent as ``gateway`` in every payload.
    batch_size
        Readings per message.
    retry
        Backoff settings.
    rng
        Jitter source.
    """

    def __init__(
        self,
        queue: ReadingQueue,
        transport: Transport,
        *,
        gateway_id: str,
        batch_size: int,
        retry: RetryConfig,
        rng: random.Random | None = None,
    ) -> None:
        self.queue = queue
        self.transport = transport
        self.gateway_id = gateway_id
        self.batch_size = batch_size
        self.configured_batch_size = batch_size
        self.backoff = Backoff(retry, rng)
        self._work = threading.Event()
        self._interrupt = threading.Event()
        self.last_error: str | None = None
        self.delivered_batches = 0
        self.delivered_readings = 0
        self.dead_lettered = 0
        self.retry_after_s: float | None = None

    def notify(self) -> None:
        """New readings were queued: stop idling."""
        self._work.set()

    def interrupt_backoff(self) -> None:
        """The link came back (e.g. MQTT reconnected): retry now rather than after the delay."""
        self._interrupt.set()
        self._work.set()

    def step(self) -> Literal["idle", "progress", "retry"]:
        """One attempt on the next batch, without waiting afterwards.

        Returns
        -------
        ``"idle"`` (queue empty), ``"progress"`` (batch settled) or ``"retry"`` (kept for later).
        """
        batch = self.queue.claim_batch(self.batch_size)
        if batch is None:
            if self.batch_size != self.configured_batch_size:
                self.batch_size = self.configured_batch_size
            return "idle"
        payload = encode_payload(self.gateway_id, batch.batch_id, batch.readings)
        try:
            result = self.transport.deliver(batch.batch_id, payload, len(batch))
        except Exception as exc:  # a transport bug must not kill the loop nor lose rows
            log.exception("transport failed on batch %s", batch.batch_id)
            result = Delivery("retry", reason=f"transport error: {exc!r}")
        if result.outcome == "delivered":
            self.queue.ack(batch.batch_id)
            self.delivered_batches += 1
            self.delivered_readings += len(batch)
            self.backoff.reset()
            self.last_error = None
            log.debug("delivered batch %s (%d readings)", batch.batch_id, len(batch))
            return "progress"
        if result.outcome == "rejected":
            accepted, dead = self.queue.reject(
                batch.batch_id, result.rejected, http_status=result.http_status
            )
            self.dead_lettered += dead
            self.delivered_readings += accepted
            self.backoff.reset()
            log.warning(
                "platform rejected %d of %d readings in batch %s (dead-lettered): %s",
                dead,
                len(batch),
                batch.batch_id,
                result.reason,
            )
            return "progress"
        if result.outcome == "split" and len(batch) > 1:
            self.queue.release(batch.batch_id)
            self.batch_size = max(1, len(batch) // 2)
            log.warning(
                "batch %s too large (%s); retrying with %d readings per batch",
                batch.batch_id,
                result.reason,
                self.batch_size,
            )
            return "progress"
        reason = result.reason or "delivery failed"
        self.last_error = reason
        self.retry_after_s = result.retry_after_s
        self.queue.record_send_error(reason)
        return "retry"

    def run(self, stop: threading.Event, *, idle_wait_s: float = 1.0) -> None:
        """Deliver until ``stop`` is set; call :meth:`interrupt_backoff` after setting it."""
        while not stop.is_set():
            outcome = self.step()
            if outcome == "progress":
                continue
            if outcome == "idle":
                self._work.wait(idle_wait_s)
                self._work.clear()
                continue
            delay = self.backoff.next_delay()
            if self.retry_after_s is not None:  # the server asked for a wait: honour it, capped
                delay = min(max(delay, self.retry_after_s), self.backoff.config.max_s)
            log.info("delivery failed (%s); next attempt in %.1f s", self.last_error, delay)
            self._interrupt.wait(delay)
            self._interrupt.clear()
