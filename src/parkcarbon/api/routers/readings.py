"""Meter data: the readings batch API, meter series, rollups, data quality, meter and gateway status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.api.routers import activity_data
from parkcarbon.services.intake import readings
from parkcarbon.services.intake.schemas import (
    GasConditions,
    GatewayStatusPublic,
    IngestBatchPublic,
    MeterConsumption,
    MeterSeries,
    MeterStatusPublic,
    ReadingRevisionPublic,
    ReadingsBatch,
    ReadingsResult,
)
from parkcarbon.services.metering import consumption as consumption_svc
from parkcarbon.services.metering import quality
from parkcarbon.services.pagination import Page
from parkcarbon.services.schemas import Timestamp

router = APIRouter(tags=["readings"])
# the activity-data routes (item 5 of the intake issue) travel with this router
router.include_router(activity_data.router)

_BATCH_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReadingsBatch"}},
            "text/csv": {
                "schema": {"type": "string"},
                "example": (
                    "meter_code,ts,value,unit,kind\n"
                    "E01-EL-MAIN,2026-11-23T08:00:00+08:00,12345.6,kWh,register\n"
                ),
            },
        },
        "description": "JSON (the gateway contract) or CSV; `Content-Encoding: gzip` accepted.",
    },
    "responses": {
        "413": {"description": "more rows than the configured limit (problem+json); split the batch"},
        "422": {"description": "every row was rejected (problem+json; `errors` lists each row and reason)"},
    },
}

Start = Annotated[
    Timestamp | None, Query(description="inclusive, ISO 8601 with offset (default: end − 1 day)")
]
End = Annotated[Timestamp | None, Query(description="exclusive, ISO 8601 with offset (default: now)")]
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def _window(start: datetime | None, end: datetime | None, default: timedelta) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    start = start or end - default
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start, end


@router.post("/readings", response_model=ReadingsResult, openapi_extra=_BATCH_DOC)
async def submit_readings(
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: OptionalId = None,
) -> ReadingsResult:
    """Submit a batch of readings (JSON or CSV, gzip accepted) with an API key or a user token.

    Every row is accepted, a harmless duplicate, a correction (old value kept as a revision) or
    rejected with its reason; the accepted rows are committed even when others are rejected. When
    every row is rejected the answer is 422 problem+json with the per-row report in ``errors``.
    Timestamps without an offset are read in the park's timezone (a warning says so).
    """
    body = await request.body()
    return await run_in_threadpool(
        readings.submit_readings,
        runtime.db,
        runtime.settings,
        principal,
        body,
        content_type=request.headers.get("content-type"),
        content_encoding=request.headers.get("content-encoding"),
        park_id=park_id,
    )


@router.get(
    "/parks/{park_id}/readings/template",
    response_model=ReadingsBatch,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def readings_template(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> ReadingsBatch | Response:
    """An example batch naming the park's meters (JSON, or CSV with ``?format=csv``)."""
    batch = readings.readings_template(runtime.db, principal, park_id)
    if format == "csv":
        return Response(readings.template_csv(batch), media_type="text/csv; charset=utf-8")
    return batch


@router.get("/readings/batches", response_model=Page[IngestBatchPublic])
def list_ingest_batches(
    runtime: RuntimeDep, principal: PrincipalDep, page: PageDep, park_id: OptionalId = None
) -> Page[IngestBatchPublic]:
    """The intake log: every batch received, with accepted, duplicate, corrected and rejected counts."""
    return quality.list_batches(runtime.db, principal, page, park_id=park_id)


