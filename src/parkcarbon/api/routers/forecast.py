"""Forecasts (能源预测): the latest stored forecast of a meter, an enterprise or the park, and its model card.

Reading never trains a model: runs are made by the service (``services/forecast``) — by the schedule
or the CLI. An enterprise's forecasts (and its meters') are read by the enterprise itself and its
``meter_data`` grantees; the park total by park staff, the park's regulators and the platform admin.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parkcarbon.api.deps import IdPath, PrincipalDep, RuntimeDep
from parkcarbon.services.forecast import ForecastOut, latest_forecast

router = APIRouter(tags=["forecast"])

CarrierQuery = Annotated[str, Query(max_length=32, pattern=r"^[a-z_]+$", description="energy carrier id")]


@router.get("/parks/{park_id}/forecasts/meters/{meter_id}", response_model=ForecastOut)
def read_meter_forecast(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    meter_id: IdPath,
    carrier: CarrierQuery = "electricity",
) -> ForecastOut:
    """The latest forecast of one meter (P10/P50/P90 per hour) and the card of the model used."""
    return latest_forecast(runtime.db, principal, park_id, scope="meter", scope_id=meter_id, carrier=carrier)


@router.get("/parks/{park_id}/forecasts/enterprises/{enterprise_id}", response_model=ForecastOut)
def read_enterprise_forecast(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    enterprise_id: IdPath,
    carrier: CarrierQuery = "electricity",
) -> ForecastOut:
    """The latest forecast of an enterprise's total (its own login or a ``meter_data`` grant)."""
    return latest_forecast(
        runtime.db, principal, park_id, scope="enterprise", scope_id=enterprise_id, carrier=carrier
    )


@router.get("/parks/{park_id}/forecasts/park", response_model=ForecastOut)
def read_park_forecast(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, carrier: CarrierQuery = "electricity"
) -> ForecastOut:
    """The latest forecast of the park's total (park staff, regulators)."""
    return latest_forecast(runtime.db, principal, park_id, scope="park", scope_id=park_id, carrier=carrier)
