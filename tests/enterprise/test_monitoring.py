"""Carbon monitoring: year-to-date emissions from meter data against the target path, and the alert."""

from __future__ import annotations

import calendar
import math
from datetime import date

from parkcarbon.services.enterprise import monitoring
from parkcarbon.services.enterprise.demo import (
    ELECTRICITY_KWH,
    NATURAL_GAS_NM3,
    NEXT_YEAR_GROWTH,
    NEXT_YEAR_TARGET_TCO2E,
    DemoEnterprise,
)
from parkcarbon.store.db import Database
from tests.enterprise.conftest import YEAR, Who
from tests.enterprise.test_inventory import FUEL_EF, GRID


def test_running_emissions_against_the_target_path(db: Database, demo: DemoEnterprise, who: Who) -> None:
    as_of = date(YEAR + 1, 6, 30)
    m = monitoring.monitoring(db, who("enterprise_member"), demo.enterprise_id, year=YEAR + 1, as_of=as_of)
    # hand calculation: first-half consumption × growth × published factors (no inventory yet, so 2026 runs
    # on GB/T 32150-2025 with the GB/T 32151.22-2024 fuel table; the grid factor is still 2023's)
    kwh = sum(ELECTRICITY_KWH[:6]) * NEXT_YEAR_GROWTH
    nm3 = sum(NATURAL_GAS_NM3[:6]) * NEXT_YEAR_GROWTH
    electricity_t = kwh / 1000 * GRID[("national_average", "CN", "2023")]
    assert m.months[0].tco2e is not None
    assert len(m.months) == 6 and m.target_tco2e == NEXT_YEAR_TARGET_TCO2E
    days = (as_of - date(YEAR + 1, 1, 1)).days + 1
    assert math.isclose(m.elapsed_fraction, days / (366 if calendar.isleap(YEAR + 1) else 365))
    assert math.isclose(m.target_path_tco2e or 0, NEXT_YEAR_TARGET_TCO2E * m.elapsed_fraction)
    gas_t = nm3 / 1e4 * FUEL_EF["natural_gas"]  # GB/T 32151.22-2024 Table C.1 (row 2.6)
    expected = electricity_t + gas_t
    assert math.isclose(m.ytd_tco2e, expected, rel_tol=1e-6), (m.ytd_tco2e, m.warnings)
    assert m.alert is (m.ytd_tco2e > (m.target_path_tco2e or 0))
    assert m.alert and "exceed" in m.message
