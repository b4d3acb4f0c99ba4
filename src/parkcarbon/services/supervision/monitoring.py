"""Dual-control monitoring (能耗双控监测, white paper §3.2): year-to-date and month-to-date energy and
carbon of the park and of every enterprise, area and industry, by carrier, against targets.

Where the numbers come from
---------------------------
* Consumption comes from the intake's rollups through :func:`parkcarbon.services.metering.consumption.
  consumption` (monthly rollups for complete months, daily rollups for the running month) — never
  from raw readings — grouped by enterprise × area × carrier; top-level meters only; tce and tCO2e
  from the accounting engine (:func:`parkcarbon.core.activity_coefficients`) with the park's
  accounting profile (:func:`parkcarbon.services.registry.parks.accounting_options`). Every
  coefficient used is returned with its lineage. Unmetered activity data (fuel deliveries, bills) is
  spread over its days and added with its measured parameters. The enterprise end's carbon monitoring
  (:mod:`parkcarbon.services.enterprise.monitoring`) shows the same figures: it calls
  :func:`enterprise_running`, the computation behind every enterprise row here.
* Windows (park-local calendar): YTD = 1 January … ``as_of``; MTD = first of the month … ``as_of``;
  YoY compares with the same days of last year (only when last year has data in each of those
  months); MoM with the same days of the previous month.
* Intensity (能耗强度 / 碳排放强度) = energy ÷ economic output [tce/万元, tCO2e/万元] over the months
  for which the enterprise reported actual economics (complete months only; the park's intensity sums
  the enterprises' energy and economics over their reported months). The basis — gross output value
  (单位产值) or value added (单位工业增加值), GB/T 2589-2020 §3 — is the park's setting.
* Year-end projection: the enterprise's production plan where it gave one for all twelve months
  (YTD energy + the year's remaining planned output × its YTD intensity); else the seasonal profile
  of last year (YTD ÷ last year's share of the annual total by the same day) when last year has data
  in every month; else linear in days.
* Flags: 重点用能单位 (key energy-consuming unit) at ≥ 10 000 tce/a and national-ETS emitter at
  ≥ 26 000 tCO2e/a (:data:`THRESHOLDS`), judged on max(last year's total, this year's projection).
* Completeness: readings received ÷ expected over the month to date, per meter (every meter of the
  scope, sub-meters too) with the definitions of :mod:`parkcarbon.services.metering.quality`, counted
  from the daily rollups; summed over the scope's meters.

Visibility: park supervision roles see every enterprise's totals and intensities (never costs — none
are computed here); an enterprise's members see their own enterprise; meter-level figures need the
enterprise's ``meter_data`` grant.
"""

from __future__ import annotations

import calendar as _cal
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.core import (
    AccountingOptions,
    dualcontrol,
)
from parkcarbon.core.codes import industry_division
from parkcarbon.ingest.gcpause import gc_paused
from parkcarbon.services import access
from parkcarbon.services.clock import spring_festival
from parkcarbon.services.errors import InvalidInput, NotFound
from parkcarbon.services.metering.consumption import (
    AccountingProfileUsed,
    consumption_unchecked,
    profile_used,
)
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.parks import accounting_options
from parkcarbon.services.supervision._cells import (
    Pred,
    _add_activity,
    _all_views,
    _Cell,
    _completeness,
    _local,
    _merge,
    _View,
    _view,
    _Windows,
    _windows,
)
from parkcarbon.services.supervision.monitoring_schemas import (
    AreaFigures,
    CarrierFigure,
    EnterpriseFigures,
    EnterpriseMonitoring,
    Figures,
    FlowQuantity,
    IndustryFigures,
    MeterFigure,
    MonthFigure,
    ParkMonitoring,
    PeriodDifference,
    PowerCurve,
    PowerPoint,
    Threshold,
)
from parkcarbon.services.supervision.targets import settings_of
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    ActivityRecord,
    Area,
    EconomicMonth,
    GrantScope,
    Meter,
    Organisation,
    OrgKind,
    Park,
    SupervisionTarget,
)

__all__ = [
    "THRESHOLDS",
    "EnterpriseRunning",
    "enterprise_monitoring",
    "enterprise_running",
    "park_monitoring",
    "power_curve",
    "resolve_as_of",
]

#: Statutory thresholds of the flags (the values in force are the park's settings, defaulting to these).
THRESHOLDS = (
    Threshold(
        key="key_energy_unit", value=10_000.0, unit="tce/a",
        document="中华人民共和国节约能源法 (Energy Conservation Law of the PRC)",
        clause="第五十二条 (Art. 52)",
        edition="2018 amendment; also 重点用能单位节能管理办法 (NDRC Order 15, 2018) 第二条",
        confidence="H",
        note="重点用能单位: annual comprehensive energy consumption of 10 000 tce or more",
    ),
    Threshold(
        key="ets_emitter", value=26_000.0, unit="tCO2e/a",
        document="碳排放权交易管理办法（试行） (MEE Order 19)", clause="第八条 (Art. 8)",
        edition="issued 2021-01-05, effective 2021-02-01",
        confidence="H",
        note="key emitters of the covered sectors with annual emissions of 26 000 tCO2e or more "
        "(standards-facts 5.2: about 10 000 tce of energy)",
    ),
)  # fmt: skip

