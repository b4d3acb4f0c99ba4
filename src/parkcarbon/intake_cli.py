"""``parkcarbon ingest …``: the MQTT intake worker (mounted by :mod:`parkcarbon.cli`)."""

from __future__ import annotations

import logging
import signal
import socket
from types import FrameType
from typing import Annotated

import typer

from parkcarbon.ingest.mqtt import WorkerConfig
from parkcarbon.services.intake.mqtt import build_worker
from parkcarbon.services.runtime import Runtime
from parkcarbon.settings import load_settings

ingest_app = typer.Typer(help="Meter data intake (数据采集): the MQTT worker.", no_args_is_help=True)


@ingest_app.callback()
def ingest() -> None:
    """Meter data intake (数据采集)."""


@ingest_app.command("mqtt")
def mqtt_worker(
    broker: Annotated[
        str | None, typer.Option(help="mqtt://host:port of the broker (default: PARKCARBON_MQTT_URL)")
    ] = None,
    group: Annotated[
        str, typer.Option(help="shared-subscription group; workers of a group split the load")
    ] = ("parkcarbon-ingest"),
    client_id: Annotated[
        str | None,
        typer.Option(help="stable id of this worker (its broker session); default parkcarbon-ingest-<host>"),
    ] = None,
    session_expiry: Annotated[int, typer.Option(help="seconds the broker keeps the session while away")] = 7
    * 24
    * 3600,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Subscribe to parkcarbon/{park}/{gateway}/readings (shared, QoS 1) and …/status; store readings and
    acknowledge each message only after it is committed."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    url = broker or settings.mqtt_url
    if not url:
        raise typer.BadParameter("give --broker or set PARKCARBON_MQTT_URL", param_hint="--broker")
    runtime = Runtime.start(settings)
    config = WorkerConfig(
        url=url,
        group=group,
        client_id=client_id or f"parkcarbon-ingest-{socket.gethostname()}",
        session_expiry_s=session_expiry,
    )
    worker = build_worker(runtime, config)

    def _stop(signum: int, frame: FrameType | None) -> None:
        worker._stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    typer.echo(f"ingest worker {config.client_id} → {url} (group {group})")
    try:
        worker.run_forever()
    finally:
        runtime.close()
