"""A served demo park for the cockpit's browser tests: ``build_demo_park`` with small sizes in a SQLite
file (the generator writes targets, economics and product outputs through the supervision services),
warnings evaluated once, then the API and console under uvicorn.

Run: ``python -m tests.browser.cockpit_server --db PATH --port N [--days D] [--enterprises E]``.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

PASSWORD = "Demo-Passw0rd!"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--days", type=int, default=45)
    ap.add_argument("--enterprises", type=int, default=6)
    args = ap.parse_args()
    os.environ["PARKCARBON_DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ.setdefault("PARKCARBON_ENV", "development")
    import uvicorn

    from parkcarbon.demo.generator import build_demo_park
    from parkcarbon.server import create_server
    from parkcarbon.services.principal import SYSTEM
    from parkcarbon.services.runtime import Runtime
    from parkcarbon.services.supervision import warnings
    from parkcarbon.settings import load_settings

    settings = load_settings()
    runtime = Runtime.start(settings)
    demo = build_demo_park(
        runtime.db, settings, days=args.days, enterprises=args.enterprises, password=PASSWORD,
        now=datetime.now(UTC), enterprise_demo=False,
    )  # fmt: skip
    warnings.evaluate_warnings(runtime.db, SYSTEM, demo.park_id)
    print("users", demo.users, flush=True)
    uvicorn.run(
        create_server(settings, runtime=runtime), host="127.0.0.1", port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
