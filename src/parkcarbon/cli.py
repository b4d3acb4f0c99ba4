"""The ``parkcarbon`` command line (typer + rich)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parkcarbon import __version__
from parkcarbon.edge.cli import edge_app
from parkcarbon.intake_cli import ingest_app
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.runtime import Runtime
from parkcarbon.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    help="parkcarbon — 园区数字化碳中和服务平台 (carbon-neutrality platform for parks).",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
apikey_app = typer.Typer(help="Ingest API keys for gateways and devices.", no_args_is_help=True)
warnings_app = typer.Typer(help="Dual-control early warnings (能耗双控预警).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(apikey_app, name="apikey")
app.add_typer(warnings_app, name="warnings")
app.add_typer(edge_app, name="edge", help="Edge gateway: poll Modbus / DL/T 645 meters, store and forward.")
app.add_typer(ingest_app, name="ingest", help="Meter-data intake workers (MQTT).")

console = Console()
err = Console(stderr=True)

DEMO_PASSWORD = "Demo-Passw0rd!"


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _fail(exc: ServiceError) -> typer.Exit:
    reasons = "; ".join(f"{e.get('field')}: {e.get('reason')}" for e in exc.errors)
    err.print(f"[red]{exc.title}:[/red] {exc.detail}" + (f" ({reasons})" if reasons else ""))
    return typer.Exit(1)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(f"parkcarbon {__version__}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the configured database to the newest schema."""
    settings = _settings()
    runtime = Runtime.start(settings, migrate=True)
    from parkcarbon.store.migrate import current_revision

    console.print(
        f"database at revision [bold]{current_revision(runtime.db.engine)}[/bold] ({runtime.db.dialect})"
    )
    runtime.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
) -> None:
    """Serve the API (/api/v1) and the console (/); the database is upgraded on start."""
    settings = _settings()
    _serve(settings, host or settings.host, port or settings.port)


def _serve(settings: Settings, host: str, port: int, runtime: Runtime | None = None) -> None:
    import uvicorn

    from parkcarbon.server import create_server

    application = create_server(settings, runtime=runtime)
    console.print(f"console: [bold]http://{host}:{port}/[/bold]   API docs: http://{host}:{port}/api/v1/docs")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="e-mail address (the login)")],
    name: Annotated[str, typer.Option(help="display name")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="at least 10 characters"),
    ],
    platform_admin: Annotated[bool, typer.Option("--platform-admin", help="create a platform admin")] = False,
    organisation: Annotated[int | None, typer.Option("--org", help="organisation id to join")] = None,
    role: Annotated[str | None, typer.Option(help="role in that organisation")] = None,
) -> None:
    """Create a user: a platform admin, or a member of an organisation with a role."""
    from pydantic import SecretStr, ValidationError

    from parkcarbon.services.accounts import users
    from parkcarbon.services.accounts.schemas import PlatformAdminCreate, UserCreate

    runtime = Runtime.start(_settings())
    try:
        if platform_admin:
            created = users.create_platform_admin(
                runtime.db,
                SYSTEM,
                PlatformAdminCreate(email=email, display_name=name, password=SecretStr(password)),
            )
        else:
            if organisation is None or role is None:
                err.print("[red]give --platform-admin, or both --org and --role[/red]")
                raise typer.Exit(2)
            created = users.create_user_unchecked(
                runtime.db,
                SYSTEM,
                UserCreate(
                    email=email,
                    display_name=name,
                    password=SecretStr(password),
                    organisation_id=organisation,
                    role=role,
                ),
            )
    except ValidationError as exc:
        err.print(f"[red]invalid input:[/red] {exc}")
        raise typer.Exit(2) from exc
    except ServiceError as exc:
        raise _fail(exc) from exc
    console.print(f"created user [bold]{created.email}[/bold] (id {created.id})")


@apikey_app.command("create")
def apikey_create(
    park: Annotated[str, typer.Option(help="park code")],
    name: Annotated[str, typer.Option(help="what the key is for, e.g. the gateway")],
    enterprise: Annotated[int | None, typer.Option(help="limit the key to one enterprise (id)")] = None,
) -> None:
    """Issue a write-only ingest key; the secret is printed once."""
    from parkcarbon.services.accounts import apikeys
    from parkcarbon.services.accounts.schemas import ApiKeyCreate
    from parkcarbon.services.registry import parks

    runtime = Runtime.start(_settings())
    try:
        found = parks.get_park_by_code(runtime.db, SYSTEM, park)
        issued = apikeys.create_api_key(
            runtime.db, SYSTEM, ApiKeyCreate(park_id=found.id, enterprise_id=enterprise, name=name)
        )
    except ServiceError as exc:
        raise _fail(exc) from exc
    console.print(f"API key [bold]{issued.prefix}…[/bold] (id {issued.id}) for park {park}:")
    console.print(issued.key, soft_wrap=True)
    err.print("[yellow]store it now: it is not shown again[/yellow]")


