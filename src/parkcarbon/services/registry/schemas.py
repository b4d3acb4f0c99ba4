"""Schemas of the park registry: parks, organisations, areas, meters and data-access grants."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    computed_field,
)

from parkcarbon import core
from parkcarbon.core.codes import industry_names
from parkcarbon.services.schemas import PatchModel, RequestModel
from parkcarbon.vocab import AreaKind, GrantScope, MeterKind, OrgKind

#: ISO 3166-2:CN province-level divisions (省级行政区).
PROVINCES: dict[str, tuple[str, str]] = {
    "CN-AH": ("安徽", "Anhui"), "CN-BJ": ("北京", "Beijing"), "CN-CQ": ("重庆", "Chongqing"),
    "CN-FJ": ("福建", "Fujian"), "CN-GD": ("广东", "Guangdong"), "CN-GS": ("甘肃", "Gansu"),
    "CN-GX": ("广西", "Guangxi"), "CN-GZ": ("贵州", "Guizhou"), "CN-HA": ("河南", "Henan"),
    "CN-HB": ("湖北", "Hubei"), "CN-HE": ("河北", "Hebei"), "CN-HI": ("海南", "Hainan"),
    "CN-HK": ("香港", "Hong Kong"), "CN-HL": ("黑龙江", "Heilongjiang"), "CN-HN": ("湖南", "Hunan"),
    "CN-JL": ("吉林", "Jilin"), "CN-JS": ("江苏", "Jiangsu"), "CN-JX": ("江西", "Jiangxi"),
    "CN-LN": ("辽宁", "Liaoning"), "CN-MO": ("澳门", "Macao"), "CN-NM": ("内蒙古", "Inner Mongolia"),
    "CN-NX": ("宁夏", "Ningxia"), "CN-QH": ("青海", "Qinghai"), "CN-SC": ("四川", "Sichuan"),
    "CN-SD": ("山东", "Shandong"), "CN-SH": ("上海", "Shanghai"), "CN-SN": ("陕西", "Shaanxi"),
    "CN-SX": ("山西", "Shanxi"), "CN-TJ": ("天津", "Tianjin"), "CN-TW": ("台湾", "Taiwan"),
    "CN-XJ": ("新疆", "Xinjiang"), "CN-XZ": ("西藏", "Tibet"), "CN-YN": ("云南", "Yunnan"),
    "CN-ZJ": ("浙江", "Zhejiang"),
}  # fmt: skip


def _province(value: str) -> str:
    value = value.upper()
    if value not in PROVINCES:
        raise ValueError(f"unknown province code {value!r}; use ISO 3166-2:CN such as CN-JS")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA timezone {value!r}") from exc
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"
    ),
]
Province = Annotated[
    str, AfterValidator(_province), WithJsonSchema({"type": "string", "enum": sorted(PROVINCES)})
]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _accounting_options(value: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(value) - ACCOUNTING_FIELDS)
    if unknown:
        known = ", ".join(sorted(ACCOUNTING_FIELDS))
        raise ValueError(f"unknown accounting option(s) {', '.join(unknown)}; known: {known}")
    problems = core.AccountingOptions.validate(value)
    if problems:
        raise ValueError("; ".join(f"{name}: {reason}" for name, reason in problems))
    return value


ACCOUNTING_FIELDS = frozenset(f.name for f in dataclasses.fields(core.AccountingOptions))
AccountingProfile = Annotated[
    dict[str, Any],
    AfterValidator(_accounting_options),
    Field(
        description="the park's accounting profile: parkcarbon.core.AccountingOptions fields "
        "(docs/accounting.md) used for tce and tCO2e of its rollups, cockpit and inventories; "
        "omitted fields take the engine defaults"
    ),
]


class ParkCreate(RequestModel):
    code: Annotated[str, StringConstraints(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Name
    name_en: Name | None = None
    province: Province = Field(description="ISO 3166-2:CN code, e.g. CN-JS")
    timezone: TimeZoneName = "Asia/Shanghai"
    accounting_options: AccountingProfile = Field(default_factory=dict)


class ParkUpdate(PatchModel):
    nullable = frozenset({"name_en"})
    name: Name | None = None
    name_en: Name | None = None
    province: Province | None = None
    timezone: TimeZoneName | None = None
    accounting_options: AccountingProfile | None = None


class ParkCounts(BaseModel):
    """The park overview's figures (count queries, scoped by access)."""

    park_id: int
    enterprises: int
    service_organisations: int = Field(description="service providers, verifiers and financiers")
    areas: int
    meters: int = Field(description="meters in the park's registry (metadata every member reads)")
    meters_with_data: int = Field(description="meters whose readings the caller may read")


class ParkPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    name_en: str | None
    province: str
    timezone: str
    accounting_options: dict[str, Any]
    created_at: datetime


class OrganisationCreate(RequestModel):
    park_id: Id
    kind: OrgKind
    name: Name
    name_en: Name | None = None
    credit_code: Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")] | None = Field(
        default=None, description="unified social credit code (统一社会信用代码), 18 characters"
    )
    industry_code: Annotated[str, StringConstraints(pattern=r"^[A-T]?[0-9]{2,4}$")] | None = Field(
        default=None, description="GB/T 4754-2017 industry code"
    )


class OrganisationUpdate(PatchModel):
    nullable = frozenset({"name_en", "credit_code", "industry_code"})
    name: Name | None = None
    name_en: Name | None = None
    credit_code: Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")] | None = None
    industry_code: Annotated[str, StringConstraints(pattern=r"^[A-T]?[0-9]{2,4}$")] | None = None


class OrganisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    kind: OrgKind
    name: str
    name_en: str | None
    credit_code: str | None
    industry_code: str | None
    created_at: datetime

    @computed_field(description="GB/T 4754-2017 name of industry_code (class, else division), 中文")  # type: ignore[prop-decorator]
    @property
    def industry_name(self) -> str | None:
        names = industry_names(self.industry_code)
        return names[0] if names else None

    @computed_field(description="English name of industry_code (the project's rendering)")  # type: ignore[prop-decorator]
    @property
    def industry_name_en(self) -> str | None:
        names = industry_names(self.industry_code)
        return names[1] if names else None


class AreaCreate(RequestModel):
    park_id: Id
    name: Name
    name_en: Name | None = None
    kind: AreaKind = AreaKind.ZONE
    parent_id: Id | None = None


class AreaUpdate(PatchModel):
    nullable = frozenset({"name_en", "parent_id"})
    name: Name | None = None
    name_en: Name | None = None
    kind: AreaKind | None = None
    parent_id: Id | None = None


class AreaPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    parent_id: int | None
    kind: AreaKind
    name: str
    name_en: str | None
    created_at: datetime


MeterPurpose = Literal[
    "main", "sub", "process", "hvac", "lighting", "pv_generation", "ev_charging", "export", "other"
]


class MeterCreate(RequestModel):
    park_id: Id
    code: Code = Field(description="external code used by gateways and uploads; unique in the park")
    name: Name
    carrier: Annotated[
        str,
        StringConstraints(min_length=1, max_length=32),
        WithJsonSchema({"type": "string", "enum": sorted(core.CARRIERS)}),
    ] = Field(description="energy carrier id (core vocabulary), e.g. electricity, natural_gas, steam")
    unit: Annotated[str, StringConstraints(min_length=1, max_length=16)] = Field(
        description="e.g. kWh, Nm3, t"
    )
    kind: MeterKind = MeterKind.REGISTER
    enterprise_id: Id | None = Field(default=None, description="owning enterprise; empty = park-owned")
    area_id: Id | None = None
    parent_id: Id | None = None
    purpose: MeterPurpose | None = None
    multiplier: float = Field(default=1.0, gt=0, le=1e6, description="CT × PT ratio")
    rated_capacity_per_hour: float | None = Field(default=None, gt=0, le=1e12)
    register_max: float | None = Field(default=None, gt=0, le=1e15)


class MeterUpdate(PatchModel):
    nullable = frozenset({"area_id", "parent_id", "purpose", "rated_capacity_per_hour", "register_max"})
    name: Name | None = None
    area_id: Id | None = None
    parent_id: Id | None = None
    purpose: MeterPurpose | None = None
    multiplier: float | None = Field(default=None, gt=0, le=1e6)
    rated_capacity_per_hour: float | None = Field(default=None, gt=0, le=1e12)
    register_max: float | None = Field(default=None, gt=0, le=1e15)
    active: bool | None = None


class MeterPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int | None
    area_id: int | None
    parent_id: int | None
    code: str
    name: str
    carrier: str
    unit: str
    kind: MeterKind
    purpose: str | None
    multiplier: float
    rated_capacity_per_hour: float | None
    register_max: float | None
    active: bool
    created_at: datetime


class GrantCreate(RequestModel):
    enterprise_id: Id
    grantee_organisation_id: Id
    scope: GrantScope
    note: Annotated[str, StringConstraints(max_length=500)] | None = None
    expires_at: datetime | None = None


class GrantPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    grantee_organisation_id: int
    scope: GrantScope
    note: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
