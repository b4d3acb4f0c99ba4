"""Assembling a year's activity data per emission source (活动数据汇集) from meter rollups and uploads.

A thin adapter over the store: monthly meter rollups (``meter_rollups``, grain month, park-local
months, kept current by the intake) and unmetered activity records (``activity_records``). Every
line carries the data lineage it was assembled from (meter, month, quantity; record id, period,
document reference) and data-quality findings (missing months, estimated share, flagged intervals).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon import core
from parkcarbon.ingest.pipeline import GRAIN_MONTH
from parkcarbon.store.models import ActivityRecord, EmissionSource, EmissionSourceMeter, Meter, MeterRollup

__all__ = ["DraftLine", "assemble", "year_bounds"]


@dataclass
class DraftLine:
    """An inventory line before calculation."""

    activity_id: str
    source_id: int | None
    source_name: str
    category: str
    carrier: str | None
    unit: str
    use: str | None
    calc_params: dict[str, Any] | None
    origin: str
    quantity: float
    data_lineage: dict[str, Any] = field(default_factory=dict)
    quality: dict[str, Any] = field(default_factory=dict)


def year_bounds(year: int, timezone: str) -> tuple[int, int]:
    """Epoch seconds of local midnight on 1 January of ``year`` and of ``year + 1``."""
    tz = ZoneInfo(timezone)
    a = datetime(year, 1, 1, tzinfo=tz)
    b = datetime(year + 1, 1, 1, tzinfo=tz)
    return int(a.timestamp()), int(b.timestamp())


def _month_label(bucket: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(bucket, tz).strftime("%Y-%m")


def _meter_line(s: Session, src: EmissionSource, year: int, timezone: str) -> DraftLine:
    tz = ZoneInfo(timezone)
    a, b = year_bounds(year, timezone)
    meter_ids = list(
        s.scalars(select(EmissionSourceMeter.meter_id).where(EmissionSourceMeter.source_id == src.id))
    )
    meters = s.scalars(select(Meter).where(Meter.id.in_(meter_ids or [-1])).order_by(Meter.id)).all()
    rollups = s.scalars(
        select(MeterRollup)
        .where(
            MeterRollup.meter_id.in_(meter_ids or [-1]),
            MeterRollup.grain == GRAIN_MONTH,
            MeterRollup.bucket >= a,
            MeterRollup.bucket < b,
        )
        .order_by(MeterRollup.meter_id, MeterRollup.bucket)
    ).all()
    by_meter: dict[int, list[MeterRollup]] = defaultdict(list)
    for r in rollups:
        by_meter[r.meter_id].append(r)
    total = estimated = 0.0
    flagged = readings = 0
    months_seen: set[str] = set()
    meter_rows: list[dict[str, Any]] = []
    for m in meters:
        k = core.convert(1.0, m.unit, src.unit)
        months = {_month_label(r.bucket, tz): r.consumption for r in by_meter[m.id]}
        q = sum(r.consumption for r in by_meter[m.id])
        e = sum(r.estimated for r in by_meter[m.id])
        nflag = sum(r.flagged for r in by_meter[m.id])
        total += q * k
        estimated += e * k
        flagged += nflag
        readings += sum(r.readings for r in by_meter[m.id])
        months_seen.update(label for label, v in months.items() if v)
        meter_rows.append(
            {
                "meter_id": m.id,
                "code": m.code,
                "name": m.name,
                "unit": m.unit,
                "multiplier": m.multiplier,
                "months": months,
                "total": q,
                "unit_factor": k,
                "quantity": q * k,
                "estimated": e * k,
                "flagged_intervals": nflag,
                "flagged_sum": sum(r.flagged_sum for r in by_meter[m.id]),
            }
        )
    all_months = [f"{year}-{i:02d}" for i in range(1, 13)]
    missing = [mm for mm in all_months if mm not in months_seen]
    return DraftLine(
        activity_id=f"S{src.id}",
        source_id=src.id,
        source_name=src.name,
        category=src.category,
        carrier=src.carrier,
        unit=src.unit,
        use=src.use,
        calc_params=src.calc_params,
        origin="meters",
        quantity=total,
        data_lineage={
            "kind": "meter_rollups",
            "grain": "month",
            "timezone": timezone,
            "period": [f"{year}-01-01", f"{year}-12-31"],
            "meters": meter_rows,
            "formula": "quantity = Σ_meters Σ_months rollup consumption × unit factor",
        },
        quality={
            "meters": len(meters),
            "readings": readings,
            "missing_months": missing,
            "estimated_share": (estimated / total) if total else 0.0,
            "flagged_intervals": flagged,
            "no_data": total == 0.0,
        },
    )


_RECORD_PARAMS = ("ncv", "ncv_unit", "carbon_content", "oxidation_rate", "pressure_mpa", "temperature_c")


def _record_params(rec: ActivityRecord, src: EmissionSource) -> dict[str, Any]:
    params = dict(src.calc_params or {})
    for key in _RECORD_PARAMS:
        value = getattr(rec, key)
        if value is not None:
            params[key] = value
    if rec.supplier_factor is not None and rec.supplier_factor_unit:
        unit = rec.supplier_factor_unit.replace(" ", "")
        if unit == "tCO2/GJ":
            params["factor_tco2_per_gj"] = rec.supplier_factor
        elif unit == "tCO2/MWh":
            params["instrument"] = "supplier_specific"
            params["factor_tco2_per_mwh"] = rec.supplier_factor
    return params


def _upload_lines(s: Session, src: EmissionSource, year: int) -> list[DraftLine]:
    first, last = f"{year}-01-01", f"{year}-12-31"
    records = s.scalars(
        select(ActivityRecord)
        .where(
            ActivityRecord.enterprise_id == src.enterprise_id,
            ActivityRecord.carrier == src.carrier,
            ActivityRecord.period_start <= last,
            ActivityRecord.period_end >= first,
        )
        .order_by(ActivityRecord.period_start, ActivityRecord.id)
    ).all()
    lines: list[DraftLine] = []
    straddling: list[int] = []
    for rec in records:
        if rec.period_start < first or rec.period_end > last:
            straddling.append(rec.id)
            continue
        if src.use and rec.use and rec.use != src.use:
            continue
        quantity = core.convert(rec.quantity, rec.unit, src.unit)
        lines.append(
            DraftLine(
                activity_id=f"S{src.id}-R{rec.id}",
                source_id=src.id,
                source_name=src.name,
                category=src.category,
                carrier=src.carrier,
                unit=src.unit,
                use=src.use,
                calc_params=_record_params(rec, src) or None,
                origin="uploads",
                quantity=quantity,
                data_lineage={
                    "kind": "activity_record",
                    "record_id": rec.id,
                    "period": [rec.period_start, rec.period_end],
                    "quantity": rec.quantity,
                    "unit": rec.unit,
                    "unit_factor": core.convert(1.0, rec.unit, src.unit),
                    "document_ref": rec.document_ref,
                    "supplier": rec.supplier,
                    "source_file": rec.source_file,
                    "source_row": rec.source_row,
                    "evidence": rec.evidence,
                    "created_by": rec.created_by,
                },
                quality={
                    "no_data": False,
                    "measured_parameters": sorted(k for k in _RECORD_PARAMS if getattr(rec, k) is not None),
                },
            )
        )
    if not lines:
        lines.append(_empty_line(src, "uploads", f"no activity records of {src.carrier} within {year}"))
    if straddling:
        for line in lines:
            line.quality["records_across_year_boundary"] = straddling
    return lines


def _empty_line(src: EmissionSource, origin: str, note: str) -> DraftLine:
    return DraftLine(
        activity_id=f"S{src.id}",
        source_id=src.id,
        source_name=src.name,
        category=src.category,
        carrier=src.carrier,
        unit=src.unit,
        use=src.use,
        calc_params=src.calc_params,
        origin=origin,
        quantity=0.0,
        data_lineage={"kind": origin, "note": note},
        quality={"no_data": True, "note": note},
    )


def assemble(s: Session, enterprise_id: int, year: int, timezone: str) -> list[DraftLine]:
    """Draft lines of every active source of the enterprise for ``year``, in source order."""
    sources = s.scalars(
        select(EmissionSource)
        .where(EmissionSource.enterprise_id == enterprise_id, EmissionSource.active.is_(True))
        .order_by(EmissionSource.id)
    ).all()
    lines: list[DraftLine] = []
    for src in sources:
        if src.data_source == "meters":
            lines.append(_meter_line(s, src, year, timezone))
        elif src.data_source == "uploads":
            lines.extend(_upload_lines(s, src, year))
        else:
            lines.append(_empty_line(src, "manual", "enter the quantity with a reason and evidence"))
    return lines
