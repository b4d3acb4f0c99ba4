"""``parkcarbon demo --no-serve`` on a temporary database: builds, prints the users, reuses the park."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from parkcarbon.cli import app
from parkcarbon.store.db import Database
from parkcarbon.store.models import IngestBatch, Meter, Organisation, Reading
from parkcarbon.vocab import OrgKind


def test_demo_no_serve_builds_and_reuses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"PARKCARBON_DATABASE_URL": url, "PARKCARBON_ENV": "development"}
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve", "--days", "3", "--enterprises", "6"], env=env)
    assert first.exit_code == 0, first.output
    assert "demo park ready" in first.output
    for email in (
        "admin@demo.parkcarbon.cn",
        "park.admin@demo.parkcarbon.cn",
        "financier@demo.parkcarbon.cn",
    ):
        assert email in first.output
    assert "Demo-Passw0rd!" in first.output
    db = Database.from_url(url)
    with db.read() as s:
        enterprises = s.scalar(select(func.count()).where(Organisation.kind == OrgKind.ENTERPRISE))
        meters = s.scalar(select(func.count()).select_from(Meter))
        readings = s.scalar(select(func.count()).select_from(Reading))
    assert enterprises == 6 and meters and meters > 60 and readings and readings > 3 * 96 * 50
    again = runner.invoke(app, ["demo", "--no-serve", "--days", "3", "--enterprises", "6"], env=env)
    assert again.exit_code == 0, again.output
    assert "exists already" in again.output
    assert "live feed caught up" in again.output  # through the intake: a new batch in its log
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Meter)) == meters
        assert s.scalar(select(func.count()).where(Organisation.kind == OrgKind.ENTERPRISE)) == 6
        assert s.scalar(select(func.count()).where(IngestBatch.source == "api")) == 1
    db.dispose()
