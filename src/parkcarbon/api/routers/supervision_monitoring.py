"""Park supervision (园区监管端), part 2: dual-control monitoring, the live power curve and early warning.

park_admin, park_analyst and regulator read the park's figures and warnings; an enterprise's members
read their own enterprise's figures and warnings; park_admin and park_analyst evaluate and acknowledge.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.errors import InvalidInput
from parkcarbon.services.pagination import Page
from parkcarbon.services.supervision import monitoring, warnings
from parkcarbon.services.supervision.monitoring_schemas import (
    EnterpriseMonitoring,
    EvaluationResult,
    NotificationPublic,
    ParkMonitoring,
    PowerCurve,
    WarningAck,
    WarningEventPublic,
    WarningPublic,
    WarningSummary,
    WebhookDeliveryPublic,
)

router = APIRouter(tags=["supervision"])

YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="calendar year (default: this year)")]
AsOfQuery = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="the day running totals are taken at, YYYY-MM-DD (park-local; default today)",
    ),
]


def _date(value: str | None) -> date | None:
    """A calendar date given as YYYY-MM-DD (strict: no numbers, no times)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput.field("as_of", f"not a calendar date: {value!r}") from exc


EnterpriseQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="one enterprise")]


@router.get("/parks/{park_id}/monitoring", response_model=ParkMonitoring)
def read_park_monitoring(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    year: YearQuery = None,
    as_of: AsOfQuery = None,
) -> ParkMonitoring:
    """Year-to-date and month-to-date energy and carbon of the park and of every enterprise, area and
    industry; by carrier; YoY, MoM; targets, projections, flags and data completeness."""
    return monitoring.park_monitoring(runtime.db, principal, park_id, year=year, as_of=_date(as_of))


@router.get("/parks/{park_id}/monitoring/enterprises/{enterprise_id}", response_model=EnterpriseMonitoring)
def read_enterprise_monitoring(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    enterprise_id: IdPath,
    year: YearQuery = None,
    as_of: AsOfQuery = None,
) -> EnterpriseMonitoring:
    """One enterprise's figures and monthly series; its meters when it shared its meter data."""
    result = monitoring.enterprise_monitoring(
        runtime.db, principal, enterprise_id, year=year, as_of=_date(as_of)
    )
    if result.park_id != park_id:
        raise InvalidInput.field("enterprise_id", "no such enterprise in this park")
    return result


@router.get("/parks/{park_id}/monitoring/power", response_model=PowerCurve)
def read_power_curve(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    hours: Annotated[int, Query(ge=1, le=336, description="hours back from now")] = 24,
    enterprise_id: EnterpriseQuery = None,
) -> PowerCurve:
    """Hourly electricity of the park (or one enterprise) over the last hours (hourly rollups)."""
    return monitoring.power_curve(runtime.db, principal, park_id, hours=hours, enterprise_id=enterprise_id)


@router.get("/parks/{park_id}/warnings", response_model=Page[WarningPublic])
def list_supervision_warnings(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    page: PageDep,
    status: Annotated[Literal["open", "acknowledged", "resolved"] | None, Query()] = None,
    level: Annotated[Literal["red", "orange", "yellow", "info"] | None, Query()] = None,
    enterprise_id: EnterpriseQuery = None,
    year: YearQuery = None,
) -> Page[WarningPublic]:
    """Dual-control warnings, open and most severe first."""
    return warnings.list_warnings(
        runtime.db,
        principal,
        park_id,
        page,
        status=status,
        level=level,
        enterprise_id=enterprise_id,
        year=year,
    )


@router.get("/parks/{park_id}/warning-summary", response_model=WarningSummary)
def supervision_warning_summary(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, year: YearQuery = None
) -> WarningSummary:
    """Warnings counted by status, level and kind (rule): the open count and the groups of the listing."""
    return warnings.warning_summary(runtime.db, principal, park_id, year=year)


@router.post("/parks/{park_id}/warning-evaluations", response_model=EvaluationResult)
def evaluate_supervision_warnings(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, as_of: AsOfQuery = None
) -> EvaluationResult:
    """Evaluate the warning rules now (park_admin, park_analyst): raise, update, re-raise, resolve;
    notify and call the webhook."""
    return warnings.evaluate_warnings(runtime.db, principal, park_id, _date(as_of))


@router.get("/parks/{park_id}/warnings/{warning_id}", response_model=WarningPublic)
def read_supervision_warning(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, warning_id: IdPath
) -> WarningPublic:
    """One warning with its reason and numbers."""
    return warnings.get_warning(runtime.db, principal, park_id, warning_id)


@router.get("/parks/{park_id}/warnings/{warning_id}/events", response_model=list[WarningEventPublic])
def list_supervision_warning_events(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, warning_id: IdPath
) -> list[WarningEventPublic]:
    """The history of a warning."""
    return warnings.warning_events(runtime.db, principal, park_id, warning_id)


@router.post("/parks/{park_id}/warnings/{warning_id}/acknowledge", response_model=WarningPublic)
def acknowledge_supervision_warning(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, warning_id: IdPath, body: WarningAck
) -> WarningPublic:
    """Acknowledge with a note (park_admin, park_analyst); raised again if it worsens."""
    return warnings.acknowledge_warning(runtime.db, principal, park_id, warning_id, body)


@router.get("/parks/{park_id}/notifications", response_model=Page[NotificationPublic])
def list_supervision_notifications(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    page: PageDep,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
) -> Page[NotificationPublic]:
    """The caller's in-app notifications in the park."""
    return warnings.list_notifications(runtime.db, principal, park_id, page, unread=unread)


@router.post("/parks/{park_id}/notifications/read", response_model=dict[str, int])
def mark_supervision_notifications_read(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    up_to_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="mark up to this id")] = None,
) -> dict[str, int]:
    """Mark the caller's notifications read; answers ``{"marked": n}``."""
    return {"marked": warnings.mark_notifications_read(runtime.db, principal, park_id, up_to_id=up_to_id)}


@router.get("/parks/{park_id}/webhook-deliveries", response_model=Page[WebhookDeliveryPublic])
def list_webhook_deliveries(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, page: PageDep
) -> Page[WebhookDeliveryPublic]:
    """Deliveries of warning events to the park's webhook (park_admin)."""
    return warnings.list_deliveries(runtime.db, principal, park_id, page)
