"""Meters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.pagination import Page
from parkcarbon.services.registry import meters
from parkcarbon.services.registry.schemas import MeterCreate, MeterPublic, MeterUpdate

router = APIRouter(prefix="/meters", tags=["meters"])
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("", response_model=Page[MeterPublic])
def list_meters(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: OptionalId = None,
    enterprise_id: OptionalId = None,
    area_id: OptionalId = None,
    carrier: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[MeterPublic]:
    return meters.list_meters(
        runtime.db,
        principal,
        page,
        park_id=park_id,
        enterprise_id=enterprise_id,
        area_id=area_id,
        carrier=carrier,
    )


@router.post("", response_model=MeterPublic, status_code=status.HTTP_201_CREATED)
def create_meter(runtime: RuntimeDep, principal: PrincipalDep, body: MeterCreate) -> MeterPublic:
    return meters.create_meter(runtime.db, principal, body)


@router.get("/{meter_id}", response_model=MeterPublic)
def read_meter(runtime: RuntimeDep, principal: PrincipalDep, meter_id: IdPath) -> MeterPublic:
    return meters.get_meter(runtime.db, principal, meter_id)


@router.patch("/{meter_id}", response_model=MeterPublic)
def update_meter(
    runtime: RuntimeDep, principal: PrincipalDep, meter_id: IdPath, body: MeterUpdate
) -> MeterPublic:
    return meters.update_meter(runtime.db, principal, meter_id, body)


@router.delete("/{meter_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_meter(runtime: RuntimeDep, principal: PrincipalDep, meter_id: IdPath) -> None:
    """Archive the meter (readings are kept; a platform admin can restore it)."""
    meters.delete_meter(runtime.db, principal, meter_id)


@router.post("/{meter_id}/restore", response_model=MeterPublic)
def restore_meter(runtime: RuntimeDep, principal: PrincipalDep, meter_id: IdPath) -> MeterPublic:
    """Restore an archived meter (platform admin)."""
    return meters.restore_meter(runtime.db, principal, meter_id)
