"""Areas of a park."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.pagination import Page
from parkcarbon.services.registry import areas
from parkcarbon.services.registry.schemas import AreaCreate, AreaPublic, AreaUpdate

router = APIRouter(prefix="/areas", tags=["areas"])


@router.get("", response_model=Page[AreaPublic])
def list_areas(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Page[AreaPublic]:
    return areas.list_areas(runtime.db, principal, page, park_id=park_id)


@router.post("", response_model=AreaPublic, status_code=status.HTTP_201_CREATED)
def create_area(runtime: RuntimeDep, principal: PrincipalDep, body: AreaCreate) -> AreaPublic:
    return areas.create_area(runtime.db, principal, body)


@router.get("/{area_id}", response_model=AreaPublic)
def read_area(runtime: RuntimeDep, principal: PrincipalDep, area_id: IdPath) -> AreaPublic:
    return areas.get_area(runtime.db, principal, area_id)


@router.patch("/{area_id}", response_model=AreaPublic)
def update_area(
    runtime: RuntimeDep, principal: PrincipalDep, area_id: IdPath, body: AreaUpdate
) -> AreaPublic:
    return areas.update_area(runtime.db, principal, area_id, body)


@router.delete("/{area_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_area(runtime: RuntimeDep, principal: PrincipalDep, area_id: IdPath) -> None:
    areas.delete_area(runtime.db, principal, area_id)
