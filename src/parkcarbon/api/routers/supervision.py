"""Park supervision (园区监管端), part 1: settings, targets, monthly economic data and product output.

park_admin sets targets and settings; park_admin or an enterprise's admin records economic data and
product output (single records, bulk JSON, CSV/XLSX upload with a per-row report); park_admin,
park_analyst and regulator read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.pagination import Page, PageParams
from parkcarbon.services.supervision import targets, uploads
from parkcarbon.services.supervision.schemas import (
    BulkEconomics,
    BulkProductOutput,
    BulkReport,
    BulkTargets,
    EconomicsPublic,
    EconomicsRecord,
    ProductOutputPublic,
    ProductOutputRecord,
    SettingsPublic,
    SettingsUpdate,
    TargetPublic,
    TargetSet,
)

router = APIRouter(tags=["supervision"])

YearFilter = Annotated[int | None, Query(ge=2000, le=2100, description="calendar year")]
KindFilter = Annotated[Literal["actual", "plan"] | None, Query(description="actual figures or the plan")]
EnterpriseFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="one enterprise")]


def _page(items: list[Any], page: PageParams) -> Page[Any]:
    return Page(data=items[page.offset : page.offset + page.limit], count=len(items), **page.model_dump())


@router.get("/parks/{park_id}/supervision/settings", response_model=SettingsPublic)
def read_supervision_settings(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath
) -> SettingsPublic:
    """The park's supervision settings: intensity basis, thresholds, tariff region, webhook."""
    return targets.get_settings(runtime.db, principal, park_id)


@router.patch("/parks/{park_id}/supervision/settings", response_model=SettingsPublic)
def update_supervision_settings(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, body: SettingsUpdate
) -> SettingsPublic:
    """Change the settings (park_admin). The webhook secret is write-only."""
    return targets.update_settings(runtime.db, principal, park_id, body)


@router.get("/parks/{park_id}/targets", response_model=Page[TargetPublic])
def list_supervision_targets(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    page: PageDep,
    year: YearFilter = None,
    enterprise_id: EnterpriseFilter = None,
) -> Page[TargetPublic]:
    """Annual energy and carbon targets of the park and its enterprises."""
    return _page(
        targets.list_targets(runtime.db, principal, park_id, year=year, enterprise_id=enterprise_id), page
    )


@router.post(
    "/parks/{park_id}/targets",
    response_model=TargetPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "the year's target was updated", "model": TargetPublic}},
)
def set_supervision_target(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, body: TargetSet, response: Response
) -> Any:
    """Set a year's targets of the park (no ``enterprise_id``) or of an enterprise (park_admin): 201 when
    new, 200 when it updates the year's targets. Omitted figures keep their value; ``null`` clears one."""
    target, created = targets.set_target(runtime.db, principal, park_id, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return target


@router.post("/parks/{park_id}/bulk/targets", response_model=BulkReport)
def set_supervision_targets(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, body: BulkTargets
) -> BulkReport:
    """Set many targets at once (park_admin); every row is stored or refused with its reason."""
    return targets.set_targets(runtime.db, principal, park_id, body.rows)


@router.delete("/parks/{park_id}/targets/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_supervision_target(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, target_id: IdPath
) -> None:
    """Delete a target (park_admin)."""
    targets.delete_target(runtime.db, principal, park_id, target_id)


@router.get("/parks/{park_id}/economics", response_model=Page[EconomicsPublic])
def list_economics(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    page: PageDep,
    year: YearFilter = None,
    enterprise_id: EnterpriseFilter = None,
    kind: KindFilter = None,
) -> Page[EconomicsPublic]:
    """Monthly output value and value added [万元] of the park's enterprises."""
    rows = targets.list_economics(
        runtime.db, principal, park_id, year=year, enterprise_id=enterprise_id, kind=kind
    )
    return _page(rows, page)


@router.post(
    "/enterprises/{enterprise_id}/economics",
    response_model=EconomicsPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "the month was updated", "model": EconomicsPublic}},
)
def record_economics(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    enterprise_id: IdPath,
    body: EconomicsRecord,
    response: Response,
) -> Any:
    """Record a month's output value and/or value added (park_admin or the enterprise's admin)."""
    row, created = targets.record_economics(runtime.db, principal, enterprise_id, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return row


@router.post("/parks/{park_id}/bulk/economics", response_model=BulkReport)
def record_economics_bulk(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, body: BulkEconomics
) -> BulkReport:
    """Record many months of economic data; every row is stored or refused with its reason."""
    return targets.record_economics_bulk(runtime.db, principal, park_id, body.rows)


@router.get("/parks/{park_id}/product-outputs", response_model=Page[ProductOutputPublic])
def list_product_outputs(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    page: PageDep,
    year: YearFilter = None,
    enterprise_id: EnterpriseFilter = None,
    kind: KindFilter = None,
) -> Page[ProductOutputPublic]:
    """Monthly product output of the park's enterprises (products of the enterprise file)."""
    rows = targets.list_product_outputs(
        runtime.db, principal, park_id, year=year, enterprise_id=enterprise_id, kind=kind
    )
    return _page(rows, page)


@router.post(
    "/enterprises/{enterprise_id}/product-outputs",
    response_model=ProductOutputPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "the month was updated", "model": ProductOutputPublic}},
)
def record_product_output(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    enterprise_id: IdPath,
    body: ProductOutputRecord,
    response: Response,
) -> Any:
    """Record a month's output of one of the enterprise's products (park_admin or its admin)."""
    row, created = targets.record_product_output(runtime.db, principal, enterprise_id, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return row


@router.post("/parks/{park_id}/bulk/product-outputs", response_model=BulkReport)
def record_product_output_bulk(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, body: BulkProductOutput
) -> BulkReport:
    """Record many months of product output; every row is stored or refused with its reason."""
    return targets.record_product_output_bulk(runtime.db, principal, park_id, body.rows)


_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
        "description": "the file itself (CSV or XLSX) with the columns of the template",
    },
    "responses": {
        "422": {"description": "unreadable header, or every row refused (`errors` lists row, field, reason)"}
    },
}


@router.post("/parks/{park_id}/economics/upload", response_model=BulkReport, openapi_extra=_UPLOAD_DOC)
async def upload_economic_data(
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    filename: Annotated[str | None, Query(max_length=200)] = None,
    dry_run: Annotated[bool, Query(description="validate only; store nothing")] = False,
) -> BulkReport:
    """Upload monthly economic data and product output (CSV or XLSX): every valid row is stored, every
    other row comes back with its line, field and reason."""
    data = await request.body()
    return await run_in_threadpool(
        uploads.upload,
        runtime.db,
        principal,
        park_id,
        data,
        filename=filename,
        content_type=request.headers.get("content-type"),
        dry_run=dry_run,
    )


@router.get(
    "/parks/{park_id}/economics/template",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
def economic_data_template(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "xlsx",
) -> Response:
    """The upload template (XLSX with an instructions sheet, or CSV)."""
    content, media, name = uploads.template(runtime.db, principal, park_id, format)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
