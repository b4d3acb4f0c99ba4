"""Cockpit data endpoints over a year of 15-minute data of about 400 meters.

Run ``python benchmarks/cockpit.py`` (``--help`` for options). It

1. builds the demo park with the default sizes (40 enterprises, about 400 meters, 365 days of
   15-minute history ≈ 14 M readings, with its targets and economics) into a SQLite file — or reuses
   one given with ``--db`` — and evaluates the warnings once;
2. **in-process**: calls each cockpit data service (``park_monitoring``, ``enterprise_monitoring``,
   ``power_curve``, ``list_warnings``) ``--repeat`` times as the park_admin;
3. **HTTP**: the same endpoints over real HTTP to a uvicorn server started for the run (one worker,
   one client, keep-alive), authenticated with a park_admin token;

and prints p50 / p95 / max per endpoint in milliseconds against the target p95 ≤ 200 ms. The first
call of each endpoint (cold caches) is reported separately and not counted in the percentiles.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PASSWORD = "Demo-Passw0rd!"
TARGET_P95_MS = 200.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def build(path: Path, enterprises: int, days: int) -> None:
    os.environ["PARKCARBON_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("PARKCARBON_ENV", "development")
    from parkcarbon.demo.generator import build_demo_park
    from parkcarbon.services.principal import SYSTEM
    from parkcarbon.services.runtime import Runtime
    from parkcarbon.services.supervision import warnings
    from parkcarbon.settings import load_settings

    settings = load_settings()
    runtime = Runtime.start(settings)
    t = time.perf_counter()
    demo = build_demo_park(
        runtime.db, settings, enterprises=enterprises, days=days, password=PASSWORD, now=datetime.now(UTC)
    )
    print(f"demo park built in {time.perf_counter() - t:.1f} s: {demo.readings:,} readings")
    warnings.evaluate_warnings(runtime.db, SYSTEM, demo.park_id)
    runtime.close()


def in_process(path: Path, repeat: int) -> dict[str, list[float]]:
    os.environ["PARKCARBON_DATABASE_URL"] = f"sqlite:///{path}"
    from parkcarbon.services.accounts import auth
    from parkcarbon.services.accounts.schemas import LoginRequest
    from parkcarbon.services.pagination import PageParams
    from parkcarbon.services.principal import SYSTEM
    from parkcarbon.services.registry import parks
    from parkcarbon.services.runtime import Runtime
    from parkcarbon.services.supervision import monitoring, warnings
    from parkcarbon.settings import load_settings

    settings = load_settings()
    runtime = Runtime.start(settings, migrate=False)
    db = runtime.db
    park = parks.get_park_by_code(db, SYSTEM, "demo")
    login = auth.login(db, settings, LoginRequest(email="park.admin@demo.parkcarbon.cn", password=PASSWORD))  # type: ignore[arg-type]
    p = auth.authenticate(db, login.token.access_token)
    ent = monitoring.park_monitoring(db, p, park.id).enterprises[0].enterprise_id
    calls: dict[str, Callable[[], Any]] = {
        "monitoring": lambda: monitoring.park_monitoring(db, p, park.id),
        "enterprise": lambda: monitoring.enterprise_monitoring(db, p, ent),
        "power": lambda: monitoring.power_curve(db, p, park.id),
        "warnings": lambda: warnings.list_warnings(db, p, park.id, PageParams(limit=100, offset=0)),
    }
    return _time_all(calls, repeat)


def _time_all(calls: dict[str, Callable[[], Any]], repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for name, call in calls.items():
        times = []
        for _ in range(repeat + 1):
            t = time.perf_counter()
            call()
            times.append((time.perf_counter() - t) * 1000)
        out[name] = times
    return out


def over_http(path: Path, repeat: int) -> dict[str, list[float]]:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PARKCARBON_DATABASE_URL": f"sqlite:///{path}", "PARKCARBON_ENV": "development"}
    here = Path(__file__).resolve().parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "_server:app", "--port", str(port), "--log-level", "warning"],
        cwd=here, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        with httpx.Client(base_url=base, timeout=60) as c:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if c.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
            r = c.post("/auth/token", json={"email": "park.admin@demo.parkcarbon.cn", "password": PASSWORD})
            c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            park_id = c.get("/parks").json()["data"][0]["id"]
            ent = c.get(f"/parks/{park_id}/monitoring").json()["enterprises"][0]["enterprise_id"]

            def get(url: str) -> Callable[[], Any]:
                def call() -> Any:
                    resp = c.get(url)
                    resp.raise_for_status()
                    return resp

                return call

            calls = {
                "monitoring": get(f"/parks/{park_id}/monitoring"),
                "enterprise": get(f"/parks/{park_id}/monitoring/enterprises/{ent}"),
                "power": get(f"/parks/{park_id}/monitoring/power"),
                "warnings": get(f"/parks/{park_id}/warnings"),
            }
            return _time_all(calls, repeat)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def report(title: str, results: dict[str, list[float]]) -> bool:
    print(f"\n{title}")
    print(
        f"{'endpoint':<12} {'cold':>8} {'p50':>8} {'p95':>8} {'max':>8}  target p95 ≤ {TARGET_P95_MS:.0f} ms"
    )
    ok = True
    for name, times in results.items():
        cold, warm = times[0], times[1:]
        p95 = _pct(warm, 0.95)
        ok = ok and p95 <= TARGET_P95_MS
        print(
            f"{name:<12} {cold:8.1f} {statistics.median(warm):8.1f} {p95:8.1f} {max(warm):8.1f}  "
            f"{'ok' if p95 <= TARGET_P95_MS else 'ABOVE TARGET'}"
        )
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="reuse this SQLite file (built there when missing)")
    ap.add_argument("--enterprises", type=int, default=40)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--no-http", action="store_true")
    args = ap.parse_args()
    path = args.db or Path("var/bench-cockpit.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        build(path, args.enterprises, args.days)
    ok = report("in-process (service calls)", in_process(path, args.repeat))
    if not args.no_http:
        ok = report("HTTP (uvicorn, 1 worker, keep-alive client)", over_http(path, args.repeat)) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