Scope = tuple[int | None, int | None, str]  # (enterprise, area, carrier)


def resolve_as_of(tz: ZoneInfo, year: int | None, as_of: date | None, now: datetime | None) -> date:
    """``as_of`` defaults to today (park-local) for the current year and 31 December for past years."""
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    if as_of is None:
        if year is None or year == today.year:
            return today
        return date(year, 12, 31)
    if year is not None and as_of.year != year:
        raise InvalidInput.field("as_of", f"must be a date of {year}")
    return as_of


def _pct(now: float | None, before: float | None) -> float | None:
    return dualcontrol.pct_change(now, before)


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


@dataclass
class _Context:
    park: Park
    tz: ZoneInfo
    year: int
    as_of: date
    basis: Literal["output_value", "value_added"]
    key_unit_tce: float
    ets_tco2e: float
    orgs: dict[int, Organisation]
    areas: dict[int, Area]
    targets: dict[int | None, SupervisionTarget]
    # (enterprise, year, month, kind) → (output value, value added) [万元]
    economics: dict[tuple[int, int, int, str], tuple[float | None, float | None]]
    meters: dict[int, tuple[int | None, int | None]]  # meter → (enterprise, area)
    completeness: dict[int, tuple[int, int, bool]]  # meter → (received, expected, online)
    windows: _Windows
    options: AccountingOptions | None = None
    all_meters: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)  # with sub-meters

    @property
    def month(self) -> int:
        return self.as_of.month

    @property
    def day_fraction(self) -> float:
        days = 366 if _cal.isleap(self.year) else 365
        return ((self.as_of - date(self.year, 1, 1)).days + 1) / days

    def econ(self, ent: int, year: int, month: int, kind: str = "actual") -> float | None:
        row = self.economics.get((ent, year, month, kind))
        if row is None:
            return None
        return row[0] if self.basis == "output_value" else row[1]

    def full_months(self) -> list[int]:
        """Months of the year that are complete by ``as_of``."""
        last_day = _cal.monthrange(self.year, self.month)[1]
        return list(range(1, self.month + (1 if self.as_of.day == last_day else 0)))


def _load_context(
    s: Session, db: Database, park: Park, year: int, as_of: date, enterprise_id: int | None, now: datetime
) -> _Context:
    tz = ZoneInfo(park.timezone)
    settings = settings_of(s, park)
    org_q = select(Organisation).where(
        Organisation.park_id == park.id, Organisation.kind == OrgKind.ENTERPRISE
    )
    if enterprise_id is not None:
        org_q = org_q.where(Organisation.id == enterprise_id)
    orgs = {o.id: o for o in s.scalars(org_q)}
    areas = {a.id: a for a in s.scalars(select(Area).where(Area.park_id == park.id))}
    tq = select(SupervisionTarget).where(SupervisionTarget.park_id == park.id, SupervisionTarget.year == year)
    targets = {t.enterprise_id: t for t in s.scalars(tq)}
    eq = select(
        EconomicMonth.enterprise_id, EconomicMonth.year, EconomicMonth.month, EconomicMonth.kind,
        EconomicMonth.output_value_10k_cny, EconomicMonth.value_added_10k_cny,
    ).where(EconomicMonth.park_id == park.id, EconomicMonth.year.in_((year - 1, year)))  # fmt: skip
    if enterprise_id is not None:
        eq = eq.where(EconomicMonth.enterprise_id == enterprise_id)
    economics = {
        (ent, y, mo, kind): (ov, va)
        for ent, y, mo, kind, ov, va in s.execute(eq)  # columns, no ORM objects
    }
    mq = select(
        Meter.id,
        Meter.enterprise_id,
        Meter.area_id,
        Meter.parent_id,
        Meter.kind,
        Meter.archived_at.is_not(None),
    ).where(Meter.park_id == park.id)
    if enterprise_id is not None:
        mq = mq.where(Meter.enterprise_id == enterprise_id)
    all_meters: dict[int, tuple[int | None, int | None]] = {}
    meters: dict[int, tuple[int | None, int | None]] = {}
    for mid, ent, area, parent, kind, archived in s.execute(mq):
        # an archived meter sends nothing any more: not counted, not in completeness, never "offline";
        # its past consumption stays in every total (the rollups are evidence; ``meters`` keeps it)
        if not archived:
            all_meters[mid] = (ent, area)
        if parent is None and kind != "instant":
            meters[mid] = (ent, area)
    options = accounting_options(s, park.id)
    for obj in (*orgs.values(), *areas.values(), *targets.values(), park):
        s.expunge(obj)
    is_today = as_of == now.astimezone(tz).date()
    windows = _windows(db, park.id, tz, as_of, options, enterprise_id, now=now, is_today=is_today)
    aq = select(ActivityRecord).where(
        ActivityRecord.park_id == park.id,
        ActivityRecord.period_end >= f"{year - 1}-01-01",
        ActivityRecord.period_start <= as_of.isoformat(),
    )
    if enterprise_id is not None:
        aq = aq.where(ActivityRecord.enterprise_id == enterprise_id)
    home: dict[int | None, int | None] = {}
    for ent, area in meters.values():
        home.setdefault(ent, area)
    _add_activity(
        windows, list(s.scalars(aq)), as_of, park.province, options, home, park.accounting_options or {}
    )
    # completeness of the month to date, from the daily rollups (never raw readings)
    start = _local(date(as_of.year, as_of.month, 1), tz)
    end = min(_local(as_of + timedelta(days=1), tz), now)
    completeness = _completeness(s, list(all_meters), start, end, now) if end > start else {}
    return _Context(
        park=park, tz=tz, year=year, as_of=as_of, basis=settings.intensity_basis,  # type: ignore[arg-type]
        key_unit_tce=settings.key_unit_tce, ets_tco2e=settings.ets_tco2e, orgs=orgs, areas=areas,
        targets=targets, economics=economics, meters=meters, completeness=completeness, windows=windows,
        options=options, all_meters=all_meters,
    )  # fmt: skip


