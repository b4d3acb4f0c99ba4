"""Energy services (综合能源服务): the balance of a park, area or enterprise, and day-ahead plans.

Who may do what (decided in :mod:`parkcarbon.services.access`, asked here):

* Enterprise balance — the enterprise's members and its ``meter_data`` grantees (meter-level data is
  the enterprise's, DESIGN "who owns what").
* Park or area balance — the park's supervision roles. An enterprise that has not granted
  ``meter_data`` to the park appears only as its boundary totals per carrier (one node per enterprise,
  unit and upstream meter), never by its sub-meters: the park sees what supervision needs.
* Enterprise dispatch plan — the enterprise's own members only: the plan is the enterprise's costs.
* Park dispatch plan (the park's shared assets and connection) — the park admin.

Quantities are the meters' daily totals (``meter_days``, in the meter's unit, multiplier applied at
intake) over park-local days ``[start, end)``; meters reading auxiliary units (kW, kvarh …) are left
out. Plans are computed, not stored yet (the MPC re-plan and stored plans are issue 17 §3, still open).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parkcarbon.core.carriers import measures_consumption
from parkcarbon.core.energy_system import (
    BalanceMeter,
    BasicCharge,
    Battery,
    Bill,
    DispatchProblem,
    EnergyBalance,
    EnergySystemError,
    EvSession,
    FlexibleLoad,
    GridConnection,
    PvArray,
    dispatch,
    energy_balance,
    step_tariff,
    tariff_coverage,
)
from parkcarbon.core.errors import AccountingError
from parkcarbon.core.options import AccountingOptions
from parkcarbon.services import access
from parkcarbon.services.energy.schemas import (
    BalanceLinePublic,
    BatteryPlanPublic,
    BillPublic,
    CarrierBalancePublic,
    CounterfactualPublic,
    DispatchPlan,
    DispatchRequest,
    EnergyBalancePublic,
    SankeyLinkPublic,
    SankeyNodePublic,
    SeriesPublic,
    TariffCoveragePublic,
    WarningPublic,
)
from parkcarbon.services.errors import InvalidInput
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import Area, GrantScope, Meter, MeterDay, Organisation, Park

__all__ = [
    "enterprise_balance",
    "enterprise_dispatch",
    "park_balance",
    "park_dispatch",
    "tariff_gaps",
]


def _invalid(exc: EnergySystemError) -> InvalidInput:
    field = exc.field or "request"
    return InvalidInput(
        str(exc), errors=[{"field": field, "reason": str(exc), "code": exc.code}], code=exc.code
    )


def _day_key(d: date, tz: ZoneInfo) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp())


def _check_period(start: date, end: date) -> None:
    if end <= start:
        raise InvalidInput.field(
            "end", "end must be after start (the period is [start, end))", code="input.range"
        )
    if (end - start).days > 366 * 5:
        raise InvalidInput.field("end", "the period is limited to five years", code="input.range")


def _totals(s: Session, meter_ids: list[int], a: int, b: int) -> dict[int, float]:
    if not meter_ids:
        return {}
    rows = s.execute(
        select(MeterDay.meter_id, func.sum(MeterDay.consumption))
        .where(MeterDay.meter_id.in_(meter_ids), MeterDay.day >= a, MeterDay.day < b)
        .group_by(MeterDay.meter_id)
    ).all()
    return {int(m): float(q or 0.0) for m, q in rows}


def _consumption_meter(m: Meter) -> bool:
    try:
        return measures_consumption(m.carrier, m.unit)
    except (KeyError, AccountingError):
        return False


def _to_public(
    bal: EnergyBalance,
    *,
    park_id: int,
    enterprise_id: int | None,
    area_id: int | None,
    start: date,
    end: date,
    totals_only: list[int],
) -> EnergyBalancePublic:
    return EnergyBalancePublic(
        park_id=park_id,
        enterprise_id=enterprise_id,
        area_id=area_id,
        start=start,
        end=end,
        unit=bal.unit,
        supply=bal.supply,
        exported=bal.exported,
        metered_use=bal.metered_use,
        remainder=bal.remainder,
        metered_share=bal.metered_share,
        closes=bal.closes,
        carriers=[
            CarrierBalancePublic(
                carrier=c.carrier,
                purchased=c.purchased,
                generated=c.generated,
                exported=c.exported,
                metered_use=c.metered_use,
                remainder=c.remainder,
                metered_share=c.metered_share,
                coefficient_tce_per_unit=c.coefficient_tce_per_unit,
                citations=sorted({lg.clause for lg in c.lineage}),
            )
            for c in bal.carriers
        ],
        lines=[
            BalanceLinePublic(**{k: getattr(ln, k) for k in BalanceLinePublic.model_fields})
            for ln in bal.lines
        ],
        sankey_nodes=[
            SankeyNodePublic(name=n.name, label_zh=n.label_zh, label_en=n.label_en, kind=n.kind)
            for n in bal.sankey.nodes
        ],
        sankey_links=[
            SankeyLinkPublic(source=k.source, target=k.target, value=k.value) for k in bal.sankey.links
        ],
        warnings=[WarningPublic(code=w.code, message=w.message) for w in bal.warnings],
        enterprises_as_totals=totals_only,
    )


def _balance(
    meters: list[Meter],
    totals: dict[int, float],
    names: dict[int, str],
    collapse: set[int],
    *,
    unit: str,
    year: int,
    options: AccountingOptions,
) -> EnergyBalance:
    by_id = {m.id: m for m in meters}
    out: list[BalanceMeter] = []
    groups: dict[tuple[int, str, str, int | None, str | None], float] = defaultdict(float)
    for m in meters:
        parent = m.parent_id if m.parent_id in by_id else None
        if m.enterprise_id is not None and m.enterprise_id in collapse:
            # only the enterprise's boundary meters (parent outside the enterprise) count, summed
            if parent is not None and by_id[parent].enterprise_id == m.enterprise_id:
                continue
            purpose = m.purpose if m.purpose in ("pv_generation", "export") else None
            groups[(m.enterprise_id, m.carrier, m.unit, parent, purpose)] += totals.get(m.id, 0.0)
            continue
        out.append(
            BalanceMeter(
                str(m.id),
                m.name,
                m.carrier,
                m.unit,
                totals.get(m.id, 0.0),
                None if parent is None else str(parent),
                m.purpose,
            )
        )
    for (ent, carrier, u, parent, purpose), q in groups.items():
        key = f"enterprise-{ent}-{carrier}-{u}-{parent}-{purpose or 'use'}"
        name = names.get(ent, f"#{ent}")
        up = None if parent is None else str(parent)
        if purpose is None and up is None:
            # a boundary total: the enterprise's incoming supply, used by the enterprise as one node
            out.append(BalanceMeter(key + "-in", f"{name}·进线", carrier, u, q, None, "main"))
            out.append(BalanceMeter(key, name, carrier, u, q, key + "-in", "enterprise_total"))
        else:
            out.append(BalanceMeter(key, name, carrier, u, q, up, purpose or "enterprise_total"))
    try:
        return energy_balance(out, unit=unit, year=year, options=options)  # type: ignore[arg-type]
    except EnergySystemError as exc:
        raise _invalid(exc) from exc


def enterprise_balance(
    db: Database, p: Principal, enterprise_id: int, *, start: date, end: date, unit: str = "tce"
) -> EnergyBalancePublic:
    """The enterprise's energy balance over park-local days [start, end) (its meters only)."""
    _check_period(start, end)
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.METER_DATA)
        park = s.get_one(Park, org.park_id)
        tz = ZoneInfo(park.timezone)
        meters = [
            m
            for m in s.scalars(select(Meter).where(Meter.park_id == park.id, Meter.enterprise_id == org.id))
            if _consumption_meter(m)
        ]
        totals = _totals(s, [m.id for m in meters], _day_key(start, tz), _day_key(end, tz))
        options = AccountingOptions(**(park.accounting_options or {}))
        bal = _balance(meters, totals, {}, set(), unit=unit, year=start.year, options=options)
        park_id, org_id = park.id, org.id
    return _to_public(
        bal, park_id=park_id, enterprise_id=org_id, area_id=None, start=start, end=end, totals_only=[]
    )


