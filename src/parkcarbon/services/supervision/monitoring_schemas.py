"""Schemas of dual-control monitoring (能耗双控监测) and early warning (预警): figures, flags, warnings.

Energy is comprehensive energy consumption in tonnes of standard coal equivalent [tce] (GB/T 2589-2020),
carbon is emissions in tonnes of CO2 equivalent [tCO2e]; intensities are per 万元 (10⁴ CNY, current
prices) of gross output value or value added, as the park's settings choose. No cost figure of an
enterprise appears here: the park sees totals and intensities, never costs (DESIGN.md, §2.3.1).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from parkcarbon.services.metering.consumption import AccountingProfileUsed

Level = Literal["red", "orange", "yellow", "info"]
WarningStatus = Literal["open", "acknowledged", "resolved"]
ProjectionMethod = Literal["plan", "seasonal", "linear", "none"]


class Threshold(BaseModel):
    """A statutory threshold used for a flag, with its source."""

    key: Literal["key_energy_unit", "ets_emitter"]
    value: float
    unit: str
    document: str
    clause: str
    edition: str
    confidence: Literal["H", "M", "L"]
    note: str


class FlowQuantity(BaseModel):
    """One electricity flow: its quantity and the tce / tCO2e computed from it (exports negative)."""

    quantity: float = Field(description="physical quantity of the flow (positive)")
    tce: float
    tco2e: float


class CarrierFigure(BaseModel):
    carrier: str
    unit: str | None = Field(description="unit of the physical quantity")
    ytd_quantity: float = Field(
        description="the quantity ytd_tce was computed from (electricity: purchased − exported; own PV "
        "generation is in ytd_flows only)"
    )
    mtd_quantity: float
    ytd_flows: dict[str, FlowQuantity] = Field(
        default_factory=dict,
        description="electricity per flow: purchased (grid), self_generated (PV: no tce, already netted "
        "in the main meter), exported (deducted)",
    )
    mtd_flows: dict[str, FlowQuantity] = Field(default_factory=dict)
    ytd_tce: float
    ytd_tco2e: float
    mtd_tce: float
    mtd_tco2e: float
    share_tce_pct: float | None = Field(description="share of the scope's year-to-date tce [%]")


class Figures(BaseModel):
    """Year-to-date and month-to-date totals and intensities of one scope (park, enterprise, area,
    industry), with year-on-year and month-on-month comparisons, targets and the year-end projection."""

    ytd_tce: float = Field(description="energy, 1 January to as_of [tce]")
    ytd_tco2e: float = Field(description="emissions, 1 January to as_of [tCO2e]")
    mtd_tce: float = Field(description="energy, first of the month to as_of [tce]")
    mtd_tco2e: float
    last_year_ytd_tce: float | None = Field(description="energy of the same period last year [tce]")
    last_year_ytd_tco2e: float | None
    yoy_tce_pct: float | None = Field(description="(ytd − last year's same period) ÷ last year's × 100")
    yoy_tco2e_pct: float | None
    prev_mtd_tce: float | None = Field(description="energy of the same days of the previous month [tce]")
    prev_mtd_tco2e: float | None
    mom_tce_pct: float | None = Field(
        description="month on month of the per-day rates: (mtd ÷ its days) ÷ (previous month's window ÷ its "
        "days) × 100 − 100 (core.dualcontrol.per_day_change; the plain change when the days are equal)"
    )
    mom_tco2e_pct: float | None
    mom_days: list[float] | None = Field(
        default=None, description="days of this month's and the previous month's compared windows"
    )
    mom_holiday_affected: bool = Field(
        default=False, description="this or the previous month holds this year's Spring Festival (春节)"
    )
    festival_pooled_months: list[int] = Field(
        default_factory=list,
        description="months pooled in the seasonal profile because the Spring Festival moved between them",
    )
    last_year_tce: float | None = Field(description="energy of the whole previous year [tce]")
    last_year_tco2e: float | None
    economic_10k_cny: float | None = Field(
        description="year-to-date denominator on the intensity basis [万元]: the months with actual data"
    )
    intensity_months: list[int] = Field(description="months whose energy and economics form the intensity")
    energy_intensity: float | None = Field(description="tce/万元 over intensity_months")
    carbon_intensity: float | None = Field(description="tCO2e/万元 over intensity_months")
    last_year_energy_intensity: float | None = Field(description="tce/万元, same months of last year")
    last_year_carbon_intensity: float | None
    target_energy_tce: float | None
    target_carbon_tco2e: float | None
    target_energy_intensity: float | None
    target_carbon_intensity: float | None
    energy_progress_pct: float | None = Field(description="ytd_tce ÷ target_energy_tce × 100")
    carbon_progress_pct: float | None = Field(description="ytd_tco2e ÷ target_carbon_tco2e × 100")
    expected_share: float = Field(
        description="share of the year's energy normally used by as_of (the projection's divisor)"
    )
    projected_tce: float | None = Field(description="year-end projection [tce]")
    projected_tco2e: float | None
    projection_method: ProjectionMethod
    completeness_pct: float | None = Field(
        description="readings received ÷ expected, month to date, over the scope's meters [%]"
    )
    missing_factor: bool = Field(description="some consumption lacks a tce/tCO2e coefficient")
    comparison_cutoff: datetime | None = Field(
        default=None,
        description="park-local end of the compared windows: YoY and MoM compare 1 January / the first "
        "of the month to this same day and time (the last full hour when as_of is today)",
    )
    ytd_to_cutoff_tce: float | None = Field(
        default=None, description="energy, 1 January to comparison_cutoff: this year's side of the YoY [tce]"
    )
    ytd_to_cutoff_tco2e: float | None = None
    mtd_to_cutoff_tce: float | None = Field(
        default=None, description="energy, first of the month to comparison_cutoff: the MoM's side [tce]"
    )
    yoy_comparable: bool | None = Field(
        default=None, description="last year has data in every month of the compared period"
    )
    last_year_coverage_pct: float | None = Field(
        default=None, description="months of the compared period with last-year data ÷ months × 100"
    )
    yoy_subjects_covered: int | None = Field(
        default=None, description="park/industry: enterprises in the year on year (comparable ones)"
    )
    yoy_subjects: int | None = Field(default=None, description="park/industry: enterprises in the scope")


class EnterpriseFigures(Figures):
    enterprise_id: int
    name: str
    name_en: str | None
    industry_code: str | None = Field(description="GB/T 4754-2017 code")
    industry_division: str | None = Field(description="GB/T 4754-2017 division (大类) code")
    area_ids: list[int] = Field(description="areas its meters are in")
    key_energy_unit: bool = Field(description="重点用能单位: annual energy ≥ the key-unit threshold")
    ets_emitter: bool = Field(description="ETS-covered emitter: annual emissions ≥ the ETS threshold")
    annual_tce: float | None = Field(description="the flag's basis: max(last year, this year's projection)")
    annual_tco2e: float | None
    meters: int
    offline_meters: int
    online_completeness_pct: float | None = Field(
        default=None,
        description="completeness_pct over the meters that are online: the data_gap warning's basis "
        "(an offline meter's missing readings are its offline_meter warning, not a second one) [%]",
    )


class AreaFigures(Figures):
    area_id: int | None
    name: str | None
    name_en: str | None
    monthly_tce: list[float | None] = Field(description="energy of each month of the year [tce] (null ahead)")


class IndustryFigures(Figures):
    industry_division: str | None = Field(description="GB/T 4754-2017 division (大类), e.g. 31")
    name: str | None = Field(description="division name (zh-CN)")
    enterprises: int


class MonthFigure(BaseModel):
    month: int
    tce: float | None = Field(description="this year's energy of the month (to as_of) [tce]")
    tco2e: float | None
    last_year_tce: float | None
    last_year_tco2e: float | None
    cumulative_tce: float | None
    cumulative_tco2e: float | None
    target_path_tce: float | None = Field(description="energy target × seasonal share by month end")
    target_path_tco2e: float | None


class PeriodDifference(BaseModel):
    """A basis on which this year's figures and last year's (the YoY's two sides) differ: the GB/T 32150
    edition the profile applies to each year, or a carrier's coefficient (a grid factor of another year)."""

    item: Literal["standard", "tce_per_unit", "tco2e_per_unit"]
    carrier: str | None = None
    unit: str | None = None
    this_year: str | float | None
    last_year: str | float | None


class ParkMonitoring(BaseModel):
    park_id: int
    year: int
    as_of: date
    month: int
    timezone: str
    intensity_basis: Literal["output_value", "value_added"]
    thresholds: list[Threshold]
    park: Figures
    carriers: list[CarrierFigure]
    months: list[MonthFigure]
    enterprises: list[EnterpriseFigures]
    areas: list[AreaFigures]
    period_differences: list[PeriodDifference] = Field(
        default_factory=list,
        description="where the accounting basis of this year and last year differ (edition, coefficients): "
        "shown beside the YoY",
    )
    industries: list[IndustryFigures]
    coefficients: list[dict[str, Any]] = Field(description="tce/tCO2e coefficients used, with lineage")
    warnings: list[str]
    accounting_profile: AccountingProfileUsed | None = Field(
        default=None, description="the accounting profile every tce and tCO2e here was computed with"
    )
    notes: list[str] = Field(description="how the figures were formed")


class MeterFigure(BaseModel):
    meter_id: int
    code: str | None
    name: str | None
    carrier: str
    unit: str | None
    parent_id: int | None
    ytd_quantity: float
    mtd_quantity: float
    ytd_tce: float | None
    ytd_tco2e: float | None
    completeness_pct: float | None
    online: bool | None


class EnterpriseMonitoring(BaseModel):
    park_id: int
    year: int
    as_of: date
    intensity_basis: Literal["output_value", "value_added"]
    enterprise: EnterpriseFigures
    carriers: list[CarrierFigure]
    months: list[MonthFigure]
    meters: list[MeterFigure] | None = Field(
        description="per meter, when the enterprise shared its meter data with the caller; else null"
    )
    meters_note: str | None
    coefficients: list[dict[str, Any]]
    warnings: list[str]
    accounting_profile: AccountingProfileUsed | None = Field(
        default=None, description="the accounting profile every tce and tCO2e here was computed with"
    )


class PowerPoint(BaseModel):
    bucket: datetime
    label: str
    kwh: float = Field(description="electricity imported in the hour [kWh] (= mean kW over the hour)")
    estimated_kwh: float


class PowerCurve(BaseModel):
    park_id: int
    enterprise_id: int | None
    start: datetime
    end: datetime
    points: list[PowerPoint]
    peak_kw: float | None
    note: str


# ---------------------------------------------------------------------------------------- warnings


class WarningPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int | None
    year: int
    rule: str
    key: str
    level: Level
    status: WarningStatus
    value: float | None
    reason_zh: str
    reason_en: str
    numbers: dict[str, Any]
    raise_count: int
    first_raised_at: datetime
    last_raised_at: datetime
    evaluated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_note: str | None
    resolved_at: datetime | None


class WarningEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    warning_id: int
    at: datetime
    action: str
    level: str
    value: float | None
    actor: str
    note: str | None


class WarningAck(BaseModel):
    """Acknowledge a warning with a note (what is being done about it)."""

    model_config = ConfigDict(strict=True)
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class EvaluationResult(BaseModel):
    park_id: int
    year: int
    as_of: date
    raised: int = Field(description="new warnings")
    reraised: int = Field(description="acknowledged warnings raised again because they worsened")
    updated: int = Field(description="open warnings whose numbers changed")
    resolved: int = Field(description="warnings whose condition no longer holds")
    open: int
    notifications: int
    webhook_deliveries: int = Field(description="new webhook deliveries of this evaluation")
    webhook_retries: int = Field(
        default=0,
        description="earlier failed deliveries retried by this evaluation (at most 5 attempts each)",
    )
    webhook_failures: int = Field(description="attempts of this evaluation that failed (new and retried)")


class NotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    warning_id: int | None
    event: str
    level: str
    title_zh: str
    title_en: str
    created_at: datetime
    read_at: datetime | None


class WebhookDeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    warning_id: int | None
    event: str
    url: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class WarningGroup(BaseModel):
    """Count of the warnings of one status, level and kind (rule)."""

    status: str
    level: str
    rule: str
    count: int


class WarningSummary(BaseModel):
    """Warnings of a park counted by a grouped query (not from a page of the listing)."""

    park_id: int
    year: int | None
    open_count: int = Field(description="warnings with status 'open'")
    total: int
    groups: list[WarningGroup] = Field(description="most severe level first, then status, then rule")
