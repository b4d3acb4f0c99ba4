"""Energy-saving diagnosis (节能诊断) of the park's enterprises from the hourly rollups.

Loads the ``meter_hours`` vectors (never raw readings) of each enterprise's electricity meters over a
window (default: the 28 days before ``end``), turns them into hourly series on park-local clock hours
with the official working-day calendar (``holidays.China``: weekends and public holidays off, 调休
weekends on), and runs the rules of :mod:`parkcarbon.core.diagnosis`:

* main incomers (top-level kWh meters, not PV generation or export) → base load, load factor, peak
  share under the province's TOU periods (the park's ``tariff_region``, default its province);
* kvarh registers under an incomer, with that incomer's kWh → power factor;
* kWh sub-meters → equipment running while the enterprise is idle.

tce and tCO2e per kWh come from the accounting engine (the park's accounting profile, the window's
year, the park's province) and are returned with their lineage. The park's supervision roles see every
enterprise's findings and savings; an enterprise's members their own. Sub-meter evidence (the sub-meter's
code, name and series figures) reaches only readers with the enterprise's ``meter_data`` grant (its
members and the platform admin included); others get the finding with ``evidence_withheld`` saying so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
import numpy as np
from sqlalchemy import select

from parkcarbon import core
from parkcarbon.core import diagnosis as dg
from parkcarbon.core.tariffs import tou_schedule
from parkcarbon.services import access
from parkcarbon.services.errors import InvalidInput, NotFound
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.parks import accounting_options
from parkcarbon.services.supervision.analysis_schemas import (
    DiagnosisReport,
    EnterpriseDiagnosis,
    FindingPublic,
    SavingPublic,
)
from parkcarbon.services.supervision.benchmarking import _visible
from parkcarbon.services.supervision.targets import settings_of
from parkcarbon.store.db import Database
from parkcarbon.store.models import GrantScope, Meter, MeterHours, Organisation, OrgKind
from parkcarbon.store.models.readings import (
    HOUR_SLOTS,
    decode_hours,
)

__all__ = ["SAVING_MEASURES", "diagnosis", "ranked"]

_NOT_CONSUMPTION = ("pv_generation", "export")


@dataclass(frozen=True)
class _M:
    id: int
    enterprise_id: int | None
    parent_id: int | None
    code: str
    name: str
    unit: str
    purpose: str | None


def _calendar(a: int, n: int, tz: ZoneInfo) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local hour, month and working-day flag of the ``n`` hours from epoch ``a``."""
    local = [datetime.fromtimestamp(a + 3600 * i, tz) for i in range(n)]
    years = range(local[0].year - 1, local[-1].year + 2) if local else range(2000, 2001)
    cal = holidays.China(years=years)  # type: ignore[attr-defined]
    working_of: dict[date, bool] = {}
    hour = np.fromiter((t.hour for t in local), dtype=np.int64, count=n)
    month = np.fromiter((t.month for t in local), dtype=np.int64, count=n)
    working = np.empty(n, dtype=np.bool_)
    for i, t in enumerate(local):
        d = t.date()
        if d not in working_of:
            working_of[d] = bool(cal.is_working_day(d))
        working[i] = working_of[d]
    return hour, month, working


