"""Consumption queries over rollups (用能汇总) — the API the cockpit and reports call.

:func:`consumption` answers "how much, of what, by whom, when" for a park from the hourly, daily and
monthly rollups (never from raw readings), grouped by any of ``enterprise``, ``area``, ``carrier``
and ``meter``, in physical units, tce and tCO2e. tce and tCO2e come from the accounting engine
(:func:`parkcarbon.core.activity_coefficients` for the carrier, unit, the bucket's year and the
park's province); every coefficient used is returned with its lineage (factors, sources, formula).

Rules
-----
* Totals count **top-level meters only** (``parent_id`` empty): sub-meters measure part of what their
  parent measures. Grouping by ``meter`` lists every meter.
* Instant meters (kW, V …) are not consumption and are left out.
* The park's accounting profile (``parks.accounting_options``: guideline, grid-factor basis, choices)
  is the default of every figure; ``accounting_profile`` names the profile used (issue 13 §4).
* Meters with purpose ``export`` count as exported energy (negative tce/tCO2e, GB/T 32150 deduction);
  ``pv_generation`` meters carry no tce/tCO2e (own generation, already netted in the main meter).
  Electricity is reported per flow (``flows``: purchased, self_generated, exported, each with the
  tce/tCO2e computed from it); a row's ``quantity`` is the quantity its tce was computed from
  (purchased − exported; PV generation only in ``flows``). Meter rows keep the meter's own reading
  and say its ``flow``.
* tce (GB/T 2589-2020) and tCO2e are computed independently (:func:`parkcarbon.core.
  partial_coefficients`): a side without a default factor is null and ``missing`` says why (water,
  an energy-consuming medium, has no tce unless the profile chooses ``water_coefficient``).
* Intervals flagged ``negative``/``jump`` are excluded (reported as ``flagged``).
* Authorisation: park staff and regulators see every enterprise's aggregates; enterprise members their
  own enterprise; other organisations the enterprises that granted them ``meter_data``. Grouping by
  meter needs meter-data rights for the enterprise (``enterprise_id`` required unless platform admin).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parkcarbon.core import AccountingError, AccountingOptions, partial_coefficients
from parkcarbon.core.carriers import CARRIERS
from parkcarbon.core.options import CHOICE_POINTS
from parkcarbon.core.units import conversion_factor
from parkcarbon.ingest.keys import pack_key, unpack_key
from parkcarbon.ingest.pipeline import GRAIN_DAY, GRAIN_HOUR, GRAIN_MONTH
from parkcarbon.services import access
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.intake.readings import get_meter_for_data
from parkcarbon.services.intake.schemas import MeterConsumption, RollupPoint
from parkcarbon.services.principal import Principal
from parkcarbon.store import timeseries as ts_store
from parkcarbon.store.db import Database
from parkcarbon.store.models import GrantScope, Meter, MeterDay, MeterHours, MeterRollup, Park
from parkcarbon.store.models.readings import (
    HOUR_READINGS,
    HOUR_SLOTS,
    decode_hours,
    decode_hours_many,
)

__all__ = [
    "AccountingProfileUsed",
    "ConsumptionResult",
    "ConsumptionRow",
    "ProfileDifference",
    "consumption",
    "meter_consumption",
    "profile_differences",
    "profile_used",
]

GRAINS = {"hour": GRAIN_HOUR, "day": GRAIN_DAY, "month": GRAIN_MONTH}
GroupKey = Literal["enterprise", "area", "carrier", "meter"]
MAX_BUCKETS = 20_000


class Quantity(BaseModel):
    quantity: float
    unit: str


#: Electricity flows reported apart (purpose of the meter → flow).
Flow = Literal["purchased", "self_generated", "exported"]


def _flow(purpose: str | None) -> Flow:
    if purpose == "export":
        return "exported"
    if purpose == "pv_generation":
        return "self_generated"
    return "purchased"


class FlowFigure(BaseModel):
    """One electricity flow of a row: the quantity and the tce / tCO2e computed from it."""

    quantity: float = Field(description="physical quantity of the flow (positive) in the carrier's unit")
    unit: str
    tce: float | None = Field(description="coal equivalent of the flow [tce]; exports negative")
    tco2e: float | None = Field(description="emissions of the flow [tCO2e]; exports negative")
    note: str | None = None


class MissingFigureOut(BaseModel):
    """A figure of a row that is null, and why (no default factor, or no tce by the standard)."""

    carrier: str
    figure: Literal["tce", "tco2e"]
    reason: str
    code: str


class AccountingProfileUsed(BaseModel):
    """The accounting profile (核算口径) behind a figure: where it came from and what it chose."""

    source: Literal["park", "request", "inventory"] = Field(
        description="park: the park's accounting profile (the default of every figure); request: "
        "options given by the caller; inventory: the options the inventory was calculated with"
    )
    options: dict[str, Any] = Field(
        description="the AccountingOptions fields that differ from the engine's defaults"
    )
    electricity_factor: str
    guideline: str | None
    standard: str | None = Field(description="GB/T 32150 edition; null: the edition in force in the year")
    energy_basis: str
    gwp: str


_PLAIN = AccountingOptions()


class ProfileDifference(BaseModel):
    """An accounting option on which a figure's profile differs from the park's."""

    option: str
    used: Any
    park: Any


def profile_differences(
    used: AccountingOptions, park: AccountingOptions, year: int
) -> list[ProfileDifference]:
    """Options where ``used`` differs from the park's profile (the GB/T 32150 edition compared as
    applied in ``year``): why an inventory and the monitoring of the same enterprise-year differ."""
    out = []
    for k in AccountingOptions.field_names():
        a, b = getattr(used, k), getattr(park, k)
        if k == "standard":
            a, b = used.standard_for(year), park.standard_for(year)
        elif k in CHOICE_POINTS:  # unset = the choice point's default
            a, b = used.choice(k)[0], park.choice(k)[0]
        if a != b:
            out.append(ProfileDifference(option=k, used=a, park=b))
    return out


def profile_used(
    options: AccountingOptions, source: Literal["park", "request", "inventory"]
) -> AccountingProfileUsed:
    """Describe ``options`` (the fields that differ from the engine defaults and the main choices)."""
    chosen = {
        k: getattr(options, k)
        for k in AccountingOptions.field_names()
        if getattr(options, k) != getattr(_PLAIN, k)
    }
    return AccountingProfileUsed(
        source=source, options=chosen, electricity_factor=options.electricity_factor,
        guideline=options.guideline, standard=options.standard, energy_basis=options.energy_basis,
        gwp=options.gwp,
    )  # fmt: skip


class ConsumptionRow(BaseModel):
    bucket: datetime = Field(description="start of the bucket (UTC)")
    label: str = Field(
        description="the bucket in the park's local time (2026-11-23 08:00, 2026-11-23, 2026-11)"
    )
    enterprise_id: int | None = None
    area_id: int | None = None
    carrier: str | None = None
    meter_id: int | None = None
    quantity: float | None = Field(
        default=None,
        description="physical quantity when grouped by carrier/meter: the quantity tce and tCO2e were "
        "computed from (electricity: purchased − exported; own PV generation is in flows only); a "
        "meter row holds the meter's own measured quantity (its flow says how it counts)",
    )
    unit: str | None = None
    quantities: dict[str, Quantity] = Field(
        description="per carrier, the quantity tce and tCO2e were computed from (as quantity)"
    )
    tce: float | None = Field(description="coal equivalent [tce]; null if a coefficient is missing")
    tco2e: float | None = Field(description="emissions [tCO2e]; null if a coefficient is missing")
    estimated: float = Field(description="part of the physical quantity that is estimated (carrier units)")
    readings: int
    flagged: int = Field(description="intervals excluded from totals (negative / impossible jump)")
    flows: dict[str, dict[str, FlowFigure]] = Field(
        default_factory=dict,
        description="electricity per carrier and flow: purchased (grid), self_generated (PV, no tce: "
        "already netted in the main meter) and exported (deducted), each with its own tce/tCO2e",
    )
    flow: Flow | None = Field(default=None, description="meter rows: how the meter's quantity counts")
    missing: list[MissingFigureOut] = Field(
        default_factory=list, description="why tce or tco2e is null (one entry per carrier and figure)"
    )


class CoefficientUse(BaseModel):
    carrier: str
    unit: str
    year: int
    region: str
    use: str
    tce_per_unit: float | None = Field(description="null: no tce (see missing)")
    tco2e_per_unit: float | None = Field(description="null: no default emission factor (see missing)")
    scope: int | None
    lineage: dict[str, Any]
    missing: list[MissingFigureOut] = Field(default_factory=list)


class ConsumptionResult(BaseModel):
    park_id: int
    grain: Literal["hour", "day", "month", "total"]
    start: datetime
    end: datetime
    timezone: str
    group_by: list[str]
    data: list[ConsumptionRow]
    coefficients: list[CoefficientUse]
    warnings: list[str]
    accounting_profile: AccountingProfileUsed | None = Field(
        default=None, description="the accounting profile tce and tCO2e were computed with"
    )


def _readable_enterprises(s: Session, p: Principal, park_id: int) -> set[int] | None:
    """Enterprises whose aggregates ``p`` may see in the park; ``None`` = all."""
    if access.is_supervisor(p, park_id):
        return None
    own = set(access.member_enterprises(p, park_id))
    ents = s.scalars(select(Meter.enterprise_id).where(Meter.park_id == park_id).distinct()).all()
    granted = {
        e for e in ents
        if e is not None and e not in own
        and access.can_read_enterprise_data(s, p, park_id, e, GrantScope.METER_DATA)
    }  # fmt: skip
    return own | granted


def _label(bucket: int, grain: int, tz: ZoneInfo) -> tuple[str, int]:
    local = datetime.fromtimestamp(bucket, tz)
    if grain == GRAIN_HOUR:
        return local.strftime("%Y-%m-%d %H:00"), local.year
    if grain == GRAIN_DAY:
        return local.strftime("%Y-%m-%d"), local.year
    return local.strftime("%Y-%m"), local.year


def consumption(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    grain: Literal["hour", "day", "month", "total"],
    start: datetime,
    end: datetime,
    group_by: tuple[str, ...] = ("carrier",),
    enterprise_id: int | None = None,
    carrier: str | None = None,
    options: AccountingOptions | None = None,
) -> ConsumptionResult:
    """Consumption of a park per bucket and group, in physical units, tce and tCO2e.

    Parameters
    ----------
    park_id
        The park.
    grain
        ``hour`` (UTC hours), ``day`` or ``month`` (park-local); ``total``: one bucket per group for
        the whole period (the days of ``[start, end)`` summed, labelled with the first day).
    start, end
        Buckets starting in ``[start, end)``.
    group_by
        Any of ``enterprise``, ``area``, ``carrier``, ``meter`` (empty: the park total per bucket).
    enterprise_id, carrier
        Filters.
    options
        Accounting options (standard, grid factor method …); defaults of the engine otherwise.

    Returns
    -------
    ConsumptionResult
        Rows per bucket and group, the coefficients used with lineage, and warnings (missing factors).
    """
    access.require_park_visible(p, park_id)
    with db.read() as s:
        readable = _readable_enterprises(s, p, park_id)
        if enterprise_id is not None and readable is not None and enterprise_id not in readable:
            raise Forbidden("the enterprise has not shared its meter data with you")
        if "meter" in group_by and not p.is_platform_admin:
            if enterprise_id is None:
                raise InvalidInput.field("enterprise_id", "is required when grouping by meter")
            if not access.can_read_enterprise_data(s, p, park_id, enterprise_id, GrantScope.METER_DATA):
                raise Forbidden("the enterprise has not shared its meter data with you")
    return consumption_unchecked(
        db, park_id, grain=grain, start=start, end=end, group_by=group_by, enterprise_id=enterprise_id,
        carrier=carrier, options=options, readable=readable,
    )  # fmt: skip


def consumption_unchecked(
    db: Database,
    park_id: int,
    *,
    grain: Literal["hour", "day", "month", "total"],
    start: datetime,
    end: datetime,
    group_by: tuple[str, ...] = ("carrier",),
    enterprise_id: int | None = None,
    carrier: str | None = None,
    options: AccountingOptions | None = None,
    readable: set[int] | None = None,
) -> ConsumptionResult:
    """:func:`consumption` without the access check: for services that made their own (internal only).

    ``readable`` limits the enterprises counted (``None``: all of the park).
    """
    unknown = [g for g in group_by if g not in ("enterprise", "area", "carrier", "meter")]
    if unknown:
        raise InvalidInput.field(
            "group_by", f"unknown grouping {unknown}; use enterprise, area, carrier, meter"
        )
    total = grain == "total"
    g = GRAINS["day" if total else grain]
    a, b = int(start.timestamp()), int(end.timestamp())
    if b <= a:
        raise InvalidInput.field("end", "must be after start")
    span_buckets = (b - a) / {GRAIN_HOUR: 3600, GRAIN_DAY: 86400, GRAIN_MONTH: 86400 * 28}[g]
    if span_buckets > MAX_BUCKETS:
        raise InvalidInput.field(
            "start", f"the period has more than {MAX_BUCKETS} {grain} buckets; use a coarser grain"
        )
    with db.read() as s:
        park = s.get(Park, park_id)
        if park is None:
            raise NotFound("park not found")
        by_meter = "meter" in group_by
        dims = [Meter.enterprise_id, Meter.area_id, Meter.carrier, Meter.unit, Meter.purpose]
        if by_meter:
            dims.append(Meter.id)
        filters = [Meter.park_id == park_id, Meter.kind != "instant"]
        if not by_meter:
            filters.append(Meter.parent_id.is_(None))
        if enterprise_id is not None:
            filters.append(Meter.enterprise_id == enterprise_id)
        elif readable is not None:
            filters.append(Meter.enterprise_id.in_(readable or {-1}))
        if carrier is not None:
            filters.append(Meter.carrier == carrier)
        if g == GRAIN_HOUR:
            rows = _hour_rows(s, dims, filters, a, b, by_meter)
        elif g == GRAIN_DAY:
            rows = _day_rows(s, dims, filters, a, b)
            if total:
                rows = _collapse(rows, a)
        else:
            table = MeterDay if g == GRAIN_DAY else MeterRollup
            bucket = MeterDay.day if g == GRAIN_DAY else MeterRollup.bucket
            query = (
                select(
                    bucket,
                    *dims,
                    func.sum(table.consumption),
                    func.sum(table.estimated),
                    func.sum(table.readings),
                    func.sum(table.flagged),
                )
                .select_from(Meter)
                .join(table, table.meter_id == Meter.id)
                .where(*filters, bucket >= a, bucket < b)
                .group_by(bucket, *dims)
            )
            if g == GRAIN_MONTH:
                query = query.where(MeterRollup.grain == GRAIN_MONTH)
            rows = list(s.execute(query).all())
        park_info = _ParkInfo(park.id, park.timezone, park.province)
        park_options = AccountingOptions(**(park.accounting_options or {}))
    # the park's accounting profile is the default of every figure (issue 13 §4)
    used = profile_used(
        options or park_options, "park" if options is None or options == park_options else "request"
    )
    result = _assemble(park_info, grain, g, start, end, group_by, rows, by_meter, options or park_options)
    result.accounting_profile = used
    return result


def _collapse(rows: list[tuple[Any, ...]], bucket: int) -> list[tuple[Any, ...]]:
    """Day rows ``(day, *dims, consumption, estimated, readings, flagged)`` summed over the days."""
    sums: dict[tuple[Any, ...], list[float]] = {}
    for r in rows:
        acc = sums.setdefault(tuple(r[1:-4]), [0.0, 0.0, 0, 0])
        for i, v in enumerate(r[-4:]):
            acc[i] += v or 0
    return [(bucket, *dims, *acc) for dims, acc in sums.items()]


def _day_rows(s: Session, dims: list[Any], filters: list[Any], a: int, b: int) -> list[tuple[Any, ...]]:
    """Daily buckets summed per group of meters (the database groups on one integer key)."""
    meters = s.execute(select(Meter.id, *dims).where(*filters)).all()
    groups: dict[tuple[Any, ...], int] = {}
    group_of = {r[0]: groups.setdefault(tuple(r[1:]), len(groups)) for r in meters}
    if len(groups) >= 1 << 16:  # pragma: no cover - more groups than an integer key holds
        raise InvalidInput.field("group_by", "too many groups; filter by enterprise or carrier")
    keys = list(groups)
    return [
        (day, *keys[g], cons, est, round(n or 0), round(f or 0))
        for day, g, cons, est, n, f in ts_store.day_totals_by_group(s.connection(), group_of, a, b)
    ]


#: Hours since the window start, beside the group index, in a packed key (2^32 hours: any window).
_HOUR_INDEX_BITS = 32


def _hour_rows(
    s: Session, dims: list[Any], filters: list[Any], a: int, b: int, by_meter: bool
) -> list[tuple[Any, ...]]:
    """Hourly buckets in ``[a, b)`` expanded from the hourly vectors, summed per group (vectorised)."""
    query = (
        select(MeterHours.day, MeterHours.hours, *dims)
        .select_from(Meter)
        .join(MeterHours, MeterHours.meter_id == Meter.id)
        .where(*filters, MeterHours.day >= a - 2 * 86400, MeterHours.day < b)
    )
    rows = s.execute(query).all()
    if not rows:
        return []
    groups: dict[tuple[Any, ...], int] = {}
    gid = np.fromiter(
        (groups.setdefault(tuple(r[2:]), len(groups)) for r in rows), dtype=np.int64, count=len(rows)
    )
    days = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vec = decode_hours_many(r[1] for r in rows)
    buckets = days[:, None] + 3600 * np.arange(HOUR_SLOTS)[None, :]
    inside = (buckets >= a) & (buckets < b) & (vec[:, HOUR_READINGS, :] != 0)
    r_idx, k_idx = np.nonzero(inside)
    key = pack_key(gid[r_idx], (buckets[r_idx, k_idx] - a) // 3600, _HOUR_INDEX_BITS)
    uniq, inv = np.unique(key, return_inverse=True)
    sums = [np.bincount(inv, weights=vec[r_idx, q, k_idx], minlength=uniq.size) for q in range(4)]
    keys = list(groups)
    out: list[tuple[Any, ...]] = []
    u_group, u_hour = unpack_key(uniq, _HOUR_INDEX_BITS)
    for i, (g, h) in enumerate(zip(u_group.tolist(), u_hour.tolist(), strict=True)):
        out.append((a + 3600 * h, *keys[g], sums[0][i], sums[1][i], round(sums[2][i]), round(sums[3][i])))
    return out


@dataclass(frozen=True)
class _ParkInfo:
    id: int
    timezone: str
    province: str


def _assemble(
    park: _ParkInfo,
    grain: Literal["hour", "day", "month", "total"],
    g: int,
    start: datetime,
    end: datetime,
    group_by: tuple[str, ...],
    rows: list[Any],
    by_meter: bool,
    options: AccountingOptions,
) -> ConsumptionResult:
    tz = ZoneInfo(park.timezone)
    warnings: list[str] = []
    coeffs: dict[tuple[str, str, int, str], CoefficientUse | None] = {}
    # the output unit of each carrier: the unit most of its meters use
    unit_votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        unit_votes[r[3]][r[4]] += 1
    out_unit = {c: max(v.items(), key=lambda kv: (kv[1], kv[0]))[0] for c, v in unit_votes.items()}
    labels: dict[int, tuple[str, int]] = {}
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        bucket, ent, area, car, unit, purpose = r[:6]
        mid = r[6] if by_meter else None
        cons, est, nread, nflag = r[-4:]
        if bucket not in labels:
            labels[bucket] = _label(int(bucket), g, tz)
        label, year = labels[bucket]
        flow = _flow(purpose)
        use = "exported" if flow == "exported" else None
        coef = _coefficient(coeffs, warnings, car, unit, year, park.province, use, options)
        try:
            k = conversion_factor(unit, out_unit[car]) if unit != out_unit[car] else 1.0
        except AccountingError:
            k, out_unit_c = 1.0, unit
        else:
            out_unit_c = out_unit[car]
        key = (
            bucket,
            ent if "enterprise" in group_by or by_meter else None,
            area if "area" in group_by else None,
            car if "carrier" in group_by or by_meter else None,
            mid,
        )
        grp = groups.get(key)
        if grp is None:
            grp = groups[key] = {
                "quantities": defaultdict(float), "units": {}, "tce": 0.0, "tco2e": 0.0,
                "estimated": 0.0, "readings": 0, "flagged": 0, "missing": {}, "label": label,
                "flows": {}, "flow": flow if by_meter else None,
            }  # fmt: skip
        q = float(cons or 0.0)
        grp["units"][car] = out_unit_c
        grp["readings"] += int(nread or 0)
        grp["flagged"] += int(nflag or 0)
        tce: float | None = 0.0
        tco2e: float | None = 0.0
        if flow != "self_generated":  # own generation: already netted in the main meter
            if coef is None:
                tce = tco2e = None
                for fig in ("tce", "tco2e"):
                    grp["missing"].setdefault(
                        (car, fig), (f"no coefficient for {car} in {unit}", "input.invalid")
                    )
            else:
                tce = None if coef.tce_per_unit is None else q * coef.tce_per_unit
                tco2e = None if coef.tco2e_per_unit is None else q * coef.tco2e_per_unit
                for m in coef.missing:
                    grp["missing"].setdefault((car, m.figure), (m.reason, m.code))
            # the accounted quantity: what tce was computed from (exports deducted; a meter row keeps
            # the meter's own measurement, its flow says how it counts)
            sign = -1.0 if flow == "exported" and not by_meter else 1.0
            grp["quantities"][car] += sign * q * k
            grp["estimated"] += sign * float(est or 0.0) * k
            grp["tce"] = None if grp["tce"] is None or tce is None else grp["tce"] + tce
            grp["tco2e"] = None if grp["tco2e"] is None or tco2e is None else grp["tco2e"] + tco2e
        elif by_meter:
            grp["quantities"][car] += q * k
            grp["estimated"] += float(est or 0.0) * k
        else:
            grp["quantities"].setdefault(car, 0.0)
        if car in CARRIERS and CARRIERS[car].kind == "electricity":
            fl = grp["flows"].setdefault(car, {})
            f = fl.get(flow)
            if f is None:
                f = fl[flow] = {"quantity": 0.0, "tce": 0.0, "tco2e": 0.0}
            f["quantity"] += q * k
            f["tce"] = None if f["tce"] is None or tce is None else f["tce"] + tce
            f["tco2e"] = None if f["tco2e"] is None or tco2e is None else f["tco2e"] + tco2e
    data: list[ConsumptionRow] = []

    def order(kv: tuple[tuple[Any, ...], Any]) -> tuple[Any, ...]:  # None last in every position
        b, e, a, c, m = kv[0]
        return (b, e is None, e, a is None, a, c is None, c, m is None, m)

    for (bucket, ent, area, car, mid), grp in sorted(groups.items(), key=order):
        quantities = {c: Quantity(quantity=v, unit=grp["units"][c]) for c, v in grp["quantities"].items()}
        single = quantities.get(car) if car is not None else None
        data.append(
            ConsumptionRow(
                bucket=datetime.fromtimestamp(int(bucket), UTC),
                label=grp["label"],
                enterprise_id=ent,
                area_id=area,
                carrier=car,
                meter_id=mid,
                quantity=single.quantity if single else None,
                unit=single.unit if single else None,
                quantities=quantities,
                tce=grp["tce"],
                tco2e=grp["tco2e"],
                estimated=grp["estimated"],
                readings=grp["readings"],
                flagged=grp["flagged"],
                flows={
                    c: {
                        name: FlowFigure(
                            quantity=f["quantity"],
                            unit=grp["units"][c],
                            tce=f["tce"],
                            tco2e=f["tco2e"],
                            note=_PV_NOTE if name == "self_generated" else None,
                        )
                        for name, f in fl.items()
                    }
                    for c, fl in grp["flows"].items()
                },
                flow=grp["flow"],
                missing=[
                    MissingFigureOut(carrier=c, figure=fig, reason=reason, code=code)
                    for (c, fig), (reason, code) in sorted(grp["missing"].items())
                ],
            )
        )
    return ConsumptionResult(
        park_id=park.id,
        grain=grain,
        start=start,
        end=end,
        timezone=park.timezone,
        group_by=list(group_by),
        data=data,
        coefficients=[c for c in coeffs.values() if c is not None],
        warnings=warnings,
    )


_PV_NOTE = (
    "own generation (自发自用): no tce or tCO2e of its own — what is used on site is already netted in "
    "the main meter's purchase, what leaves is counted by the export meter"
)


def _coefficient(
    cache: dict[tuple[str, str, int, str], CoefficientUse | None],
    warnings: list[str],
    carrier: str,
    unit: str,
    year: int,
    region: str,
    use: str | None,
    options: AccountingOptions,
) -> CoefficientUse | None:
    """Per-unit tce and tCO2e, each side on its own (GB/T 2589 and the GHG factors fail apart)."""
    key = (carrier, unit, year, use or "")
    if key in cache:
        return cache[key]
    try:
        c = partial_coefficients(carrier, unit, year=year, region=region, options=options, use=use)
    except (AccountingError, KeyError, ValueError) as exc:
        warnings.append(f"no tce/tCO2e for {carrier} in {unit} ({year}): {exc}")
        cache[key] = None
        return None
    missing = [
        MissingFigureOut(carrier=carrier, figure=m.figure, reason=m.reason, code=m.code) for m in c.missing
    ]
    for m in missing:
        text = f"no {m.figure} for {carrier} in {unit} ({year}): {m.reason}"
        if text not in warnings:
            warnings.append(text)
    cache[key] = CoefficientUse(
        carrier=carrier,
        unit=unit,
        year=year,
        region=region,
        use=use or "default",
        tce_per_unit=c.tce_per_unit,
        tco2e_per_unit=c.tco2e_per_unit,
        scope=c.scope,
        lineage=c.lineage.as_dict(),
        missing=missing,
    )
    for w in c.lineage.warnings:
        text = f"{carrier} ({year}): {w.message}"
        if text not in warnings:
            warnings.append(text)
    return cache[key]


def meter_consumption(
    db: Database,
    p: Principal,
    meter_id: int,
    *,
    grain: Literal["hour", "day", "month"],
    start: datetime,
    end: datetime,
) -> MeterConsumption:
    """Rollup buckets of one meter in ``[start, end)`` (needs meter-data rights)."""
    g = GRAINS[grain]
    a, b = int(start.timestamp()), int(end.timestamp())
    with db.read() as s:
        meter = get_meter_for_data(s, p, meter_id)
        instant = meter.kind == "instant"
        points: list[RollupPoint] = []
        if g == GRAIN_HOUR:
            days = s.execute(
                select(MeterHours.day, MeterHours.hours)
                .where(MeterHours.meter_id == meter_id, MeterHours.day >= a - 2 * 86400, MeterHours.day < b)
                .order_by(MeterHours.day)
            ).all()
            for day, hours in days:
                vec = decode_hours(hours)
                for k in range(HOUR_SLOTS):
                    bucket = day + 3600 * k
                    if a <= bucket < b and vec[2, k] != 0:
                        points.append(
                            RollupPoint(
                                bucket=datetime.fromtimestamp(bucket, UTC), consumption=float(vec[0, k]),
                                estimated=float(vec[1, k]), flagged_sum=0.0, readings=round(vec[2, k]),
                                intervals=0, flagged=round(vec[3, k]), mean_value=None,
                            )
                        )  # fmt: skip
        else:
            day_rows: list[Any]
            if g == GRAIN_DAY:
                day_rows = list(
                    s.scalars(
                        select(MeterDay)
                        .where(MeterDay.meter_id == meter_id, MeterDay.day >= a, MeterDay.day < b)
                        .order_by(MeterDay.day)
                        .limit(MAX_BUCKETS)
                    )
                )
            else:
                day_rows = list(
                    s.scalars(
                        select(MeterRollup)
                        .where(
                            MeterRollup.meter_id == meter_id,
                            MeterRollup.grain == GRAIN_MONTH,
                            MeterRollup.bucket >= a,
                            MeterRollup.bucket < b,
                        )
                        .order_by(MeterRollup.bucket)
                        .limit(MAX_BUCKETS)
                    )
                )
            for r in day_rows:
                points.append(
                    RollupPoint(
                        bucket=datetime.fromtimestamp(r.day if g == GRAIN_DAY else r.bucket, UTC),
                        consumption=r.consumption, estimated=r.estimated, flagged_sum=r.flagged_sum,
                        readings=r.readings, intervals=r.intervals, flagged=r.flagged,
                        mean_value=(r.value_sum / r.readings) if instant and r.readings else None,
                    )
                )  # fmt: skip
        points.sort(key=lambda pt: pt.bucket)
        return MeterConsumption(meter_id=meter.id, unit=meter.unit, grain=grain, data=points[:MAX_BUCKETS])
