"""Demo-park fixtures: small generated parks in their own SQLite files (the generator commits)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parkcarbon.demo.generator import DemoPark, build_demo_park
from parkcarbon.settings import Settings, load_settings
from parkcarbon.store.db import Database, make_engine
from parkcarbon.store.migrate import upgrade

PASSWORD = "Demo-Passw0rd!"
#: End of the generated history of the main fixture: Monday 11 May 2026 10:07 in Suzhou, so three
#: weeks of history hold weekends, the Labour Day holiday (1–5 May 2026) and the adjusted working
#: Saturday after it (9 May, 调休); it is also after 1 December 2025, when E04's second unit started.
NOW = datetime(2026, 5, 11, 2, 7, tzinfo=UTC)


@dataclass
class Built:
    db: Database
    settings: Settings
    park: DemoPark
    url: str


def build(path: Path, *, seed: int, days: int | None, enterprises: int, enterprise_demo: bool) -> Built:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    settings = load_settings(env="test", secret_key="test-secret-key-" + "x" * 32, database_url=url)
    db = Database(engine)
    park = build_demo_park(
        db, settings, seed=seed, days=days, enterprises=enterprises, password=PASSWORD, now=NOW,
        enterprise_demo=enterprise_demo,
    )  # fmt: skip
    return Built(db, settings, park, url)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Six enterprises with the demo's default history: every one from 1 January 2025 to ``NOW`` (what
    ``parkcarbon demo`` builds, so last year, year on year and the seasonal projection are real).
    Built once per test process and shared: tests that write to it (warnings) say so."""
    return build(
        tmp_path_factory.mktemp("demo") / "demo.db", seed=42, days=None, enterprises=6, enterprise_demo=True
    )
