"""Carbon monitoring (碳监测管理): this year's running emissions against the target.

The running figures are the park's: :func:`parkcarbon.services.supervision.monitoring.enterprise_running`
computes them for both ends — top-level meters from the monthly and daily rollups plus unmetered activity
data (fuel deliveries, bills, with their measured NCV where given), tce and tCO2e from the accounting engine
with the park's accounting profile, the year-end projection from the production plan, last year's seasonal
profile or linearly in days. So the enterprise sees here exactly what the park cockpit shows for it.

What stays the enterprise end's own: who may look (its members, its inventory grantees, assigned
verifiers — never a cost, none is computed), the target path, linear in days (target × days elapsed ÷ days
in the year), and the alert raised when the year-to-date emissions exceed that path.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, datetime

from parkcarbon.services import access
from parkcarbon.services.enterprise.schemas import Monitoring, MonthPoint
from parkcarbon.services.principal import Principal
from parkcarbon.services.supervision.monitoring import enterprise_running
from parkcarbon.store.db import Database
from parkcarbon.store.models import GrantScope

__all__ = ["monitoring"]

_BASIS = (
    "the park's running figures for this enterprise (park monitoring): metered rollups plus unmetered "
    "activity data, coefficients of the park's accounting profile"
)


def monitoring(
    db: Database,
    p: Principal,
    enterprise_id: int,
    *,
    year: int | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
) -> Monitoring:
    """Year-to-date emissions, the target path and the pace alert of an enterprise.

    Parameters
    ----------
    year
        Reporting year (default: the current year in the park's timezone).
    as_of
        Date the running total is taken at (default: today in the park's timezone; the last day of
        ``year`` for past years).
    now
        The clock (tests); default the current time.
    """
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.INVENTORY)
    # authorised above (members, inventory grantees, assigned verifiers)
    run = enterprise_running(db, enterprise_id, year=year, as_of=as_of, now=now)
    fig = run.figures
    as_of = run.as_of
    year = as_of.year
    target = fig.target_carbon_tco2e
    days_in_year = 366 if _cal.isleap(year) else 365
    fraction = ((as_of - date(year, 1, 1)).days + 1) / days_in_year
    months: list[MonthPoint] = []
    for mf in run.months[: as_of.month]:
        m = mf.month
        month_end = min(date(year, m, _cal.monthrange(year, m)[1]), as_of)
        share = ((month_end - date(year, 1, 1)).days + 1) / days_in_year
        months.append(
            MonthPoint(
                month=m,
                label=f"{year}-{m:02d}",
                tco2e=mf.tco2e,
                tce=mf.tce,
                cumulative_tco2e=mf.cumulative_tco2e,
                target_cumulative_tco2e=target * share if target else None,
            )
        )
    cumulative = fig.ytd_tco2e
    path = target * fraction if target else None
    alert = bool(path is not None and cumulative > path)
    projected = fig.projected_tco2e
    warnings = [*run.warnings, _BASIS]
    if fig.missing_factor:
        warnings.append("some consumption lacks a factor; its emissions are not counted")
    if not target or path is None:
        message = f"no target set for {year}"
    elif alert:
        ends_at = (
            f"the year is projected to end at {projected:.0f} tCO2e ({fig.projection_method} projection)"
            if projected is not None
            else "no year-end projection"
        )
        message = (
            f"year-to-date emissions {cumulative:.1f} tCO2e exceed the target path {path:.1f} tCO2e "
            f"({cumulative / path:.0%} of the path); {ends_at} against a target of {target:.0f} tCO2e"
        )
    else:
        message = f"on track: {cumulative:.1f} tCO2e against a target path of {path:.1f} tCO2e"
    return Monitoring(
        park_id=run.park_id,
        enterprise_id=enterprise_id,
        year=year,
        as_of=as_of,
        elapsed_fraction=fraction,
        target_tco2e=target,
        ytd_tco2e=cumulative,
        ytd_tce=fig.ytd_tce,
        target_path_tco2e=path,
        projected_tco2e=projected,
        projection_method=fig.projection_method,
        pace_ratio=(cumulative / path) if path else None,
        alert=alert,
        message=message,
        months=months,
        coefficients=run.coefficients,
        warnings=warnings,
    )
