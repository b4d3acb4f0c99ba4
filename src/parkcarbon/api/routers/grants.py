"""Data-access grants by enterprises."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.pagination import Page
from parkcarbon.services.registry import grants
from parkcarbon.services.registry.schemas import GrantCreate, GrantPublic

router = APIRouter(prefix="/grants", tags=["grants"])


@router.get("", response_model=Page[GrantPublic])
def list_grants(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    enterprise_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Page[GrantPublic]:
    return grants.list_grants(runtime.db, principal, page, enterprise_id=enterprise_id)


@router.post("", response_model=GrantPublic, status_code=status.HTTP_201_CREATED)
def create_grant(runtime: RuntimeDep, principal: PrincipalDep, body: GrantCreate) -> GrantPublic:
    """Share a scope of the enterprise's data with another organisation of the park."""
    return grants.create_grant(runtime.db, principal, body)


@router.get("/{grant_id}", response_model=GrantPublic)
def read_grant(runtime: RuntimeDep, principal: PrincipalDep, grant_id: IdPath) -> GrantPublic:
    return grants.get_grant(runtime.db, principal, grant_id)


@router.post("/{grant_id}/revoke", response_model=GrantPublic)
def revoke_grant(runtime: RuntimeDep, principal: PrincipalDep, grant_id: IdPath) -> GrantPublic:
    return grants.revoke_grant(runtime.db, principal, grant_id)
