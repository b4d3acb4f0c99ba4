"""Data quality (数据治理): completeness, gaps, gap estimation, meter and gateway status, intake log.

* **Completeness** of a meter over a period = readings received / readings expected at its typical
  interval (median spacing of its readings, kept in ``meter_status``), capped at 100 %; an
  enterprise's completeness weights its meters by expected readings. Counts come from the hourly
  rollups, never from raw readings.
* **Gaps**: spacings longer than 1.5 × the typical interval (from the raw series of one meter).
* **Estimation** fills gaps with readings flagged ``estimated``, written through the normal intake
  pipeline (so rollups follow): ``linear`` interpolates the register (or the interval values);
  ``profile`` shapes the gap like the same clock times on the same weekday of the previous four
  weeks (scaled to the register's known total across the gap), falling back to linear without history.
* **Online**: a meter is online when data arrived within max(3 × interval, 15 min); a gateway when its
  retained heartbeat says online and it was heard within 10 min.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import func, select, text

from parkcarbon.ingest.parse import RawBatch
from parkcarbon.services import access
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.intake.readings import (
    MeterScope,
    _actor,
    get_meter_for_data,
    ingest_raw,
    result_of,
)
from parkcarbon.services.intake.schemas import (
    GatewayStatusPublic,
    IngestBatchPublic,
    MeterStatusPublic,
    ReadingsResult,
)
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.schemas import RequestModel, Timestamp
from parkcarbon.store.db import Database
from parkcarbon.store.models import GatewayStatus, IngestBatch, Meter, MeterHours, MeterStatus, Reading
from parkcarbon.store.models.readings import (
    HOUR_SLOTS,
    decode_hours,
)

__all__ = [
    "Gap",
    "GapEstimateRequest",
    "QualityReport",
    "estimate_gaps",
    "gateway_status",
    "list_batches",
    "meter_gaps",
    "meter_status",
    "quality_report",
]

OFFLINE_MIN_S = 900
GATEWAY_OFFLINE_S = 600
GAP_FACTOR = 1.5
MAX_ESTIMATES = 100_000


class Gap(BaseModel):
    start: datetime = Field(description="last reading before the gap")
    end: datetime = Field(description="first reading after the gap (or the end of the period)")
    missing: int = Field(description="readings missing at the typical interval")


class MeterQuality(BaseModel):
    meter_id: int
    code: str
    enterprise_id: int | None
    carrier: str
    interval_s: int | None
    expected: int | None
    received: int
    completeness_pct: float | None
    flagged: int = Field(description="intervals flagged negative/jump (excluded from totals)")
    estimated_share_pct: float | None
    online: bool
    last_seen_at: datetime | None


class EnterpriseQuality(BaseModel):
    enterprise_id: int | None
    meters: int
    completeness_pct: float | None
    flagged: int
    offline_meters: int


class QualityReport(BaseModel):
    park_id: int
    start: datetime
    end: datetime
    meters: list[MeterQuality]
    enterprises: list[EnterpriseQuality]


class GapEstimateRequest(RequestModel):
    start: Timestamp | None = Field(default=None, description="ISO 8601 with offset; default: end − 7 days")
    end: Timestamp | None = Field(default=None, description="ISO 8601 with offset; default: now")
    method: Literal["linear", "profile"] = "linear"


def _supervision_filter(s: Any, p: Principal, park_id: int) -> set[int] | None:
    """Enterprises whose meters' quality ``p`` may see (``None`` = every meter of the park)."""
    access.require_park_visible(p, park_id)
    if access.is_park_staff(p, park_id) or p.is_platform_admin:
        return None
    from parkcarbon.services.metering.consumption import _readable_enterprises

    return _readable_enterprises(s, p, park_id) or set()


