"""Schemas of the energy services (综合能源服务): balance, dispatch requests and plans."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from parkcarbon.services.schemas import RequestModel

Kw = Annotated[float, Field(ge=0, le=1e7)]
Kwh = Annotated[float, Field(ge=0, le=1e8)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Price = Annotated[float, Field(ge=-100, le=100, description="CNY/kWh")]
AssetId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Profile = Annotated[list[Annotated[float, Field(ge=0, le=1e7)]], Field(min_length=96, max_length=96)]
Step = Annotated[int, Field(ge=0, le=96)]


class PvIn(RequestModel):
    id: AssetId
    profile_kw: Profile = Field(
        description="available AC output per 15-min step [kW], or per kWp if kwp given"
    )
    kwp: Kw | None = None
    curtailable: bool = True


class BatteryIn(RequestModel):
    id: AssetId
    energy_kwh: Kwh
    power_kw: Kw
    charge_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.95
    discharge_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.95
    soc_min: Fraction = 0.1
    soc_max: Fraction = 0.9
    soc_initial: Fraction = 0.5
    soc_final_min: Fraction | None = None
    degradation_cny_per_kwh: Annotated[float, Field(ge=0, le=100)] = 0.0


class EvSessionIn(RequestModel):
    id: AssetId
    arrival_step: Step
    departure_step: Step
    energy_kwh: Kwh
    max_power_kw: Kw


class FlexibleLoadIn(RequestModel):
    id: AssetId
    start_step: Step
    end_step: Step
    energy_kwh: Kwh
    max_power_kw: Kw


class BasicChargeIn(RequestModel):
    basis: Literal["capacity", "demand"]
    price_cny_per_kw_month: Annotated[float, Field(ge=0, le=1000)]
    capacity_kva: Kw | None = None
    month_peak_so_far_kw: Kw = 0.0
    document: Annotated[str, StringConstraints(max_length=200)] = ""


class DispatchRequest(RequestModel):
    """A day-ahead plan request: the day, the inflexible load forecast and the assets."""

    day: date
    load_kw: Profile
    prices_cny_per_kwh: dict[Literal["tip", "peak", "flat", "valley", "deep_valley"], Price] | None = Field(
        default=None, description="price of each TOU period; default the library's reference prices (L)"
    )
    export_cny_per_kwh: Price = 0.0
    basic_charge: BasicChargeIn | None = None
    carbon_cny_per_tco2: Annotated[float, Field(ge=0, le=10_000)] = 0.0
    grid_factor_tco2_per_mwh: Annotated[float, Field(ge=0, le=2)] = 0.0
    import_limit_kw: Kw | None = None
    export_limit_kw: Kw = 0.0
    pv: Annotated[list[PvIn], Field(default_factory=list, max_length=50)]
    batteries: Annotated[list[BatteryIn], Field(default_factory=list, max_length=50)]
    ev_sessions: Annotated[list[EvSessionIn], Field(default_factory=list, max_length=500)]
    flexible_loads: Annotated[list[FlexibleLoadIn], Field(default_factory=list, max_length=100)]
    battery_exclusive: Literal["auto", "lp", "milp"] = "auto"


class BillPublic(BaseModel):
    energy_cny: float
    export_revenue_cny: float
    demand_cny: float
    carbon_cny: float
    degradation_cny: float
    total_cny: float
    peak_import_kw: float
    energy_by_period_kwh: dict[str, float]
    capacity_cny_month: float
    emissions_tco2: float


class SeriesPublic(BaseModel):
    id: str
    values: list[float]


class BatteryPlanPublic(BaseModel):
    id: str
    charge_kw: list[float]
    discharge_kw: list[float]
    soc_kwh: list[float]


class CounterfactualPublic(BaseModel):
    """No battery, EVs and flexible loads at full power from arrival (unmanaged)."""

    import_kw: list[float]
    export_kw: list[float]
    bill: BillPublic


class DispatchPlan(BaseModel):
    enterprise_id: int | None
    park_id: int
    day: date
    step_hours: float
    periods: list[str]
    import_price_cny_per_kwh: list[float]
    load_kw: list[float]
    import_kw: list[float]
    export_kw: list[float]
    pv_kw: list[float]
    pv_curtailed_kw: list[float]
    batteries: list[BatteryPlanPublic]
    ev_sessions: list[SeriesPublic]
    flexible_loads: list[SeriesPublic]
    bill: BillPublic
    counterfactual: CounterfactualPublic
    savings_cny: float
    formulation: str
    lp_relaxation_exact: bool
    binding: list[str]
    tariff_region: str
    tariff_document: str
    tariff_confidence: str
    explanation: str


class BalanceLinePublic(BaseModel):
    kind: str
    carrier: str
    node: str
    name: str
    quantity: float | None
    unit: str | None
    energy: float


class CarrierBalancePublic(BaseModel):
    carrier: str
    purchased: float
    generated: float
    exported: float
    metered_use: float
    remainder: float
    metered_share: float | None
    coefficient_tce_per_unit: dict[str, float]
    citations: list[str]


class SankeyNodePublic(BaseModel):
    name: str
    label_zh: str
    label_en: str
    kind: str


class SankeyLinkPublic(BaseModel):
    source: str
    target: str
    value: float


class WarningPublic(BaseModel):
    code: str
    message: str


class EnergyBalancePublic(BaseModel):
    """Sources = exported + metered use + remainder (losses and unmetered), in ``unit``."""

    park_id: int
    enterprise_id: int | None
    area_id: int | None
    start: date
    end: date
    unit: str
    supply: float
    exported: float
    metered_use: float
    remainder: float
    metered_share: float | None
    closes: bool
    carriers: list[CarrierBalancePublic]
    lines: list[BalanceLinePublic]
    sankey_nodes: list[SankeyNodePublic]
    sankey_links: list[SankeyLinkPublic]
    warnings: list[WarningPublic]
    enterprises_as_totals: list[int] = Field(
        description="enterprises shown only as totals (no meter_data grant): their sub-meters stay private"
    )


class TariffCoveragePublic(BaseModel):
    region: str
    tou_periods: bool
    tou_prices: bool
    deep_valley: bool
    holidays: bool
    basic_charge_prices: bool
    document: str