def _profile_share(ctx: _Context, v: _View) -> tuple[float, bool, list[float], tuple[int, ...]]:
    """Share of the year's energy used by the comparison cutoff and by each month end — one rule
    (:func:`parkcarbon.core.dualcontrol.expected_share`) for the projection and the target path.

    Returns ``(share_by_cutoff, seasonal, share_by_month_end[1..12])``; linear in time when last year
    lacks data in some month. The months between this and last year's Spring Festival are pooled
    (:func:`parkcarbon.core.dualcontrol.festival_pooled_months`); the fourth item names them.
    """
    per_month = [v.last[m].tce if m in v.last else None for m in range(1, 13)]
    pooled = dualcontrol.festival_pooled_months(spring_festival(ctx.year), spring_festival(ctx.year - 1))
    profile = dualcontrol.seasonal_profile(per_month, ctx.year, pooled_months=pooled)
    clock = ctx.windows.clock
    if clock is not None:
        month, fraction = dualcontrol.month_fraction(clock.cutoff)
    else:
        month, fraction = ctx.month, ctx.as_of.day / _cal.monthrange(ctx.year, ctx.month)[1]
    share = dualcontrol.expected_share(profile, month, fraction)
    ends = list(profile.month_end_shares)
    return max(share, 1e-9), profile.method == "seasonal", ends, profile.pooled_months


