"""Organisations of a park."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.pagination import Page
from parkcarbon.services.registry import organisations
from parkcarbon.services.registry.schemas import OrganisationCreate, OrganisationPublic, OrganisationUpdate
from parkcarbon.vocab import OrgKind

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=Page[OrganisationPublic])
def list_organisations(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    kind: OrgKind | None = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="text in the name, English name, codes or the industry's name"),
    ] = None,
) -> Page[OrganisationPublic]:
    return organisations.list_organisations(runtime.db, principal, page, park_id=park_id, kind=kind, q=q)


@router.post("", response_model=OrganisationPublic, status_code=status.HTTP_201_CREATED)
def create_organisation(
    runtime: RuntimeDep, principal: PrincipalDep, body: OrganisationCreate
) -> OrganisationPublic:
    return organisations.create_organisation(runtime.db, principal, body)


@router.get("/{org_id}", response_model=OrganisationPublic)
def read_organisation(runtime: RuntimeDep, principal: PrincipalDep, org_id: IdPath) -> OrganisationPublic:
    return organisations.get_organisation(runtime.db, principal, org_id)


@router.patch("/{org_id}", response_model=OrganisationPublic)
def update_organisation(
    runtime: RuntimeDep, principal: PrincipalDep, org_id: IdPath, body: OrganisationUpdate
) -> OrganisationPublic:
    return organisations.update_organisation(runtime.db, principal, org_id, body)


@router.delete("/{org_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_organisation(runtime: RuntimeDep, principal: PrincipalDep, org_id: IdPath) -> None:
    """Archive the organisation (its data is kept, hidden; a platform admin can restore it)."""
    organisations.delete_organisation(runtime.db, principal, org_id)


@router.post("/{org_id}/restore", response_model=OrganisationPublic)
def restore_organisation(runtime: RuntimeDep, principal: PrincipalDep, org_id: IdPath) -> OrganisationPublic:
    """Restore an archived organisation (platform admin)."""
    return organisations.restore_organisation(runtime.db, principal, org_id)
