"""Schemas of benchmarking (能耗对标) and energy-saving diagnosis (节能诊断)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from parkcarbon.services.metering.consumption import AccountingProfileUsed


class EnergyQuotaPublic(BaseModel):
    """A national energy-consumption quota (单位产品能源消耗限额) with its grade thresholds (≤)."""

    quota_key: str
    standard: str
    title: str
    edition: str
    effective: str
    clause: str
    product_zh: str
    product_en: str
    indicator: str
    unit: str
    level_1: float | None
    level_2: float | None
    level_3: float
    industry_codes: list[str]
    confidence: str = Field(description="H / M / L as in the factor library")
    source: str
    notes: str


class EnergyQuotasPublic(BaseModel):
    data: list[EnergyQuotaPublic]
    count: int


class TouPeriodsPublic(BaseModel):
    """A province's time-of-use periods: ``grid[month-1][hour]`` = tip / peak / flat / valley."""

    region: str
    document: str
    title: str
    valid_from: str
    valid_to: str
    grid: list[list[str]]
    prices_cny_per_kwh: dict[str, float]
    price_confidence: str
    confidence: str
    sources: list[str]


class TouTariffsPublic(BaseModel):
    data: list[TouPeriodsPublic]
    count: int


class QuotaGrade(BaseModel):
    quota_key: str
    standard: str
    clause: str
    unit: str
    level_1: float | None
    level_2: float | None
    level_3: float
    grade: int | None = Field(description="1, 2, 3; null beyond the grade-3 limit")
    exceeds_limit: bool
    gap_to_next: float | None = Field(description="reduction needed to reach the next better grade")
    confidence: str
    warning: str | None = None


class BenchmarkRow(BaseModel):
    """One product of one enterprise over the year's months with recorded output."""

    enterprise_id: int
    enterprise_name: str
    enterprise_name_en: str | None = Field(
        default=None, description="the enterprise's English name, if recorded"
    )
    industry_code: str | None
    product_id: int
    product_name: str
    unit: str
    group: str = Field(description="peer group: the quota key, or industry (GB/T 4754 class) and unit")
    months: list[int]
    output: float
    energy_tce: float = Field(description="comprehensive energy attributed to the product [tce]")
    energy_share: float
    unit_energy_kgce: float | None = Field(description="单位产品综合能耗 [kgce per product unit]")
    quota: QuotaGrade | None
    rank: int | None = Field(description="1 = lowest unit energy in the peer group")
    peers: int
    quartile: int | None


class PeerGroup(BaseModel):
    group: str
    unit: str
    count: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


class BenchmarkReport(BaseModel):
    park_id: int
    year: int
    rows: list[BenchmarkRow]
    groups: list[PeerGroup]
    lineage: dict[str, Any] = Field(description="coefficients (with factor sources) used for tce")
    warnings: list[str]
    accounting_profile: AccountingProfileUsed | None = Field(
        default=None, description="the park's accounting profile the tce figures were computed with"
    )


class SavingPublic(BaseModel):
    kwh: float
    tce: float
    tco2e: float
    cny: float | None
    basis: str
    basis_zh: str = Field(default="", description="the basis in Chinese (测算方法)")


class FindingPublic(BaseModel):
    rule: str
    subject: str
    title_zh: str
    title_en: str
    evidence: dict[str, float | str | None]
    saving: SavingPublic
    service_kind: str
    service_zh: str
    service_en: str
    parameters: dict[str, Any]
    #: why sub-meter evidence was left out (the enterprise has not granted ``meter_data`` to the reader)
    evidence_withheld: str | None = None


class EnterpriseDiagnosis(BaseModel):
    enterprise_id: int
    enterprise_name: str
    enterprise_name_en: str | None = Field(
        default=None, description="the enterprise's English name, if recorded"
    )
    observed_hours: int
    meters: list[str]
    findings: list[FindingPublic]
    saving_kwh: float
    saving_tce: float
    saving_tco2e: float
    saving_cny: float | None


class DiagnosisReport(BaseModel):
    park_id: int
    start: datetime
    end: datetime
    timezone: str
    tariff_document: str | None
    coefficients: dict[str, Any] = Field(description="electricity tce and tCO2e per kWh with lineage")
    enterprises: list[EnterpriseDiagnosis]
    warnings: list[str]
