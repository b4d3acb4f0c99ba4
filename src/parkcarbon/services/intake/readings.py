"""Readings intake (数据采集): authorisation and transactions around :mod:`parkcarbon.ingest`.

Who may write which meters
--------------------------
* an API key: meters of its park, and only of its enterprise when the key is enterprise-scoped;
* a user token: meters the user may manage (:func:`access.can_manage_enterprise`: park admins every
  meter of their park, enterprise admins their enterprise's meters);
* the MQTT worker: meters of the park named in the topic (the broker authenticates gateways).

A meter outside the writer's scope is refused per row with the same reason as an unknown meter, so
its existence is not revealed. When every row is refused the batch answers 422 with the per-row
report (:class:`BatchRejected`); otherwise the accepted rows are committed and the report lists
the rest.

Reading meter-level data back needs membership of the owning enterprise or its ``meter_data``
grant (:func:`access.can_read_enterprise_data`); park-owned meters are visible to park staff.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from parkcarbon import sheets
from parkcarbon.ingest import flags as qf
from parkcarbon.ingest.errors import BatchTooLarge, DecompressionBusy, IntakeError, UnsupportedMediaType
from parkcarbon.ingest.gcpause import gc_paused
from parkcarbon.ingest.model import IngestReport, MeterInfo
from parkcarbon.ingest.parse import (
    Claim,
    DecompressionBudget,
    RawBatch,
    decode_body,
    parse_csv,
    parse_json,
)
from parkcarbon.ingest.pipeline import Actor, store_rows
from parkcarbon.ingest.validate import validate
from parkcarbon.services import access, audit
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge, ServiceError
from parkcarbon.services.intake.schemas import (
    GasConditions,
    MeterSeries,
    ReadingIn,
    ReadingPoint,
    ReadingRevisionPublic,
    ReadingsBatch,
    ReadingsResult,
    RowRejection,
)
from parkcarbon.services.principal import Principal
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    ApiKey,
    GatewayStatus,
    GrantScope,
    Meter,
    MeterGasConditions,
    Park,
    Reading,
    ReadingRevision,
)

__all__ = [
    "BatchRejected",
    "MediaTypeNotSupported",
    "MeterScope",
    "get_meter_for_data",
    "meter_readings",
    "meter_revisions",
    "set_gas_conditions",
    "submit_readings",
]

JSON_TYPES = {"application/json", "text/json"}
#: Bodies larger than this pause the cyclic garbage collector while they are ingested
#: (:mod:`parkcarbon.ingest.gcpause`).
BULK_BODY_BYTES = 256 * 1024
CSV_TYPES = {"text/csv", "application/csv", "text/plain"}


class MediaTypeNotSupported(ServiceError):
    status = 415
    title = "Unsupported media type"
    code = "unsupported_media_type"


class BatchRejected(InvalidInput):
    """Every row of the batch was refused; ``errors`` carries the per-row report."""


@dataclass(frozen=True)
class MeterScope:
    """Which meters a writer may write: a park (optionally one enterprise), or a user's rights."""

    park_id: int | None = None
    enterprise_id: int | None = None
    principal: Principal | None = None
    reason: str = "is unknown or not in this key's scope"


def scope_for(p: Principal, park_id: int | None = None) -> MeterScope:
    """The write scope of a principal (an API key, or a user's managed enterprises)."""
    if p.api_key is not None:
        if park_id is not None and park_id != p.api_key.park_id:
            return MeterScope(park_id=-1)
        return MeterScope(park_id=p.api_key.park_id, enterprise_id=p.api_key.enterprise_id)
    return MeterScope(park_id=park_id, principal=p, reason="is unknown or not in your scope")


MAX_ID = 2**31 - 1  # ids are 32-bit integers on every backend


