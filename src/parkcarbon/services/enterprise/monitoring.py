"""Carbon monitoring (碳监测管理): this year's running emissions from meter data against the target.

Monthly tCO2e come from the intake's consumption query over the monthly rollups (top-level meters of
the enterprise, coefficients of the accounting engine with their lineage). The target path is linear
in days: target × (days elapsed ÷ days in the year). An alert is raised when the year-to-date
emissions exceed the path.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from parkcarbon.core import AccountingOptions, applicable_standard
from parkcarbon.services.enterprise import access
from parkcarbon.services.enterprise.inventory import method_options
from parkcarbon.services.enterprise.schemas import Monitoring, MonthPoint
from parkcarbon.services.errors import InvalidInput
from parkcarbon.services.intake.consumption import consumption
from parkcarbon.services.principal import SYSTEM, Principal
from parkcarbon.services.supervision.targets import carbon_target
from parkcarbon.store.db import Database
from parkcarbon.store.models import GrantScope, Inventory, Park

__all__ = ["monitoring"]


def monitoring(
    db: Database, p: Principal, enterprise_id: int, *, year: int | None = None, as_of: date | None = None
) -> Monitoring:
    """Year-to-date emissions, the target path and the pace alert of an enterprise.

    Parameters
    ----------
    year
        Reporting year (default: the current year in the park's timezone).
    as_of
        Date the running total is taken at (default: today in the park's timezone; the last day of
        ``year`` for past years).
    """
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_read(s, p, org, GrantScope.INVENTORY)
        park = s.get(Park, org.park_id)
        tz = ZoneInfo(park.timezone if park else "Asia/Shanghai")
        today = datetime.now(tz).date()
        year = year or (as_of or today).year
        if as_of is None:
            as_of = today if year == today.year else date(year, 12, 31)
        if as_of.year != year:
            raise InvalidInput.field("as_of", f"must be a date of {year}")
        # the carbon target of the unified targets (park allocation or the enterprise's own)
        target = carbon_target(s, org.id, year)
        latest = s.scalar(
            select(Inventory)
            .where(Inventory.enterprise_id == org.id)
            .order_by(Inventory.year.desc(), Inventory.version.desc())
            .limit(1)
        )
        options_used: dict[str, Any] = {}
        basis = (
            None
            if latest is None
            else f"coefficients follow the method of inventory {latest.id}: {latest.method}"
        )
        if latest is not None:
            options_used = method_options(latest.method, year, latest.sector_guideline, latest.options or {})
        elif applicable_standard(year) == "GB/T 32150-2025":
            # the 2025 edition's default fuel parameters are not in the library (docs/accounting.md): running
            # estimates use the sector part's general table instead, and say so
            options_used = {"standard": "GB/T 32150-2025", "guideline": "GB/T 32151.22-2024"}
            basis = "no inventory yet: GB/T 32150-2025 with the GB/T 32151.22-2024 Table C.1 fuel parameters"
        park_id = org.park_id
    options = AccountingOptions(**options_used) if options_used else None
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), tz)
    # authorised above (members, inventory grantees, assigned verifiers); the query itself runs as system
    result = consumption(
        db,
        SYSTEM,
        park_id,
        grain="month",
        start=start,
        end=end,
        group_by=(),
        enterprise_id=enterprise_id,
        options=options,
    )
    days_in_year = 366 if _cal.isleap(year) else 365
    elapsed = (as_of - date(year, 1, 1)).days + 1
    fraction = elapsed / days_in_year
    by_label = {row.label: row for row in result.data}
    months: list[MonthPoint] = []
    cumulative = 0.0
    ytd_tce = 0.0
    missing_factor = False
    for m in range(1, as_of.month + 1):
        label = f"{year}-{m:02d}"
        row = by_label.get(label)
        tco2e = row.tco2e if row else 0.0
        tce = row.tce if row else 0.0
        if tco2e is None:
            missing_factor = True
        cumulative += tco2e or 0.0
        ytd_tce += tce or 0.0
        month_end = min(date(year, m, _cal.monthrange(year, m)[1]), as_of)
        share = ((month_end - date(year, 1, 1)).days + 1) / days_in_year
        months.append(
            MonthPoint(
                month=m,
                label=label,
                tco2e=tco2e,
                tce=tce,
                cumulative_tco2e=cumulative,
                target_cumulative_tco2e=target * share if target else None,
            )
        )
    path = target * fraction if target else None
    alert = bool(path is not None and cumulative > path)
    warnings = list(result.warnings)
    if basis is not None:
        warnings.append(basis)
    if missing_factor:
        warnings.append("some months lack a factor; their emissions are not counted")
    if target is None:
        message = f"no target set for {year}"
    elif alert and path:
        message = (
            f"year-to-date emissions {cumulative:.1f} tCO2e exceed the target path {path:.1f} tCO2e "
            f"({cumulative / path:.0%} of the path); at this pace the year ends at "
            f"{cumulative / fraction:.0f} "
            f"tCO2e against a target of {target:.0f}"
        )
    else:
        message = f"on track: {cumulative:.1f} tCO2e against a target path of {path:.1f} tCO2e"
    return Monitoring(
        park_id=park_id,
        enterprise_id=enterprise_id,
        year=year,
        as_of=as_of,
        elapsed_fraction=fraction,
        target_tco2e=target,
        ytd_tco2e=cumulative,
        ytd_tce=ytd_tce,
        target_path_tco2e=path,
        projected_tco2e=cumulative / fraction if fraction else None,
        pace_ratio=(cumulative / path) if path else None,
        alert=alert,
        message=message,
        months=months,
        coefficients=[c.model_dump() for c in result.coefficients],
        warnings=warnings,
    )
