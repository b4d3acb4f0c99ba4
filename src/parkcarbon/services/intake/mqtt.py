"""Wiring of the MQTT intake worker (:mod:`parkcarbon.ingest.mqtt`) to the platform's services.

The readings handler stores a message's readings in one committed transaction before it returns
(the worker acknowledges the message only then). A message that can never be stored — an unknown
park, a malformed body, every row refused — is recorded in the intake log and returns normally, so
the broker does not redeliver it forever; database errors propagate and the message is retried.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

from parkcarbon.ingest.errors import IntakeError
from parkcarbon.ingest.gcpause import gc_paused
from parkcarbon.ingest.mqtt import Handler, MqttWorker, WorkerConfig
from parkcarbon.ingest.pipeline import Actor
from parkcarbon.services.intake.readings import (
    BULK_BODY_BYTES,
    BatchRejected,
    MeterScope,
    ingest_raw,
    parse_body,
)
from parkcarbon.services.runtime import Runtime
from parkcarbon.store.db import Database
from parkcarbon.store.models import GatewayStatus, IngestBatch, Park

__all__ = ["build_worker", "readings_handler", "status_handler"]

log = logging.getLogger(__name__)


class _Parks:
    """Park code → (id) with a small cache (parks are rarely created or renamed)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def id_of(self, code: str) -> int | None:
        with self._lock:
            if code in self._ids:
                return self._ids[code]
        with self.db.read() as s:
            park_id = s.scalar(select(Park.id).where(Park.code == code))
        if park_id is not None:
            with self._lock:
                self._ids[code] = park_id
        return park_id


def _record_refusal(db: Database, park_id: int | None, gateway: str, label: str, reason: str) -> None:
    with db.transaction() as s:
        s.execute(
            insert(IngestBatch).values(
                park_id=park_id,
                source="mqtt",
                gateway=gateway[:64],
                received_at=datetime.now(UTC),
                actor_label=label,
                rows=0,
                rejected=0,
                report={"rejected": [], "warnings": [], "error": reason},
            )
        )


def readings_handler(runtime: Runtime, *, parks: _Parks | None = None) -> Handler:
    """``handle(park_code, gateway, payload)`` for ``parkcarbon/{park}/{gateway}/readings``."""
    parks = parks or _Parks(runtime.db)
    max_rows = runtime.settings.ingest_max_batch

    def handle(park_code: str, gateway: str, payload: bytes) -> None:
        label = f"mqtt:{park_code}/{gateway}"[:254]
        park_id = parks.id_of(park_code)
        if park_id is None:
            log.warning(
                "readings for unknown park %r from gateway %r dropped after logging", park_code, gateway
            )
            _record_refusal(runtime.db, None, gateway, label, f"unknown park code {park_code!r} in the topic")
            return
        try:
            raw = parse_body(
                payload, content_type="application/json", content_encoding=None, max_rows=max_rows
            )
        except IntakeError as exc:
            log.warning("malformed readings from %s: %s", label, exc.detail)
            _record_refusal(runtime.db, park_id, gateway, label, exc.detail)
            return
        try:
            with gc_paused(len(payload) > BULK_BODY_BYTES):
                ingest_raw(
                    runtime.db,
                    raw,
                    scope=MeterScope(park_id=park_id, reason="is unknown in this park"),
                    actor=Actor(label=label),
                    source="mqtt",
                    gateway=raw.gateway or gateway,
                )
        except BatchRejected as exc:
            log.warning("every reading from %s was refused: %s", label, exc.detail)

    return handle


_HEARTBEAT_KEYS = (
    "ts", "version", "queue_depth", "devices", "dead_letters", "oldest_queued_ts", "last_send_ok",
    "last_send_error", "transport",
)  # fmt: skip


def status_handler(runtime: Runtime, *, parks: _Parks | None = None) -> Handler:
    """``handle(park_code, gateway, payload)`` for the retained ``…/status`` heartbeat."""
    parks = parks or _Parks(runtime.db)

    def handle(park_code: str, gateway: str, payload: bytes) -> None:
        park_id = parks.id_of(park_code)
        if park_id is None or not payload:
            return
        try:
            doc: Any = orjson.loads(payload)
        except orjson.JSONDecodeError:
            log.warning("malformed heartbeat from %s/%s", park_code, gateway)
            return
        if not isinstance(doc, dict):
            return
        status = str(doc.get("status", "unknown"))[:16]
        now = datetime.now(UTC)
        detail = {k: doc.get(k) for k in _HEARTBEAT_KEYS}
        values = {
            "park_id": park_id, "gateway": gateway[:64], "status": status, "last_seen_at": now,
            "last_heartbeat_at": now, "detail": detail,
        }  # fmt: skip
        with runtime.db.transaction() as s:
            dialect = s.get_bind().dialect.name
            ins = (
                postgresql.insert(GatewayStatus) if dialect == "postgresql" else sqlite.insert(GatewayStatus)
            )
            s.execute(
                ins.values(**values).on_conflict_do_update(
                    index_elements=["park_id", "gateway"],
                    set_={"status": status, "last_seen_at": now, "last_heartbeat_at": now, "detail": detail},
                )
            )

    return handle


def build_worker(runtime: Runtime, config: WorkerConfig) -> MqttWorker:
    """An MQTT worker storing readings and heartbeats through the services."""
    parks = _Parks(runtime.db)
    return MqttWorker(
        config,
        handle_readings=readings_handler(runtime, parks=parks),
        handle_status=status_handler(runtime, parks=parks),
    )