@router.get("/meters/{meter_id}/readings", response_model=MeterSeries)
def read_meter_readings(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    meter_id: IdPath,
    start: Start = None,
    end: End = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> MeterSeries:
    """Raw readings of a meter with interval consumption and flags (enterprise members or grantees)."""
    a, b = _window(start, end, timedelta(days=1))
    return readings.meter_readings(runtime.db, principal, meter_id, start=a, end=b, limit=limit)


@router.get("/meters/{meter_id}/revisions", response_model=list[ReadingRevisionPublic])
def read_meter_revisions(
    runtime: RuntimeDep, principal: PrincipalDep, meter_id: IdPath
) -> list[ReadingRevisionPublic]:
    """Corrections of the meter's readings: old and new value, who and when."""
    return readings.meter_revisions(runtime.db, principal, meter_id)


@router.get("/meters/{meter_id}/consumption", response_model=MeterConsumption)
def read_meter_consumption(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    meter_id: IdPath,
    grain: Annotated[Literal["hour", "day", "month"], Query()] = "hour",
    start: Start = None,
    end: End = None,
) -> MeterConsumption:
    """Hourly, daily or monthly rollups of one meter (enterprise members or grantees)."""
    a, b = _window(start, end, timedelta(days=1))
    return consumption_svc.meter_consumption(runtime.db, principal, meter_id, grain=grain, start=a, end=b)


@router.put("/meters/{meter_id}/gas-conditions", response_model=GasConditions)
def put_gas_conditions(
    runtime: RuntimeDep, principal: PrincipalDep, meter_id: IdPath, body: GasConditions
) -> GasConditions:
    """Declare a gas meter's working temperature and absolute pressure (m3 → Nm3 at intake)."""
    return readings.set_gas_conditions(runtime.db, principal, meter_id, body)


@router.get("/parks/{park_id}/consumption", response_model=consumption_svc.ConsumptionResult)
def read_park_consumption(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    grain: Annotated[Literal["hour", "day", "month"], Query()] = "day",
    start: Start = None,
    end: End = None,
    group_by: Annotated[
        list[Literal["enterprise", "area", "carrier", "meter"]] | None, Query(description="repeatable")
    ] = None,
    enterprise_id: OptionalId = None,
    carrier: Annotated[str | None, Query(max_length=32)] = None,
) -> consumption_svc.ConsumptionResult:
    """Consumption per bucket, grouped by enterprise, area, carrier (or meter, with meter-data rights),
    in physical units, tce and tCO2e (accounting engine, with lineage)."""
    a, b = _window(start, end, timedelta(days=31))
    return consumption_svc.consumption(
        runtime.db,
        principal,
        park_id,
        grain=grain,
        start=a,
        end=b,
        group_by=tuple(group_by or ("carrier",)),
        enterprise_id=enterprise_id,
        carrier=carrier,
    )


@router.get("/parks/{park_id}/data-quality", response_model=quality.QualityReport)
def read_data_quality(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    start: Start = None,
    end: End = None,
    enterprise_id: OptionalId = None,
) -> quality.QualityReport:
    """Completeness per meter and enterprise, flagged intervals, online status over a period."""
    a, b = _window(start, end, timedelta(days=7))
    return quality.quality_report(runtime.db, principal, park_id, start=a, end=b, enterprise_id=enterprise_id)


@router.get("/meters/{meter_id}/gaps", response_model=list[quality.Gap])
def read_meter_gaps(
    runtime: RuntimeDep, principal: PrincipalDep, meter_id: IdPath, start: Start = None, end: End = None
) -> list[quality.Gap]:
    """Gaps in a meter's series (intervals longer than 1.5 × its typical interval)."""
    a, b = _window(start, end, timedelta(days=7))
    return quality.meter_gaps(runtime.db, principal, meter_id, start=a, end=b)


@router.post(
    "/meters/{meter_id}/gap-estimates", response_model=ReadingsResult, status_code=status.HTTP_201_CREATED
)
def estimate_meter_gaps(
    runtime: RuntimeDep, principal: PrincipalDep, meter_id: IdPath, body: quality.GapEstimateRequest
) -> ReadingsResult:
    """Fill a meter's gaps with readings flagged *estimated* (linear, or from similar days' profile)."""
    return quality.estimate_gaps(runtime.db, principal, meter_id, body)


@router.get("/parks/{park_id}/meter-status", response_model=list[MeterStatusPublic])
def read_meter_status(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath
) -> list[MeterStatusPublic]:
    """Online/offline state of the park's meters from their last-seen time."""
    return quality.meter_status(runtime.db, principal, park_id)


@router.get("/parks/{park_id}/gateways", response_model=list[GatewayStatusPublic])
def read_gateways(runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath) -> list[GatewayStatusPublic]:
    """Edge gateways of the park: heartbeat status, last batch, devices online."""
    return quality.gateway_status(runtime.db, principal, park_id)
