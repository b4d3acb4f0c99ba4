"""Carbon monitoring: year-to-date emissions against the target path and the alert — the park
monitoring's figures for the enterprise (metered rollups plus unmetered activity data, the park's
accounting profile, the park's projection), checked by hand from the demo's own inputs."""

from __future__ import annotations

import calendar
import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from parkcarbon.services.enterprise import monitoring
from parkcarbon.services.enterprise.demo import (
    DIESEL_DELIVERIES_T,
    ELECTRICITY_KWH,
    NATURAL_GAS_NM3,
    NEXT_YEAR_GROWTH,
    NEXT_YEAR_TARGET_TCO2E,
    DemoEnterprise,
)
from parkcarbon.services.intake.unmetered_activity import ActivityRecordCreate, create_record
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import parks
from parkcarbon.services.registry.schemas import ParkUpdate
from parkcarbon.services.supervision import monitoring as park_monitoring
from parkcarbon.store.db import Database
from tests.conftest import World
from tests.enterprise.conftest import TODAY, YEAR, Who
from tests.enterprise.test_inventory import FUEL_EF, GRID, KGCE

AS_OF = date(YEAR + 1, 6, 30)
NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
# Reporting year 2026 defaults to GB/T 32150-2025, whose fuel table is not in the library; the park's
# accounting profile names the GB/T 32151.22-2024 Table C.1 parameters (the same as row 2.6 of
# standards-facts, FUEL_EF), so natural gas and diesel have factors.
PROFILE = {"guideline": "GB/T 32151.22-2024"}
# A diesel delivery of 2026 (unmetered activity data), 1 May – 30 June: wholly inside the year to date.
DIESEL_2026_T = 3.0
# A diesel delivery with its own lab analysis: every parameter measured, so E = Q × NCV × CC × OF × 44/12
# (GB/T 32150-2015 formula (2)–(4)) and tce = Q × NCV ÷ 29.3076 GJ/tce (GB/T 2589-2020 §4.3), no table.
MEASURED_T, MEASURED_NCV, MEASURED_CC, MEASURED_OF = 2.0, 42.0, 20.0, 0.99  # t, GJ/t, tC/TJ, fraction
# Readings are sums of daily float deltas rounded to 1e-6 (≤ 1e-9 relative per month); the fuel EFs are
# printed to 6 significant decimals (≤ 5e-8 relative): 1e-6 covers both.
REL = 1e-6


def _setup(db: Database, world: World, who: Who, demo: DemoEnterprise) -> None:
    parks.update_park(db, who("park_admin"), world.a.park_id, ParkUpdate(accounting_options=PROFILE))
    deliveries = (
        ActivityRecordCreate(
            carrier="diesel", quantity=DIESEL_2026_T, unit="t", use="combustion",
            period_start=date(YEAR + 1, 5, 1), period_end=date(YEAR + 1, 6, 30), document_ref="FP-2026-MJ",
        ),
        ActivityRecordCreate(
            carrier="diesel", quantity=MEASURED_T, unit="t", use="combustion", ncv=MEASURED_NCV,
            ncv_unit="GJ/t", carbon_content=MEASURED_CC, oxidation_rate=MEASURED_OF,
            period_start=date(YEAR + 1, 1, 1), period_end=date(YEAR + 1, 1, 31), document_ref="FP-2026-LAB",
        ),
    )  # fmt: skip
    for record in deliveries:
        create_record(db, SYSTEM, demo.enterprise_id, record, today=TODAY)


def _tce_2025(month: int) -> float:
    """tce of a demo-year month: meters plus the quarter's diesel delivery spread over its days."""
    quarter = (month - 1) // 3
    q_days = sum(calendar.monthrange(YEAR, m)[1] for m in range(3 * quarter + 1, 3 * quarter + 4))
    diesel_t = DIESEL_DELIVERIES_T[quarter] * calendar.monthrange(YEAR, month)[1] / q_days
    return (
        ELECTRICITY_KWH[month - 1] * KGCE[("electricity", "")]
        + NATURAL_GAS_NM3[month - 1] * KGCE[("natural_gas", "gas_field")]
        + diesel_t * 1000 * KGCE[("diesel", "")]
    ) / 1000


@pytest.fixture
def running(db: Database, world: World, who: Who, demo: DemoEnterprise) -> DemoEnterprise:
    _setup(db, world, who, demo)
    return demo


