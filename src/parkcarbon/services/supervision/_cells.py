"""The cells behind the monitoring figures: consumption of the rollup windows (this year, last year,
month-to-date comparisons) per month × enterprise × area × carrier, unmetered activity data spread
over its days, per-scope views of the cells, and meter completeness from the daily rollups.

Private to :mod:`parkcarbon.services.supervision.monitoring` (see its docstring for the rules).
"""

from __future__ import annotations

import calendar as _cal
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parkcarbon.core import (
    AccountingError,
    AccountingOptions,
    CalcInputError,
    calculate,
    dualcontrol,
    partial_coefficients,
)
from parkcarbon.services.metering.consumption import ConsumptionResult, consumption_unchecked
from parkcarbon.services.metering.quality import OFFLINE_MIN_S
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    ActivityRecord,
    Meter,
    MeterDay,
    MeterStatus,
)


@dataclass
class _Cell:
    qty: float = 0.0
    tce: float = 0.0
    tco2e: float = 0.0
    missing: bool = False
    unit: str | None = None
    n: int = 0  # readings (metered) or records (activity data) behind the cell
    #: electricity per flow (purchased, self_generated, exported): [quantity, tce, tCO2e]
    flows: dict[str, list[float]] = field(default_factory=dict)

    def add(
        self,
        qty: float,
        tce: float | None,
        tco2e: float | None,
        unit: str | None,
        n: int = 1,
        flows: dict[str, tuple[float, float | None, float | None]] | None = None,
    ) -> None:
        self.qty += qty
        self.n += n
        # tce and tCO2e count independently: a figure without a default factor does not drop the other
        if tce is None or tco2e is None:
            self.missing = True
        if tce is not None:
            self.tce += tce
        if tco2e is not None:
            self.tco2e += tco2e
        self.unit = self.unit or unit
        for name, (f_qty, f_tce, f_co2) in (flows or {}).items():
            acc = self.flows.setdefault(name, [0.0, 0.0, 0.0])
            acc[0] += f_qty
            acc[1] += f_tce or 0.0
            acc[2] += f_co2 or 0.0


@dataclass
class _Windows:
    """Consumption cells per (month, enterprise, area, carrier) of each window."""

    this: dict[tuple[int, int | None, int | None, str], _Cell] = field(default_factory=dict)
    last: dict[tuple[int, int | None, int | None, str], _Cell] = field(default_factory=dict)
    last_mtd: dict[tuple[int, int | None, int | None, str], _Cell] = field(default_factory=dict)
    prev_mtd: dict[tuple[int, int | None, int | None, str], _Cell] = field(default_factory=dict)
    #: this month to the comparison cutoff (the last full hour when the day is today)
    this_mtd: dict[tuple[int, int | None, int | None, str], _Cell] = field(default_factory=dict)
    clock: dualcontrol.ClockWindows | None = None
    coefficients: dict[tuple[str, str, int, str], dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    activity: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    _index: dict[str, dict[int | None, list[tuple[Any, _Cell]]]] = field(default_factory=dict)

    def cells(self, name: str, ents: Iterable[int | None] | None) -> Iterable[tuple[Any, _Cell]]:
        cells: dict[Any, _Cell] = getattr(self, name)
        if ents is None:
            return cells.items()
        index = self._index.get(name)
        if index is None:
            index = self._index[name] = defaultdict(list)
            for key, c in cells.items():
                index[key[1]].append((key, c))
        return [kc for e in ents for kc in index.get(e, ())]


Pred = Callable[[int | None, int | None, str], bool]


def _collect(
    target: dict[Any, _Cell], result: ConsumptionResult, w: _Windows, month_of: int | None = None
) -> None:
    for r in result.data:
        month = month_of or int(r.label[5:7])
        car = r.carrier or ""
        cell = target.setdefault((month, r.enterprise_id, r.area_id, car), _Cell())
        flows = {n: (f.quantity, f.tce, f.tco2e) for n, f in r.flows.get(car, {}).items()}
        cell.add(float(r.quantity or 0.0), r.tce, r.tco2e, r.unit, r.readings, flows)
    for c in result.coefficients:
        w.coefficients.setdefault((c.carrier, c.unit, c.year, c.use), c.model_dump())
    for text in result.warnings:
        if text not in w.warnings:
            w.warnings.append(text)


def _local(d: date, tz: ZoneInfo) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=tz)


