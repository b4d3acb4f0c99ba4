"""Forecast and M&V services on real SQLite and PostgreSQL: stored hourly data and weather in, stored
runs with model cards out; who may read them (the enterprise owns its data)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from parkcarbon.core.forecast import BacktestSpec, NonRoutineAdjustment, WorkCalendar, hour_calendar
from parkcarbon.demo.seed import SeededPark
from parkcarbon.demo.weather import demo_weather_rows
from parkcarbon.ingest.history import HistoryLoader
from parkcarbon.services.accounts import auth
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.forecast import (
    WeatherRow,
    latest_forecast,
    load_weather,
    measured_savings,
    run_forecast,
    store_weather,
)
from parkcarbon.services.intake.readings import MeterScope, load_meters
from parkcarbon.services.principal import SYSTEM, Principal
from parkcarbon.services.registry import meters
from parkcarbon.services.registry.schemas import MeterCreate
from parkcarbon.store.db import Database
from parkcarbon.store.models import User
from tests.conftest import World

#: 2026-03-01 00:00 Asia/Shanghai: 56 days of history before NOW, no public holiday in the last weeks
START = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
NOW = START + timedelta(days=56, hours=3, minutes=20)
SPEC = BacktestSpec(folds=2, horizon_hours=72, step_hours=72)
SEED = 7
_seq = itertools.count(1)


def principal(db: Database, park: SeededPark, role: str) -> Principal:
    with db.read() as s:
        user = s.get(User, park.user_ids[role])
        assert user is not None
        return auth.load_principal(s, user)


def _load(db: Database, park: SeededPark, enterprise: int, *, saving_from: datetime | None = None) -> int:
    """A register meter with 56 days of weather-driven hourly readings; the weather stored beside it."""
    code = f"FC-{next(_seq):04d}"
    body = MeterCreate(
        park_id=park.park_id,
        code=code,
        name="forecast test",
        carrier="electricity",
        unit="kWh",
        enterprise_id=enterprise,
    )
    m = meters.create_meter(db, SYSTEM, body)
    first, last = int(START.timestamp()), int(NOW.timestamp()) // 3600 * 3600 - 3600
    obs, fc = demo_weather_rows(
        seed=SEED, first_hour=first, last_hour=last + 48 * 3600, timezone="Asia/Shanghai"
    )
    past = [r for r in obs if r.hour.timestamp() <= last]
    store_weather(db, SYSTEM, park.park_id, past, kind="observation", source="demo")
    for issued, rows in fc.items():
        store_weather(
            db,
            SYSTEM,
            park.park_id,
            rows,
            kind="forecast",
            source="demo-day-ahead",
            issued_at=datetime.fromtimestamp(issued, UTC),
        )
    hs = np.asarray([int(r.hour.timestamp()) for r in past], dtype=np.int64)
    temp = np.asarray([r.temp_c for r in past])
    cal = hour_calendar(hs, WorkCalendar())  # works on the official calendar (Qingming, 6 April, off)
    occ = cal.working & (cal.hour >= 8) & (cal.hour < 18)
    rng = np.random.default_rng(3)
    use = 40 + 80 * occ + 2.5 * np.maximum(12 - temp, 0) + rng.normal(0, 3, hs.size)
    if saving_from is not None:
        use = np.where(hs >= int(saving_from.timestamp()), 0.85 * use, use)
    with db.read() as s:
        by_code, _, _ = load_meters(s, MeterScope(park_id=park.park_id), [code], [])
    loader = HistoryLoader({i.id: i for i in by_code.values()})
    register = 1000 + np.cumsum(np.maximum(use, 0.1))  # the reading at h + 1 h closes hour h
    with db.transaction() as s:
        loader.add(s.connection(), np.full(hs.size, m.id, dtype=np.int64), hs + 3600, register)
    return m.id


def test_demo_weather_forecast_error_is_realistic():
    first = int(START.timestamp())
    obs, fc = demo_weather_rows(
        seed=SEED, first_hour=first, last_hour=first + 60 * 86400, timezone="Asia/Shanghai"
    )
    truth = {r.hour: r.temp_c for r in obs}
    err = np.asarray([r.temp_c - truth[r.hour] for rows in fc.values() for r in rows if r.hour in truth])
    # day-ahead 2-m temperature RMSE of NWP over land is of order 1.5–2 K (services/forecast/weather.py,
    # confidence L): the demo's error
    # must be of that order, neither perfect nor useless
    assert 1.0 < float(np.sqrt(np.mean(err**2))) < 2.5
    assert len(fc) == 60  # one issue per local day after the first


def test_weather_refuses_bad_rows_and_needs_the_park_admin(db: Database, world: World):
    park = world.a
    bad = [WeatherRow(hour=START, temp_c=120.0), WeatherRow(hour=START + timedelta(minutes=30), temp_c=5.0)]
    with pytest.raises(InvalidInput) as exc:
        store_weather(db, SYSTEM, park.park_id, bad, kind="observation", source="test")
    assert {e["field"] for e in exc.value.errors} == {"rows[0].temp_c", "rows[1].hour"}
    assert load_weather(db, park.park_id, int(START.timestamp()), int(NOW.timestamp()), as_of=0) == (None, 0)
    with pytest.raises(Forbidden):
        store_weather(
            db,
            principal(db, park, "park_analyst"),
            park.park_id,
            [WeatherRow(hour=START, temp_c=5.0)],
            kind="observation",
            source="test",
        )


def test_forecast_runs_are_stored_with_their_card_and_read_back(db: Database, world: World):
    park = world.a
    meter_id = _load(db, park, park.enterprise_ids[0])
    ent = principal(db, park, "enterprise_admin")
    out = run_forecast(
        db,
        ent,
        park.park_id,
        scope="meter",
        scope_id=meter_id,
        horizon_hours=24,
        preferred="towt",
        now=NOW,
        spec=SPEC,
    )
    assert out.model == "towt" and out.qualified, out.statement
    assert len(out.hours) == 24 and out.hours[0] == datetime(2026, 4, 25, 19, 0, tzinfo=UTC)
    assert all(lo <= mid <= hi for lo, mid, hi in zip(out.p10, out.p50, out.p90, strict=True))
    assert out.card.backtest is not None and out.card.backtest.cv_rmse_pct <= 30
    assert out.card.backtest.parameters == 0 and out.card.in_sample is not None
    assert {c.metric for c in out.card.criteria} == {"cv_rmse", "nmbe"}
    assert out.weather_forecast_hours >= 24  # the horizon's weather came from the day-ahead issues
    again = latest_forecast(db, ent, park.park_id, scope="meter", scope_id=meter_id)
    assert again.id == out.id and again.point == out.point


def test_without_weather_the_fallback_is_named(db: Database, world: World):
    park = world.a
    meter_id = _load(db, park, park.enterprise_ids[0])
    with db.transaction() as s:
        from sqlalchemy import delete

        from parkcarbon.store.models import WeatherHour

        s.execute(delete(WeatherHour).where(WeatherHour.park_id == park.park_id))
    out = run_forecast(
        db, SYSTEM, park.park_id, scope="meter", scope_id=meter_id, preferred="gbm", now=NOW, spec=SPEC
    )
    assert out.model in {"seasonal_naive", "persistence"}
    assert "gbm did not qualify" in out.statement or "NOT QUALIFIED" in out.statement
    assert out.candidates[0].model in {"seasonal_naive", "persistence"}


@pytest.mark.parametrize(
    ("role", "allowed"),
    # the seed's enterprise 1 grants meter_data to the park operator (park admin and analyst)
    [
        ("enterprise_admin", True),
        ("enterprise_member", True),
        ("park_admin", True),
        ("park_analyst", True),
        ("regulator", False),
        ("provider", False),
        ("verifier", False),
        ("financier", False),
    ],
)
def test_enterprise_forecasts_only_for_the_enterprise_and_its_grantees(
    db: Database, world: World, role, allowed
):
    park = world.a
    meter_id = _load(db, park, park.enterprise_ids[0])
    run_forecast(
        db, SYSTEM, park.park_id, scope="meter", scope_id=meter_id, preferred="towt", now=NOW, spec=SPEC
    )
    p = principal(db, park, role)
    if allowed:
        assert latest_forecast(db, p, park.park_id, scope="meter", scope_id=meter_id).scope_id == meter_id
    else:
        with pytest.raises(Forbidden):
            latest_forecast(db, p, park.park_id, scope="meter", scope_id=meter_id)
        with pytest.raises(Forbidden):
            latest_forecast(db, p, park.park_id, scope="enterprise", scope_id=park.enterprise_ids[0])


def test_park_staff_read_the_park_total_but_no_ungranted_enterprise(db: Database, world: World):
    park = world.a
    analyst = principal(db, park, "park_analyst")
    with pytest.raises(NotFound):  # nothing run yet, but the analyst may ask
        latest_forecast(db, analyst, park.park_id, scope="park", scope_id=park.park_id)
    with pytest.raises(Forbidden):  # enterprise 2 granted nothing to anyone
        latest_forecast(
            db,
            principal(db, park, "park_admin"),
            park.park_id,
            scope="enterprise",
            scope_id=park.enterprise_ids[1],
        )
    with pytest.raises(Forbidden):  # an enterprise never sees the park total
        latest_forecast(
            db, principal(db, park, "enterprise_admin"), park.park_id, scope="park", scope_id=park.park_id
        )


def test_other_parks_see_nothing(db: Database, world: World):
    park = world.a
    meter_id = _load(db, park, park.enterprise_ids[0])
    for role in ("park_admin", "regulator", "enterprise_admin"):
        with pytest.raises(NotFound):
            latest_forecast(db, principal(db, world.b, role), park.park_id, scope="meter", scope_id=meter_id)
        with pytest.raises(NotFound):  # a park-B meter id asked for in park A's name
            latest_forecast(
                db, principal(db, world.b, role), world.b.park_id, scope="meter", scope_id=meter_id
            )


def test_measured_savings_find_a_planted_cut(db: Database, world: World):
    park = world.a
    cut = START + timedelta(days=42)
    meter_id = _load(db, park, park.enterprise_ids[0], saving_from=cut)
    s = measured_savings(
        db,
        principal(db, park, "enterprise_admin"),
        park.park_id,
        scope="meter",
        scope_id=meter_id,
        baseline_start=START,
        baseline_end=cut,
        reporting_start=cut,
        reporting_end=NOW - timedelta(hours=4),
        option="B",
        non_routine=(NonRoutineAdjustment(0.0, "none: a control adjustment of zero"),),
    )
    assert s.baseline_qualified, s.baseline_reasons
    # the planted 15 % cut: the estimate is near it and its interval is stated
    assert s.savings_fraction == pytest.approx(0.15, abs=0.03)
    assert s.uncertainty is not None and s.uncertainty > 0 and "±" in s.verdict
    assert s.baseline_card.model == "towt"


def test_api_reads_the_stored_forecast_for_its_owner_only(db: Database, world: World, client):
    from tests.conftest import bearer

    park = world.a
    meter_id = _load(db, park, park.enterprise_ids[0])
    run = run_forecast(
        db, SYSTEM, park.park_id, scope="meter", scope_id=meter_id, preferred="towt", now=NOW, spec=SPEC
    )
    path = f"/api/v1/parks/{park.park_id}/forecasts/meters/{meter_id}"
    own = client.get(path, headers=bearer(world.token("a", "enterprise_member")))
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["id"] == run.id and body["model"] == "towt" and len(body["p90"]) == 24
    assert body["card"]["criteria"][0]["source"].startswith("ASHRAE Guideline 14")
    assert client.get(path, headers=bearer(world.token("a", "regulator"))).status_code == 403
    assert client.get(path, headers=bearer(world.token("b", "park_admin"))).status_code == 404
    park_total = client.get(
        f"/api/v1/parks/{park.park_id}/forecasts/park", headers=bearer(world.token("a", "regulator"))
    )
    assert park_total.status_code == 404  # nothing run for the park total yet; asked by an entitled reader
    assert park_total.headers["content-type"].startswith("application/problem+json")