def test_running_emissions_against_the_target_path(db: Database, running: DemoEnterprise, who: Who) -> None:
    m = monitoring.monitoring(
        db, who("enterprise_member"), running.enterprise_id, year=YEAR + 1, as_of=AS_OF, now=NOW
    )
    # hand calculation: first-half consumption × growth × published factors + the 2026 diesel deliveries
    kwh = sum(ELECTRICITY_KWH[:6]) * NEXT_YEAR_GROWTH
    nm3 = sum(NATURAL_GAS_NM3[:6]) * NEXT_YEAR_GROWTH
    electricity_t = kwh / 1000 * GRID[("national_average", "CN", "2023")]  # latest published year: 2023
    gas_t = nm3 / 1e4 * FUEL_EF["natural_gas"]  # GB/T 32151.22-2024 Table C.1 (row 2.6)
    diesel_t = DIESEL_2026_T * FUEL_EF["diesel"]
    measured_t = MEASURED_T * MEASURED_NCV * MEASURED_CC * MEASURED_OF * 44 / 12 / 1000  # GJ·tC/TJ → tC
    expected = electricity_t + gas_t + diesel_t + measured_t
    assert math.isclose(m.ytd_tco2e, expected, rel_tol=REL), (m.ytd_tco2e, expected, m.warnings)
    expected_tce = (
        kwh * KGCE[("electricity", "")] / 1000
        + nm3 * KGCE[("natural_gas", "gas_field")] / 1000
        + DIESEL_2026_T * KGCE[("diesel", "")]
        + MEASURED_T * MEASURED_NCV / 29.3076
    )
    assert math.isclose(m.ytd_tce, expected_tce, rel_tol=REL)
    # the activity data counts: without it the figure would be the meters' alone
    assert m.ytd_tco2e - (electricity_t + gas_t) > 10.0
    # January holds the measured delivery; May and June hold 31 and 30 of the 61 days of the other
    jan = ELECTRICITY_KWH[0] * NEXT_YEAR_GROWTH / 1000 * GRID[("national_average", "CN", "2023")]
    jan += NATURAL_GAS_NM3[0] * NEXT_YEAR_GROWTH / 1e4 * FUEL_EF["natural_gas"] + measured_t
    assert math.isclose(m.months[0].tco2e or 0, jan, rel_tol=REL)
    may = ELECTRICITY_KWH[4] * NEXT_YEAR_GROWTH / 1000 * GRID[("national_average", "CN", "2023")]
    may += NATURAL_GAS_NM3[4] * NEXT_YEAR_GROWTH / 1e4 * FUEL_EF["natural_gas"]
    may += DIESEL_2026_T * 31 / 61 * FUEL_EF["diesel"]
    assert math.isclose(m.months[4].tco2e or 0, may, rel_tol=REL)
    assert math.isclose(m.months[-1].cumulative_tco2e or 0, expected, rel_tol=REL)
    # the target path is linear in days
    assert len(m.months) == 6 and m.target_tco2e == NEXT_YEAR_TARGET_TCO2E
    days = (AS_OF - date(YEAR + 1, 1, 1)).days + 1
    fraction = days / (366 if calendar.isleap(YEAR + 1) else 365)
    assert math.isclose(m.elapsed_fraction, fraction)
    assert math.isclose(m.target_path_tco2e or 0, NEXT_YEAR_TARGET_TCO2E * fraction)
    may_end = ((date(YEAR + 1, 5, 31) - date(YEAR + 1, 1, 1)).days + 1) / 365
    assert math.isclose(m.months[4].target_cumulative_tco2e or 0, NEXT_YEAR_TARGET_TCO2E * may_end)
    # the alert: about 550 tCO2e by 30 June against a path of 940 × 181/365 ≈ 466 tCO2e
    assert expected > NEXT_YEAR_TARGET_TCO2E * fraction
    assert m.alert and "exceed" in m.message
    # projection: last year has data in every month → its seasonal profile (share of the year's tce by
    # 30 June), not linear in days
    share = sum(_tce_2025(mo) for mo in range(1, 7)) / sum(_tce_2025(mo) for mo in range(1, 13))
    assert m.projection_method == "seasonal"
    assert math.isclose(m.projected_tco2e or 0, expected / share, rel_tol=REL)
    assert not math.isclose(share, fraction, rel_tol=1e-3)  # the two methods differ here


def test_enterprise_end_shows_the_park_monitoring_figure(
    db: Database, running: DemoEnterprise, who: Who, world: World
) -> None:
    ent = running.enterprise_id
    mine = monitoring.monitoring(db, who("enterprise_admin"), ent, as_of=AS_OF, now=NOW)
    park = park_monitoring.park_monitoring(db, who("park_admin"), world.a.park_id, as_of=AS_OF, now=NOW)
    row = next(e for e in park.enterprises if e.enterprise_id == ent)
    cockpit = park_monitoring.enterprise_monitoring(db, who("park_analyst"), ent, as_of=AS_OF, now=NOW)
    # the same cells summed in another order (the park's one-pass views collapse carriers first): equal
    # up to float rounding, far below any displayed digit
    same = 1e-12
    for figures in (row, cockpit.enterprise):
        assert math.isclose(mine.ytd_tco2e, figures.ytd_tco2e, rel_tol=same)
        assert math.isclose(mine.ytd_tce, figures.ytd_tce, rel_tol=same)
        assert math.isclose(mine.projected_tco2e or 0, figures.projected_tco2e or -1, rel_tol=same)
        assert mine.projection_method == figures.projection_method == "seasonal"
        assert mine.target_tco2e == figures.target_carbon_tco2e == NEXT_YEAR_TARGET_TCO2E
    for point, mf in zip(mine.months, cockpit.months[:6], strict=True):
        assert math.isclose(point.tco2e or 0, mf.tco2e or -1, rel_tol=same)
    assert mine.ytd_tco2e > 0


def test_only_the_enterprise_side_sees_it(db: Database, running: DemoEnterprise, who: Who) -> None:
    from parkcarbon.services.errors import Forbidden, NotFound

    with pytest.raises((Forbidden, NotFound)):
        monitoring.monitoring(db, who("b:enterprise_admin"), running.enterprise_id, as_of=AS_OF, now=NOW)
    # the park's provider sees nothing of the enterprise without an inventory grant
    with pytest.raises(Forbidden):
        monitoring.monitoring(db, who("provider"), running.enterprise_id, as_of=AS_OF, now=NOW)
    # no cost leaves the service: the response has no cost field at all
    m = monitoring.monitoring(db, who("enterprise_member"), running.enterprise_id, as_of=AS_OF, now=NOW)
    assert not any("cost" in key for key in m.model_dump())