def _figures(
    ctx: _Context,
    v: _View,
    ents: set[int],
    target: SupervisionTarget | None,
    meter_ids: Iterable[int],
    *,
    plan_enterprise: int | None = None,
) -> tuple[dict[str, Any], list[float]]:
    """The fields of :class:`Figures` for the scope viewed by ``v`` (enterprises ``ents``)."""
    y, m = ctx.year, ctx.month
    ytd = v.total(v.this)
    mtd = v.total(v.this, {m})
    ly_ytd = v.total(v.last, set(range(1, m)))
    ly_total = v.total(v.last)
    # like for like (core.dualcontrol.same_clock_windows): this year and last to the same cutoff,
    # year on year only when last year has data in every month of the period (else a partial history
    # would show as growth)
    ytd_cut = v.total(v.this, set(range(1, m)))
    _merge(ytd_cut, v.this_mtd)
    ly_months = sum(1 for mo in range(1, m) if mo in v.last and v.last[mo].n > 0) + (v.last_mtd.n > 0)
    ly_covered = v.has_last and ly_months >= m
    ly_ytd_tce = ly_ytd.tce + v.last_mtd.tce if ly_covered else None
    ly_ytd_tco2e = ly_ytd.tco2e + v.last_mtd.tco2e if ly_covered else None
    prev = v.prev_mtd
    # intensity over (enterprise, month) pairs with actual economics, complete months only
    months_used: set[int] = set()
    e_tce = e_co2 = econ = 0.0
    l_tce = l_co2 = l_econ = 0.0
    for ent in ents:
        for month in ctx.full_months():
            value = ctx.econ(ent, y, month)
            if value is None or value <= 0:
                continue
            cell = v.this_ent.get((ent, month), _Cell())
            months_used.add(month)
            e_tce, e_co2, econ = e_tce + cell.tce, e_co2 + cell.tco2e, econ + value
            last_value = ctx.econ(ent, y - 1, month)
            if last_value:
                lc = v.last_ent.get((ent, month), _Cell())
                l_tce, l_co2, l_econ = l_tce + lc.tce, l_co2 + lc.tco2e, l_econ + last_value
    share, seasonal, ends, pooled = _profile_share(ctx, v)
    festival = spring_festival(y)
    # month on month of per-day rates: the previous month's window may be shorter (core.dualcontrol)
    clock = ctx.windows.clock
    mom_days: list[float] | None = None
    if clock is not None:
        now_w, before_w = clock.mtd, clock.prev_mtd
        mom_days = [round(now_w.seconds / 86400, 2), round(before_w.seconds / 86400, 2)]

        def mom(now: float | None, before: float | None) -> float | None:
            return dualcontrol.per_day_change(now, now_w, before, before_w)
    else:
        mom = _pct
    method: str = "seasonal" if seasonal else "linear"
    projected_tce: float | None = ytd.tce / share if share else None
    projected_tco2e: float | None = ytd.tco2e / share if share else None
    if plan_enterprise is not None:
        plan = [ctx.econ(plan_enterprise, y, mo, "plan") for mo in range(1, 13)]
        ytd_intensity = _div(e_tce, econ)
        if all(x is not None for x in plan) and ytd_intensity is not None:
            days_m = _cal.monthrange(y, m)[1]
            remaining = sum(x or 0.0 for x in plan[m:]) + (plan[m - 1] or 0.0) * (1 - ctx.as_of.day / days_m)
            projected_tce = ytd.tce + remaining * ytd_intensity
            projected_tco2e = ytd.tco2e + remaining * (_div(e_co2, econ) or 0.0)
            method = "plan"
    received = expected = 0
    for mid in meter_ids:
        got, exp, _online = ctx.completeness.get(mid, (0, 0, True))
        received, expected = received + got, expected + exp
    t_energy = target.energy_tce if target else None
    t_carbon = target.carbon_tco2e if target else None
    fields = {
        "ytd_tce": ytd.tce, "ytd_tco2e": ytd.tco2e, "mtd_tce": mtd.tce, "mtd_tco2e": mtd.tco2e,
        "last_year_ytd_tce": ly_ytd_tce, "last_year_ytd_tco2e": ly_ytd_tco2e,
        "yoy_tce_pct": _pct(ytd_cut.tce, ly_ytd_tce), "yoy_tco2e_pct": _pct(ytd_cut.tco2e, ly_ytd_tco2e),
        "prev_mtd_tce": prev.tce if v.has_prev else None,
        "prev_mtd_tco2e": prev.tco2e if v.has_prev else None,
        "mom_tce_pct": mom(v.this_mtd.tce, prev.tce if v.has_prev else None),
        "mom_tco2e_pct": mom(v.this_mtd.tco2e, prev.tco2e if v.has_prev else None),
        "mom_days": mom_days, "mom_holiday_affected": festival is not None and festival.month in (m, m - 1),
        "festival_pooled_months": list(pooled),
        "last_year_tce": ly_total.tce if v.has_last else None,
        "last_year_tco2e": ly_total.tco2e if v.has_last else None,
        "economic_10k_cny": econ or None, "intensity_months": sorted(months_used),
        "energy_intensity": _div(e_tce, econ), "carbon_intensity": _div(e_co2, econ),
        "last_year_energy_intensity": _div(l_tce, l_econ), "last_year_carbon_intensity": _div(l_co2, l_econ),
        "target_energy_tce": t_energy, "target_carbon_tco2e": t_carbon,
        "target_energy_intensity": target.energy_intensity if target else None,
        "target_carbon_intensity": target.carbon_intensity if target else None,
        "energy_progress_pct": _div(ytd.tce * 100.0, t_energy),
        "carbon_progress_pct": _div(ytd.tco2e * 100.0, t_carbon),
        "expected_share": share, "projected_tce": projected_tce, "projected_tco2e": projected_tco2e,
        "projection_method": method,
        "completeness_pct": (100.0 * received / expected) if expected else None,
        "missing_factor": ytd.missing or mtd.missing,
        "comparison_cutoff": ctx.windows.clock.cutoff.replace(tzinfo=ctx.tz) if ctx.windows.clock else None,
        "yoy_comparable": ly_covered, "last_year_coverage_pct": 100.0 * ly_months / m,
        "ytd_to_cutoff_tce": ytd_cut.tce, "ytd_to_cutoff_tco2e": ytd_cut.tco2e,
        "mtd_to_cutoff_tce": v.this_mtd.tce,
    }  # fmt: skip
    return fields, ends


def _flows(c: _Cell) -> dict[str, FlowQuantity]:
    return {n: FlowQuantity(quantity=q, tce=t, tco2e=e) for n, (q, t, e) in sorted(c.flows.items())}


def _profile(ctx: _Context) -> AccountingProfileUsed | None:
    return None if ctx.options is None else profile_used(ctx.options, "park")


def _carriers(ctx: _Context, pred: Pred, ents: Iterable[int | None] | None = None) -> list[CarrierFigure]:
    per: dict[str, list[_Cell]] = defaultdict(lambda: [_Cell(), _Cell()])
    for (month, e, a, c), cell in ctx.windows.cells("this", ents):
        if pred(e, a, c):
            _merge(per[c][0], cell)
            if month == ctx.month:
                _merge(per[c][1], cell)
    total = sum(v[0].tce for v in per.values())
    out = [
        CarrierFigure(
            carrier=car,
            unit=ytd.unit,
            ytd_quantity=ytd.qty,
            mtd_quantity=mtd.qty,
            ytd_tce=ytd.tce,
            ytd_tco2e=ytd.tco2e,
            mtd_tce=mtd.tce,
            mtd_tco2e=mtd.tco2e,
            share_tce_pct=(100.0 * ytd.tce / total) if total else None,
            ytd_flows=_flows(ytd),
            mtd_flows=_flows(mtd),
        )
        for car, (ytd, mtd) in per.items()
    ]
    out.sort(key=lambda c: -c.ytd_tce)
    return out


