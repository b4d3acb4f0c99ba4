"""On a generated demo park, the cockpit's figures equal a recomputation from the raw readings and the
accounting engine (issue 6, "done means"); the planted overshoot raises a red warning."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from parkcarbon import core
from parkcarbon.demo.generator import DemoPark, build_demo_park
from parkcarbon.ingest.flags import EXCLUDED
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.runtime import Runtime
from parkcarbon.services.supervision import monitoring, warnings
from parkcarbon.settings import load_settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import Meter, Park, Reading

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
AS_OF = date(2026, 3, 20)


@dataclass
class Built:
    db: Database
    demo: DemoPark


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    path = tmp_path_factory.mktemp("demo-totals") / "demo.db"
    settings = load_settings(
        env="test", secret_key="test-secret-key-" + "x" * 32, database_url=f"sqlite:///{path}"
    )
    runtime = Runtime.start(settings)
    demo = build_demo_park(
        runtime.db,
        settings,
        enterprises=5,
        days=120,
        password="Demo-Passw0rd!",
        now=NOW,
        enterprise_demo=False,
    )
    assert demo.supervision_written
    yield Built(runtime.db, demo)
    runtime.close()


def test_metered_totals_equal_raw_readings_through_the_engine(built: Built) -> None:
    db, demo = built.db, built.demo
    m = monitoring.park_monitoring(db, SYSTEM, demo.park_id, as_of=AS_OF, now=NOW)
    tz = ZoneInfo(m.timezone)
    a = int(datetime(2026, 1, 1, tzinfo=tz).timestamp())
    b = int(datetime(2026, 3, 21, tzinfo=tz).timestamp())
    tce: dict[str, float] = defaultdict(float)
    with db.read() as s:
        park = s.get(Park, demo.park_id)
        assert park is not None
        options = core.AccountingOptions(**(park.accounting_options or {}))
        meters = s.execute(
            select(Meter.id, Meter.carrier, Meter.unit, Meter.purpose).where(
                Meter.park_id == demo.park_id, Meter.parent_id.is_(None), Meter.kind != "instant"
            )
        ).all()
        for mid, carrier, unit, purpose in meters:
            deltas = s.execute(
                select(Reading.delta, Reading.flags).where(
                    Reading.meter_id == mid, Reading.ts > a, Reading.ts <= b, Reading.delta.is_not(None)
                )
            ).all()
            # interval consumption is booked where it ends; negative/jump intervals are excluded
            qty = sum(d for d, f in deltas if not (f & EXCLUDED))
            if purpose == "pv_generation":
                continue  # own generation, already netted in the main meter
            use = "exported" if purpose == "export" else None
            c = core.activity_coefficients(
                carrier, unit, year=2026, region=park.province, options=options, use=use
            )
            tce[carrier] += qty * c.tce_per_unit
    by_carrier = {c.carrier: c.ytd_tce for c in m.carriers}
    assert set(tce) <= set(by_carrier)
    for carrier, value in tce.items():
        # same terms summed in another order (meters, then days or months): 1e-9 relative
        assert math.isclose(by_carrier[carrier], value, rel_tol=1e-9), carrier


def test_planted_overshoot_raises_a_red_warning(built: Built) -> None:
    db, demo = built.db, built.demo
    warnings.evaluate_warnings(db, SYSTEM, demo.park_id, AS_OF, now=NOW)
    listed = warnings.list_warnings(db, SYSTEM, demo.park_id, PageParams(limit=200, offset=0)).data
    red = {w.enterprise_id for w in listed if w.level == "red" and w.rule == "energy_total"}
    assert demo.overshoot_enterprise_id in red
    offline = {w.enterprise_id for w in listed if w.rule == "offline_meter"}
    owner = demo.offline_meter.split("-")[0] if demo.offline_meter else None
    if owner in demo.enterprise_ids:
        assert demo.enterprise_ids[owner] in offline