@warnings_app.command("evaluate")
def warnings_evaluate(
    park: Annotated[str, typer.Option(help="park code")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="evaluation day YYYY-MM-DD (park-local; default today)")
    ] = None,
) -> None:
    """Evaluate the park's early-warning rules (notifications, webhook, retries of failed deliveries)
    and print the open warnings. For cron; exit 2 on an unknown park or a bad date."""
    from datetime import date

    from parkcarbon.services.pagination import MAX_LIMIT, PageParams
    from parkcarbon.services.registry import organisations, parks
    from parkcarbon.services.supervision import warnings
    from parkcarbon.services.supervision.monitoring_schemas import WarningPublic

    day: date | None = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError as exc:
            err.print(f"[red]--as-of must be a date YYYY-MM-DD, not {as_of!r}[/red]")
            raise typer.Exit(2) from exc
    runtime = Runtime.start(_settings())
    try:
        try:
            found = parks.get_park_by_code(runtime.db, SYSTEM, park)
        except ServiceError as exc:
            err.print(f"[red]no park with code {park!r}[/red]")
            raise typer.Exit(2) from exc
        try:
            result = warnings.evaluate_warnings(runtime.db, SYSTEM, found.id, day)
            open_: list[WarningPublic] = []
            while True:
                page = warnings.list_warnings(
                    runtime.db,
                    SYSTEM,
                    found.id,
                    PageParams(limit=MAX_LIMIT, offset=len(open_)),
                    status="open",
                )
                open_ += page.data
                if not page.data or len(open_) >= page.count:
                    break
            names: dict[int, str] = {}
            for ent in sorted({w.enterprise_id for w in open_ if w.enterprise_id is not None}):
                org = organisations.get_organisation(runtime.db, SYSTEM, ent)
                names[ent] = org.name_en or org.name
        except ServiceError as exc:
            raise _fail(exc) from exc
    finally:
        runtime.close()
    console.print(
        f"park [bold]{park}[/bold] evaluated as of {result.as_of}: {result.raised} raised, "
        f"{result.reraised} raised again, {result.updated} updated, {result.resolved} resolved; "
        f"{result.notifications} notifications; webhook {result.webhook_deliveries} new, "
        f"{result.webhook_retries} retried, {result.webhook_failures} failed"
    )
    table = Table(title=f"open warnings ({len(open_)})")
    table.add_column("level")
    table.add_column("subject")
    table.add_column("reason")
    for w in open_:
        subject = found.name_en or found.name if w.enterprise_id is None else names[w.enterprise_id]
        table.add_row(w.level, subject, w.reason_en)
    console.print(table)