def _next_month(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def _same_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _cal.monthrange(year, month)[1]))


def _windows(
    db: Database,
    park_id: int,
    tz: ZoneInfo,
    as_of: date,
    options: AccountingOptions,
    enterprise_id: int | None,
    *,
    now: datetime,
    is_today: bool = False,
) -> _Windows:
    """The consumption windows (a few queries over rollups). Only this year's window is split by
    carrier (the energy mix); last year's and the month-to-date comparisons need totals of
    enterprise × area only, which keeps their rows few.

    The comparisons run on :func:`parkcarbon.core.dualcontrol.same_clock_windows`: this month, the
    previous month and this month of last year, each to the same day and time (the last full hour
    when ``as_of`` is today)."""
    w = _Windows()
    y, m = as_of.year, as_of.month
    by_carrier = ("enterprise", "area", "carrier")
    totals = ("enterprise", "area")
    clock = dualcontrol.same_clock_windows(now.astimezone(tz).replace(tzinfo=None), as_of=as_of)
    w.clock = clock

    def run(grain: str, a: date, b: date, group: tuple[str, ...], target: dict[Any, _Cell]) -> None:
        if b <= a:
            return
        res = consumption_unchecked(
            db, park_id, grain=grain, start=_local(a, tz), end=_local(b, tz),  # type: ignore[arg-type]
            group_by=group, enterprise_id=enterprise_id, options=options,
        )  # fmt: skip
        _collect(target, res, w)

    def run_span(win: dualcontrol.Window, target: dict[Any, _Cell]) -> None:
        """Whole days from the daily rollups, the hours of a partial last day from the hourly ones
        (booked in the window's month)."""
        a, b = win.start.date(), win.end
        day_end = b.date()
        run("total", a, day_end, totals, target)
        if b > datetime(day_end.year, day_end.month, day_end.day):  # noqa: DTZ001  park-local wall clock
            start = _local(day_end, tz)
            res = consumption_unchecked(
                db, park_id, grain="hour", start=start, end=b.replace(tzinfo=tz),
                group_by=totals, enterprise_id=enterprise_id, options=options,
            )  # fmt: skip
            _collect(target, res, w, month_of=a.month)  # the window's month, whatever UTC day the hour has

    month_start = date(y, m, 1)
    if is_today:
        # the running month's rollup holds exactly the month to date: nothing after now exists
        run("month", date(y, 1, 1), _next_month(month_start), by_carrier, w.this)
    else:
        run("month", date(y, 1, 1), month_start, by_carrier, w.this)
        run("day", month_start, as_of + timedelta(days=1), by_carrier, w.this)
    run("month", date(y - 1, 1, 1), date(y, 1, 1), totals, w.last)
    run_span(clock.mtd, w.this_mtd)
    run_span(clock.last_mtd, w.last_mtd)
    run_span(clock.prev_mtd, w.prev_mtd)
    return w


def _overlap_days(a0: date, a1: date, b0: date, b1: date) -> int:
    """Days in both inclusive ranges."""
    return max(0, (min(a1, b1) - max(a0, b0)).days + 1)


_MEASURED = ("ncv", "ncv_unit", "carbon_content", "oxidation_rate")