def load_meters(
    s: Session, scope: MeterScope, codes: Iterable[str], ids: Iterable[int]
) -> tuple[dict[str, MeterInfo], dict[int, MeterInfo], list[str]]:
    """Meters the batch names that are in ``scope``: by code, by id, and warnings (ambiguous codes)."""
    # a code with a NUL byte cannot name a meter (PostgreSQL refuses NUL in text): reported as unknown
    codes = [c for c in codes if "\x00" not in c]
    ids = [i for i in ids if 0 < i <= MAX_ID]  # larger ids cannot exist: reported as unknown meters
    query = (
        select(
            Meter.id, Meter.park_id, Meter.enterprise_id, Meter.area_id, Meter.code, Meter.carrier,
            Meter.unit, Meter.kind, Meter.multiplier, Meter.rated_capacity_per_hour, Meter.register_max,
            Meter.active, Park.timezone, MeterGasConditions.temperature_c,
            MeterGasConditions.pressure_kpa_abs, Meter.archived_at.is_not(None),
        )
        .join(Park, Park.id == Meter.park_id)
        .outerjoin(MeterGasConditions, MeterGasConditions.meter_id == Meter.id)
    )  # fmt: skip
    if scope.park_id is not None:
        query = query.where(Meter.park_id == scope.park_id)
    if scope.enterprise_id is not None:
        query = query.where(Meter.enterprise_id == scope.enterprise_id)
    p = scope.principal
    if p is not None and not p.is_platform_admin:
        query = query.where(Meter.park_id.in_(p.park_ids or {-1}))
    conds = []
    if codes:
        conds.append(Meter.code.in_(codes))
    if ids:
        conds.append(Meter.id.in_(ids))
    found: list[MeterInfo] = []
    for cond in conds:
        for row in s.execute(query.where(cond)):
            if p is not None and not access.can_manage_enterprise(p, row.park_id, row.enterprise_id):
                continue
            found.append(MeterInfo(*row))
    by_code: dict[str, MeterInfo] = {}
    ambiguous: set[str] = set()
    for m in found:
        other = by_code.get(m.code)
        if other is not None and other.id != m.id:
            ambiguous.add(m.code)
        by_code[m.code] = m
    for code in ambiguous:
        del by_code[code]
    warnings = (
        [f"meter code(s) {sorted(ambiguous)} exist in several of your parks; send meter_id or ?park_id="]
        if ambiguous
        else []
    )
    return by_code, {m.id: m for m in found}, warnings


def parse_body(
    body: bytes,
    *,
    content_type: str | None,
    content_encoding: str | None,
    max_rows: int,
    max_bytes: int | None = None,
    claim: Claim | None = None,
) -> RawBatch:
    """Decode and parse a body by its media type (JSON by default)."""
    media = (content_type or "application/json").split(";")[0].strip().lower()
    data = decode_body(
        body, content_encoding=content_encoding, max_rows=max_rows, max_bytes=max_bytes, claim=claim
    )
    if media in JSON_TYPES or media.endswith("+json"):
        return parse_json(data, max_rows=max_rows)
    if media in CSV_TYPES:
        return parse_csv(data, max_rows=max_rows)
    raise UnsupportedMediaType(f"Content-Type {media!r} is not supported; send application/json or text/csv")