@app.command()
def demo(
    serve_: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the console afterwards")] = True,
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
    days: Annotated[
        int | None,
        typer.Option(
            min=1, max=730, help="days of 15-minute history (default: from 1 January of the previous year)"
        ),
    ] = None,
    enterprises: Annotated[int, typer.Option(min=5, max=40, help="number of enterprises")] = 40,
    seed: Annotated[int, typer.Option(help="seed of every random draw (same seed, same park)")] = 42,
    live_every: Annotated[
        float, typer.Option(min=1.0, help="seconds between the live feed's batches while serving")
    ] = 15.0,
) -> None:
    """Create the demo park (once) in the configured database, print the users, and serve the console
    while a live feed posts new readings through the intake.

    On a database that already holds the demo park, the park is reused (the options that shape it are
    ignored) and its live feed catches up with the time that passed.
    """
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from parkcarbon.demo.generator import build_demo_park
    from parkcarbon.demo.live import LiveFeed, find_demo
    from parkcarbon.services.registry import parks

    settings = _settings()
    runtime = Runtime.start(settings)
    try:
        parks.get_park_by_code(runtime.db, SYSTEM, "demo")
        exists = True
    except ServiceError:
        exists = False
    if exists:
        console.print("the demo park exists already; using it")
    else:
        started = time.perf_counter()
        labels = {
            "park": "park, organisations, users",
            "meters": "meters",
            "history": "15-minute history (readings)",
            "activity": "diesel and coal deliveries",
            "enterprise": "enterprise file of E01",
            "supervision": "economics, outputs, targets",
        }
        columns = (
            TextColumn("{task.description:<30}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            tasks: dict[str, object] = {}

            def progress(step: str, done: float, total: float) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(labels.get(step, step), total=max(total, 1))
                bar.update(tasks[step], completed=done, total=max(total, 1))  # type: ignore[arg-type]

            built = build_demo_park(
                runtime.db,
                settings,
                seed=seed,
                days=days,
                enterprises=enterprises,
                password=DEMO_PASSWORD,
                progress=progress,
            )
        elapsed = time.perf_counter() - started
        console.print(
            f"demo park ready in [bold]{elapsed:.1f} s[/bold]: {len(built.enterprise_ids)} enterprises, "
            f"{len(built.meter_ids)} meters, {built.readings:,} readings "
            f"({built.start:%Y-%m-%d} – {built.end:%Y-%m-%d %H:%M} UTC)"
        )
    params = find_demo(runtime.db)
    feed = None if params is None else LiveFeed(runtime.db, settings, params, step_s=live_every)
    if feed is not None and exists:
        with console.status("catching up with the time since the last run …"):
            caught = feed.step()
        if caught is not None:
            console.print(f"live feed caught up: {caught.accepted:,} readings through the intake")
    # the demo starts with its warnings evaluated (the served console's schedule re-evaluates them)
    from parkcarbon.services.supervision import warnings

    demo_park = parks.get_park_by_code(runtime.db, SYSTEM, "demo")
    evaluated = warnings.evaluate_warnings(runtime.db, SYSTEM, demo_park.id)
    console.print(
        f"warnings evaluated as of {evaluated.as_of}: {evaluated.open} open "
        f"({evaluated.raised} raised, {evaluated.resolved} resolved)"
    )
    table = Table(title="demo users")
    table.add_column("role")
    table.add_column("e-mail")
    table.add_column("password")
    for role, email in _demo_users().items():
        table.add_row(role, email, DEMO_PASSWORD)
    console.print(table)
    if serve_:
        if feed is not None:
            feed.start()
            console.print(f"live feed: new readings every {live_every:g} s through the readings intake")
        try:
            _serve(settings, host or settings.host, port or settings.port, runtime)
        finally:
            if feed is not None:
                feed.stop()
    elif feed is not None:
        feed.stop()  # revokes the feed's key if the catch-up issued one
    runtime.close()


def _demo_users() -> dict[str, str]:
    roles = [
        "park_admin",
        "park_analyst",
        "regulator",
        "enterprise_admin",
        "enterprise_member",
        "provider",
        "verifier",
        "financier",
    ]
    return {
        "platform_admin": "admin@demo.parkcarbon.cn",
        **{r: f"{r.replace('_', '.')}@demo.parkcarbon.cn" for r in roles},
    }


@app.command()
def calc(file: Annotated[str, typer.Argument(help="JSON request file, or - for standard input")]) -> None:
    """Energy and emissions of the activities in FILE as JSON (docs/accounting.md); exit 2 on bad input."""
    from parkcarbon.services import calc as calc_service
    from parkcarbon.services.errors import InvalidInput

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        err.print(f"[red]cannot read {file}:[/red] {exc.strerror}")
        raise typer.Exit(2) from exc
    try:
        answer = calc_service.calculate(json.loads(text))
    except json.JSONDecodeError as exc:
        reason = f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        error = InvalidInput(
            f"request: {reason}", errors=[{"field": "request", "reason": reason, "code": "input.request"}]
        )
        typer.echo(json.dumps(error.to_problem(), ensure_ascii=False, indent=2))
        raise typer.Exit(2) from exc
    except InvalidInput as exc:
        typer.echo(json.dumps(exc.to_problem(), ensure_ascii=False, indent=2))
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))


@app.command("verify")
def verify(
    bundle: Annotated[Path, typer.Argument(help="a proof bundle (JSON) exported by the platform")],
    key: Annotated[str, typer.Option(help="the log's verifier key: <name>+<hash>+<base64 key>")],
    origin: Annotated[str | None, typer.Option(help="the log's origin (default: the key's name)")] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            help="file holding the last checkpoint you trusted; checked for consistency, then updated"
        ),
    ] = None,
) -> None:
    """Verify a proof bundle offline (离线验证): signature, inclusion of every entry, and that the log only
    grew since the checkpoint in --state. Exit 0 and print the entries when it holds; exit 1 with the
    reason otherwise."""
    from parkcarbon.core import note, proofbundle

    try:
        verifier = note.Verifier.parse(key)
    except note.NoteError as exc:
        err.print(f"[red]bad key:[/red] {exc.reason}")
        raise typer.Exit(2) from exc
    try:
        data = json.loads(bundle.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        err.print(f"[red]cannot read the bundle:[/red] {exc}")
        raise typer.Exit(2) from exc
    trusted = None
    if state is not None and state.exists():
        trusted = proofbundle.Trusted.from_json(json.loads(state.read_text(encoding="utf-8")))
    try:
        result = proofbundle.verify_bundle(data, origin or verifier.name, [verifier], trusted)
    except proofbundle.VerifyError as exc:
        err.print(f"[red]NOT VERIFIED:[/red] {exc.reason}")
        raise typer.Exit(1) from exc
    cp = result.checkpoint
    console.print(
        f"[green]verified[/green]: {len(result.entries)} entries in {cp.origin} at tree size {cp.size}"
    )
    if result.consistent_with is not None:
        console.print(f"the log only grew since the trusted checkpoint of size {result.consistent_with}")
    for entry in result.entries:
        record = entry.record()
        shown = json.dumps(record, ensure_ascii=False) if not isinstance(record, bytes) else record.hex()
        console.print(f"  #{entry.index}: {shown}", markup=False, highlight=False)
    if state is not None:
        state.write_text(json.dumps(result.trusted().to_json()), encoding="utf-8")


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
