"""Readings intake throughput: the public batch API against the raw bulk load of the same rows.

Run ``python benchmarks/ingest.py`` (``--help`` for options). For each backend (SQLite, and
PostgreSQL when reachable) it

1. generates ``--meters`` register meters × 15-minute readings (``--readings`` in total), encoded as
   the gateway JSON contract in batches of ``--batch`` readings (encoding is not timed);
2. **reference**: loads the same rows into the ``readings`` table of a fresh database as fast as
   plainly possible — one transaction ``executemany`` on SQLite, ``COPY`` on PostgreSQL; no
   validation, no interval consumption, no rollups;
3. **in-process**: posts every batch to ``POST /api/v1/readings`` through the ASGI app in the same
   process (FastAPI TestClient), API key authentication, on a fresh database;
4. **HTTP**: the same over real HTTP to uvicorn processes started for the run, by default 2 (one per
   core), each on its own port, and 2 concurrent clients, one per process, as behind a round-robin
   balancer (``--no-http`` skips);

and prints readings/s and the ratio API ÷ reference (best of ``--repeat`` runs each, on fresh
databases; on SQLite also the multi-row ``VALUES`` load, faster than ``executemany``, for context).
It also checks that the database then holds exactly the rows sent and that rollup totals equal the
sum of interval consumption.

``--mqtt N`` adds the MQTT end-to-end run: a throwaway Mosquitto on a free port, the ingest worker,
``N`` readings published at QoS 1, the broker restarted mid-stream; it checks that the database
holds exactly the readings published.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import numpy as np
import orjson
from sqlalchemy import text

from parkcarbon.demo.seed import seed_park
from parkcarbon.services.accounts import auth
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import meters
from parkcarbon.services.registry.schemas import MeterCreate
from parkcarbon.settings import load_settings
from parkcarbon.store.db import Database, make_engine, normalise_url
from parkcarbon.store.migrate import upgrade
from parkcarbon.store.timeseries import SQLITE_WAL_AUTOCHECKPOINT

PASSWORD = "Bench-Passw0rd-2026"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
TZ = timezone(timedelta(hours=8))
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Dataset:
    codes: list[str]
    bodies: list[bytes]
    n: int
    ticks: int


@dataclass
class Target:
    """A fresh database with one park, its meters and an API key."""

    url: str
    db: Database
    api_key: str
    meter_ids: list[int]
    cleanup: object


def fresh_target(backend: str, n_meters: int, workdir: Path, label: str) -> Target:
    if backend == "sqlite":
        path = workdir / f"{label}.db"
        url = f"sqlite:///{path}"
        cleanup: object = None
    else:
        base = os.environ.get("PARKCARBON_BENCH_POSTGRES_URL") or os.environ.get(
            "PARKCARBON_TEST_POSTGRES_URL", DEFAULT_PG
        )
        from sqlalchemy.engine import make_url

        name = f"pc_bench_{label}_{os.getpid()}"
        admin = make_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(normalise_url(base)).set(database=name).render_as_string(hide_password=False)
        cleanup = (base, name)
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    park = seed_park(db, code="bench", name="基准园区", name_en="Benchmark park", password=PASSWORD)
    ids = []
    for i in range(n_meters):
        body = MeterCreate(
            park_id=park.park_id, code=f"B{i:04d}", name=f"bench meter {i}", carrier="electricity",
            unit="kWh", enterprise_id=park.enterprise_ids[i % len(park.enterprise_ids)],
        )  # fmt: skip
        ids.append(meters.create_meter(db, SYSTEM, body).id)
    return Target(url=url, db=db, api_key=park.api_key, meter_ids=ids, cleanup=cleanup)


def drop_target(t: Target) -> None:
    t.db.dispose()
    if isinstance(t.cleanup, tuple):
        base, name = t.cleanup
        admin = make_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_dataset(n_meters: int, n_readings: int, batch: int) -> Dataset:
    ticks = max(1, n_readings // n_meters)
    codes = [f"B{i:04d}" for i in range(n_meters)]
    per_batch_ticks = max(1, batch // n_meters)
    bodies = []
    for t_start in range(0, ticks, per_batch_ticks):
        rows = []
        for t in range(t_start, min(ticks, t_start + per_batch_ticks)):
            ts = (T0 + timedelta(minutes=15 * t)).astimezone(TZ).isoformat()
            for i, code in enumerate(codes):
                value = round(1000.0 + i * 10 + t * (1.0 + (i % 7) * 0.25), 3)
                rows.append({"meter_code": code, "ts": ts, "value": value, "unit": "kWh", "kind": "register"})
        bodies.append(orjson.dumps({"gateway": "bench-gw", "batch_id": f"b{t_start}", "readings": rows}))
    return Dataset(codes=codes, bodies=bodies, n=ticks * n_meters, ticks=ticks)


def raw_rows(target: Target, ds: Dataset) -> tuple[list[int], list[int], list[float], list[float], list[int]]:
    """The same readings as columns, sorted by (meter, ts) — the best order for a B-tree load."""
    m, ts, v = [], [], []
    t0 = int(T0.timestamp())
    for i, mid in enumerate(target.meter_ids):
        for t in range(ds.ticks):
            m.append(mid)
            ts.append(t0 + 900 * t)
            v.append(round(1000.0 + i * 10 + t * (1.0 + (i % 7) * 0.25), 3))
    delta = [float("nan")] * len(m)
    return m, ts, v, delta, [0] * len(m)


def reference_load(target: Target, ds: Dataset) -> float:
    """Seconds for the fastest plain load of the rows into ``readings``."""
    cols = raw_rows(target, ds)
    raw = target.db.engine.raw_connection()
    try:
        start = time.perf_counter()
        if target.db.dialect == "sqlite":
            cur = raw.cursor()
            # the intake's WAL setting (parkcarbon.store.timeseries.tune_for_intake), for a fair comparison
            cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
            cur.execute("BEGIN")
            cur.executemany(
                "INSERT INTO readings (meter_id, ts, value, delta, flags) VALUES (?,?,?,?,?)",
                list(zip(*cols, strict=True)),
            )
            cur.execute("COMMIT")
        else:
            from parkcarbon.store.timeseries import copy_readings

            with target.db.engine.begin() as conn:
                copy_readings(conn, cols)
        return time.perf_counter() - start
    finally:
        raw.close()


def multirow_load(target: Target, ds: Dataset) -> float:
    """SQLite only: the same rows as multi-row ``INSERT … VALUES (…), (…)`` statements in one
    transaction (the statement shape the intake uses) — faster than ``executemany``; shown for context."""
    from parkcarbon.store.timeseries import insert_many

    cols = raw_rows(target, ds)
    with target.db.engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
        conn.commit()
        start = time.perf_counter()
        with conn.begin():
            insert_many(conn, "INSERT INTO readings (meter_id, ts, value, delta, flags) VALUES", cols)
        return time.perf_counter() - start


def api_in_process(target: Target, ds: Dataset) -> float:
    from fastapi.testclient import TestClient

    from parkcarbon.api.app import create_app
    from parkcarbon.services.runtime import Runtime

    settings = load_settings(env="development", database_url=target.url, ingest_max_batch=200_000)
    app = create_app(runtime=Runtime(settings=settings, db=target.db))
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {target.api_key}", "Content-Type": "application/json"}
    warm_up(client, headers)
    start = time.perf_counter()
    for body in ds.bodies:
        r = client.post("/api/v1/readings", content=body, headers=headers)
        if r.status_code != 200 or r.json()["rejected"]:
            raise SystemExit(f"batch failed: {r.status_code} {r.text[:300]}")
    return time.perf_counter() - start


def warm_up(client: httpx.Client, headers: dict[str, str]) -> None:
    """One empty batch before timing. FastAPI (0.16x) builds a router's route table on the first
    request matched through it (≈ 50 ms here, once per process): start-up cost, not throughput. The
    empty batch stores no reading (only its line in the intake log)."""
    r = client.post("/api/v1/readings", content=b'{"readings": []}', headers=headers)
    if r.status_code != 200:
        raise SystemExit(f"warm-up failed: {r.status_code} {r.text[:300]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


HTTP_WORKERS = 1
HTTP_CLIENTS = 1


def api_http(target: Target, ds: Dataset) -> float:
    """Seconds to post every batch over real HTTP: ``HTTP_WORKERS`` uvicorn processes, each on its own
    port, and ``HTTP_CLIENTS`` client threads, client ``i`` talking to server ``i mod HTTP_WORKERS`` with
    the batches dealt out in turn (what a round-robin balancer in front of the workers does).

    Not ``uvicorn --workers``: its workers share one listening socket, and the kernel mostly hands both
    of the run's two keep-alive connections to the same worker (6 runs of 8 here), so the second worker
    idled and the run measured one process.
    """
    env = {**os.environ, "PARKCARBON_DATABASE_URL": target.url, "PARKCARBON_ENV": "development",
           "PARKCARBON_INGEST_MAX_BATCH": "200000"}  # fmt: skip
    ports = [_free_port() for _ in range(HTTP_WORKERS)]

    def serve(port: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent), "_server:app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
            env=env,
        )  # fmt: skip

    servers = [serve(port) for port in ports]
    headers = {"Authorization": f"Bearer {target.api_key}", "Content-Type": "application/json"}
    clients = [
        httpx.Client(base_url=f"http://127.0.0.1:{ports[i % len(ports)]}", timeout=120)
        for i in range(HTTP_CLIENTS)
    ]
    try:
        deadline = time.monotonic() + 60
        for port, server in zip(ports, servers, strict=True):
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("a uvicorn server did not start")
                time.sleep(0.2)
        for client in clients:
            warm_up(client, headers)

        def send(i: int) -> None:
            for body in ds.bodies[i::HTTP_CLIENTS]:
                r = clients[i].post("/api/v1/readings", content=body, headers=headers)
                if r.status_code != 200 or r.json()["rejected"]:
                    raise SystemExit(f"batch failed: {r.status_code} {r.text[:300]}")

        from concurrent.futures import ThreadPoolExecutor

        start = time.perf_counter()
        with ThreadPoolExecutor(HTTP_CLIENTS) as pool:
            list(pool.map(send, range(HTTP_CLIENTS)))
        return time.perf_counter() - start
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def check(target: Target, ds: Dataset) -> str:
    """The database holds exactly the rows sent; rollups equal the sum of interval consumption."""
    with target.db.engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM readings")).scalar_one()
        total_delta = conn.execute(
            text("SELECT coalesce(sum(delta), 0) FROM readings WHERE delta IS NOT NULL")
        ).scalar_one()
        daily = conn.execute(text("SELECT coalesce(sum(consumption), 0) FROM meter_days")).scalar_one()
        monthly = conn.execute(
            text("SELECT coalesce(sum(consumption), 0) FROM meter_rollups WHERE grain = 3")
        ).scalar_one()
    if n != ds.n:
        raise SystemExit(f"the database holds {n} readings, {ds.n} were sent")
    for name, got in (("daily", daily), ("monthly", monthly)):
        if not np.isclose(float(got), float(total_delta), rtol=1e-9):
            raise SystemExit(f"{name} rollups {got} ≠ sum of interval consumption {total_delta}")
    return f"{n} readings stored; rollups = Σ interval consumption = {float(total_delta):.1f} kWh"


def _best(
    label: str, backend: str, args: argparse.Namespace, ds: Dataset, workdir: Path, fn
) -> tuple[float, str]:
    """Best (shortest) time of ``args.repeat`` runs, each on a fresh database; the last run's check."""
    best, note = float("inf"), ""
    for i in range(args.repeat):
        t = fresh_target(backend, args.meters, workdir, f"{label}{i}")
        try:
            best = min(best, fn(t, ds))
            if label not in {"ref", "multirow"}:
                note = check(t, ds)
        finally:
            drop_target(t)
    return best, note