_BUDGETS: dict[int, DecompressionBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def _decompression_budget(total_bytes: int) -> DecompressionBudget:
    """The process-wide budget of decompressed bytes (one per configured total)."""
    with _BUDGETS_LOCK:
        return _BUDGETS.setdefault(total_bytes, DecompressionBudget(total_bytes))


class ServiceBusy(ServiceError):
    status = 503
    title = "Service busy"
    code = "service_busy"


def _to_service_error(exc: IntakeError) -> ServiceError:
    if isinstance(exc, BatchTooLarge):
        return PayloadTooLarge(
            exc.detail, errors=[{"field": exc.field, "reason": exc.detail}], limit=exc.limit
        )
    if isinstance(exc, UnsupportedMediaType):
        return MediaTypeNotSupported(exc.detail, errors=[{"field": exc.field, "reason": exc.detail}])
    if isinstance(exc, DecompressionBusy):
        return ServiceBusy(
            exc.detail, errors=[{"field": exc.field, "reason": exc.detail}], retry_after_seconds=1
        )
    return ServiceError(exc.detail, errors=[{"field": exc.field, "reason": exc.detail}])


def _actor(p: Principal) -> Actor:
    return Actor(label=p.label, user_id=p.user_id, api_key_id=p.api_key.api_key_id if p.api_key else None)


def ingest_raw(
    db: Database,
    raw: RawBatch,
    *,
    scope: MeterScope,
    actor: Actor,
    source: str,
    now: int | None = None,
    gateway: str | None = None,
    api_key_id: int | None = None,
) -> IngestReport:
    """Validate and store a parsed batch in one transaction; the report of what became of each row.

    Raises
    ------
    BatchRejected
        Every row was refused (the refusal is recorded in the intake log first).
    """
    now = int(now if now is not None else time.time())
    codes = {c for c in _distinct(raw, "meter_code") if isinstance(c, str)}
    ids = {i for i in _distinct(raw, "meter_id") if isinstance(i, int) and not isinstance(i, bool)}
    with db.read() as s:
        by_code, by_id, warnings = load_meters(s, scope, codes, ids)
    valid = validate(raw, by_code=by_code, by_id=by_id, now=now, scope_reason=scope.reason)
    report = IngestReport(rows=len(raw), rejected=valid.rejected, warnings=[*warnings, *valid.warnings])
    gateway = gateway or raw.gateway
    parks = {m.park_id for m in valid.meters.values()}
    park_id = next(iter(parks)) if len(parks) == 1 else scope.park_id
    with db.writer_turn(), db.transaction() as s:
        conn = s.connection()
        store_rows(
            conn,
            valid,
            report,
            actor=actor,
            source=source,
            now=now,
            gateway=gateway,
            batch_id=raw.batch_id,
            park_id=park_id if park_id and park_id > 0 else None,
        )
        if len(valid) and gateway and park_id and park_id > 0:
            _touch_gateway(s, park_id, gateway[:64], now)
        if api_key_id is not None:
            s.execute(
                update(ApiKey)
                .where(ApiKey.id == api_key_id)
                .values(last_used_at=datetime.fromtimestamp(now, UTC))
            )
    if report.rows and not len(valid) and report.rejected and not report.duplicates:
        raise BatchRejected(
            f"all {report.rows} row(s) were rejected; nothing was stored",
            errors=[r.as_dict() for r in report.rejected],
            report=report.as_dict(),
        )
    return report


def _distinct(raw: RawBatch, name: str) -> Iterable[Any]:
    """Distinct hashable values of a column (unhashable ones are skipped; validation reports them)."""
    got = raw.distinct(name)
    return got if got is not None else {v for v in getattr(raw, name) if isinstance(v, str | int)}


def _touch_gateway(s: Session, park_id: int, gateway: str, now: int) -> None:
    at = datetime.fromtimestamp(now, UTC)
    values = {
        "park_id": park_id,
        "gateway": gateway,
        "status": "online",
        "last_seen_at": at,
        "last_batch_at": at,
    }
    dialect = s.get_bind().dialect.name
    ins = postgresql.insert(GatewayStatus) if dialect == "postgresql" else sqlite.insert(GatewayStatus)
    s.execute(
        ins.values(**values).on_conflict_do_update(
            index_elements=["park_id", "gateway"], set_={"last_seen_at": at, "last_batch_at": at}
        )
    )


def submit_readings(
    db: Database,
    settings: Settings,
    p: Principal,
    body: bytes,
    *,
    content_type: str | None = None,
    content_encoding: str | None = None,
    park_id: int | None = None,
    now: int | None = None,
) -> ReadingsResult:
    """``POST /readings``: parse, authorise per row, store; the per-row report."""
    if p.api_key is None and not p.memberships and not p.is_platform_admin:
        raise Forbidden("writing readings needs an API key, or a user who manages meters")
    budget = _decompression_budget(settings.ingest_decompressed_total_bytes)
    with gc_paused(len(body) > BULK_BODY_BYTES), budget.claim() as claim:
        try:
            raw = parse_body(
                body,
                content_type=content_type,
                content_encoding=content_encoding,
                max_rows=settings.ingest_max_batch,
                max_bytes=settings.ingest_max_decompressed_bytes,
                claim=claim,
            )
        except IntakeError as exc:
            raise _to_service_error(exc) from exc
        report = ingest_raw(
            db,
            raw,
            scope=scope_for(p, park_id),
            actor=_actor(p),
            source="api",
            now=now,
            api_key_id=p.api_key.api_key_id if p.api_key else None,
        )
        return result_of(report)


def result_of(report: IngestReport) -> ReadingsResult:
    return ReadingsResult(
        rows=report.rows,
        accepted=report.accepted,
        duplicates=report.duplicates,
        corrections=report.corrections,
        flagged=report.flagged,
        meters=report.meters,
        rejected=[RowRejection(**r.as_dict()) for r in report.rejected],
        warnings=report.warnings,
        batch_log_id=report.batch_log_id,
    )


# ------------------------------------------------------------------------------------ reading back


def get_meter_for_data(s: Session, p: Principal, meter_id: int) -> Meter:
    """The meter, if ``p`` may read its meter-level data (else NotFound/Forbidden)."""
    access.require_user(p)
    meter = s.get(Meter, meter_id)
    if meter is None:
        raise NotFound("meter not found")
    access.require_park_visible(p, meter.park_id, "meter")
    if meter.enterprise_id is None:
        if not access.is_park_staff(p, meter.park_id) and not p.is_platform_admin:
            raise Forbidden("park-owned meter data is visible to park staff")
        return meter
    if not access.can_read_enterprise_data(s, p, meter.park_id, meter.enterprise_id, GrantScope.METER_DATA):
        raise Forbidden("the enterprise has not shared its meter data with you")
    return meter


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def meter_readings(
    db: Database, p: Principal, meter_id: int, *, start: datetime, end: datetime, limit: int = 10_000
) -> MeterSeries:
    """Stored readings of a meter in ``[start, end)`` with their interval consumption and flags."""
    with db.read() as s:
        meter = get_meter_for_data(s, p, meter_id)
        rows = s.execute(
            select(Reading.ts, Reading.value, Reading.delta, Reading.flags)
            .where(
                Reading.meter_id == meter_id,
                Reading.ts >= int(start.timestamp()),
                Reading.ts < int(end.timestamp()),
            )
            .order_by(Reading.ts)
            .limit(limit + 1)
        ).all()
        data = [
            ReadingPoint(ts=_dt(t), value=v, delta=d, flags=qf.flag_names(f)) for t, v, d, f in rows[:limit]
        ]
        return MeterSeries(
            meter_id=meter.id,
            code=meter.code,
            unit=meter.unit,
            kind=meter.kind,
            data=data,
            count=len(data),
            truncated=len(rows) > limit,
        )


def meter_revisions(
    db: Database, p: Principal, meter_id: int, *, limit: int = 1000
) -> list[ReadingRevisionPublic]:
    """Corrections of a meter's readings, newest first."""
    with db.read() as s:
        get_meter_for_data(s, p, meter_id)
        rows = s.scalars(
            select(ReadingRevision)
            .where(ReadingRevision.meter_id == meter_id)
            .order_by(ReadingRevision.id.desc())
            .limit(limit)
        ).all()
        return [
            ReadingRevisionPublic(
                ts=_dt(r.ts),
                old_value=r.old_value,
                new_value=r.new_value,
                old_flags=qf.flag_names(r.old_flags),
                new_flags=qf.flag_names(r.new_flags),
                changed_at=r.changed_at,
                changed_by=r.changed_by,
            )
            for r in rows
        ]


def set_gas_conditions(db: Database, p: Principal, meter_id: int, data: GasConditions) -> GasConditions:
    """Declare a gas meter's working conditions (enables m3 → Nm3 conversion at intake)."""
    access.require_user(p)
    with db.transaction() as s:
        meter = s.get(Meter, meter_id)
        if meter is None or (not p.is_platform_admin and meter.park_id not in p.park_ids):
            raise NotFound("meter not found")
        if not access.can_manage_enterprise(p, meter.park_id, meter.enterprise_id):
            raise Forbidden("declaring gas conditions needs park_admin, or enterprise_admin of the owner")
        row = s.get(MeterGasConditions, meter_id)
        before: dict[str, Any] | None = audit.snapshot(row)
        if row is None:
            s.execute(
                insert(MeterGasConditions).values(
                    meter_id=meter_id,
                    park_id=meter.park_id,
                    enterprise_id=meter.enterprise_id,
                    **data.model_dump(),
                )
            )
        else:
            row.temperature_c = data.temperature_c
            row.pressure_kpa_abs = data.pressure_kpa_abs
        audit.record(
            s,
            p,
            "meter.gas_conditions",
            entity="meter",
            entity_id=meter_id,
            park_id=meter.park_id,
            enterprise_id=meter.enterprise_id,
            before=before,
            after=data.model_dump(),
        )
    return data


# ------------------------------------------------------------------------------------------ template


def readings_template(db: Database, p: Principal, park_id: int) -> ReadingsBatch:
    """An example batch naming the park's meters the caller may see (one reading each, now)."""
    from parkcarbon.services.registry.meters import visible_meters

    access.require_park_visible(p, park_id)
    with db.read() as s:
        park = s.get(Park, park_id)
        if park is None:
            raise NotFound("park not found")
        meters = s.scalars(visible_meters(s, p).where(Meter.park_id == park_id).limit(50)).all()
        from zoneinfo import ZoneInfo

        now = datetime.now(ZoneInfo(park.timezone)).replace(second=0, microsecond=0)
        return ReadingsBatch(
            gateway="gw-01",
            batch_id=f"example-{int(now.timestamp())}",
            readings=[
                ReadingIn(meter_code=m.code, ts=now.isoformat(), value=0.0, unit=m.unit, kind=m.kind)
                for m in meters
            ],
        )


def template_csv(batch: ReadingsBatch) -> str:
    """The CSV form of a batch: ``meter_code,ts,value,unit,kind`` (formula-like cells neutralised)."""
    rows: list[list[Any]] = [["meter_code", "ts", "value", "unit", "kind"]]
    rows += [[r.meter_code, r.ts, r.value, r.unit, r.kind] for r in batch.readings]
    return sheets.write_csv(rows, bom=False).decode("utf-8")
