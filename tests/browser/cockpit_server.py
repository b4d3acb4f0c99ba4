"""A served demo park for the cockpit's browser tests: ``build_demo_park`` with small sizes in a SQLite
file, its targets and economics written through the supervision services when the generator has not
written them yet, warnings evaluated once, then the API and console under uvicorn.

Run: ``python -m tests.browser.cockpit_server --db PATH --port N [--days D] [--enterprises E]``.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

PASSWORD = "Demo-Passw0rd!"


def write_supervision_fallback(db: object, demo: object) -> None:
    """Targets and monthly economics of the demo manifest, through the supervision services."""
    from parkcarbon.services.principal import SYSTEM
    from parkcarbon.services.supervision import targets
    from parkcarbon.services.supervision.schemas import EconomicsRow, TargetSet

    d: dict[str, int] = demo.enterprise_ids  # type: ignore[attr-defined]
    rows = [
        TargetSet(
            enterprise_id=d[t.enterprise] if t.enterprise else None,
            year=t.year,
            energy_tce=t.energy_tce,
            energy_intensity=t.energy_intensity,
            carbon_tco2e=t.carbon_tco2e,
            carbon_intensity=t.carbon_intensity,
        )
        for t in demo.targets  # type: ignore[attr-defined]
        if t.enterprise is None or t.enterprise in d
    ]
    targets.set_targets(db, SYSTEM, demo.park_id, rows)  # type: ignore[arg-type, attr-defined]
    econ = [
        EconomicsRow(
            enterprise_id=d[e.enterprise],
            year=e.year,
            month=e.month,
            kind=e.kind,
            output_value_10k_cny=e.output_value_10k_cny,
            value_added_10k_cny=e.value_added_10k_cny,
        )
        for e in demo.economics  # type: ignore[attr-defined]
        if e.enterprise in d
    ]
    targets.record_economics_bulk(db, SYSTEM, demo.park_id, econ)  # type: ignore[arg-type, attr-defined]


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

    from parkcarbon.server import create_server
    from parkcarbon.services.demo.generator import build_demo_park
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
    if not demo.supervision_written:
        write_supervision_fallback(runtime.db, demo)
    warnings.evaluate_warnings(runtime.db, SYSTEM, demo.park_id)
    print("users", demo.users, flush=True)
    uvicorn.run(
        create_server(settings, runtime=runtime), host="127.0.0.1", port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
