"""Park supervision (园区监管端), part 2: benchmarking (能耗对标) and energy-saving diagnosis (节能诊断).

The quota catalogue and TOU periods are cited reference data for any signed-in user; the park's
supervision roles see benchmarking and diagnosis of every enterprise, an enterprise's members their own.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from parkcarbon.api.deps import IdPath, PrincipalDep, RuntimeDep
from parkcarbon.core.tariffs import tou_regions, tou_schedule
from parkcarbon.services import access
from parkcarbon.services.clock import park_today
from parkcarbon.services.errors import InvalidInput
from parkcarbon.services.schemas import Timestamp
from parkcarbon.services.supervision import benchmarking, diagnosis
from parkcarbon.services.supervision.analysis_schemas import (
    BenchmarkReport,
    DiagnosisReport,
    EnergyQuotasPublic,
    TouPeriodsPublic,
    TouTariffsPublic,
)
from parkcarbon.services.supervision.schemas import ProductBenchmarkPublic, ProductBenchmarkSet

router = APIRouter(tags=["supervision"])

EnterpriseFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="one enterprise")]


@router.get("/energy-quotas", response_model=EnergyQuotasPublic)
def list_energy_quotas(principal: PrincipalDep) -> EnergyQuotasPublic:
    """National energy-consumption quota standards (单位产品能源消耗限额) held, with grade thresholds."""
    access.require_user(principal)
    data = benchmarking.list_quotas()
    return EnergyQuotasPublic(data=data, count=len(data))


@router.get("/tou-tariffs", response_model=TouTariffsPublic)
def list_tou_tariffs(
    principal: PrincipalDep,
    on: Annotated[
        str | None,
        Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="ISO date the periods apply to (default: today)"),
    ] = None,
) -> TouTariffsPublic:
    """Time-of-use periods (分时电价时段) of the provinces held, in force on ``on``."""
    access.require_user(principal)
    try:
        day = date.fromisoformat(on) if on else park_today()
    except ValueError:
        raise InvalidInput.field("on", "not a calendar date (YYYY-MM-DD)") from None
    out = []
    for region in tou_regions():
        sch = tou_schedule(region, day)
        if sch is None:
            continue
        out.append(
            TouPeriodsPublic(
                region=sch.region,
                document=sch.document,
                title=sch.title,
                valid_from=sch.valid_from,
                valid_to=sch.valid_to,
                grid=[list(m) for m in sch.grid],
                prices_cny_per_kwh=sch.prices,
                price_confidence=sch.price_confidence,
                confidence=sch.confidence,
                sources=list(sch.sources),
            )
        )
    return TouTariffsPublic(data=out, count=len(out))


@router.get("/parks/{park_id}/benchmarking", response_model=BenchmarkReport)
def read_benchmarking(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    year: Annotated[int, Query(ge=2000, le=2100, description="calendar year")],
    enterprise_id: EnterpriseFilter = None,
) -> BenchmarkReport:
    """Unit-product energy of the park's products: quota grade, rank and quartile among peers."""
    return benchmarking.benchmarking(runtime.db, principal, park_id, year=year, enterprise_id=enterprise_id)


@router.put(
    "/enterprises/{enterprise_id}/products/{product_id}/benchmark", response_model=ProductBenchmarkPublic
)
def set_product_benchmark(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    enterprise_id: IdPath,
    product_id: IdPath,
    body: ProductBenchmarkSet,
) -> ProductBenchmarkPublic:
    """Assign a product's quota and its share of the enterprise's energy (park_admin or enterprise_admin)."""
    return benchmarking.set_product_benchmark(runtime.db, principal, enterprise_id, product_id, body)


@router.get("/parks/{park_id}/diagnosis", response_model=DiagnosisReport)
def read_diagnosis(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    enterprise_id: EnterpriseFilter = None,
    end: Annotated[
        Timestamp | None, Query(description="end of the window, ISO 8601 with offset (default: now)")
    ] = None,
    days: Annotated[int, Query(ge=7, le=366, description="length of the window [days]")] = 28,
) -> DiagnosisReport:
    """Energy-saving findings from the hourly rollups, each with evidence, annual saving and service kind."""
    return diagnosis.diagnosis(
        runtime.db, principal, park_id, enterprise_id=enterprise_id, end=end, days=days
    )
