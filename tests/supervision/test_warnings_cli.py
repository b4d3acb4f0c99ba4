"""``parkcarbon warnings evaluate`` on a temporary SQLite database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from parkcarbon import cli
from parkcarbon.cli import app
from parkcarbon.demo.seed import seed_park
from parkcarbon.services.intake import readings
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import organisations
from parkcarbon.services.runtime import Runtime
from parkcarbon.services.supervision import targets
from parkcarbon.services.supervision.schemas import TargetSet
from parkcarbon.settings import load_settings

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = date(2025, 3, 15)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {"PARKCARBON_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PARKCARBON_ENV": "development"}


def test_warnings_evaluate(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.console, "width", 200)  # one table row per line
    settings = load_settings(env="development", database_url=cli_env["PARKCARBON_DATABASE_URL"])
    runtime = Runtime.start(settings)
    try:
        seeded = seed_park(
            runtime.db, code="cli-park", name="命令行园区", name_en="CLI Park", password="Cli-Passw0rd-2026"
        )
        e0 = seeded.enterprise_ids[0]
        # enterprise E01: 100 kWh every 6 h from 1 January to 15 March 2025 (74 days × 400 kWh = 29.6 MWh,
        # 3.6 tce at 0.1229 kgce/kWh); a target of 1 tce is exceeded by the year to date alone → red
        lines, value, t = ["meter_code,ts,value"], 0.0, datetime(2024, 12, 31, 21, tzinfo=TZ)
        while t <= datetime(2025, 3, 15, 21, tzinfo=TZ):
            lines.append(f"E01-EL-MAIN,{t.isoformat()},{value:.3f}")
            value, t = value + 100.0, t + timedelta(hours=6)
        result = readings.submit_readings(
            runtime.db, settings, SYSTEM, ("\n".join(lines) + "\n").encode(), content_type="text/csv",
            park_id=seeded.park_id, now=int(datetime(2025, 3, 16, tzinfo=TZ).timestamp()),
        )  # fmt: skip
        assert not result.rejected, result.rejected[:3]
        targets.set_target(
            runtime.db, SYSTEM, seeded.park_id, TargetSet(enterprise_id=e0, year=2025, energy_tce=1.0)
        )
        org = organisations.get_organisation(runtime.db, SYSTEM, e0)
    finally:
        runtime.close()
    runner = CliRunner()
    ok = runner.invoke(
        app, ["warnings", "evaluate", "--park", "cli-park", "--as-of", AS_OF.isoformat()], env=cli_env
    )
    assert ok.exit_code == 0, ok.output
    assert "as of 2025-03-15: 2 raised" in ok.output
    out = " ".join(ok.output.split())
    name = org.name_en or org.name
    assert f"│ red │ {name} │ {name}: energy projected at" in out
    # hand figures: 296 intervals × 100 kWh × 0.1229 kgce/kWh (GB/T 2589-2020 Table A.2) = 3.638 tce to
    # date; linear projection over 74 of 365 days = 17.94 tce, 1794 % of the 1 tce target
    ytd = 296 * 100 * 0.1229 / 1000
    assert f"above the target of 1 tce ({ytd * 365 / 74:.0%})" in out
    # the meter stopped in March 2025 (the run's clock is today): offline
    assert f"│ yellow │ {name} │ {name}: 1 of 1 meters offline" in out
    # a second run of the same day raises nothing new
    again = runner.invoke(
        app, ["warnings", "evaluate", "--park", "cli-park", "--as-of", "2025-03-15"], env=cli_env
    )
    assert again.exit_code == 0 and "0 raised," in again.output
    unknown = runner.invoke(app, ["warnings", "evaluate", "--park", "no-such-park"], env=cli_env)
    assert unknown.exit_code == 2
    assert "no park with code 'no-such-park'" in unknown.output
    bad_day = runner.invoke(
        app, ["warnings", "evaluate", "--park", "cli-park", "--as-of", "15/03/2025"], env=cli_env
    )
    assert bad_day.exit_code == 2
