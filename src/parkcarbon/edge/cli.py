"""``parkcarbon edge …`` — run the gateway, simulate meters, inspect the queue.

The lead mounts :data:`edge_app` as ``parkcarbon edge``; ``python -m parkcarbon.edge`` runs it
standalone.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from parkcarbon.edge.errors import ConfigError, EdgeError

__all__ = ["edge_app"]

edge_app = typer.Typer(
    name="edge",
    help="Edge gateway (边缘网关): poll Modbus / DL/T 645 meters, store and forward readings.",
    no_args_is_help=True,
    add_completion=False,
)

ConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", help="gateway.toml", exists=False, dir_okay=False, resolve_path=True)
]


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    for noisy in ("pymodbus", "dlt645"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _load(config: Path):  # type: ignore[no-untyped-def]
    from parkcarbon.edge.config import load_config

    try:
        return load_config(config)
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        logging.getLogger("parkcarbon.edge").info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


@edge_app.command()
def run(
    config: ConfigOpt,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING")] = "INFO",
) -> None:
    """Run the gateway: poll at every tick, queue locally, forward, publish heartbeats."""
    from parkcarbon.edge.gateway import Gateway

    _setup_logging(log_level)
    cfg = _load(config)
    stop = threading.Event()
    _stop_on_signals(stop)
    try:
        gateway = Gateway(cfg)
    except EdgeError as exc:
        typer.echo(f"cannot start gateway: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"gateway {cfg.gateway_id} (park {cfg.park_code}): {len(cfg.devices)} device(s), "
        f"poll every {cfg.poll_interval_s:g} s, forwarding over {cfg.forward.transport}, "
        f"queue {cfg.queue_path}"
    )
    gateway.run(stop)
    from parkcarbon.edge.queue import ReadingQueue

    with ReadingQueue(cfg.queue_path) as q:
        left = q.depth()
    typer.echo(f"stopped; {left} reading(s) remain queued for the next start")


@edge_app.command()
def check(config: ConfigOpt) -> None:
    """Validate gateway.toml and print what would be polled."""
    cfg = _load(config)
    typer.echo(f"gateway {cfg.gateway_id}  park {cfg.park_code}  tz {cfg.timezone.key}")
    typer.echo(f"  poll every {cfg.poll_interval_s:g} s, batch {cfg.batch_size}, queue {cfg.queue_path}")
    fwd = cfg.forward
    if fwd.transport == "mqtt" and fwd.mqtt is not None:
        m = fwd.mqtt
        typer.echo(f"  forward: mqtt{'s' if m.tls else ''}://{m.host}:{m.port} as {m.client_id}, QoS {m.qos}")
        typer.echo(f"  topics: {cfg.readings_topic}  {cfg.status_topic}")
    elif fwd.http is not None:
        typer.echo(f"  forward: POST {fwd.http.base_url}/api/v1/readings")
    for dev in cfg.devices:
        where = dev.serial_port or f"{dev.host}:{dev.port}"
        ident = f"address {dev.address}" if dev.address else f"unit {dev.unit_id}"
        typer.echo(f"  device {dev.name}: {dev.protocol} {where} {ident}, profile {dev.profile.name}")
        for m in dev.points:
            typer.echo(
                f"    {m.point.name:<28} → {m.meter_code:<20} {m.report_unit:<6} {m.point.kind:<9}"
                f" ×{m.multiplier:g}"
            )
    typer.echo("configuration OK")


@edge_app.command()
def status(config: ConfigOpt) -> None:
    """Show queue depth, dead letters and the last heartbeat written by the running gateway."""
    from parkcarbon.edge.gateway import status_file_for
    from parkcarbon.edge.queue import ReadingQueue

    cfg = _load(config)
    with ReadingQueue(cfg.queue_path) as q:
        st = q.stats()
    typer.echo(
        f"queue {cfg.queue_path}: {st.depth} waiting ({st.claimed} in flight), {st.dead_letters} dead letters"
    )
    typer.echo(f"  oldest waiting: {st.oldest_ts}  last send ok: {st.last_send_ok}")
    typer.echo(f"  last send error: {st.last_send_error}")
    path = status_file_for(cfg.queue_path)
    if path.is_file():
        doc = json.loads(path.read_text(encoding="utf-8"))
        typer.echo(f"last heartbeat {doc.get('ts')}:")
        for d in doc.get("devices", []):
            typer.echo(
                f"  {d['device']:<20} {d['status']:<8} last ok {d.get('last_ok')}  "
                f"{d.get('last_error') or ''}"
            )


@edge_app.command()
def deadletters(
    config: ConfigOpt,
    requeue: Annotated[
        bool, typer.Option(help="Move the listed (or all) dead letters back to the queue")
    ] = False,
    ids: Annotated[list[int] | None, typer.Option("--id", help="Only these dead-letter ids")] = None,
) -> None:
    """List readings the platform rejected, or re-queue them after fixing the cause."""
    from parkcarbon.edge.queue import ReadingQueue

    cfg = _load(config)
    with ReadingQueue(cfg.queue_path) as q:
        if requeue:
            n = q.requeue_dead_letters(ids)
            typer.echo(f"re-queued {n} reading(s)")
            return
        letters = q.dead_letters()
    for d in letters:
        if ids and d.id not in ids:
            continue
        r = d.reading
        typer.echo(f"#{d.id} {r.meter_code} {r.ts} {r.value:g} {r.unit}  HTTP {d.http_status}: {d.reason}")
    typer.echo(f"{len(letters)} dead letter(s)")


@edge_app.command()
def profiles(
    name: Annotated[str | None, typer.Argument(help="Show one profile's points")] = None,
) -> None:
    """List the built-in register-map profiles, or show one."""
    from parkcarbon.edge.profiles import Dlt645Point, builtin_profiles, load_profile

    if name is None:
        for n in builtin_profiles():
            p = load_profile(n)
            typer.echo(f"{n:<26} {p.protocol:<7} {p.title}")
        return
    try:
        p = load_profile(name)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{p.name}: {p.title}")
    for src in p.sources:
        typer.echo(f"  source: {src}")
    for pt in p.points.values():
        where = (
            f"DI {pt.di_hex} {pt.data_format}"
            if isinstance(pt, Dlt645Point)
            else f"{pt.table} {pt.address:#06x} {pt.data_type}"
        )
        typer.echo(f"  {pt.name:<28} {where:<26} {pt.unit}→{pt.report_unit:<6} {pt.kind:<9} {pt.description}")


@edge_app.command()
def simulate(
    modbus_port: Annotated[
        int, typer.Option(help="Modbus TCP port of the simulated SDM630 (0: none)")
    ] = 5020,
    dlt645_port: Annotated[
        int,
        typer.Option(help="TCP port of the simulated DL/T 645 meter (0: none; ignored with --dlt645-serial)"),
    ] = 6450,
    dlt645_serial: Annotated[
        str | None,
        typer.Option(
            help="Serve DL/T 645 on this serial device instead of TCP; 'pty' creates a virtual pair"
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Listen address")] = "127.0.0.1",
    unit_id: Annotated[int, typer.Option(help="Modbus unit id of the SDM630")] = 1,
    address: Annotated[str, typer.Option(help="DL/T 645 meter address (12 digits)")] = "000000000001",
    seed: Annotated[int, typer.Option(help="Seed of the load models (deterministic values)")] = 0,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING")] = "INFO",
) -> None:
    """Start simulated meters: an SDM630 on Modbus TCP and a DL/T 645-2007 meter (TCP or serial)."""
    from contextlib import ExitStack

    from parkcarbon.edge.simulate import Dlt645Simulator, Sdm630Simulator, SerialPair

    _setup_logging(log_level)
    stop = threading.Event()
    _stop_on_signals(stop)
    with ExitStack() as stack:
        if modbus_port:
            sdm = stack.enter_context(
                Sdm630Simulator(host=host, port=modbus_port, unit_id=unit_id, seed=seed)
            )
            typer.echo(f"SDM630 (Modbus TCP) on {sdm.endpoint}, unit id {unit_id}, profile eastron_sdm630")
        if dlt645_serial:
            device = dlt645_serial
            if dlt645_serial == "pty":
                pair = stack.enter_context(SerialPair())
                device = pair.port_a
                typer.echo(
                    f"virtual serial pair: meter on {pair.port_a}; "
                    f"point the gateway at {pair.port_b} (parity N)"
                )
            parity = "N" if dlt645_serial == "pty" else "E"
            dlt = stack.enter_context(
                Dlt645Simulator(address=address, serial_port=device, parity=parity, seed=seed + 1)
            )
            typer.echo(
                f"DL/T 645-2007 meter on {dlt.endpoint}, address {address}, profile dlt645_2007_energy"
            )
        elif dlt645_port:
            dlt = stack.enter_context(
                Dlt645Simulator(address=address, host=host, port=dlt645_port, seed=seed + 1)
            )
            typer.echo(
                f"DL/T 645-2007 meter (TCP) on {dlt.endpoint}, address {address}, profile dlt645_2007_energy"
            )
        typer.echo("simulating; Ctrl-C to stop")
        while not stop.wait(0.5):
            pass
    typer.echo("simulators stopped")
