"""Schemas of meter data intake: the readings batch (as documented in OpenAPI) and its report."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from parkcarbon.services.schemas import RequestModel

ReadingKind = Literal["register", "interval", "instant"]
Grain = Literal["hour", "day", "month"]


class ReadingIn(BaseModel):
    """One reading of the gateway contract."""

    model_config = ConfigDict(extra="allow")
    meter_code: str | None = Field(default=None, description="the meter's external code (or give meter_id)")
    meter_id: int | None = Field(default=None, description="the meter's id (instead of meter_code)")
    ts: str = Field(description="ISO 8601; without an offset it is read in the park's timezone")
    value: float = Field(description="finite number in `unit` (default: the meter's unit)")
    unit: str | None = Field(default=None, description="e.g. kWh, Wh, MWh, Nm3, m3; converted at intake")
    kind: ReadingKind | None = Field(default=None, description="must match the meter's kind when given")
    flags: list[str] | None = Field(
        default=None, description="estimated, manual, replaced (new register start), rollover"
    )


class ReadingsBatch(BaseModel):
    """A batch of readings (also the MQTT payload). ``text/csv`` bodies are accepted as well, with
    the header ``meter_code,ts,value[,unit][,kind][,flags]``; ``Content-Encoding: gzip`` is accepted."""

    gateway: str | None = Field(default=None, max_length=64)  # = ingest.parse.META_MAX_LENGTH
    batch_id: str | None = Field(default=None, max_length=128)
    readings: list[ReadingIn]


class RowRejection(BaseModel):
    row: int = Field(description="0-based position of the row in `readings` (CSV: data row)")
    meter_code: str | None = None
    field: str
    reason: str
    line: int | None = Field(default=None, description="CSV only: 1-based line in the file")
    code: str | None = Field(default=None, description="machine-readable reason, e.g. meter.archived")


class ReadingsResult(BaseModel):
    """What became of a batch: every row is accepted, a duplicate, a correction or rejected."""

    rows: int
    accepted: int = Field(description="new readings stored")
    duplicates: int = Field(description="rows identical to a stored reading or repeated in the batch")
    corrections: int = Field(description="different values for stored readings; old values kept as revisions")
    flagged: int = Field(description="intervals flagged negative/jump: stored, excluded from totals")
    meters: int
    rejected: list[RowRejection]
    warnings: list[str]
    batch_log_id: int | None = None


class ReadingPoint(BaseModel):
    ts: datetime
    value: float
    delta: float | None = Field(description="consumption of the interval ending at ts (after multiplier)")
    flags: list[str]


class MeterSeries(BaseModel):
    meter_id: int
    code: str
    unit: str
    kind: str
    data: list[ReadingPoint]
    count: int
    truncated: bool


class ReadingRevisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    ts: datetime
    old_value: float
    new_value: float
    old_flags: list[str]
    new_flags: list[str]
    changed_at: datetime
    changed_by: str


class RollupPoint(BaseModel):
    bucket: datetime
    consumption: float
    estimated: float
    flagged_sum: float
    readings: int
    intervals: int
    flagged: int
    mean_value: float | None = Field(default=None, description="instant meters: mean of the values")


class MeterConsumption(BaseModel):
    meter_id: int
    unit: str
    grain: Grain
    data: list[RollupPoint]


class GasConditions(RequestModel):
    temperature_c: float = Field(ge=-60, le=400, description="gas temperature at the meter [°C]")
    pressure_kpa_abs: float = Field(gt=0, le=50_000, description="absolute pressure at the meter [kPa]")


class MeterStatusPublic(BaseModel):
    meter_id: int
    code: str
    enterprise_id: int | None
    online: bool
    last_reading_at: datetime | None
    last_seen_at: datetime | None
    interval_s: int | None
    readings_total: int
    gateway: str | None


class GatewayStatusPublic(BaseModel):
    park_id: int
    gateway: str
    status: str
    online: bool
    last_seen_at: datetime
    last_heartbeat_at: datetime | None
    last_batch_at: datetime | None
    devices: list[dict[str, object]]


class IngestBatchPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int | None
    source: str
    gateway: str | None
    batch_id: str | None
    received_at: datetime
    actor_label: str
    rows: int
    accepted: int
    duplicates: int
    corrections: int
    rejected: int