def _area_subtree(s: Session, park_id: int, area_id: int) -> set[int]:
    rows = s.execute(select(Area.id, Area.parent_id).where(Area.park_id == park_id)).all()
    if area_id not in {r[0] for r in rows}:
        raise InvalidInput.field("area_id", "no such area in this park", code="value.unknown_reference")
    kids: dict[int | None, list[int]] = defaultdict(list)
    for a, parent in rows:
        kids[parent].append(a)
    out, stack = set(), [area_id]
    while stack:
        a = stack.pop()
        if a not in out:
            out.add(a)
            stack.extend(kids.get(a, []))
    return out


def _in_area(meters: list[Meter], areas: set[int]) -> list[Meter]:
    """Meters in ``areas``: a meter without an area takes its nearest ancestor's (a sub-meter is where
    the meter it hangs from is)."""
    by_id = {m.id: m for m in meters}

    def area_of(m: Meter) -> int | None:
        seen: set[int] = set()
        cur: Meter | None = m
        while cur is not None and cur.area_id is None and cur.id not in seen:
            seen.add(cur.id)
            cur = by_id.get(cur.parent_id) if cur.parent_id is not None else None
        return cur.area_id if cur is not None else None

    return [m for m in meters if area_of(m) in areas]


def park_balance(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    start: date,
    end: date,
    unit: str = "tce",
    area_id: int | None = None,
) -> EnergyBalancePublic:
    """The park's (or an area's) energy balance; enterprises without a meter_data grant as totals."""
    _check_period(start, end)
    with db.read() as s:
        park = access.require_supervisor(s, p, park_id)
        tz = ZoneInfo(park.timezone)
        q = select(Meter).where(Meter.park_id == park_id)
        meters = [m for m in s.scalars(q) if _consumption_meter(m)]
        if area_id is not None:
            meters = _in_area(meters, _area_subtree(s, park_id, area_id))
        ents = {m.enterprise_id for m in meters if m.enterprise_id is not None}
        collapse = {
            e for e in ents if not access.can_read_enterprise_data(s, p, park_id, e, GrantScope.METER_DATA)
        }
        names = dict(
            s.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ents))).all()
        )
        totals = _totals(s, [m.id for m in meters], _day_key(start, tz), _day_key(end, tz))
        options = AccountingOptions(**(park.accounting_options or {}))
        bal = _balance(meters, totals, names, collapse, unit=unit, year=start.year, options=options)
    return _to_public(
        bal,
        park_id=park_id,
        enterprise_id=None,
        area_id=area_id,
        start=start,
        end=end,
        totals_only=sorted(collapse),
    )


