"""Intake latency while the login route is flooded (issue 12 §6).

``python benchmarks/login_flood.py [--backend sqlite|postgres] [--clients 12] [--posts 200]``

One uvicorn process serves the API on a fresh database (one park, 8 meters). A single intake client
posts small batches (8 readings) one after another and records each request's latency: first idle,
then while ``--clients`` threads hammer ``POST /api/v1/auth/token`` (unknown e-mails and a real
account's right password, alternately, so every request costs one argon2 check). The hammering threads
run in a process of their own, as an attacker's clients would: in the measuring process they would
compete with the intake client for its interpreter lock and inflate the latency it measures. It prints
both p95 latencies and their ratio; the target is ≤ 2×.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import orjson

from ingest import PASSWORD, T0, _free_port, fresh_target, warm_up


def _intake(
    client: httpx.Client, headers: dict[str, str], codes: list[str], start: int, n: int
) -> list[float]:
    out = []
    for k in range(start, start + n):
        ts = (T0 + timedelta(minutes=15 * k)).isoformat()
        rows = [
            {"meter_code": c, "ts": ts, "value": 10.0 * k, "unit": "kWh", "kind": "register"} for c in codes
        ]
        body = orjson.dumps({"readings": rows})
        t = time.perf_counter()
        r = client.post("/api/v1/readings", content=body, headers=headers)
        out.append(time.perf_counter() - t)
        if r.status_code != 200 or r.json()["rejected"]:
            raise SystemExit(f"intake failed: {r.status_code} {r.text[:300]}")
    return out


def hammer(base: str, email: str, clients: int, stop, go, logins, limited) -> None:  # type: ignore[no-untyped-def]
    """The flood, in its own process: ``clients`` threads post logins while ``go`` is set, until ``stop``.

    The process lowers its own priority: an attacker's clients run on the attacker's machines, and on a
    shared VM the load generator should take only the time the server under test leaves idle."""
    os.nice(10)

    def one(i: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as c:
            j = 0
            while not stop.is_set():
                go.wait()
                if stop.is_set():
                    break
                who = email if j % 2 else f"nobody-{i}-{j}@example.invalid"
                pw = PASSWORD if j % 2 else "wrong-password-1"
                r = c.post("/api/v1/auth/token", json={"email": who, "password": pw})
                with logins.get_lock():
                    logins.value += 1
                if r.status_code == 429:
                    with limited.get_lock():
                        limited.value += 1
                j += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--clients", type=int, default=12)
    ap.add_argument("--posts", type=int, default=200, help="intake posts on each side (idle, flood)")
    ap.add_argument("--blocks", type=int, default=8, help="alternating idle/flood blocks")
    ap.add_argument(
        "--rate-limit",
        default="1000000/minute",
        help="PARKCARBON_AUTH_RATE_LIMIT_PER_ADDRESS of the server (default: effectively none)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        target = fresh_target(args.backend, 8, Path(tmp), "flood")
        from parkcarbon.store.models import Meter, User

        with target.db.read() as s:
            codes = [m.code for m in s.query(Meter).filter(Meter.id.in_(target.meter_ids))]
            email = s.query(User.email).filter(User.email.like("%admin%")).first()[0]  # type: ignore[index]
        port = _free_port()
        env = {
            "PARKCARBON_DATABASE_URL": target.url,
            "PARKCARBON_ENV": "development",
            # the worst case: a flood from many addresses, which the per-address limit does not stop
            # (from one address it would be answered 429 before any argon2 work)
            "PARKCARBON_AUTH_RATE_LIMIT_PER_ADDRESS": args.rate_limit,
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent), "_server:app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
            env={**os.environ, **env},
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {target.api_key}", "Content-Type": "application/json"}
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the uvicorn server did not start")
                time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=120) as client:
                warm_up(client, headers)
                _intake(client, headers, codes, 0, 10)  # warm the intake path
                ctx = mp.get_context("spawn")
                stop, go = ctx.Event(), ctx.Event()
                logins = ctx.Value("q", 0)
                limited = ctx.Value("q", 0)
                flooder = ctx.Process(
                    target=hammer, args=(base, email, args.clients, stop, go, logins, limited)
                )
                flooder.start()
                # idle and flood alternate in blocks, so a change in the machine's other load during the
                # run (a shared VM) falls on both sides alike
                idle: list[float] = []
                flood: list[float] = []
                flood_s, flood_logins, k = 0.0, 0, 10
                block = max(1, args.posts // args.blocks)
                for _ in range(args.blocks):
                    idle += _intake(client, headers, codes, k, block)
                    k += block
                    go.set()
                    n_start = logins.value
                    while logins.value < n_start + args.clients:  # the flood is under way
                        time.sleep(0.01)
                    t0, n0 = time.perf_counter(), logins.value
                    flood += _intake(client, headers, codes, k, block)
                    k += block
                    flood_s += time.perf_counter() - t0
                    flood_logins += logins.value - n0
                    go.clear()
                    time.sleep(0.5)  # the logins in flight finish
                rate = flood_logins / flood_s
                stop.set()
                go.set()
                flooder.join(60)
        finally:
            server.terminate()
            server.wait(30)
        p_idle = float(np.percentile(idle, 95)) * 1000
        p_flood = float(np.percentile(flood, 95)) * 1000
        print(
            f"backend {args.backend}: intake p95 idle {p_idle:.1f} ms, under {args.clients} login clients "
            f"{p_flood:.1f} ms ({rate:.0f} logins/s, {limited.value} answered 429); "
            f"ratio {p_flood / p_idle:.2f}x (target <= 2x)"
        )


if __name__ == "__main__":
    main()