def run_backend(backend: str, args: argparse.Namespace, ds: Dataset, workdir: Path) -> dict[str, float]:
    print(f"\n== {backend}: {ds.n} readings, {args.meters} meters, batches of ~{args.batch}, "
          f"best of {args.repeat} ==")  # fmt: skip
    out: dict[str, float] = {}
    secs, _ = _best("ref", backend, args, ds, workdir, reference_load)
    out["reference"] = ds.n / secs
    how = "executemany, one transaction" if backend == "sqlite" else "COPY"
    print(f"reference ({how}):  {out['reference']:>10,.0f} readings/s  ({secs:.2f} s)")
    if backend == "sqlite":
        secs, _ = _best("multirow", backend, args, ds, workdir, multirow_load)
        out["multirow"] = ds.n / secs
        print(
            f"  (context: multi-row VALUES load {out['multirow']:,.0f} readings/s; API ÷ it is shown below)"
        )
    runs = [("in_process", "batch API, in-process, 1 client:", api_in_process)]
    if not args.no_http:
        runs.append(("http", f"batch API, HTTP, {HTTP_WORKERS} workers, {HTTP_CLIENTS} clients:", api_http))
    for key, title, fn in runs:
        secs, note = _best(key, backend, args, ds, workdir, fn)
        out[key] = ds.n / secs
        print(
            f"{title}    {out[key]:>10,.0f} readings/s  ({secs:.2f} s)  "
            f"ratio {out[key] / out['reference']:.2f}"
        )
        if "multirow" in out:
            print(f"  ratio to the multi-row load: {out[key] / out['multirow']:.2f}")
        print("  check:", note)
    return out