def _activity_coefficient(
    w: _Windows,
    rec: ActivityRecord,
    year: int,
    region: str,
    options: AccountingOptions,
    profile: dict[str, Any],
) -> dict[str, Any]:
    """Per-unit tce/tCO2e of an activity record (cached; ``{}`` with a warning when impossible)."""
    measured = {k: getattr(rec, k) for k in _MEASURED if getattr(rec, k) is not None}
    key = (rec.carrier, rec.unit, year, rec.use or "", *sorted(measured.items()))
    if key in w.activity:
        return w.activity[key]
    coef: dict[str, Any] = {}
    try:
        if measured:
            act = {"id": "r", "carrier": rec.carrier, "quantity": 1.0, "unit": rec.unit, **measured}
            if rec.use:
                act["use"] = rec.use
            res = calculate({"year": year, "region": region, **profile, "activities": [act]})["results"][0]
            missing = [(m["figure"], m["reason"]) for m in res["missing"]]
            tce_u = None if res["tce"] is None else float(res["tce"])
            co2_u = None if res["tco2e"] is None else float(res["tco2e"])
            lineage = {
                "formula": res.get("formula"),
                "clause": res.get("clause"),
                "factors": res.get("factors"),
            }
        else:
            c = partial_coefficients(
                rec.carrier, rec.unit, year=year, region=region, options=options, use=rec.use
            )
            tce_u, co2_u, lineage = c.tce_per_unit, c.tco2e_per_unit, c.lineage.as_dict()
            missing = [(m.figure, m.reason) for m in c.missing]
        # one of tce / tCO2e without a default factor: the other still counts (issue 13 §5)
        for figure, reason in missing:
            text = f"no {figure} for activity data {rec.carrier} in {rec.unit} ({year}): {reason}"
            if text not in w.warnings:
                w.warnings.append(text)
    except (AccountingError, CalcInputError, KeyError, ValueError) as exc:
        text = f"no tce/tCO2e for activity data {rec.carrier} in {rec.unit} ({year}): {exc}"
        if text not in w.warnings:
            w.warnings.append(text)
    else:
        coef = {
            "carrier": rec.carrier, "unit": rec.unit, "year": year, "region": region,
            "use": rec.use or "default", "tce_per_unit": tce_u, "tco2e_per_unit": co2_u,
            "origin": "activity_data", "measured": measured, "lineage": lineage,
        }  # fmt: skip
        w.coefficients[("activity", *map(str, key))] = coef  # type: ignore[index]
    w.activity[key] = coef
    return coef


def _add_activity(
    w: _Windows,
    records: list[ActivityRecord],
    as_of: date,
    region: str,
    options: AccountingOptions,
    home: dict[int | None, int | None],
    profile: dict[str, Any],
) -> None:
    """Unmetered activity data (fuel deliveries, bills) spread evenly over the days of its period and
    booked in the enterprise's main area; tce and tCO2e per unit from the accounting engine with the
    record's measured parameters (NCV, carbon content, oxidation rate) where given."""
    y, m, d = as_of.year, as_of.month, as_of.day
    pm_year, pm = (y, m - 1) if m > 1 else (y - 1, 12)
    ranges: list[tuple[dict[Any, _Cell], int, date, date]] = [
        (w.this, mo, date(y, mo, 1), min(as_of, date(y, mo, _cal.monthrange(y, mo)[1])))
        for mo in range(1, m + 1)
    ]
    ranges += [
        (w.last, mo, date(y - 1, mo, 1), date(y - 1, mo, _cal.monthrange(y - 1, mo)[1]))
        for mo in range(1, 13)
    ]
    if w.clock is None:
        ranges.append((w.last_mtd, m, date(y - 1, m, 1), _same_day(y - 1, m, d)))
        ranges.append((w.prev_mtd, pm, date(pm_year, pm, 1), _same_day(pm_year, pm, d)))
    clocked: list[tuple[dict[Any, _Cell], int, dualcontrol.Window]] = []
    if w.clock is not None:  # the comparison windows, prorated by seconds on both sides alike
        clocked = [
            (w.this_mtd, m, w.clock.mtd),
            (w.last_mtd, m, w.clock.last_mtd),
            (w.prev_mtd, pm, w.clock.prev_mtd),
        ]
    for rec in records:
        p0, p1 = date.fromisoformat(rec.period_start), date.fromisoformat(rec.period_end)
        days = (p1 - p0).days + 1
        if days <= 0:
            continue
        period = dualcontrol.Window(  # park-local wall clock, like every window of core.dualcontrol
            datetime.combine(p0, time()), datetime.combine(p1, time()) + timedelta(days=1)
        )
        shares: list[tuple[dict[Any, _Cell], int, date, float]] = []
        for target, month, r0, r1 in ranges:
            n = _overlap_days(p0, p1, r0, r1)
            if n:
                shares.append((target, month, r0, rec.quantity * n / days))
        for target, month, win in clocked:
            q = dualcontrol.prorate(rec.quantity, period, win)
            if q:
                shares.append((target, month, win.start.date(), q))
        for target, month, r0, qty in shares:
            coef = _activity_coefficient(w, rec, r0.year, region, options, profile)
            tce: float | None = None
            tco2e: float | None = None
            if coef:
                k_tce, k_co2 = coef["tce_per_unit"], coef["tco2e_per_unit"]
                tce = None if k_tce is None else qty * k_tce
                tco2e = None if k_co2 is None else qty * k_co2
            cell = target.setdefault(
                (month, rec.enterprise_id, home.get(rec.enterprise_id), rec.carrier), _Cell()
            )
            # quantities of another unit than the carrier's metered unit are not added to it; an export
            # is deducted from the quantity as from its tce (the quantity beside a tce is its basis)
            same_unit = cell.unit in (None, rec.unit)
            signed = -qty if rec.use == "exported" else qty
            flows = None
            if rec.carrier == "electricity" and same_unit:
                flow = "exported" if rec.use == "exported" else "purchased"
                flows = {flow: (qty, tce, tco2e)}
            cell.add(signed if same_unit else 0.0, tce, tco2e, rec.unit, flows=flows)