def diagnosis(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    enterprise_id: int | None = None,
    end: datetime | None = None,
    days: int = 28,
) -> DiagnosisReport:
    """Findings of every visible enterprise over the ``days`` before ``end`` (default: now)."""
    if not 7 <= days <= 366:
        raise InvalidInput.field("days", "between 7 and 366 days")
    end = end or datetime.now(UTC)
    if end.tzinfo is None:
        raise InvalidInput.field("end", "give a timezone")
    b = int(end.timestamp()) // 3600 * 3600
    a = b - days * 86400
    warnings: list[str] = []
    with db.read() as s:
        park = access.require_park(s, p, park_id)
        if enterprise_id is not None:
            org = s.get(Organisation, enterprise_id)
            if org is None or org.park_id != park_id or org.kind != OrgKind.ENTERPRISE:
                raise NotFound("enterprise not found")
        visible = _visible(p, park_id, enterprise_id)
        tz = ZoneInfo(park.timezone)
        province, timezone = park.province, park.timezone
        region = settings_of(s, park).tariff_region or park.province
        options = accounting_options(s, park_id)
        query = select(Organisation).where(
            Organisation.park_id == park_id, Organisation.kind == OrgKind.ENTERPRISE
        )
        if visible is not None:
            query = query.where(Organisation.id.in_(visible))
        listed = list(s.scalars(query.order_by(Organisation.id)))
        orgs = {o.id: o.name for o in listed}
        orgs_en = {o.id: o.name_en for o in listed}
        # sub-meter evidence (meter codes, names, series-derived figures) needs a meter_data grant
        sub_meter_ok = {
            e: access.can_read_enterprise_data(s, p, park_id, e, GrantScope.METER_DATA) for e in orgs
        }
        meters = [
            _M(m.id, m.enterprise_id, m.parent_id, m.code, m.name, m.unit, m.purpose)
            for m in s.scalars(
                select(Meter).where(
                    Meter.park_id == park_id,
                    Meter.enterprise_id.in_(orgs),
                    Meter.carrier == "electricity",
                    Meter.unit.in_(("kWh", "kvarh")),
                    Meter.kind != "instant",
                )
            )
        ]
        rows = (
            s.execute(
                select(MeterHours.meter_id, MeterHours.day, MeterHours.hours).where(
                    MeterHours.meter_id.in_([m.id for m in meters]),
                    MeterHours.day >= a - 2 * 86400,
                    MeterHours.day < b,
                )
            ).all()
            if meters
            else []
        )
    end_local = datetime.fromtimestamp(b - 1, tz)
    tariff = tou_schedule(region, end_local.date())
    if tariff is None:
        warnings.append(
            f"no time-of-use periods held for {region} on {end_local.date()}: peak share and CNY left out"
        )
    try:
        coef = core.activity_coefficients(
            "electricity", "kWh", year=end_local.year, region=province, options=options
        )
    except (core.AccountingError, KeyError, ValueError) as exc:
        raise InvalidInput.field("end", f"no electricity coefficients for {end_local.year}: {exc}") from exc
    n = (b - a) // 3600
    series: dict[int, np.ndarray] = {m.id: np.full(n, np.nan) for m in meters}
    for mid, day, blob in rows:
        vec = decode_hours(blob)
        ts = day + 3600 * np.arange(HOUR_SLOTS)
        ok = (ts >= a) & (ts < b) & (vec[2] != 0)
        idx = (ts[ok] - a) // 3600
        series[mid][idx] = vec[0][ok]
    hour, month, working = _calendar(a, n, tz)
    by_ent: dict[int, list[_M]] = defaultdict(list)
    for m in meters:
        if m.enterprise_id is not None:
            by_ent[m.enterprise_id].append(m)
    out: list[EnterpriseDiagnosis] = []
    for ent_id, name in orgs.items():
        ms = by_ent.get(ent_id, [])
        mains = [
            m for m in ms if m.parent_id is None and m.unit == "kWh" and m.purpose not in _NOT_CONSUMPTION
        ]
        if not mains:
            continue
        active = _nansum([series[m.id] for m in mains])
        main_ids = {m.id for m in mains}
        reactive = [m for m in ms if m.unit == "kvarh" and m.parent_id in main_ids]
        q = _nansum([series[m.id] for m in reactive]) if reactive else None
        p_q = (
            _nansum([series[m.parent_id] for m in reactive if m.parent_id is not None]) if reactive else None
        )
        subs = tuple(
            dg.SubMeterSeries(code=m.code, name=m.name, purpose=m.purpose or "", kwh=series[m.id])
            for m in ms
            if m.parent_id is not None and m.unit == "kWh" and m.purpose not in _NOT_CONSUMPTION
        )
        data = dg.DiagnosisInput(
            hour=hour,
            month=month,
            working=working,
            active_kwh=active,
            tce_per_kwh=coef.tce_per_unit,
            tco2e_per_kwh=coef.tco2e_per_unit,
            reactive_kvarh=q,
            active_kwh_with_reactive=p_q,
            submeters=subs,
            tariff=tariff,
        )
        if data.observed_hours == 0:
            continue
        findings = dg.diagnose(data)
        pub = [
            _withhold(f_pub) if not sub_meter_ok[ent_id] and f_pub.subject != "enterprise" else f_pub
            for f_pub in (
                FindingPublic(
                    rule=f.rule,
                    subject=f.subject,
                    title_zh=f.title_zh,
                    title_en=f.title_en,
                    evidence={k: _clean(v) for k, v in f.evidence.items()},
                    saving=SavingPublic(**f.saving.__dict__),
                    service_kind=f.service_kind,
                    service_zh=dg.SERVICE_KINDS[f.service_kind][0],
                    service_en=dg.SERVICE_KINDS[f.service_kind][1],
                    parameters=f.parameters,
                )
                for f in findings
            )
        ]
        cny = [f.saving.cny for f in findings if f.saving.cny is not None]
        out.append(
            EnterpriseDiagnosis(
                enterprise_id=ent_id,
                enterprise_name=name,
                enterprise_name_en=orgs_en.get(ent_id),
                observed_hours=data.observed_hours,
                meters=[m.code for m in ms if sub_meter_ok[ent_id] or m.parent_id is None],
                findings=pub,
                saving_kwh=sum(f.saving.kwh for f in findings),
                saving_tce=sum(f.saving.tce for f in findings),
                saving_tco2e=sum(f.saving.tco2e for f in findings),
                saving_cny=sum(cny) if cny else None,
            )
        )
    out.sort(key=lambda e: -e.saving_kwh)
    return DiagnosisReport(
        park_id=park_id,
        start=datetime.fromtimestamp(a, UTC),
        end=datetime.fromtimestamp(b, UTC),
        timezone=timezone,
        tariff_document=tariff.document if tariff else None,
        coefficients={
            "carrier": "electricity",
            "unit": "kWh",
            "year": end_local.year,
            "region": province,
            "tce_per_kwh": coef.tce_per_unit,
            "tco2e_per_kwh": coef.tco2e_per_unit,
            "lineage": coef.lineage.as_dict(),
            "tariff": None
            if tariff is None
            else {
                "document": tariff.document,
                "confidence": tariff.confidence,
                "prices": tariff.prices,
                "price_confidence": tariff.price_confidence,
                "sources": list(tariff.sources),
            },
        },
        enterprises=out,
        warnings=warnings,
    )


