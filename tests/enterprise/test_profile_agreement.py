"""One accounting profile everywhere (issue 13 §4): a new inventory defaults to the park's accounting
profile, so an enterprise-year's inventory and the park's monitoring of it agree; when the user chooses
other options, the inventory names the profile it used and each option that differs from the park's.

The demo enterprise's year 2025 (electricity, natural gas and diesel deliveries) in a Jiangsu park with
the demo's accounting profile (GB/T 32151.22-2024 fuel parameters, provincial grid factor 0.5827
kgCO2/kWh — MEE & NBS announcement 2025 No. 47, standards-facts row 3.11)."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

from parkcarbon.demo.generator import ACCOUNTING_PROFILE
from parkcarbon.services.enterprise import inventory
from parkcarbon.services.enterprise.demo import DemoEnterprise
from parkcarbon.services.enterprise.schemas import InventoryCreate
from parkcarbon.services.registry import parks
from parkcarbon.services.registry.schemas import ParkUpdate
from parkcarbon.services.supervision import monitoring
from parkcarbon.store.db import Database
from tests.conftest import World
from tests.enterprise.conftest import TODAY, YEAR, Who

NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
# Both sides sum the same per-unit coefficients over the same monthly rollups and deliveries, in another
# order (lines vs months × carriers): float rounding only.
ROUNDING = 1e-9


def _jiangsu(db: Database, world: World, who: Who) -> None:
    parks.update_park(
        db, who("park_admin"), world.a.park_id, ParkUpdate(accounting_options=ACCOUNTING_PROFILE)
    )


def test_inventory_and_monitoring_of_the_same_year_agree(
    db: Database, world: World, who: Who, demo: DemoEnterprise
) -> None:
    _jiangsu(db, world, who)
    inv = inventory.create_inventory(
        db, who("enterprise_admin"), demo.enterprise_id, InventoryCreate(year=YEAR)
    )
    run = monitoring.enterprise_running(db, demo.enterprise_id, year=YEAR, as_of=date(YEAR, 12, 31), now=NOW)
    assert inv.total_tco2e is not None and inv.total_tce is not None
    assert math.isclose(inv.total_tco2e, run.figures.ytd_tco2e, rel_tol=ROUNDING)
    assert math.isclose(inv.total_tce, run.figures.ytd_tce, rel_tol=ROUNDING)
    assert inv.accounting_profile is not None
    assert inv.accounting_profile.source == "park"
    assert inv.accounting_profile.electricity_factor == "provincial_average"
    assert inv.profile_differences == []
    grid = [f for line in inv.lines for f in (line.result or {}).get("factors", []) if "grid" in f["id"]]
    assert grid and {f["value"] for f in grid} == {0.5827}


def test_a_chosen_option_is_named_beside_the_park_profile(
    db: Database, world: World, who: Who, demo: DemoEnterprise
) -> None:
    _jiangsu(db, world, who)
    chosen = InventoryCreate(year=YEAR, options={"electricity_factor": "national_average"})
    inv = inventory.create_inventory(db, who("enterprise_admin"), demo.enterprise_id, chosen)
    run = monitoring.enterprise_running(db, demo.enterprise_id, year=YEAR, as_of=date(YEAR, 12, 31), now=NOW)
    assert inv.accounting_profile is not None and inv.accounting_profile.source == "inventory"
    by_option = {d.option: (d.used, d.park) for d in inv.profile_differences}
    assert by_option["electricity_factor"] == ("national_average", "provincial_average")
    # options given replace the park's: its water choice is not taken either, and is named; the
    # sector guideline is a field of its own and still defaults to the park's
    assert by_option["water_coefficient"] == (None, "0.2571")
    assert "guideline" not in by_option and "natural_gas_source" not in by_option
    assert inv.total_tco2e is not None
    assert not math.isclose(inv.total_tco2e, run.figures.ytd_tco2e, rel_tol=1e-3)