@dataclass
class _View:
    """One scope's cells of every window, aggregated per month and per (enterprise, month)."""

    this: dict[int, _Cell] = field(default_factory=lambda: defaultdict(_Cell))
    this_ent: dict[tuple[int | None, int], _Cell] = field(default_factory=lambda: defaultdict(_Cell))
    last: dict[int, _Cell] = field(default_factory=lambda: defaultdict(_Cell))
    last_ent: dict[tuple[int | None, int], _Cell] = field(default_factory=lambda: defaultdict(_Cell))
    last_mtd: _Cell = field(default_factory=_Cell)
    prev_mtd: _Cell = field(default_factory=_Cell)
    this_mtd: _Cell = field(default_factory=_Cell)
    has_last: bool = False
    has_prev: bool = False

    def total(self, which: dict[int, _Cell], months: Iterable[int] | None = None) -> _Cell:
        out = _Cell()
        for month, c in which.items():
            if months is None or month in months:
                _merge(out, c)
        return out


def _merge(into: _Cell, c: _Cell) -> None:
    into.qty += c.qty
    into.tce += c.tce
    into.tco2e += c.tco2e
    into.missing = into.missing or c.missing
    into.unit = into.unit or c.unit
    into.n += c.n
    for name, (f_qty, f_tce, f_co2) in c.flows.items():
        acc = into.flows.setdefault(name, [0.0, 0.0, 0.0])
        acc[0] += f_qty
        acc[1] += f_tce
        acc[2] += f_co2


WINDOWS = ("this", "last", "last_mtd", "prev_mtd", "this_mtd")


def _add_cell(v: _View, name: str, month: int, ent: int | None, c: _Cell) -> None:
    if name == "this":
        _merge(v.this[month], c)
        _merge(v.this_ent[(ent, month)], c)
    elif name == "last":
        v.has_last = True
        _merge(v.last[month], c)
        _merge(v.last_ent[(ent, month)], c)
    elif name == "last_mtd":
        v.has_last = True
        _merge(v.last_mtd, c)
    elif name == "this_mtd":
        _merge(v.this_mtd, c)
    else:
        v.has_prev = True
        _merge(v.prev_mtd, c)