def _months(
    ctx: _Context, v: _View, target: SupervisionTarget | None, ends: list[float]
) -> list[MonthFigure]:
    out: list[MonthFigure] = []
    cum_tce = cum_co2 = 0.0
    for month in range(1, 13):
        cur = v.this.get(month, _Cell()) if month <= ctx.month else None
        last = v.last.get(month, _Cell()) if v.has_last else None
        if cur is not None:
            cum_tce, cum_co2 = cum_tce + cur.tce, cum_co2 + cur.tco2e
        out.append(
            MonthFigure(
                month=month, tce=cur.tce if cur else None, tco2e=cur.tco2e if cur else None,
                last_year_tce=last.tce if last else None, last_year_tco2e=last.tco2e if last else None,
                cumulative_tce=cum_tce if cur else None, cumulative_tco2e=cum_co2 if cur else None,
                target_path_tce=target.energy_tce * ends[month - 1] if target and target.energy_tce else None,
                target_path_tco2e=(
                    target.carbon_tco2e * ends[month - 1] if target and target.carbon_tco2e else None
                ),
            )
        )  # fmt: skip
    return out


def _enterprise_figures(
    ctx: _Context, ent: int, view: _View | None = None
) -> tuple[EnterpriseFigures, list[float]]:
    org = ctx.orgs[ent]

    def pred(e: int | None, a: int | None, c: str) -> bool:
        return e == ent

    meter_ids = [mid for mid, (e, _a) in ctx.all_meters.items() if e == ent]
    view = view or _view(ctx.windows, pred, [ent])
    fields, ends = _figures(ctx, view, {ent}, ctx.targets.get(ent), meter_ids, plan_enterprise=ent)
    annual_tce = max(fields["last_year_tce"] or 0.0, fields["projected_tce"] or 0.0)
    annual_co2 = max(fields["last_year_tco2e"] or 0.0, fields["projected_tco2e"] or 0.0)
    division = industry_division(org.industry_code)
    area_ids = sorted({a for (e, a) in ctx.meters.values() if e == ent and a is not None})
    offline = sum(1 for mid in meter_ids if not ctx.completeness.get(mid, (0, 0, True))[2])
    # the data_gap warning's basis: the meters that report (an offline meter is its own warning)
    online = [ctx.completeness.get(mid, (0, 0, True)) for mid in meter_ids]
    online_exp = sum(exp for _got, exp, up in online if up)
    online_pct = 100.0 * sum(got for got, _exp, up in online if up) / online_exp if online_exp else None
    figures = EnterpriseFigures(
        **fields, enterprise_id=ent, name=org.name, name_en=org.name_en, industry_code=org.industry_code,
        industry_division=division[1] if division else None, area_ids=area_ids,
        key_energy_unit=annual_tce >= ctx.key_unit_tce, ets_emitter=annual_co2 >= ctx.ets_tco2e,
        annual_tce=annual_tce or None, annual_tco2e=annual_co2 or None, meters=len(meter_ids),
        offline_meters=offline, online_completeness_pct=online_pct,
    )  # fmt: skip
    return figures, ends


def _notes(ctx: _Context) -> list[str]:
    basis = "gross output value (单位产值)" if ctx.basis == "output_value" else "value added (单位工业增加值)"
    return [
        "totals: top-level meters from the monthly (complete months) and daily (running month) rollups; "
        "tce and tCO2e from the accounting engine with the park's accounting profile",
        f"intensity on {basis}: energy ÷ economics over the complete months with actual economic data",
        "projection: production plan (all 12 months given), else last year's seasonal profile (data in "
        "every month), else linear in days",
        f"flags on max(last year, projection): key energy-consuming unit ≥ {ctx.key_unit_tce:,.0f} tce/a, "
        f"ETS emitter ≥ {ctx.ets_tco2e:,.0f} tCO2e/a",
        "completeness: readings received ÷ expected at each meter's interval, month to date",
        "electricity: purchased (grid), own PV generation and exports apart; the quantity beside a tce "
        "is the one it was computed from (purchased − exported; PV already netted in the main meter)",
    ]


def park_monitoring(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    year: int | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
) -> ParkMonitoring:
    """Dual-control monitoring of a park (park_admin, park_analyst, regulator).

    Parameters
    ----------
    year, as_of
        Reporting year and the day the running totals are taken at (park-local; default today for the
        current year, 31 December for past years).
    now
        The clock (tests); default the current time.
    """
    # thousands of short-lived rows and cells, none cyclic: a full collection would walk the whole
    # process several times per call (see parkcarbon.ingest.gcpause)
    with db.read() as s:
        access.require_supervisor(s, p, park_id)
    return park_monitoring_unchecked(db, park_id, year=year, as_of=as_of, now=now)


