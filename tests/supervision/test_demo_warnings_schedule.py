"""The server evaluates warnings itself (issue 13 §6): at start and then every
``PARKCARBON_WARNINGS_INTERVAL_SECONDS`` (services/supervision/schedule.py, wired in the app's lifespan);
0 switches it off. The scheduled run is observed through its effect in the database — a stale open
warning (the key of no rule) is resolved by an evaluation — waiting on a bounded condition."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from parkcarbon.api.app import create_app
from parkcarbon.demo.seed import SeededPark, seed_park
from parkcarbon.services.runtime import Runtime
from parkcarbon.services.supervision.schedule import WarningsSchedule
from parkcarbon.settings import Settings, load_settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import SupervisionWarning, SupervisionWarningEvent

#: the evaluation resolves stale warnings of the year it evaluates (today's, park-local)
THIS_YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _settings(path: Path, interval: float) -> Settings:
    return load_settings(
        env="test", secret_key="test-secret-key-" + "x" * 32, database_url=f"sqlite:///{path}",
        warnings_interval_seconds=interval,
    )  # fmt: skip


def _stale_warning(db: Database, park: SeededPark) -> int:
    with db.transaction() as s:
        w = SupervisionWarning(
            park_id=park.park_id, enterprise_id=park.enterprise_ids[0], year=THIS_YEAR, rule="energy_total",
            key="stale:energy_total", level="yellow", status="open", value=1.0, reason_zh="过期预警",
            reason_en="stale warning", numbers={},
        )  # fmt: skip
        s.add(w)
        s.flush()
        return w.id


def _status(db: Database, wid: int) -> str:
    with db.read() as s:
        w = s.get(SupervisionWarning, wid)
        assert w is not None
        return w.status


def test_the_server_evaluates_warnings_at_start_and_then_on_its_schedule(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "sched.db", 0.2)
    runtime = Runtime.start(settings)
    park = seed_park(
        runtime.db, code="sched", name="定时园区", name_en="Schedule Park", password="Pass-w0rd-123"
    )
    wid = _stale_warning(runtime.db, park)
    app = create_app(settings, runtime=runtime)
    with TestClient(app):
        schedule = app.state.warnings_schedule
        assert isinstance(schedule, WarningsSchedule) and schedule.running
        # the first run (at start) resolves the stale warning; later runs follow on the interval
        assert wait_until(lambda: _status(runtime.db, wid) == "resolved")
        assert wait_until(lambda: schedule.runs >= 3)
        assert park.park_id in schedule.last
    assert not schedule.running  # the lifespan stopped it
    with runtime.db.read() as s:
        actions = list(
            s.scalars(select(SupervisionWarningEvent.action).where(SupervisionWarningEvent.warning_id == wid))
        )
    assert actions == ["resolved"]  # evaluated repeatedly, resolved once
    runtime.close()


def test_interval_zero_switches_the_schedule_off(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "off.db", 0)
    runtime = Runtime.start(settings)
    park = seed_park(runtime.db, code="off", name="关闭园区", name_en="Off Park", password="Pass-w0rd-123")
    wid = _stale_warning(runtime.db, park)
    app = create_app(settings, runtime=runtime)
    with TestClient(app) as client:
        assert app.state.warnings_schedule is None
        assert client.get("/api/v1/health").status_code == 200
    assert _status(runtime.db, wid) == "open"
    runtime.close()


def test_settings_read_the_interval_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARKCARBON_WARNINGS_INTERVAL_SECONDS", "60")
    assert load_settings(env="test", secret_key="k" * 40).warnings_interval_seconds == 60.0
    assert Settings.model_fields["warnings_interval_seconds"].default == 900.0
