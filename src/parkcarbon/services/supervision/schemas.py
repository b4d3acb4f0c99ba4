"""Schemas of the park supervision end: settings, targets, economic data, product output, uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    UrlConstraints,
    model_validator,
)

from parkcarbon.services.registry.schemas import Id, Province
from parkcarbon.services.schemas import PatchModel, RequestModel

Year = Annotated[int, Field(ge=2000, le=2100, description="calendar year")]
Month = Annotated[int, Field(ge=1, le=12, description="month of the year (1–12)")]
IntensityBasis = Literal["output_value", "value_added"]
DataKind = Literal["actual", "plan"]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Positive = Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
Ratio = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]


# ---------------------------------------------------------------------------------------- settings


class SettingsPublic(BaseModel):
    """A park's supervision settings (the webhook secret is never shown)."""

    model_config = ConfigDict(from_attributes=True)
    park_id: int
    intensity_basis: IntensityBasis = Field(
        description="energy/carbon intensity per 万元 of gross output value (单位产值) or of value added "
        "(单位工业增加值), GB/T 2589-2020 §3"
    )
    key_unit_tce: float = Field(description="重点用能单位 threshold [tce/a] (节约能源法; 10 000 tce)")
    ets_tco2e: float = Field(description="national ETS inclusion threshold [tCO2e/a] (26 000)")
    orange_ratio: float = Field(description="orange warning when the projection exceeds this share of target")
    reraise_growth: float = Field(
        description="an acknowledged warning is raised again when its value grows by more than this share"
    )
    intensity_rise_ratio: float = Field(description="rising-intensity warning above this year-on-year rise")
    completeness_min_pct: float = Field(description="data-gap warning below this completeness [%]")
    tariff_region: str = Field(description="province whose time-of-use periods apply (ISO 3166-2:CN)")
    webhook_url: str | None
    webhook_secret_set: bool = Field(description="whether a signing secret is configured")


def _stored_url_fits(url: HttpUrl) -> HttpUrl:
    """The normalised URL (punycode, percent-encoding) is what is stored: it must fit the column."""
    if len(str(url)) > 500:
        raise ValueError("the URL is longer than 500 characters once normalised")
    return url


WebhookUrl = Annotated[HttpUrl, UrlConstraints(max_length=500), AfterValidator(_stored_url_fits)]


class SettingsUpdate(PatchModel):
    model_config = ConfigDict(strict=True)
    nullable = frozenset({"webhook_url", "webhook_secret"})
    intensity_basis: IntensityBasis | None = None
    key_unit_tce: Positive | None = None
    ets_tco2e: Positive | None = None
    orange_ratio: Ratio | None = None
    reraise_growth: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    intensity_rise_ratio: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    completeness_min_pct: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    tariff_region: Province | None = None
    webhook_url: WebhookUrl | None = None
    webhook_secret: Annotated[str, StringConstraints(min_length=16, max_length=128)] | None = None


# ----------------------------------------------------------------------------------------- targets


class TargetSet(RequestModel):
    """Annual targets of the park (no ``enterprise_id``) or of one enterprise. Omitted figures keep their
    stored value; ``null`` clears one."""

    model_config = ConfigDict(strict=True)

    enterprise_id: Id | None = Field(default=None, description="the enterprise; omit for the park's target")
    year: Year
    energy_tce: Positive | None = Field(default=None, description="energy total [tce] (能耗总量)")
    energy_intensity: Positive | None = Field(
        default=None, description="energy intensity [tce/万元] on intensity_basis (能耗强度)"
    )
    carbon_tco2e: Positive | None = Field(default=None, description="carbon total [tCO2e] (碳排放总量)")
    carbon_intensity: Positive | None = Field(
        default=None, description="carbon intensity [tCO2e/万元] on intensity_basis (碳排放强度)"
    )
    intensity_basis: IntensityBasis | None = Field(
        default=None, description="default: the park's intensity basis"
    )
    note: Text500 | None = None


class TargetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int | None
    year: int
    energy_tce: float | None
    energy_intensity: float | None
    carbon_tco2e: float | None
    carbon_intensity: float | None
    intensity_basis: IntensityBasis
    allocated_by_park: bool
    note: str | None
    set_by: str
    updated_at: datetime


# ---------------------------------------------------------------------------------- economic data


class EconomicsRecord(RequestModel):
    """One month of an enterprise's economic data [万元 = 10⁴ CNY, current prices]."""

    model_config = ConfigDict(strict=True)

    year: Year
    month: Month
    kind: DataKind = Field(default="actual", description="actual figures, or the production plan")
    output_value_10k_cny: NonNegative | None = Field(default=None, description="gross output value (总产值)")
    value_added_10k_cny: NonNegative | None = Field(default=None, description="value added (工业增加值)")

    @model_validator(mode="after")
    def _some_value(self) -> EconomicsRecord:
        if self.output_value_10k_cny is None and self.value_added_10k_cny is None:
            raise ValueError("give output_value_10k_cny, value_added_10k_cny or both")
        return self


class EconomicsRow(EconomicsRecord):
    enterprise_id: Id


class EconomicsPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    year: int
    month: int
    kind: DataKind
    output_value_10k_cny: float | None
    value_added_10k_cny: float | None
    source: str
    updated_by: str
    updated_at: datetime


class ProductOutputRecord(RequestModel):
    """One month's output of a product of the enterprise file (``enterprise_products``), in its unit."""

    model_config = ConfigDict(strict=True)

    product_id: Id
    year: Year
    month: Month
    kind: DataKind = "actual"
    quantity: NonNegative


class ProductOutputPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    product_id: int
    year: int
    month: int
    kind: DataKind
    quantity: float
    source: str
    updated_by: str
    updated_at: datetime


class BulkTargets(RequestModel):
    model_config = ConfigDict(strict=True)
    rows: Annotated[list[TargetSet], Field(max_length=2_000)]


class BulkEconomics(RequestModel):
    model_config = ConfigDict(strict=True)
    rows: Annotated[list[EconomicsRow], Field(max_length=50_000)]


class BulkProductOutput(RequestModel):
    model_config = ConfigDict(strict=True)
    rows: Annotated[list[ProductOutputRecord], Field(max_length=50_000)]


class RowProblem(BaseModel):
    row: int = Field(description="1-based data row (the file line for uploads)")
    field: str
    reason: str


class BulkReport(BaseModel):
    """What became of every row: stored (created or updated) or refused with its reason."""

    rows: int
    created: int
    updated: int
    rejected: list[RowProblem]
    dry_run: bool = False
    filename: str | None = None


class ProductBenchmarkSet(RequestModel):
    """Which quota (能耗限额) the product is compared with, and the share of the enterprise's energy it
    takes (1.0 when the enterprise makes only this product)."""

    model_config = ConfigDict(strict=True)

    quota_key: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    energy_share: Ratio = 1.0
    note: Text500 | None = None


class ProductBenchmarkPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    product_id: int
    park_id: int
    enterprise_id: int
    quota_key: str | None
    energy_share: float
    note: str | None