def args_meters(args: argparse.Namespace) -> range:
    return range(args.meters)


def run_mqtt(n: int, workdir: Path) -> None:
    """Publish ``n`` readings through a throwaway Mosquitto to the ingest worker (a real process),
    SIGKILL the worker at 30 %, restart the broker at 60 %, and check the database holds exactly them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.ingest.mqtt_harness import run

    print(f"\n== MQTT end to end: {n:,} readings, 1,000 per message, worker killed and broker restarted ==")
    result = run(workdir / "mqtt", n_readings=n, per_message=1_000, n_meters=400, timeout_s=1800)
    for event in result.events:
        print(f"  {event}")
    verdict = "exactly the readings published" if result.stored == result.published else "MISMATCH"
    print(f"  published {result.published:,}, stored {result.stored:,} ({verdict}) in {result.seconds:.1f} s "
          f"= {result.stored / result.seconds:,.0f} readings/s end to end")  # fmt: skip
    if result.stored != result.published:
        raise SystemExit(1)


def postgres_reachable() -> bool:
    base = os.environ.get("PARKCARBON_BENCH_POSTGRES_URL") or os.environ.get(
        "PARKCARBON_TEST_POSTGRES_URL", DEFAULT_PG
    )
    try:
        eng = make_engine(normalise_url(base), connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    ap.add_argument("--meters", type=int, default=400)
    ap.add_argument("--readings", type=int, default=400_000)
    ap.add_argument("--batch", type=int, default=50_000, help="readings per request (rounded to whole ticks)")
    ap.add_argument("--no-http", action="store_true", help="skip the real-HTTP run")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    ap.add_argument("--http-workers", type=int, default=2, help="uvicorn processes for the HTTP run")
    ap.add_argument("--clients", type=int, default=2, help="concurrent HTTP clients")
    ap.add_argument("--mqtt", type=int, default=0, metavar="N", help="also run the MQTT end-to-end test")
    args = ap.parse_args()
    global HTTP_WORKERS, HTTP_CLIENTS
    HTTP_WORKERS, HTTP_CLIENTS = args.http_workers, args.clients
    ds = make_dataset(args.meters, args.readings, args.batch)
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    results: dict[str, dict[str, float]] = {}
    workdir = Path(tempfile.mkdtemp(prefix="pc-bench-"))
    try:
        for backend in backends:
            if backend == "postgres" and not postgres_reachable():
                print("\n== postgres: skipped (no server; set PARKCARBON_BENCH_POSTGRES_URL) ==")
                continue
            results[backend] = run_backend(backend, args, ds, workdir)
        if args.mqtt:
            run_mqtt(args.mqtt, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\nsummary (readings/s; ratio = API ÷ reference):")
    for backend, r in results.items():
        parts = [f"reference {r['reference']:,.0f}"]
        for k in ("in_process", "http"):
            if k in r:
                parts.append(f"{k.replace('_', '-')} {r[k]:,.0f} (×{r[k] / r['reference']:.2f})")
        print(f"  {backend:<9} " + " | ".join(parts))
    sq = results.get("sqlite", {})
    if sq:
        for key in ("in_process", "http"):
            if key in sq:
                ok = sq[key] >= 100_000 and sq[key] / sq["reference"] >= 0.5
                print(f"  targets on SQLite {key.replace('_', '-')} (≥ 100,000/s, ratio ≥ 0.5): "
                      f"{'met' if ok else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    auth  # noqa: B018  (imported for the side effect of loading the services)
    main()
