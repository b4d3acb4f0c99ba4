"""Schemas of the carbon-asset end (碳资产): transactions, balances, rules, position and strategy."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from parkcarbon.services.registry.schemas import Id
from parkcarbon.services.schemas import RequestModel

Instrument = Literal["cea", "ccer", "gec", "green_power", "energy_right", "retail"]
#: transactions an enterprise records through the API (``transfer`` between two enterprises of the ledger is
#: a core operation that needs the receiver's acceptance; not offered yet)
TxKindIn = Literal["free_allocation", "purchase", "sale", "surrender", "claim", "expiry", "cancellation"]
Month = Annotated[str, StringConstraints(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text254 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Quantity = Annotated[float, Field(gt=0, le=1e12)]
Price = Annotated[float, Field(ge=0, le=1e9)]


class SerialRangeIn(RequestModel):
    """Serial numbers ``start``..``end`` (inclusive) of a registry ``block`` (the fixed serial prefix)."""

    model_config = ConfigDict(extra="forbid")

    block: Code
    start: Annotated[int, Field(ge=0, le=10**15)]
    end: Annotated[int, Field(ge=0, le=10**15)]


class AssetTransactionCreate(RequestModel):
    """One transaction of one lot (the lot's attributes depend on ``instrument``; see docs/assets.md)."""

    model_config = ConfigDict(extra="forbid")

    kind: TxKindIn
    instrument: Instrument
    value_date: date
    quantity: Quantity = Field(description="tCO2e (CEA, CCER), certificates (GEC), MWh, or tce")
    vintage: Year | None = None
    project: Code | None = None
    methodology: Code | None = None
    technology: Code | None = None
    production_month: Month | None = None
    tradable: bool | None = None
    contract: Code | None = None
    period: Month | None = None
    region: Annotated[str, StringConstraints(pattern=r"^CN-[A-Z]{2}$")] | None = None
    serials: list[SerialRangeIn] = Field(default_factory=list, max_length=1000)
    compliance_year: Year | None = None
    price_cny: Price | None = Field(None, description="unit price [CNY per unit]; a cost field")
    counterparty: Text254 | None = None
    reference: Text254 | None = None
    document_id: Id | None = Field(None, description="an evidence document of the enterprise")


class SerialRangePublic(BaseModel):
    block: str
    start: int
    end: int
    count: int


class RuleUsePublic(BaseModel):
    id: str
    version: int


class LotPublic(BaseModel):
    instrument: Instrument
    unit: str
    vintage: int | None = None
    project: str | None = None
    methodology: str | None = None
    technology: str | None = None
    production_month: str | None = None
    tradable: bool | None = None
    contract: str | None = None
    period: str | None = None
    region: str | None = None


class AssetTransactionPublic(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    kind: str
    value_date: date
    lot: LotPublic
    quantity: float
    serials: list[SerialRangePublic]
    compliance_year: int | None
    price_cny: float | None
    counterparty: str | None
    reference: str | None
    document_id: int | None
    rules_used: list[RuleUsePublic]
    created_by: str
    created_at: datetime


class BalancePublic(BaseModel):
    """A non-zero balance of one of the enterprise's accounts (``holding`` or a retirement account)."""

    account: Literal["holding", "surrendered", "claimed", "expired", "cancelled"]
    lot: LotPublic
    quantity: float
    serials: list[SerialRangePublic]
    valid_until: date | None = Field(None, description="GEC: last day of validity under the rules in force")
    days_left: int | None = Field(None, description="days from the balance date to valid_until")
    expiring: bool = Field(False, description="a held GEC within 90 days of the end of its validity")


class BalancesPublic(BaseModel):
    enterprise_id: int
    at: date
    data: list[BalancePublic]
    count: int


class RulePublic(BaseModel):
    id: str
    version: int
    value: str
    unit: str
    document: str
    article: str
    effective_from: date
    effective_to: date | None
    confidence: str
    notes: str


class RulesPublic(BaseModel):
    data: list[RulePublic]
    count: int


class PositionPublic(BaseModel):
    """Where the enterprise stands for a compliance year [tCO2e] (national ETS)."""

    park_id: int
    enterprise_id: int
    year: int
    at: date
    basis: Literal["verified", "stated"]
    mrv_case_id: int | None
    obligation_tco2e: float
    surrendered_tco2e: float
    surrendered_ccer_tco2e: float
    remaining_tco2e: float
    ccer_cap_tco2e: float
    ccer_cap_open_tco2e: float
    held_cea_tco2e: float
    usable_cea_tco2e: float
    held_ccer_tco2e: float
    usable_ccer_tco2e: float
    shortfall_tco2e: float
    surplus_tco2e: float
    surrender_due: date | None
    days_to_surrender_due: int | None
    rules_used: list[RuleUsePublic]


class StrategyRequest(RequestModel):
    """Prices as inputs; ``emissions_tco2e`` (monitored or forecast) only when no verified figure exists."""

    model_config = ConfigDict(extra="forbid")

    year: Year
    cea_price_cny_per_t: Price
    ccer_price_cny_per_t: Price
    emissions_tco2e: Annotated[float, Field(ge=0, le=1e10)] | None = None
    at: date | None = None


class PlanLinePublic(BaseModel):
    action: Literal["surrender_held", "buy_and_surrender", "keep"]
    instrument: Literal["cea", "ccer"]
    quantity_tco2e: float
    price_cny_per_t: float
    cash_cny: float
    reason: str


class StrategyPublic(BaseModel):
    position: PositionPublic
    lines: list[PlanLinePublic]
    cash_cny: float
    economic_cost_cny: float
    all_cea_cash_cny: float
    rules_used: list[RuleUsePublic]


class StatementUpload(RequestModel):
    """A registry statement of holdings (CSV or XLSX, base64, at most 10 MiB decoded) at ``at``."""

    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    content_base64: Annotated[str, StringConstraints(min_length=1, max_length=14_000_000)]
    content_type: Annotated[str, StringConstraints(max_length=100)] | None = None
    at: date | None = Field(None, description="the statement's date (default: the park's today)")


class RowRejected(BaseModel):
    line: int
    field: str
    reason: str
    code: str


class DifferencePublic(BaseModel):
    kind: Literal["missing_in_ledger", "missing_in_statement", "quantity", "serials", "statement_overlap"]
    lot: LotPublic
    ledger_quantity: float
    statement_quantity: float
    ledger_only: list[SerialRangePublic]
    statement_only: list[SerialRangePublic]
    lines: list[int]


class ReconciliationPublic(BaseModel):
    """Statement vs ledger at ``at``: every difference, and every statement line that could not be read."""

    enterprise_id: int
    at: date
    lines_read: int
    lines_accepted: int
    rejected: list[RowRejected]
    matched_lots: int
    differences: list[DifferencePublic]
    reconciled: bool