def _problem(req: DispatchRequest, province: str) -> DispatchProblem:
    try:
        bc = req.basic_charge
        tariff = step_tariff(
            province,
            req.day,
            prices_cny_per_kwh={str(k): v for k, v in req.prices_cny_per_kwh.items()}
            if req.prices_cny_per_kwh is not None
            else None,
            export_cny_per_kwh=req.export_cny_per_kwh,
            basic_charge=BasicCharge(
                bc.basis, bc.price_cny_per_kw_month, bc.capacity_kva, bc.month_peak_so_far_kw, bc.document
            )
            if bc is not None
            else None,
            carbon_cny_per_tco2=req.carbon_cny_per_tco2,
            grid_factor_tco2_per_mwh=req.grid_factor_tco2_per_mwh,
        )
        return DispatchProblem(
            load_kw=tuple(req.load_kw),
            tariff=tariff,
            grid=GridConnection(req.import_limit_kw, req.export_limit_kw),
            pv=tuple(PvArray(a.id, tuple(a.profile_kw), a.kwp, a.curtailable) for a in req.pv),
            batteries=tuple(Battery(**b.model_dump()) for b in req.batteries),
            ev_sessions=tuple(EvSession(**e.model_dump()) for e in req.ev_sessions),
            flexible_loads=tuple(FlexibleLoad(**f.model_dump()) for f in req.flexible_loads),
        )
    except EnergySystemError as exc:
        raise _invalid(exc) from exc


