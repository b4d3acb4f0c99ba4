"""The enterprise file (一企一档): profile, facilities, emission sources, products, documents, targets,
and carbon monitoring. Members of the enterprise write; grantees and assigned verifiers read."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Response, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.enterprise import documents, monitoring, profile
from parkcarbon.services.enterprise.schemas import (
    DocumentPublic,
    DocumentUpload,
    EnterpriseFile,
    FacilityCreate,
    FacilityPublic,
    FacilityUpdate,
    Monitoring,
    ProductCreate,
    ProductPublic,
    ProductUpdate,
    ProfileUpdate,
    SourceCreate,
    SourcePublic,
    SourceUpdate,
    TargetPublic,
    TargetSet,
)
from parkcarbon.services.pagination import Page, PageParams

router = APIRouter(tags=["enterprise"])
T = TypeVar("T")
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="reporting year (default: this year)")]


def page_of(items: list[T], page: PageParams) -> Page[T]:
    """A page of a short, fully loaded list (an enterprise's facilities, sources …)."""
    return Page(data=items[page.offset : page.offset + page.limit], count=len(items), **page.model_dump())


@router.get("/enterprises/{enterprise_id}/file", response_model=EnterpriseFile)
def read_enterprise_file(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath
) -> EnterpriseFile:
    """One enterprise, one file: profile, boundary, contacts and counts of its parts."""
    return profile.get_file(runtime.db, principal, enterprise_id)


@router.patch("/enterprises/{enterprise_id}/file", response_model=EnterpriseFile)
def update_enterprise_file(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: ProfileUpdate
) -> EnterpriseFile:
    """Change the profile; the credit code's check character (GB 32100-2015) is verified."""
    return profile.update_file(runtime.db, principal, enterprise_id, body)


@router.get("/enterprises/{enterprise_id}/facilities", response_model=Page[FacilityPublic])
def list_facilities(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, page: PageDep
) -> Page[FacilityPublic]:
    return page_of(profile.list_facilities(runtime.db, principal, enterprise_id), page)


@router.post(
    "/enterprises/{enterprise_id}/facilities",
    response_model=FacilityPublic,
    status_code=status.HTTP_201_CREATED,
)
def create_facility(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: FacilityCreate
) -> FacilityPublic:
    return profile.create_facility(runtime.db, principal, enterprise_id, body)


@router.patch("/facilities/{facility_id}", response_model=FacilityPublic)
def update_facility(
    runtime: RuntimeDep, principal: PrincipalDep, facility_id: IdPath, body: FacilityUpdate
) -> FacilityPublic:
    return profile.update_facility(runtime.db, principal, facility_id, body)


@router.delete("/facilities/{facility_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_facility(runtime: RuntimeDep, principal: PrincipalDep, facility_id: IdPath) -> None:
    profile.delete_facility(runtime.db, principal, facility_id)


@router.get("/enterprises/{enterprise_id}/sources", response_model=Page[SourcePublic])
def list_sources(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, page: PageDep
) -> Page[SourcePublic]:
    return page_of(profile.list_sources(runtime.db, principal, enterprise_id), page)


@router.post(
    "/enterprises/{enterprise_id}/sources", response_model=SourcePublic, status_code=status.HTTP_201_CREATED
)
def create_source(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: SourceCreate
) -> SourcePublic:
    """Add an emission source, linked to meters of the enterprise or fed by uploaded activity data."""
    return profile.create_source(runtime.db, principal, enterprise_id, body)


@router.patch("/sources/{source_id}", response_model=SourcePublic)
def update_source(
    runtime: RuntimeDep, principal: PrincipalDep, source_id: IdPath, body: SourceUpdate
) -> SourcePublic:
    return profile.update_source(runtime.db, principal, source_id, body)


@router.delete("/sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(runtime: RuntimeDep, principal: PrincipalDep, source_id: IdPath) -> None:
    profile.delete_source(runtime.db, principal, source_id)


@router.get("/enterprises/{enterprise_id}/products", response_model=Page[ProductPublic])
def list_products(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, page: PageDep
) -> Page[ProductPublic]:
    return page_of(profile.list_products(runtime.db, principal, enterprise_id), page)


@router.post(
    "/enterprises/{enterprise_id}/products", response_model=ProductPublic, status_code=status.HTTP_201_CREATED
)
def create_product(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: ProductCreate
) -> ProductPublic:
    return profile.create_product(runtime.db, principal, enterprise_id, body)


@router.patch("/products/{product_id}", response_model=ProductPublic)
def update_product(
    runtime: RuntimeDep, principal: PrincipalDep, product_id: IdPath, body: ProductUpdate
) -> ProductPublic:
    return profile.update_product(runtime.db, principal, product_id, body)


@router.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_product(runtime: RuntimeDep, principal: PrincipalDep, product_id: IdPath) -> None:
    profile.delete_product(runtime.db, principal, product_id)


@router.get("/enterprises/{enterprise_id}/documents", response_model=Page[DocumentPublic])
def list_documents(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, page: PageDep
) -> Page[DocumentPublic]:
    """Evidence documents (members, grantees of ``documents``, assigned verifiers; never park staff)."""
    return documents.list_documents(runtime.db, principal, enterprise_id, page)


@router.post(
    "/enterprises/{enterprise_id}/documents",
    response_model=DocumentPublic,
    status_code=status.HTTP_201_CREATED,
    responses={413: {"description": "larger than 10 MiB (problem+json)"}},
)
def upload_document(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: DocumentUpload
) -> DocumentPublic:
    """Upload an evidence file (base64; PDF, images, CSV, text, Office files; at most 10 MiB). Its SHA-256
    is computed and stored; a refused upload stores nothing."""
    return documents.upload_document(runtime.db, principal, enterprise_id, body)


@router.get("/documents/{document_id}", response_model=DocumentPublic)
def read_document(runtime: RuntimeDep, principal: PrincipalDep, document_id: IdPath) -> DocumentPublic:
    return documents.get_document(runtime.db, principal, document_id)


_BINARY = {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


@router.get(
    "/documents/{document_id}/content",
    response_class=Response,
    responses={200: {"description": "the stored bytes (X-Content-SHA256 header)", **_BINARY}},
)
def download_document(runtime: RuntimeDep, principal: PrincipalDep, document_id: IdPath) -> Response:
    found = documents.read_content(runtime.db, principal, document_id)
    return Response(
        found.content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(found.filename)}",
            "X-Content-SHA256": found.sha256,
            "X-Content-Type": found.content_type,
        },
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.delete("/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(runtime: RuntimeDep, principal: PrincipalDep, document_id: IdPath) -> None:
    """Archive a document (enterprise admin): hidden, its bytes kept; a platform admin can restore it."""
    documents.delete_document(runtime.db, principal, document_id)


@router.post("/documents/{document_id}/restore", response_model=DocumentPublic)
def restore_document(runtime: RuntimeDep, principal: PrincipalDep, document_id: IdPath) -> DocumentPublic:
    """Restore an archived document (platform admin)."""
    return documents.restore_document(runtime.db, principal, document_id)


@router.get("/enterprises/{enterprise_id}/targets", response_model=Page[TargetPublic])
def list_targets(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, page: PageDep
) -> Page[TargetPublic]:
    return page_of(profile.list_targets(runtime.db, principal, enterprise_id), page)


@router.post(
    "/enterprises/{enterprise_id}/targets",
    response_model=TargetPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "the year's target was replaced", "model": TargetPublic}},
)
def set_target(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: TargetSet, response: Response
) -> Any:
    """Set the annual emission target of a year (201 when new, 200 when it replaces the year's target)."""
    target, created = profile.set_target(runtime.db, principal, enterprise_id, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return target


@router.get("/enterprises/{enterprise_id}/monitoring", response_model=Monitoring)
def read_monitoring(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    enterprise_id: IdPath,
    year: YearQuery = None,
    as_of: Annotated[date | None, Query(description="date of the running total (default: today)")] = None,
) -> Monitoring:
    """Carbon monitoring: the park monitoring's running emissions (meters and activity data) against the
    annual target, with alert."""
    return monitoring.monitoring(runtime.db, principal, enterprise_id, year=year, as_of=as_of)
