"""Carbon inventories (碳盘查): assemble and calculate, override with evidence, submit (freeze), revise,
and download the report (Chinese PDF/XLSX, English ISO 14064-1 / GHG Protocol summary)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.api.routers.enterprise import YearQuery, page_of
from parkcarbon.services.enterprise import inventory, report
from parkcarbon.services.enterprise.schemas import (
    InventoryCreate,
    InventoryDetail,
    InventoryPublic,
    LineOverride,
)
from parkcarbon.services.pagination import Page

router = APIRouter(tags=["inventories"])


@router.get("/enterprises/{enterprise_id}/inventories", response_model=Page[InventoryPublic])
def list_inventories(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, page: PageDep, year: YearQuery = None
) -> Page[InventoryPublic]:
    return page_of(inventory.list_inventories(runtime.db, principal, enterprise_id, year=year), page)


@router.post(
    "/enterprises/{enterprise_id}/inventories",
    response_model=InventoryDetail,
    status_code=status.HTTP_201_CREATED,
)
def create_inventory(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: InventoryCreate
) -> InventoryDetail:
    """Assemble the year's activity data from meter rollups and uploads and calculate it (a draft)."""
    return inventory.create_inventory(runtime.db, principal, enterprise_id, body)


@router.get("/inventories/{inventory_id}", response_model=InventoryDetail)
def read_inventory(runtime: RuntimeDep, principal: PrincipalDep, inventory_id: IdPath) -> InventoryDetail:
    """An inventory version: lines with data lineage, engine results with factors, totals, diff."""
    return inventory.get_inventory(runtime.db, principal, inventory_id)


@router.patch("/inventories/{inventory_id}/lines/{line_id}", response_model=InventoryDetail)
def override_inventory_line(
    runtime: RuntimeDep, principal: PrincipalDep, inventory_id: IdPath, line_id: IdPath, body: LineOverride
) -> InventoryDetail:
    """Override a line's activity data by hand: ``reason`` and ``evidence_document_id`` are required."""
    return inventory.override_line(runtime.db, principal, inventory_id, line_id, body)


@router.post("/inventories/{inventory_id}/recalculate", response_model=InventoryDetail)
def recalculate_inventory(
    runtime: RuntimeDep, principal: PrincipalDep, inventory_id: IdPath
) -> InventoryDetail:
    """Re-assemble a draft from the current data (overrides kept) and calculate it again."""
    return inventory.recalculate(runtime.db, principal, inventory_id)


@router.post("/inventories/{inventory_id}/submit", response_model=InventoryDetail)
def submit_inventory(runtime: RuntimeDep, principal: PrincipalDep, inventory_id: IdPath) -> InventoryDetail:
    """Freeze the version (enterprise admin): later data or factor changes never alter it."""
    return inventory.submit_inventory(runtime.db, principal, inventory_id)


@router.post(
    "/inventories/{inventory_id}/revisions",
    response_model=InventoryDetail,
    status_code=status.HTTP_201_CREATED,
)
def revise_inventory(runtime: RuntimeDep, principal: PrincipalDep, inventory_id: IdPath) -> InventoryDetail:
    """A new version from the current data and factors, with a diff against this one."""
    return inventory.create_revision(runtime.db, principal, inventory_id)


@router.get(
    "/inventories/{inventory_id}/report",
    response_class=Response,
    responses={
        200: {
            "description": "the report file",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}} for media in report.MEDIA.values()
            },
        },
        503: {"description": "no embeddable CJK font on the server (problem+json names the remedy)"},
    },
)
def download_report(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    inventory_id: IdPath,
    format: Annotated[Literal["pdf", "xlsx"], Query(description="pdf or xlsx")] = "pdf",
    language: Annotated[
        Literal["zh", "en"],
        Query(description="zh: 企业温室气体排放报告; en: ISO 14064-1 / GHG Protocol summary"),
    ] = "zh",
) -> Response:
    """The enterprise GHG emissions report of this version; every figure is the stored engine answer."""
    found = report.build_report(runtime.db, principal, inventory_id, fmt_=format, language=language)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename, safe='')}"},
    )
