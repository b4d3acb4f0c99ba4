"""Activity data that is not metered: spreadsheet and bill upload, single records, listing, template."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.intake import unmetered_activity
from parkcarbon.services.intake.unmetered_activity import (
    ActivityRecordCreate,
    ActivityRecordPublic,
    UploadReport,
)
from parkcarbon.services.pagination import Page

router = APIRouter(prefix="/enterprises/{enterprise_id}/activity-data", tags=["activity data"])

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
        "description": "the file itself (CSV or XLSX); the header names the columns of the template",
    },
    "responses": {
        "422": {"description": "every row refused (problem+json; `errors` lists row, field, reason)"}
    },
}


@router.get("", response_model=Page[ActivityRecordPublic])
def list_activity_data(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    enterprise_id: IdPath,
    page: PageDep,
    carrier: Annotated[str | None, Query(max_length=32)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Page[ActivityRecordPublic]:
    """Activity records of the enterprise (members, park staff, or grantees of ``inventory``)."""
    return unmetered_activity.list_records(
        runtime.db, principal, enterprise_id, page, carrier=carrier, year=year
    )


@router.post("", response_model=ActivityRecordPublic, status_code=status.HTTP_201_CREATED)
def create_activity_record(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: ActivityRecordCreate
) -> ActivityRecordPublic:
    """Record one purchase, delivery or bill."""
    return unmetered_activity.create_record(runtime.db, principal, enterprise_id, body)


@router.post("/upload", response_model=UploadReport, openapi_extra=_UPLOAD_DOC)
async def upload_activity_data(
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    enterprise_id: IdPath,
    filename: Annotated[str | None, Query(max_length=200)] = None,
    dry_run: Annotated[bool, Query(description="validate only; store nothing")] = False,
) -> UploadReport:
    """Upload a CSV or XLSX file of activity data: every valid row is stored, every other row comes
    back with its reasons (the validation report)."""
    data = await request.body()
    return await run_in_threadpool(
        unmetered_activity.upload,
        runtime.db,
        principal,
        enterprise_id,
        data,
        filename=filename,
        content_type=request.headers.get("content-type"),
        dry_run=dry_run,
    )


@router.get("/template", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def activity_data_template(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    enterprise_id: IdPath,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "xlsx",
) -> Response:
    """The upload template (XLSX with an instructions sheet, or CSV)."""
    content, media, name = unmetered_activity.template(runtime.db, principal, enterprise_id, format)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