def park_monitoring_unchecked(
    db: Database,
    park_id: int,
    *,
    year: int | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
) -> ParkMonitoring:
    """:func:`park_monitoring` without the access check (internal: warnings evaluation)."""
    with gc_paused():
        return _park_monitoring(db, park_id, year=year, as_of=as_of, now=now)


def _park_monitoring(
    db: Database,
    park_id: int,
    *,
    year: int | None,
    as_of: date | None,
    now: datetime | None,
) -> ParkMonitoring:
    now = now or datetime.now(UTC)
    with db.read() as s:
        park = s.get(Park, park_id)
        if park is None:
            raise NotFound("park not found")
        tz = ZoneInfo(park.timezone)
        as_of = resolve_as_of(tz, year, as_of, now)
        ctx = _load_context(s, db, park, as_of.year, as_of, None, now)

    def everything(e: int | None, a: int | None, c: str) -> bool:
        return True

    division_of: dict[int, str | None] = {}
    names: dict[str | None, str | None] = {None: None}
    for ent, org in ctx.orgs.items():
        div = industry_division(org.industry_code)
        division_of[ent] = div[1] if div else None
        if div:
            names[div[1]] = div[2]
    park_view, ent_views, area_views, division_views = _all_views(ctx.windows, division_of)
    park_fields, park_ends = _figures(ctx, park_view, set(ctx.orgs), ctx.targets.get(None), ctx.all_meters)
    enterprises = [_enterprise_figures(ctx, ent, ent_views[ent])[0] for ent in ctx.orgs]
    _subject_yoy(park_fields, enterprises, ctx.month)
    enterprises.sort(key=lambda e: -e.ytd_tce)
    areas: list[AreaFigures] = []
    area_keys = sorted(
        {a for (_m, _e, a, _c) in ctx.windows.this} | set(ctx.areas), key=lambda a: (a is None, a)
    )
    for area_id in area_keys:
        ents = {e for (e, a) in ctx.meters.values() if a == area_id and e is not None}
        meter_ids = [mid for mid, (_e, a) in ctx.all_meters.items() if a == area_id]
        area_view = area_views[area_id]
        fields, _ends = _figures(ctx, area_view, ents, None, meter_ids)
        area = ctx.areas.get(area_id) if area_id is not None else None
        monthly = [
            (area_view.this[mo].tce if mo in area_view.this else 0.0) if mo <= ctx.month else None
            for mo in range(1, 13)
        ]
        areas.append(
            AreaFigures(**fields, area_id=area_id, name=area.name if area else None,
                        name_en=area.name_en if area else None, monthly_tce=monthly)
        )  # fmt: skip
    by_division: dict[str | None, set[int]] = defaultdict(set)
    for ent, key in division_of.items():
        by_division[key].add(ent)
    industries: list[IndustryFigures] = []
    for key, ents in sorted(by_division.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
        meter_ids = [mid for mid, (e, _a) in ctx.all_meters.items() if e in ents]
        fields, _ends = _figures(ctx, division_views[key], ents, None, meter_ids)
        _subject_yoy(fields, [e for e in enterprises if e.enterprise_id in ents], ctx.month)
        industries.append(
            IndustryFigures(**fields, industry_division=key, name=names.get(key), enterprises=len(ents))
        )
    industries.sort(key=lambda i: -i.ytd_tce)
    return ParkMonitoring(
        park_id=park_id, year=ctx.year, as_of=as_of, month=ctx.month, timezone=park.timezone,
        intensity_basis=ctx.basis, thresholds=_thresholds(ctx), park=Figures(**park_fields),
        carriers=_carriers(ctx, everything),
        months=_months(ctx, park_view, ctx.targets.get(None), park_ends),
        enterprises=enterprises, areas=areas, industries=industries,
        coefficients=list(ctx.windows.coefficients.values()), warnings=ctx.windows.warnings,
        notes=_notes(ctx), accounting_profile=_profile(ctx), period_differences=_period_differences(ctx),
    )  # fmt: skip


def _period_differences(ctx: _Context) -> list[PeriodDifference]:
    """Where this year's and last year's accounting differ under the same park profile: the GB/T 32150
    edition applied to each year and each metered carrier's coefficient (a grid factor published for
    another year). Relative differences below 1e-9 are rounding, not a difference."""
    y = ctx.year
    out: list[PeriodDifference] = []
    if ctx.options is not None:
        now, before = ctx.options.standard_for(y), ctx.options.standard_for(y - 1)
        if now != before:
            out.append(PeriodDifference(item="standard", this_year=now, last_year=before))
    by_year = {k: c for k, c in ctx.windows.coefficients.items() if k[0] != "activity"}
    for (carrier, unit, year, use), c in sorted(by_year.items(), key=lambda kv: str(kv[0])):
        prev = by_year.get((carrier, unit, year - 1, use))
        if year != y or prev is None:
            continue
        for item in ("tce_per_unit", "tco2e_per_unit"):
            a, b = c.get(item), prev.get(item)
            if a is None or b is None:
                continue
            if abs(a - b) > 1e-9 * max(abs(a), abs(b), 1e-30):
                out.append(PeriodDifference(item=item, carrier=carrier, unit=unit, this_year=a, last_year=b))
    return out


def _subject_yoy(fields: dict[str, Any], enterprises: list[EnterpriseFigures], months: int) -> None:
    """Year on year of a scope of enterprises over its comparable ones only
    (:func:`parkcarbon.core.dualcontrol.yoy_comparison`); ``fields`` say how many it covers."""

    def side(this: str, last: str) -> dualcontrol.YoYComparison:
        return dualcontrol.yoy_comparison(
            dualcontrol.SubjectYoY(
                subject_id=e.enterprise_id, this_value=getattr(e, this) or 0.0,
                last_value=getattr(e, last) or 0.0,
                last_months_with_data=round((e.last_year_coverage_pct or 0.0) * months / 100.0),
                months=months,
            )
            for e in enterprises
        )  # fmt: skip

    energy = side("ytd_to_cutoff_tce", "last_year_ytd_tce")
    carbon = side("ytd_to_cutoff_tco2e", "last_year_ytd_tco2e")
    fields.update(
        yoy_tce_pct=energy.pct, yoy_tco2e_pct=carbon.pct, yoy_subjects_covered=energy.covered,
        yoy_subjects=energy.subjects, yoy_comparable=energy.covered > 0,
        last_year_ytd_tce=energy.last_value if energy.covered else None,
        last_year_ytd_tco2e=carbon.last_value if carbon.covered else None,
    )  # fmt: skip


def _thresholds(ctx: _Context) -> list[Threshold]:
    values = {"key_energy_unit": ctx.key_unit_tce, "ets_emitter": ctx.ets_tco2e}
    out = []
    for t in THRESHOLDS:
        v = values[t.key]
        note = t.note if v == t.value else f"{t.note}; this park uses {v:,.0f} {t.unit}"
        out.append(t.model_copy(update={"value": v, "note": note}))
    return out


@dataclass(frozen=True)
class EnterpriseRunning:
    """One enterprise's running energy and carbon as the park computes them: the figures (YTD, MTD,
    projection, target) and the twelve months, with the coefficients' lineage and the warnings."""

    park_id: int
    timezone: str
    as_of: date
    figures: EnterpriseFigures
    months: list[MonthFigure]
    coefficients: list[dict[str, Any]]
    warnings: list[str]


def _enterprise_context(
    s: Session, db: Database, org: Organisation, year: int | None, as_of: date | None, now: datetime
) -> _Context:
    park = s.get(Park, org.park_id)
    if park is None:
        raise NotFound("park not found")
    as_of = resolve_as_of(ZoneInfo(park.timezone), year, as_of, now)
    return _load_context(s, db, park, as_of.year, as_of, org.id, now)


def enterprise_running(
    db: Database,
    enterprise_id: int,
    *,
    year: int | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
) -> EnterpriseRunning:
    """The running figures of one enterprise — the same computation as its row of
    :func:`park_monitoring` and :func:`enterprise_monitoring` (metered rollups plus unmetered activity
    data, the park's accounting profile, plan / seasonal / linear projection).

    Authorisation is the caller's: a service calls this only after checking that its principal may see
    the enterprise's totals (the enterprise end's carbon monitoring does; no route calls it directly).
    """
    now = now or datetime.now(UTC)
    with db.read() as s:
        org = s.get(Organisation, enterprise_id)
        if org is None or org.kind != OrgKind.ENTERPRISE:
            raise NotFound("enterprise not found")
        ctx = _enterprise_context(s, db, org, year, as_of, now)
    figures, ends = _enterprise_figures(ctx, enterprise_id)
    view = _view(ctx.windows, lambda e, a, c: e == enterprise_id, [enterprise_id])
    return EnterpriseRunning(
        park_id=ctx.park.id, timezone=ctx.park.timezone, as_of=ctx.as_of, figures=figures,
        months=_months(ctx, view, ctx.targets.get(enterprise_id), ends),
        coefficients=list(ctx.windows.coefficients.values()), warnings=list(ctx.windows.warnings),
    )  # fmt: skip


def enterprise_monitoring(
    db: Database,
    p: Principal,
    enterprise_id: int,
    *,
    year: int | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
) -> EnterpriseMonitoring:
    """One enterprise's monitoring figures, monthly series and (with its meter-data grant) its meters.

    Park supervision roles and the enterprise's members.
    """
    now = now or datetime.now(UTC)
    with db.read() as s:
        org = access.require_read_enterprise(s, p, enterprise_id)
        meter_rights = access.can_read_enterprise_data(s, p, org.park_id, org.id, GrantScope.METER_DATA)
        ctx = _enterprise_context(s, db, org, year, as_of, now)
        meter_rows = list(
            s.execute(
                select(Meter.id, Meter.code, Meter.name, Meter.carrier, Meter.unit, Meter.parent_id).where(
                    Meter.enterprise_id == enterprise_id, Meter.kind != "instant"
                )
            )
        )
    figures, ends = _enterprise_figures(ctx, enterprise_id)

    def mine(e: int | None, a: int | None, c: str) -> bool:
        return e == enterprise_id

    view = _view(ctx.windows, mine, [enterprise_id])

    meters: list[MeterFigure] | None = None
    note: str | None = None
    if meter_rights:
        meters = _meter_figures(db, ctx, enterprise_id, meter_rows, now)
    else:
        note = "the enterprise has not shared its meter data (meter_data grant) with you"
    return EnterpriseMonitoring(
        park_id=ctx.park.id, year=ctx.year, as_of=ctx.as_of, intensity_basis=ctx.basis, enterprise=figures,
        carriers=_carriers(ctx, mine, [enterprise_id]),
        months=_months(ctx, view, ctx.targets.get(enterprise_id), ends),
        meters=meters, meters_note=note, coefficients=list(ctx.windows.coefficients.values()),
        warnings=ctx.windows.warnings, accounting_profile=_profile(ctx),
    )  # fmt: skip


def _meter_figures(
    db: Database, ctx: _Context, enterprise_id: int, meter_rows: list[Any], now: datetime
) -> list[MeterFigure]:
    """Per meter: YTD and MTD consumption (every meter, sub-meters too) and MTD completeness."""
    y, m = ctx.year, ctx.month
    start, month_start = _local(date(y, 1, 1), ctx.tz), _local(date(y, m, 1), ctx.tz)
    end = _local(ctx.as_of + timedelta(days=1), ctx.tz)
    ytd: dict[int, list[float | None]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    mtd: dict[int, float] = defaultdict(float)
    for grain, a, b in (("month", start, month_start), ("day", month_start, end)):
        if b <= a:
            continue
        res = consumption_unchecked(
            db, ctx.park.id, grain=grain, start=a, end=b, group_by=("meter",),  # type: ignore[arg-type]
            enterprise_id=enterprise_id, options=ctx.options,
        )  # fmt: skip
        for r in res.data:
            if r.meter_id is None:
                continue
            acc = ytd[r.meter_id]
            acc[0] = (acc[0] or 0.0) + float(r.quantity or 0.0)
            acc[1] = None if acc[1] is None or r.tce is None else acc[1] + r.tce
            acc[2] = None if acc[2] is None or r.tco2e is None else acc[2] + r.tco2e
            if grain == "day":
                mtd[r.meter_id] += float(r.quantity or 0.0)
    qa, qb = month_start, min(end, now)
    with db.read() as s:
        quality = _completeness(s, [r[0] for r in meter_rows], qa, qb, now) if qb > qa else {}
    out = []
    for mid, code, name, carrier, unit, parent in meter_rows:
        acc = ytd.get(mid, [0.0, 0.0, 0.0])
        q = quality.get(mid)
        pct = (100.0 * q[0] / q[1]) if q and q[1] else None
        out.append(
            MeterFigure(
                meter_id=mid, code=code, name=name, carrier=carrier, unit=unit, parent_id=parent,
                ytd_quantity=acc[0] or 0.0, mtd_quantity=mtd.get(mid, 0.0),
                ytd_tce=acc[1] if parent is None else None, ytd_tco2e=acc[2] if parent is None else None,
                completeness_pct=pct, online=q[2] if q else None,
            )
        )  # fmt: skip
    out.sort(key=lambda f: (f.parent_id is not None, -(f.ytd_tce or 0.0), f.code or ""))
    return out


def power_curve(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    hours: int = 24,
    enterprise_id: int | None = None,
    now: datetime | None = None,
) -> PowerCurve:
    """Electricity drawn by the park (or one enterprise) per hour over the last ``hours`` hours, from the
    hourly rollups: kWh in an hour equals the mean kW over it."""
    now = now or datetime.now(UTC)
    if not 1 <= hours <= 24 * 14:
        raise InvalidInput.field("hours", "must be between 1 and 336")
    with db.read() as s:
        if enterprise_id is None:
            access.require_supervisor(s, p, park_id)
        else:
            org = access.require_read_enterprise(s, p, enterprise_id)
            if org.park_id != park_id:
                raise InvalidInput.field("enterprise_id", "no such enterprise in this park")
    end = now.replace(minute=0, second=0, microsecond=0)  # complete hours only: the running one is partial
    start = end - timedelta(hours=hours)
    res = consumption_unchecked(
        db, park_id, grain="hour", start=start, end=end, group_by=("carrier",), carrier="electricity",
        enterprise_id=enterprise_id,
    )  # fmt: skip
    points = []
    for r in res.data:
        if r.unit not in (None, "kWh"):
            continue
        points.append(
            PowerPoint(
                bucket=r.bucket, label=r.label, kwh=float(r.quantity or 0.0), estimated_kwh=r.estimated
            )
        )
    points.sort(key=lambda pt: pt.bucket)
    return PowerCurve(
        park_id=park_id, enterprise_id=enterprise_id, start=start, end=end, points=points,
        peak_kw=max((pt.kwh for pt in points), default=None),
        note="hourly electricity of top-level meters (export meters negative), complete hours only",
    )  # fmt: skip
