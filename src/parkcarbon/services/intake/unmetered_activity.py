"""Activity data that is not metered (非计量活动数据): upload with a per-row report, single records, listing.

Writing needs park_admin of the park or enterprise_admin of the enterprise
(:func:`access.can_manage_enterprise`); reading needs membership of the enterprise, park staff, or the
enterprise's ``inventory`` grant. An upload stores every valid row and reports every refused one;
a row repeating a stored record (same carrier, period and document number) is refused as such, so
uploading the same file twice stores nothing twice. Every upload is recorded in the audit log.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.ingest.activity_sheets import SheetRow, read_sheet, template_csv, template_xlsx, validate_rows
from parkcarbon.ingest.errors import IntakeError
from parkcarbon.services import access, audit
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.intake.readings import _to_service_error
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.schemas import RequestModel
from parkcarbon.store.db import Database
from parkcarbon.store.models import ActivityRecord, GrantScope, Organisation, OrgKind

__all__ = [
    "ActivityRecordCreate",
    "ActivityRecordPublic",
    "UploadReport",
    "create_record",
    "list_records",
    "template",
    "upload",
]

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ActivityRecordCreate(RequestModel):
    """One activity record (the same columns as the upload template)."""

    carrier: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    quantity: float = Field(ge=0, allow_inf_nan=False)
    unit: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    period_start: date
    period_end: date
    use: Annotated[str, StringConstraints(max_length=16)] | None = None
    ncv: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    ncv_unit: Annotated[str, StringConstraints(max_length=16)] | None = None
    carbon_content: float | None = Field(default=None, gt=0, lt=40, description="tC/TJ")
    oxidation_rate: float | None = Field(default=None, gt=0, le=1)
    supplier_factor: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    supplier_factor_unit: Annotated[str, StringConstraints(max_length=16)] | None = None
    pressure_mpa: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    temperature_c: float | None = Field(default=None, allow_inf_nan=False)
    cost_cny: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    supplier: Text200 | None = None
    document_ref: Text200 | None = None
    evidence: Annotated[str, StringConstraints(max_length=4000)] | None = None


class ActivityRecordPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    carrier: str
    quantity: float
    unit: str
    use: str | None
    period_start: str
    period_end: str
    ncv: float | None
    ncv_unit: str | None
    carbon_content: float | None
    oxidation_rate: float | None
    supplier_factor: float | None
    supplier_factor_unit: str | None
    pressure_mpa: float | None
    temperature_c: float | None
    cost_cny: float | None
    supplier: str | None
    document_ref: str | None
    evidence: str | None
    source_file: str | None
    source_row: int | None
    created_by: str
    created_at: datetime


class RowProblem(BaseModel):
    row: int = Field(description="line of the CSV file, or row of the XLSX sheet (1 = header)")
    field: str
    reason: str


class UploadReport(BaseModel):
    """Validation report of an upload: every row stored or refused with its reasons."""

    filename: str | None
    rows: int
    stored: int
    rejected: list[RowProblem]
    records: list[int] = Field(description="ids of the stored records")
    dry_run: bool


def _enterprise(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    org = s.get(Organisation, enterprise_id)
    if org is None or org.kind != OrgKind.ENTERPRISE:
        raise NotFound("enterprise not found")
    access.require_park_visible(p, org.park_id, "enterprise")
    return org


def _require_write(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    org = _enterprise(s, p, enterprise_id)
    if not access.can_manage_enterprise(p, org.park_id, org.id):
        raise Forbidden("recording activity data needs park_admin, or enterprise_admin of the enterprise")
    return org


def _require_read(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    org = _enterprise(s, p, enterprise_id)
    if access.is_park_staff(p, org.park_id):
        return org
    if not access.can_read_enterprise_data(s, p, org.park_id, org.id, GrantScope.INVENTORY):
        raise Forbidden("the enterprise has not shared its activity data with you")
    return org


def _existing_keys(s: Session, enterprise_id: int) -> dict[tuple[str, str, str, str], int]:
    rows = s.execute(
        select(
            ActivityRecord.id, ActivityRecord.carrier, ActivityRecord.period_start, ActivityRecord.period_end,
            ActivityRecord.document_ref,
        ).where(ActivityRecord.enterprise_id == enterprise_id, ActivityRecord.document_ref.is_not(None))
    ).all()  # fmt: skip
    return {(c, a, b, d or ""): i for i, c, a, b, d in rows}


def upload(
    db: Database,
    p: Principal,
    enterprise_id: int,
    data: bytes,
    *,
    filename: str | None,
    content_type: str | None,
    dry_run: bool = False,
    today: date | None = None,
) -> UploadReport:
    """Validate a CSV/XLSX file and store its valid rows (none with ``dry_run``).

    Raises
    ------
    InvalidInput
        Every row was refused (``errors`` is the per-row report) — nothing stored.
    """
    access.require_user(p)
    today = today or datetime.now(UTC).date()
    with db.read() as s:
        _require_write(s, p, enterprise_id)
    try:
        rows: list[SheetRow] = read_sheet(data, filename=filename, content_type=content_type)
    except IntakeError as exc:
        raise _to_service_error(exc) from exc
    report = validate_rows(rows, today=today)
    rejected = list(report.rejected)
    stored: list[int] = []
    with db.transaction() as s:
        org = _require_write(s, p, enterprise_id)
        existing = _existing_keys(s, enterprise_id)
        fresh = []
        for r in report.rows:
            v = r.values
            key = (v["carrier"], v["period_start"], v["period_end"], v.get("document_ref") or "")
            if v.get("document_ref") and key in existing:
                rejected.append(
                    {"row": r.line, "field": "document_ref",
                     "reason": f"already recorded (record {existing[key]}): same carrier, period, document"}
                )  # fmt: skip
                continue
            existing[key] = -1
            fresh.append(r)
        if not dry_run:
            for r in fresh:
                rec = ActivityRecord(
                    park_id=org.park_id,
                    enterprise_id=org.id,
                    source_file=(filename or "")[:200] or None,
                    source_row=r.line,
                    created_by=p.label,
                    created_by_user_id=p.user_id,
                    **r.values,
                )
                s.add(rec)
                s.flush()
                stored.append(rec.id)
            if stored:
                audit.record(
                    s, p, "activity_data.upload", entity="organisation", entity_id=org.id,
                    park_id=org.park_id,
                    enterprise_id=org.id,
                    after={"filename": filename, "rows": len(rows), "stored": len(stored), "records": stored},
                )  # fmt: skip
    rejected.sort(key=lambda x: (x["row"], x["field"]))
    if rows and not fresh and rejected:
        raise InvalidInput(
            f"all {len(rows)} row(s) were refused; nothing was stored",
            errors=rejected,
        )
    return UploadReport(
        filename=filename,
        rows=len(rows),
        stored=len(stored),
        rejected=[RowProblem(**r) for r in rejected],
        records=stored,
        dry_run=dry_run,
    )


def create_record(
    db: Database, p: Principal, enterprise_id: int, data: ActivityRecordCreate, *, today: date | None = None
) -> ActivityRecordPublic:
    """Record one activity entry, validated like an uploaded row."""
    access.require_user(p)
    today = today or datetime.now(UTC).date()
    cells = {
        k: (v.isoformat() if isinstance(v, date) else str(v))
        for k, v in data.model_dump().items()
        if v is not None
    }
    report = validate_rows([SheetRow(line=1, cells=cells)], today=today)
    if report.rejected:
        errors = [{"field": r["field"], "reason": r["reason"]} for r in report.rejected]
        raise InvalidInput("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)
    with db.transaction() as s:
        org = _require_write(s, p, enterprise_id)
        rec = ActivityRecord(
            park_id=org.park_id, enterprise_id=org.id, created_by=p.label, created_by_user_id=p.user_id,
            **report.rows[0].values,
        )  # fmt: skip
        s.add(rec)
        s.flush()
        audit.record(
            s, p, "activity_data.create", entity="activity_record", entity_id=rec.id, park_id=org.park_id,
            enterprise_id=org.id, after=audit.snapshot(rec),
        )  # fmt: skip
        return access.redact_costs(
            ActivityRecordPublic.model_validate(rec), access.can_read_costs(s, p, org.park_id, org.id)
        )


def list_records(
    db: Database,
    p: Principal,
    enterprise_id: int,
    page: PageParams,
    *,
    carrier: str | None = None,
    year: int | None = None,
) -> Page[ActivityRecordPublic]:
    """The enterprise's activity records, newest period first."""
    access.require_user(p)
    with db.read() as s:
        org = _require_read(s, p, enterprise_id)
        costs = access.can_read_costs(s, p, org.park_id, org.id)
        query = select(ActivityRecord).where(ActivityRecord.enterprise_id == enterprise_id)
        if carrier is not None:
            query = query.where(ActivityRecord.carrier == carrier)
        if year is not None:
            query = query.where(
                ActivityRecord.period_start <= f"{year}-12-31", ActivityRecord.period_end >= f"{year}-01-01"
            )
        query = query.order_by(ActivityRecord.period_start.desc(), ActivityRecord.id.desc())
        rows, total = paginate(s, query, page)
        return Page(
            data=[access.redact_costs(ActivityRecordPublic.model_validate(r), costs) for r in rows],
            count=total,
            **page.model_dump(),
        )


def template(db: Database, p: Principal, enterprise_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The upload template: ``(content, media type, file name)``."""
    access.require_user(p)
    with db.read() as s:
        _enterprise(s, p, enterprise_id)
    if fmt == "xlsx":
        return (
            template_xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "activity-data-template.xlsx",
        )
    return template_csv(), "text/csv; charset=utf-8", "activity-data-template.csv"
