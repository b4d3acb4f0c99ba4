"""Schemas of the enterprise end: the file, documents, targets, inventories and MRV cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from parkcarbon.core.codes import credit_code_error, industry_error
from parkcarbon.core.options import GUIDELINES
from parkcarbon.services.metering.consumption import AccountingProfileUsed, ProfileDifference
from parkcarbon.services.registry.schemas import Id, Name, Province
from parkcarbon.services.schemas import PatchModel, RequestModel


def _credit_code(value: str) -> str:
    value = value.strip().upper()
    reason = credit_code_error(value)
    if reason:
        raise ValueError(reason)
    return value


def _industry(value: str) -> str:
    value = value.strip().upper()
    reason = industry_error(value)
    if reason:
        raise ValueError(reason)
    return value


CreditCode = Annotated[str, StringConstraints(max_length=18), AfterValidator(_credit_code)]
IndustryCode = Annotated[str, StringConstraints(max_length=8), AfterValidator(_industry)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Text4000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Year = Annotated[int, Field(ge=2000, le=2100, description="reporting year")]
Amount = Annotated[float, Field(ge=0, le=1e15)]

FacilityKind = Literal[
    "site", "workshop", "production_line", "boiler", "kiln", "equipment", "building", "other"
]
SourceCategory = Literal[
    "fuel_combustion", "purchased_electricity", "purchased_heat", "process", "fugitive", "other"
]
DataSource = Literal["meters", "uploads", "manual"]
Frequency = Literal["continuous", "daily", "monthly", "per_delivery", "annual"]
DocumentKind = Literal[
    "invoice", "meter_reading", "calibration", "lab_report", "contract", "monitoring_plan", "report", "other"
]
Method = Literal["GB/T 32150-2025", "GB/T 32150-2015", "ISO 14064-1:2018", "GHG Protocol"]
SectorGuideline = Literal[GUIDELINES]  # type: ignore[valid-type]
Market = Literal["national_ets", "provincial_ets", "voluntary"]
CaseStatus = Literal[
    "planning",
    "monitoring",
    "reporting",
    "submitted",
    "under_review",
    "corrections_requested",
    "verified",
    "archived",
]
CaseAction = Literal[
    "approve_plan",
    "start_report",
    "submit",
    "start_review",
    "request_corrections",
    "resubmit",
    "verify",
    "archive",
]
MonthDay = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]


# ----------------------------------------------------------------------------------------- the file


class Contact(RequestModel):
    name: Name
    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9+() -]{5,32}$")] | None = None
    email: EmailStr | None = None


class Boundary(RequestModel):
    """Organisational boundary (核算边界)."""

    approach: Literal["operational_control", "financial_control", "equity_share"] = "operational_control"
    description: Text4000 | None = None
    sites: list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    exclusions: Text4000 | None = None


class ProfileUpdate(PatchModel):
    nullable = frozenset(
        {
            "credit_code",
            "industry_code",
            "province",
            "address",
            "legal_representative",
            "established",
            "employees",
            "boundary",
        }
    )
    credit_code: CreditCode | None = Field(
        default=None, description="unified social credit code (GB 32100-2015, check character verified)"
    )
    industry_code: IndustryCode | None = Field(default=None, description="GB/T 4754-2017, e.g. C3130")
    province: Province | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    legal_representative: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        None
    )
    established: date | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    contacts: list[Contact] | None = Field(default=None, max_length=20)
    boundary: Boundary | None = None


class FileCounts(BaseModel):
    facilities: int
    sources: int
    products: int
    documents: int
    inventories: int


class EnterpriseFile(BaseModel):
    """One enterprise, one file (一企一档)."""

    enterprise_id: int
    park_id: int
    name: str
    name_en: str | None
    credit_code: str | None
    industry_code: str | None
    industry: str | None = Field(description="GB/T 4754-2017 division name")
    industry_en: str | None = Field(default=None, description="the division's English name")
    province: str | None
    address: str | None
    legal_representative: str | None
    established: date | None
    employees: int | None
    contacts: list[Contact]
    boundary: Boundary | None
    counts: FileCounts
    updated_at: datetime | None


class FacilityCreate(RequestModel):
    name: Name
    kind: FacilityKind = "workshop"
    area_id: Id | None = None
    in_boundary: bool = True
    description: Text4000 | None = None


class FacilityUpdate(PatchModel):
    nullable = frozenset({"area_id", "description"})
    name: Name | None = None
    kind: FacilityKind | None = None
    area_id: Id | None = None
    in_boundary: bool | None = None
    description: Text4000 | None = None


class FacilityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    name: str
    kind: str
    area_id: int | None
    in_boundary: bool
    description: str | None
    created_at: datetime


class SourceCreate(RequestModel):
    name: Name
    category: SourceCategory | None = Field(
        default=None, description="derived from the carrier (or process/gas) when omitted"
    )
    carrier: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = Field(
        default=None, description="energy carrier id; omit for process and fugitive sources"
    )
    unit: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    use: Literal["combustion", "feedstock", "exported", "purchased"] | None = None
    facility_id: Id | None = None
    data_source: DataSource = "meters"
    meter_ids: list[Id] = Field(default_factory=list, max_length=100)
    calc_params: dict[str, Any] | None = Field(
        default=None,
        description="further activity fields of the accounting contract (process, gas, ncv, pressure_mpa …)",
    )
    monitoring_method: Text500 | None = None
    frequency: Frequency = "continuous"


class SourceUpdate(PatchModel):
    nullable = frozenset({"facility_id", "calc_params", "monitoring_method", "use"})
    name: Name | None = None
    use: Literal["combustion", "feedstock", "exported", "purchased"] | None = None
    facility_id: Id | None = None
    data_source: DataSource | None = None
    meter_ids: list[Id] | None = Field(default=None, max_length=100)
    calc_params: dict[str, Any] | None = None
    monitoring_method: Text500 | None = None
    frequency: Frequency | None = None
    active: bool | None = None


class SourcePublic(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    facility_id: int | None
    name: str
    category: str
    carrier: str | None
    unit: str
    use: str | None
    data_source: str
    meter_ids: list[int]
    calc_params: dict[str, Any] | None
    monitoring_method: str | None
    frequency: str
    active: bool
    created_at: datetime


class ProductCreate(RequestModel):
    name: Name
    product_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    description: Text4000 | None = None


class ProductUpdate(PatchModel):
    nullable = frozenset({"product_code", "description"})
    name: Name | None = None
    product_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)] | None = None
    description: Text4000 | None = None


class ProductPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    name: str
    product_code: str | None
    unit: str
    description: str | None
    created_at: datetime


class DocumentUpload(RequestModel):
    """An evidence file, its content in base64 (at most 10 MiB decoded)."""

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    content_base64: Annotated[str, StringConstraints(min_length=1, max_length=14_000_000)]
    content_type: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="guessed from the file name when omitted"
    )
    kind: DocumentKind = "other"
    description: Text500 | None = None


class DocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    kind: str
    description: str | None
    uploaded_by: str
    created_at: datetime


class TargetSet(RequestModel):
    year: Year
    target_tco2e: Annotated[float, Field(gt=0, le=1e10, description="annual emission target [tCO2e]")]
    note: Text500 | None = None


class TargetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    year: int
    target_tco2e: float
    note: str | None
    created_at: datetime


class MonthPoint(BaseModel):
    month: int
    label: str
    tco2e: float | None
    tce: float | None
    cumulative_tco2e: float | None
    target_cumulative_tco2e: float | None


class Monitoring(BaseModel):
    """Running emissions of the year against the annual target (碳监测): the park monitoring's figures
    for the enterprise (metered rollups plus unmetered activity data, the park's accounting profile)."""

    park_id: int
    enterprise_id: int
    year: int
    as_of: date
    elapsed_fraction: float = Field(description="share of the year elapsed at as_of (days)")
    target_tco2e: float | None
    ytd_tco2e: float
    ytd_tce: float
    target_path_tco2e: float | None = Field(description="target × elapsed fraction (linear path)")
    projected_tco2e: float | None = Field(
        description="year-end projection of the park monitoring (see projection_method)"
    )
    projection_method: Literal["plan", "seasonal", "linear", "none"] = Field(
        description="plan: YTD + remaining planned output × YTD intensity; seasonal: YTD ÷ last year's share "
        "by the same day; linear: YTD ÷ elapsed fraction of the year"
    )
    pace_ratio: float | None = Field(description="ytd ÷ target path")
    alert: bool
    message: str
    months: list[MonthPoint]
    coefficients: list[dict[str, Any]]
    warnings: list[str]


# ------------------------------------------------------------------------------------ inventories


class ProductOutput(BaseModel):
    product_id: Id
    quantity: Amount


class InventoryCreate(RequestModel):
    year: Year
    method: Method | None = Field(
        default=None, description="default: the GB/T 32150 edition in force on 31 December of the year"
    )
    sector_guideline: SectorGuideline | None = Field(
        default=None, description="sector part whose default fuel parameters apply"
    )
    options: dict[str, Any] | None = Field(
        default=None, description="accounting options (docs/accounting.md), e.g. electricity_factor, gwp"
    )
    product_outputs: list[ProductOutput] = Field(default_factory=list, max_length=100)
    output_value_10k_cny: Annotated[float, Field(ge=0, le=1e12)] | None = None


class LineOverride(RequestModel):
    """A manual override of one line's activity data: the reason and an evidence document are required."""

    quantity: Amount
    reason: Required
    evidence_document_id: Id


class InventoryLinePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    inventory_id: int
    park_id: int
    enterprise_id: int
    position: int
    activity_id: str
    source_id: int | None
    source_name: str
    category: str
    carrier: str | None
    unit: str
    use: str | None
    origin: str
    auto_quantity: float | None
    quantity: float
    override_reason: str | None
    evidence_document_id: int | None
    overridden_by: str | None
    data_lineage: dict[str, Any] | None
    quality: dict[str, Any] | None
    tce: float | None
    tco2e: float | None
    result: dict[str, Any] | None


class InventoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    year: int
    version: int
    method: str
    sector_guideline: str | None
    status: str
    based_on_id: int | None
    region: str
    total_tco2e: float | None
    total_tce: float | None
    factor_library_version: str | None
    calculated_at: datetime | None
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    submitted_by: str | None


class InventoryDetail(InventoryPublic):
    options: dict[str, Any]
    accounting_profile: AccountingProfileUsed | None = Field(
        default=None,
        description="the options the inventory was calculated with (source 'park' when "
        "they are the park's accounting profile, the default of a new inventory)",
    )
    profile_differences: list[ProfileDifference] = Field(
        default_factory=list,
        description="where the inventory's options differ from the park's profile, which the park's "
        "monitoring uses: why the two figures of the same enterprise-year differ",
    )
    supplementary: dict[str, Any] | None
    request: dict[str, Any] | None = Field(description="the exact request given to the accounting engine")
    totals: dict[str, Any] | None
    warnings: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    diff: dict[str, Any] | None
    snapshot_sha256: str | None
    lines: list[InventoryLinePublic]


# ---------------------------------------------------------------------------------------------- MRV


class CaseCreate(RequestModel):
    enterprise_id: Id
    year: Year
    market: Market = "national_ets"
    verifier_organisation_id: Id | None = None


class CaseUpdate(PatchModel):
    nullable = frozenset({"verifier_organisation_id"})
    verifier_organisation_id: Id | None = None


class CaseAct(RequestModel):
    action: CaseAction
    inventory_id: Id | None = Field(default=None, description="submit/resubmit: the submitted inventory")
    note: Text4000 | None = Field(default=None, description="verify: the verification opinion")


class ReviewCreate(RequestModel):
    months: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(
        default=None, max_length=12, description="months reviewed (default: all twelve)"
    )
    note: Text500 | None = None


class CommentCreate(RequestModel):
    text: Required
    kind: Literal["comment", "correction"] = "comment"
    line_id: Id | None = Field(default=None, description="the inventory line the remark is about")


class CommentResolve(RequestModel):
    response: Required


class CasePublic(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    enterprise_name: str
    enterprise_name_en: str | None = Field(
        default=None, description="the enterprise's English name, if recorded"
    )
    year: int
    market: str
    province: str | None
    status: str
    verifier_organisation_id: int | None
    verifier_name: str | None
    verifier_name_en: str | None = Field(default=None, description="the verifier's English name, if recorded")
    verifier_accepted_at: datetime | None = Field(
        description="when the enterprise accepted the verifier; null while it is only proposed"
    )
    inventory_id: int | None
    reported_tco2e: float | None = Field(description="total of the submitted inventory under review")
    verified_tco2e: float | None
    report_due: date
    verification_due: date
    overdue: Literal["report", "verification"] | None
    days_overdue: int | None
    submitted_at: datetime | None
    verified_at: datetime | None
    archived_at: datetime | None
    created_at: datetime


class ReviewPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    month: int
    summary: dict[str, Any]
    note: str | None
    reviewed_by: str
    reviewed_at: datetime


class CommentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    case_id: int
    park_id: int
    enterprise_id: int
    inventory_id: int | None
    line_id: int | None
    activity_id: str | None
    author_side: str
    author: str
    kind: str
    text: str
    status: str
    response: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action: str
    from_status: str | None
    to_status: str
    actor: str
    note: str | None
    at: datetime


class CaseDetail(CasePublic):
    plan: dict[str, Any] | None
    verification_opinion: str | None
    reviews: list[ReviewPublic]
    comments: list[CommentPublic]
    events: list[EventPublic]
    allowed_actions: list[str] = Field(description="actions the caller may take now")


class ActionState(BaseModel):
    """One next step of an MRV case on the caller's side: allowed now, or why not."""

    action: str
    allowed: bool
    code: str | None = Field(default=None, description="error code of the unmet precondition")
    reason: str | None = Field(default=None, description="the unmet precondition, in English")
    inventory_id: int | None = Field(
        default=None, description="submit/resubmit: the newest submitted inventory of the year"
    )


class CalendarCreate(RequestModel):
    market: Market
    province: Province | None = Field(default=None, description="empty: every province of the park")
    report_due: MonthDay = Field(default="03-31", description="MM-DD of the year after the reporting year")
    verification_due: MonthDay = Field(default="06-30", description="MM-DD of the year after")


class CalendarPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    market: str
    province: str | None
    report_due: str
    verification_due: str
    created_at: datetime


class Reminder(BaseModel):
    case_id: int
    park_id: int
    enterprise_id: int
    enterprise_name: str
    enterprise_name_en: str | None = Field(
        default=None, description="the enterprise's English name, if recorded"
    )
    year: int
    market: str
    status: str
    stage: Literal["report", "verification"]
    due: date
    days_left: int = Field(description="negative when overdue")
    overdue: bool
