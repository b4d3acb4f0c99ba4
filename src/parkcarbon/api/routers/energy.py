"""Integrated energy services (综合能源服务): energy balance and Sankey, day-ahead plans, tariff gaps.

Thin: every decision (who may read or plan) is in ``services/energy`` → ``services/access``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from parkcarbon.api.deps import IdPath, PrincipalDep, RuntimeDep
from parkcarbon.services import energy
from parkcarbon.services.energy.schemas import (
    DispatchPlan,
    DispatchRequest,
    EnergyBalancePublic,
    TariffCoveragePublic,
)
from parkcarbon.services.errors import InvalidInput

router = APIRouter(tags=["energy"])

_ISO = r"^\d{4}-\d{2}-\d{2}$"
StartQuery = Annotated[str, Query(pattern=_ISO, description="first park-local day (YYYY-MM-DD)")]
EndQuery = Annotated[str, Query(pattern=_ISO, description="day after the last day (YYYY-MM-DD)")]


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(name, "not a calendar date (YYYY-MM-DD)") from None

UnitQuery = Annotated[Literal["tce", "GJ"], Query(description="unit of every flow (1 tce = 29.3076 GJ)")]
AreaQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="one area and its sub-areas")]


@router.get("/enterprises/{enterprise_id}/energy/balance", response_model=EnergyBalancePublic)
def read_enterprise_energy_balance(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, start: StartQuery, end: EndQuery,
    unit: UnitQuery = "tce",
) -> EnergyBalancePublic:  # fmt: skip
    """Energy balance (能源平衡) of the enterprise: sources → uses → losses/unmetered, Sankey-ready."""
    a, b = _day("start", start), _day("end", end)
    return energy.enterprise_balance(runtime.db, principal, enterprise_id, start=a, end=b, unit=unit)


@router.get("/parks/{park_id}/energy/balance", response_model=EnergyBalancePublic)
def read_park_energy_balance(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, start: StartQuery, end: EndQuery,
    unit: UnitQuery = "tce", area_id: AreaQuery = None,
) -> EnergyBalancePublic:  # fmt: skip
    """Energy balance of the park or one area; enterprises that have not granted meter data as totals."""
    db = runtime.db
    a, b = _day("start", start), _day("end", end)
    return energy.park_balance(db, principal, park_id, start=a, end=b, unit=unit, area_id=area_id)


@router.post("/enterprises/{enterprise_id}/energy/dispatch", response_model=DispatchPlan)
def plan_enterprise_dispatch(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: DispatchRequest
) -> DispatchPlan:
    """Day-ahead plan (96 × 15 min) of the enterprise's PV, batteries, EV sessions and flexible loads."""
    return energy.enterprise_dispatch(runtime.db, principal, enterprise_id, body)


@router.post("/parks/{park_id}/energy/dispatch", response_model=DispatchPlan)
def plan_park_dispatch(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, body: DispatchRequest
) -> DispatchPlan:
    """Day-ahead plan of the park's shared assets on its own connection (park admin)."""
    return energy.park_dispatch(runtime.db, principal, park_id, body)


@router.get("/energy/tariff-coverage", response_model=list[TariffCoveragePublic])
def read_tariff_coverage(
    principal: PrincipalDep,
    on: Annotated[str, Query(pattern=_ISO, description="date the tariffs are in force (YYYY-MM-DD)")],
) -> list[TariffCoveragePublic]:
    """What the tariff library holds per province — the explicit gap list."""
    return energy.tariff_gaps(principal, _day("on", on))
