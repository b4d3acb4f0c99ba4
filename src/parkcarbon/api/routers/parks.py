"""Parks."""

from __future__ import annotations

from fastapi import APIRouter, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.pagination import Page
from parkcarbon.services.registry import parks
from parkcarbon.services.registry.schemas import ParkCreate, ParkPublic, ParkUpdate

router = APIRouter(prefix="/parks", tags=["parks"])


@router.get("", response_model=Page[ParkPublic])
def list_parks(runtime: RuntimeDep, principal: PrincipalDep, page: PageDep) -> Page[ParkPublic]:
    return parks.list_parks(runtime.db, principal, page)


@router.post("", response_model=ParkPublic, status_code=status.HTTP_201_CREATED)
def create_park(runtime: RuntimeDep, principal: PrincipalDep, body: ParkCreate) -> ParkPublic:
    return parks.create_park(runtime.db, principal, body)


@router.get("/{park_id}", response_model=ParkPublic)
def read_park(runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath) -> ParkPublic:
    return parks.get_park(runtime.db, principal, park_id)


@router.patch("/{park_id}", response_model=ParkPublic)
def update_park(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, body: ParkUpdate
) -> ParkPublic:
    return parks.update_park(runtime.db, principal, park_id, body)


@router.delete("/{park_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_park(runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath) -> None:
    parks.delete_park(runtime.db, principal, park_id)