#: the measures a diagnosis can be ordered by: annual saving in CNY (default), kWh or tCO2e
SAVING_MEASURES = ("cny", "kwh", "tco2e")
SavingMeasure = Literal["cny", "kwh", "tco2e"]


def _value(saving: SavingPublic, by: SavingMeasure) -> float | None:
    return saving.cny if by == "cny" else saving.kwh if by == "kwh" else saving.tco2e


def _empty(f: FindingPublic) -> bool:
    """A finding that saves nothing in any measure (nothing to act on)."""
    return not (f.saving.kwh or f.saving.tce or f.saving.tco2e or f.saving.cny)


def ranked(report: DiagnosisReport, by: SavingMeasure = "cny") -> DiagnosisReport:
    """The report with findings that save nothing left out, enterprises without a finding left out,
    and both ordered by annual saving in ``by`` (largest first).

    Ordering by CNY puts what a tariff cannot value (no time-of-use periods held: ``cny`` is None)
    after every valued finding, ordered by kWh among themselves.
    """
    if by not in SAVING_MEASURES:
        raise InvalidInput.field("by", f"one of {', '.join(SAVING_MEASURES)}", code="input.choice")

    def key(v: float | None, kwh: float) -> tuple[int, float, float]:
        return (0 if v is not None else 1, -(v or 0.0), -kwh)

    enterprises = []
    for e in report.enterprises:
        findings = sorted(
            (f for f in e.findings if not _empty(f)), key=lambda f: key(_value(f.saving, by), f.saving.kwh)
        )
        if findings:
            enterprises.append(e.model_copy(update={"findings": findings}))
    total = {"cny": "saving_cny", "kwh": "saving_kwh", "tco2e": "saving_tco2e"}[by]
    enterprises.sort(key=lambda e: key(getattr(e, total), e.saving_kwh))
    return report.model_copy(update={"enterprises": enterprises})


#: what a finding on a sub-meter keeps when the reader has no ``meter_data`` grant
_WITHHELD = (
    "sub-meter evidence withheld: the enterprise has not granted meter_data (分项计量数据) to the reader"
)
_KEPT_EVIDENCE = ("idle_ratio",)


def _withhold(f: FindingPublic) -> FindingPublic:
    """The enterprise-level part of a sub-meter finding: rule, ratio and saving, no meter identity."""
    return f.model_copy(
        update={
            "subject": "sub_meter",
            "title_zh": "分项计量设备在非生产时段持续运行（需企业授权计量数据查看明细）",
            "title_en": "Equipment keeps running while the plant is idle (details need a meter_data grant)",
            "evidence": {k: v for k, v in f.evidence.items() if k in _KEPT_EVIDENCE},
            "evidence_withheld": _WITHHELD,
        }
    )


def _nansum(arrays: list[np.ndarray]) -> np.ndarray:
    """Element-wise sum that is ``NaN`` only where every array is ``NaN``."""
    stack = np.vstack(arrays)
    total = np.nansum(stack, axis=0)
    return np.where(np.all(np.isnan(stack), axis=0), np.nan, total)


def _clean(v: float | str | None) -> float | str | None:
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v