def _view(w: _Windows, pred: Pred, ents: Iterable[int | None] | None = None) -> _View:
    """Filter the windows once for a scope (``ents``: look only at these enterprises' cells)."""
    v = _View()
    for name in WINDOWS:
        for key, c in w.cells(name, ents):
            month, ent, area, car = key
            if pred(ent, area, car):
                _add_cell(v, name, month, ent, c)
    return v


def _all_views(
    w: _Windows, division_of: dict[int, str | None]
) -> tuple[_View, dict[int | None, _View], dict[int | None, _View], dict[str | None, _View]]:
    """The views of the park, every enterprise, area and industry division in one pass over the cells."""
    park = _View()
    ents: dict[int | None, _View] = defaultdict(_View)
    areas: dict[int | None, _View] = defaultdict(_View)
    divisions: dict[str | None, _View] = defaultdict(_View)
    for name in WINDOWS:
        cells: dict[Any, _Cell] = getattr(w, name)
        if name == "this":  # the views need no carrier split: collapse it first
            collapsed: dict[Any, _Cell] = defaultdict(_Cell)
            for (month, ent, area, _car), c in cells.items():
                _merge(collapsed[(month, ent, area, "")], c)
            cells = collapsed
        for (month, ent, area, _car), c in cells.items():
            _add_cell(park, name, month, ent, c)
            _add_cell(ents[ent], name, month, ent, c)
            _add_cell(areas[area], name, month, ent, c)
            if ent in division_of:
                _add_cell(divisions[division_of[ent]], name, month, ent, c)
    return park, ents, areas, divisions


def _completeness(
    s: Session, meter_ids: list[int], start: datetime, end: datetime, now: datetime
) -> dict[int, tuple[int, int, bool]]:
    """Per meter ``(received, expected, online)`` over ``[start, end)`` (``start`` a local midnight).

    :func:`parkcarbon.core.dualcontrol.completeness` (energy registers only, each against its own
    typical interval; online = data within max(3 × interval, 15 min)), counted from the daily rollups:
    the days from ``start`` up to the day holding ``end`` (readings after ``end`` do not exist when
    ``end`` is now; when it is a midnight the days end there).
    """
    if not meter_ids:
        return {}
    a, b, now_s = int(start.timestamp()), int(end.timestamp()), int(now.timestamp())
    received: dict[int, int] = defaultdict(int)
    status: dict[int, tuple[int | None, int | None]] = {}
    kinds: dict[int, str] = {}
    for chunk in range(0, len(meter_ids), 900):
        ids = meter_ids[chunk : chunk + 900]
        q = (
            select(MeterDay.meter_id, func.sum(MeterDay.readings))
            .where(MeterDay.meter_id.in_(ids), MeterDay.day >= a, MeterDay.day < b)
            .group_by(MeterDay.meter_id)
        )
        for mid, n in s.execute(q):
            received[mid] = int(n or 0)
        q2 = select(MeterStatus.meter_id, MeterStatus.interval_s, MeterStatus.last_seen_at).where(
            MeterStatus.meter_id.in_(ids)
        )
        status.update({mid: (interval, seen) for mid, interval, seen in s.execute(q2)})
        for mid, kind in s.execute(select(Meter.id, Meter.kind).where(Meter.id.in_(ids))):
            kinds[mid] = kind
    cadences = [
        dualcontrol.MeterCadence(
            meter_id=mid, kind=kinds.get(mid, "register"), interval_s=status.get(mid, (None, None))[0],
            received=received.get(mid, 0), last_seen_s=status.get(mid, (None, None))[1],
        )
        for mid in meter_ids
    ]  # fmt: skip
    result = dualcontrol.completeness(cadences, start_s=a, end_s=b, now_s=now_s, offline_min_s=OFFLINE_MIN_S)
    # meters not counted (instantaneous, event) answer (0, 0, online): no expectation, never offline
    out: dict[int, tuple[int, int, bool]] = dict.fromkeys(meter_ids, (0, 0, True))
    for mid, got, exp, online in result.per_meter:
        out[mid] = (got, exp, online)
    return out
