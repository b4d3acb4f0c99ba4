"""The demo park stores the weather its loads were generated from, and forecasts its meters from it."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from parkcarbon.core.forecast import BacktestSpec
from parkcarbon.demo.profiles import build_calendar
from parkcarbon.services.forecast import load_weather, run_forecast
from parkcarbon.services.principal import SYSTEM
from tests.demo.conftest import Built, build

NOW = datetime(2026, 5, 11, 2, 7, tzinfo=UTC)  # as tests/demo: Labour Day and a 调休 Saturday inside


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(
        tmp_path_factory.mktemp("fcdemo") / "demo.db", seed=42, days=42, enterprises=5, enterprise_demo=False
    )


def test_stored_weather_is_the_generators_temperature(small_demo: Built):
    park_id = small_demo.park.park_id
    assert small_demo.park.weather_rows > 42 * 24
    hour = int(datetime(2026, 5, 1, 6, tzinfo=UTC).timestamp())  # 14:00 in Suzhou on Labour Day
    w, from_forecast = load_weather(small_demo.db, park_id, hour, hour + 3600, as_of=int(NOW.timestamp()))
    assert w is not None and from_forecast == 0
    # the generator's four 15-minute temperatures of that hour (readings at :15 … :00 close them)
    cal = build_calendar(hour // 900 + 1, hour // 900 + 4, seed=42, timezone="Asia/Shanghai")
    assert w.temp_c[0] == pytest.approx(float(np.mean(cal.temp_c)), abs=0.006)  # stored to 0.01 °C


def test_a_demo_incomer_is_forecast_with_a_qualified_weather_model(small_demo: Built):
    park = small_demo.park
    meter_id = park.meter_ids["E01-EL-MAIN"]
    out = run_forecast(
        small_demo.db,
        SYSTEM,
        park.park_id,
        scope="meter",
        scope_id=meter_id,
        preferred="towt",
        history_days=42,
        now=NOW,
        spec=BacktestSpec(folds=2, horizon_hours=72, step_hours=72),
    )
    assert out.qualified and out.model == "towt", out.statement
    assert out.card.backtest is not None and out.card.backtest.cv_rmse_pct <= 30
    assert out.weather_forecast_hours > 0  # the next day's weather is a day-ahead issue, not observed