def quality_report(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    start: datetime,
    end: datetime,
    enterprise_id: int | None = None,
    now: int | None = None,
) -> QualityReport:
    """Completeness, flagged intervals and online state per meter and enterprise over ``[start, end)``."""
    now = int(now if now is not None else time.time())
    a, b = int(start.timestamp()), int(end.timestamp())
    if b <= a:
        raise InvalidInput.field("end", "must be after start")
    with db.read() as s:
        allowed = _supervision_filter(s, p, park_id)
        mq = (
            select(
                Meter.id, Meter.code, Meter.enterprise_id, Meter.carrier, MeterStatus.interval_s,
                MeterStatus.last_seen_at,
            )
            .outerjoin(MeterStatus, MeterStatus.meter_id == Meter.id)
            .where(Meter.park_id == park_id, Meter.archived_at.is_(None))  # archived: not reporting
        )  # fmt: skip
        if enterprise_id is not None:
            mq = mq.where(Meter.enterprise_id == enterprise_id)
        if allowed is not None:
            mq = mq.where(Meter.enterprise_id.in_(allowed or {-1}))
        meters = s.execute(mq.order_by(Meter.id)).all()
        day_rows = s.execute(
            select(MeterHours.meter_id, MeterHours.day, MeterHours.hours)
            .join(Meter, Meter.id == MeterHours.meter_id)
            .where(Meter.park_id == park_id, MeterHours.day >= a - 2 * 86400, MeterHours.day < b)
        ).all()
    counts: dict[int, tuple[int, int, float, float]] = {}
    slots = np.arange(HOUR_SLOTS) * 3600
    for mid, day, hours in day_rows:
        vec = decode_hours(hours)
        inside = ((day + slots) >= a) & ((day + slots) < b)
        c, e, n, f = (float(vec[i][inside].sum()) for i in range(4))
        old = counts.get(mid, (0, 0, 0.0, 0.0))
        counts[mid] = (old[0] + round(n), old[1] + round(f), old[2] + c, old[3] + e)
    out: list[MeterQuality] = []
    per_ent: dict[int | None, list[MeterQuality]] = defaultdict(list)
    for meter_id, code, ent_id, carrier, interval, seen in meters:
        n, flagged, cons, est = counts.get(meter_id, (0, 0, 0.0, 0.0))
        expected = max(1, (b - a) // interval) if interval else None
        completeness = min(100.0, 100.0 * n / expected) if expected else None
        online = bool(seen and now - seen <= max(3 * (interval or 0), OFFLINE_MIN_S))
        q = MeterQuality(
            meter_id=meter_id,
            code=code,
            enterprise_id=ent_id,
            carrier=carrier,
            interval_s=interval,
            expected=expected,
            received=n,
            completeness_pct=completeness,
            flagged=flagged,
            estimated_share_pct=(100.0 * est / cons) if cons else None,
            online=online,
            last_seen_at=datetime.fromtimestamp(seen, UTC) if seen else None,
        )
        out.append(q)
        per_ent[ent_id].append(q)
    ents = []
    for ent, qs in sorted(per_ent.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        exp = sum(q.expected or 0 for q in qs)
        got = sum(min(q.received, q.expected or 0) for q in qs)
        ents.append(
            EnterpriseQuality(
                enterprise_id=ent,
                meters=len(qs),
                completeness_pct=(100.0 * got / exp) if exp else None,
                flagged=sum(q.flagged for q in qs),
                offline_meters=sum(not q.online for q in qs),
            )
        )
    return QualityReport(park_id=park_id, start=start, end=end, meters=out, enterprises=ents)


def _gaps(s: Any, meter_id: int, interval: int, a: int, b: int) -> list[tuple[int, int, int]]:
    rows = s.execute(
        text(
            "SELECT ts, prev FROM (SELECT ts, LAG(ts) OVER (ORDER BY ts) AS prev FROM readings "
            "WHERE meter_id = :m AND ts >= :a AND ts < :b) t WHERE ts - prev > :thr ORDER BY ts"
        ),
        {"m": meter_id, "a": a, "b": b, "thr": int(interval * GAP_FACTOR)},
    ).all()
    return [(int(prev), int(ts), round((ts - prev) / interval) - 1) for ts, prev in rows]


def meter_gaps(db: Database, p: Principal, meter_id: int, *, start: datetime, end: datetime) -> list[Gap]:
    """Gaps of one meter's series in ``[start, end)`` (needs meter-data rights)."""
    a, b = int(start.timestamp()), int(end.timestamp())
    with db.read() as s:
        get_meter_for_data(s, p, meter_id)
        st = s.get(MeterStatus, meter_id)
        if st is None or not st.interval_s:
            return []
        found = _gaps(s, meter_id, st.interval_s, a, b)
        last = s.scalar(select(func.max(Reading.ts)).where(Reading.meter_id == meter_id, Reading.ts < b))
        if last is not None and b - last > st.interval_s * GAP_FACTOR and last >= a:
            found.append((int(last), b, (b - int(last)) // st.interval_s))
    return [
        Gap(start=datetime.fromtimestamp(x, UTC), end=datetime.fromtimestamp(y, UTC), missing=n)
        for x, y, n in found
        if n > 0
    ]


def estimate_gaps(db: Database, p: Principal, meter_id: int, req: GapEstimateRequest) -> ReadingsResult:
    """Fill the meter's gaps inside ``[start, end)`` with readings flagged ``estimated``."""
    end = req.end or datetime.now(UTC)
    start = req.start or end - timedelta(days=7)
    a, b = int(start.timestamp()), int(end.timestamp())
    if b <= a:
        raise InvalidInput.field("end", "must be after start")
    with db.read() as s:
        meter = s.get(Meter, meter_id)
        if meter is None or (not p.is_platform_admin and meter.park_id not in p.park_ids):
            raise NotFound("meter not found")
        if not access.can_manage_enterprise(p, meter.park_id, meter.enterprise_id):
            raise Forbidden("estimating readings needs park_admin, or enterprise_admin of the owner")
        if meter.kind == "instant":
            raise InvalidInput.field("meter_id", "instant meters are not estimated")
        park_id, kind, multiplier = meter.park_id, meter.kind, meter.multiplier
        st = s.get(MeterStatus, meter_id)
        interval = st.interval_s if st is not None and st.interval_s else 0
        gaps = _gaps(s, meter_id, interval, a, b) if interval else []
        points: list[tuple[int, float]] = []
        warnings: list[str] = []
        for t0, t1, _missing in gaps:
            v0, v1 = (
                s.scalar(select(Reading.value).where(Reading.meter_id == meter_id, Reading.ts == t))
                for t in (t0, t1)
            )
            if v0 is None or v1 is None:
                continue
            steps = list(range(t0 + interval, t1, interval))
            if len(points) + len(steps) > MAX_ESTIMATES:
                raise InvalidInput.field(
                    "end", f"more than {MAX_ESTIMATES} readings to estimate; shorten the period"
                )
            if kind == "register" and v1 < v0:
                warnings.append(
                    f"gap {t0}–{t1}: the register decreased (rollover or replacement); not estimated"
                )
                continue
            shape = _profile(s, meter_id, steps) if req.method == "profile" else None
            if req.method == "profile" and shape is None:
                warnings.append(f"gap {t0}–{t1}: no history on similar days; estimated linearly")
            points += _fill(kind, t0, float(v0), t1, float(v1), steps, shape, multiplier)
    raw = RawBatch(
        meter_id=[meter_id] * len(points),
        meter_code=[None] * len(points),
        ts=[datetime.fromtimestamp(t, UTC).isoformat() for t, _ in points],
        value=[float(v) for _, v in points],
        unit=[None] * len(points),
        kind=[None] * len(points),
        flags=[["estimated"]] * len(points),
    )
    if not points:
        return ReadingsResult(
            rows=0, accepted=0, duplicates=0, corrections=0, flagged=0, meters=0, rejected=[],
            warnings=[*warnings, "no gaps to estimate in the period"],
        )  # fmt: skip
    report = ingest_raw(
        db, raw, scope=MeterScope(park_id=park_id, principal=p), actor=_actor(p), source="estimate"
    )
    report.warnings = [*warnings, *report.warnings]
    return result_of(report)


def _profile(s: Any, meter_id: int, steps: list[int]) -> list[float] | None:
    """Mean interval consumption at the same time on the same weekday of the previous 4 weeks."""
    week = 7 * 86400
    sums = [0.0] * len(steps)
    counts = [0] * len(steps)
    for k in range(1, 5):
        lo, hi = steps[0] - k * week, steps[-1] - k * week
        rows = dict(
            s.execute(
                select(Reading.ts, Reading.delta).where(
                    Reading.meter_id == meter_id,
                    Reading.ts >= lo,
                    Reading.ts <= hi,
                    Reading.delta.is_not(None),
                )
            ).all()
        )
        for i, t in enumerate(steps):
            d = rows.get(t - k * week)
            if d is not None and d >= 0:
                sums[i] += float(d)
                counts[i] += 1
    if not all(counts):
        return None
    return [sm / c for sm, c in zip(sums, counts, strict=True)]


def _fill(
    kind: str,
    t0: int,
    v0: float,
    t1: int,
    v1: float,
    steps: list[int],
    shape: list[float] | None,
    multiplier: float,
) -> list[tuple[int, float]]:
    if kind == "register":
        total = v1 - v0
        if shape is not None and sum(shape) > 0:
            # the profile gives the shape; the register's known rise across the gap fixes the total
            last_share = shape[-1] if shape else 0.0
            weights = [*shape, last_share]
            scale = total / sum(weights)
            out, acc = [], v0
            for t, w in zip(steps, weights, strict=False):
                acc += w * scale
                out.append((t, acc))
            return out
        return [(t, v0 + total * (t - t0) / (t1 - t0)) for t in steps]
    if shape is not None:
        return [(t, w / (multiplier or 1.0)) for t, w in zip(steps, shape, strict=True)]
    return [(t, v0 + (v1 - v0) * (t - t0) / (t1 - t0)) for t in steps]


def meter_status(
    db: Database, p: Principal, park_id: int, *, now: int | None = None
) -> list[MeterStatusPublic]:
    """Online/offline state of the park's meters the caller may see."""
    now = int(now if now is not None else time.time())
    from parkcarbon.services.registry.meters import visible_meters

    access.require_park_visible(p, park_id)
    with db.read() as s:
        meters = s.scalars(visible_meters(s, p).where(Meter.park_id == park_id)).all()
        status = {
            st.meter_id: st
            for st in s.scalars(
                select(MeterStatus).where(MeterStatus.meter_id.in_([m.id for m in meters] or [-1]))
            )
        }
        out = []
        for m in meters:
            st = status.get(m.id)
            interval = st.interval_s if st else None
            seen = st.last_seen_at if st else None
            out.append(
                MeterStatusPublic(
                    meter_id=m.id,
                    code=m.code,
                    enterprise_id=m.enterprise_id,
                    online=bool(seen and now - seen <= max(3 * (interval or 0), OFFLINE_MIN_S)),
                    last_reading_at=datetime.fromtimestamp(st.last_ts, UTC) if st and st.last_ts else None,
                    last_seen_at=datetime.fromtimestamp(seen, UTC) if seen else None,
                    interval_s=interval,
                    readings_total=st.readings_total if st else 0,
                    gateway=st.gateway if st else None,
                )
            )
        return out


def gateway_status(
    db: Database, p: Principal, park_id: int, *, now: datetime | None = None
) -> list[GatewayStatusPublic]:
    """Gateways of the park with heartbeat state and devices."""
    now = now or datetime.now(UTC)
    access.require_park_visible(p, park_id)
    with db.read() as s:
        rows = s.scalars(
            select(GatewayStatus).where(GatewayStatus.park_id == park_id).order_by(GatewayStatus.gateway)
        ).all()
        return [
            GatewayStatusPublic(
                park_id=g.park_id,
                gateway=g.gateway,
                status=g.status,
                online=g.status == "online" and now - g.last_seen_at <= timedelta(seconds=GATEWAY_OFFLINE_S),
                last_seen_at=g.last_seen_at,
                last_heartbeat_at=g.last_heartbeat_at,
                last_batch_at=g.last_batch_at,
                devices=list((g.detail or {}).get("devices", [])),
            )
            for g in rows
        ]


def list_batches(
    db: Database, p: Principal, page: PageParams, *, park_id: int | None = None
) -> Page[IngestBatchPublic]:
    """The intake log of the parks where the caller is park staff."""
    access.require_user(p)
    query = select(IngestBatch).order_by(IngestBatch.id.desc())
    if not p.is_platform_admin:
        staff = access.staff_parks(p)
        query = query.where(IngestBatch.park_id.in_(staff or {-1}))
    if park_id is not None:
        query = query.where(IngestBatch.park_id == park_id)
    with db.read() as s:
        rows, total = paginate(s, query, page)
        return Page(
            data=[IngestBatchPublic.model_validate(r) for r in rows], count=total, **page.model_dump()
        )