def _bill(b: Bill) -> BillPublic:
    return BillPublic(**{k: getattr(b, k) for k in BillPublic.model_fields})


def _plan(req: DispatchRequest, park_id: int, enterprise_id: int | None, province: str) -> DispatchPlan:
    problem = _problem(req, province)
    try:
        r = dispatch(problem, battery_exclusive=req.battery_exclusive)
    except EnergySystemError as exc:
        raise _invalid(exc) from exc
    cf = r.counterfactual.bill
    why = (
        f"Plan {r.bill.total_cny:.2f} CNY vs {cf.total_cny:.2f} CNY unmanaged (no battery, EVs and flexible "
        f"loads at full power on arrival): saving {r.savings_cny:.2f} CNY — energy "
        f"{cf.energy_cny - r.bill.energy_cny:.2f}, demand {cf.demand_cny - r.bill.demand_cny:.2f}, carbon "
        f"{cf.carbon_cny - r.bill.carbon_cny:.2f}, "
        f"feed-in {r.bill.export_revenue_cny - cf.export_revenue_cny:.2f}, "
        f"battery wear −{r.bill.degradation_cny:.2f}."
    )
    t = problem.tariff
    return DispatchPlan(
        enterprise_id=enterprise_id,
        park_id=park_id,
        day=req.day,
        step_hours=t.step_hours,
        periods=list(t.periods),
        import_price_cny_per_kwh=list(t.import_cny_per_kwh),
        load_kw=list(r.load_kw),
        import_kw=list(r.import_kw),
        export_kw=list(r.export_kw),
        pv_kw=list(r.pv_kw),
        pv_curtailed_kw=list(r.pv_curtailed_kw),
        batteries=[
            BatteryPlanPublic(
                id=b,
                charge_kw=list(r.battery_charge_kw[b]),
                discharge_kw=list(r.battery_discharge_kw[b]),
                soc_kwh=list(r.battery_soc_kwh[b]),
            )
            for b in r.battery_charge_kw
        ],
        ev_sessions=[SeriesPublic(id=k, values=list(v)) for k, v in r.ev_kw.items()],
        flexible_loads=[SeriesPublic(id=k, values=list(v)) for k, v in r.flex_kw.items()],
        bill=_bill(r.bill),
        counterfactual=CounterfactualPublic(
            import_kw=list(r.counterfactual.import_kw),
            export_kw=list(r.counterfactual.export_kw),
            bill=_bill(cf),
        ),
        savings_cny=r.savings_cny,
        formulation=r.formulation,
        lp_relaxation_exact=r.lp_relaxation_exact,
        binding=list(r.binding),
        tariff_region=t.region,
        tariff_document=t.document,
        tariff_confidence=t.confidence,
        explanation=why,
    )


def enterprise_dispatch(db: Database, p: Principal, enterprise_id: int, req: DispatchRequest) -> DispatchPlan:
    """A day-ahead plan for the enterprise's own assets: its members only (the plan is its costs)."""
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_write(p, org)
        park = s.get_one(Park, org.park_id)
        province, park_id, org_id = park.province, org.park_id, org.id
    return _plan(req, park_id, org_id, province)


def park_dispatch(db: Database, p: Principal, park_id: int, req: DispatchRequest) -> DispatchPlan:
    """A day-ahead plan for the park's shared assets and connection: the park admin."""
    with db.read() as s:
        park = access.require_park_admin(s, p, park_id)
        province = park.province
    return _plan(req, park_id, None, province)


def tariff_gaps(p: Principal, on: date) -> list[TariffCoveragePublic]:
    """What the tariff library holds per province on ``on`` (any signed-in user)."""
    access.require_user(p)
    return [
        TariffCoveragePublic(**{k: getattr(c, k) for k in TariffCoveragePublic.model_fields})
        for c in tariff_coverage(on)
    ]
