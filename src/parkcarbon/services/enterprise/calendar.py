"""MRV deadlines (履约时间表): market calendars, due dates, reminders and the park's overdue list.

Defaults (month-day of the year after the reporting year):

* ``national_ets``: annual emissions report by 31 March, verification by 30 June
  (《碳排放权交易管理办法(试行)》, 2021; the 2023–2025 power-sector notices; standards-facts rows 5.3, 5.4);
* ``provincial_ets`` and ``voluntary``: the same dates until a park configures its own.

A park admin overrides them per market and, optionally, per province (:func:`set_calendar`); open
cases take the new dates at once.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.enterprise.schemas import CalendarCreate, CalendarPublic
from parkcarbon.services.errors import InvalidInput
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import MrvCalendar, MrvCase, Park, Role

__all__ = [
    "DEFAULT_CALENDARS",
    "OPEN_STATUSES",
    "REPORT_STAGE",
    "VERIFICATION_STAGE",
    "due_dates",
    "list_calendars",
    "pending_stage",
    "set_calendar",
]

DEFAULT_CALENDARS: dict[str, tuple[str, str]] = {
    "national_ets": ("03-31", "06-30"),
    "provincial_ets": ("03-31", "06-30"),
    "voluntary": ("03-31", "06-30"),
}
REPORT_STAGE = frozenset({"planning", "monitoring", "reporting"})
VERIFICATION_STAGE = frozenset({"submitted", "under_review", "corrections_requested"})
OPEN_STATUSES = REPORT_STAGE | VERIFICATION_STAGE


def _on(year: int, month_day: str) -> date:
    month, day = (int(x) for x in month_day.split("-"))
    return date(year, month, min(day, _cal.monthrange(year, month)[1]))


def _check_month_day(field: str, value: str) -> None:
    month, day = (int(x) for x in value.split("-"))
    if day > _cal.monthrange(2000, month)[1]:
        raise InvalidInput.field(field, f"{value} is not a day of the year")


def due_dates(s: Session, park_id: int, market: str, province: str | None, year: int) -> tuple[date, date]:
    """Report and verification due dates of reporting ``year`` (both in ``year + 1``)."""
    rows = s.scalars(
        select(MrvCalendar).where(MrvCalendar.park_id == park_id, MrvCalendar.market == market)
    ).all()
    chosen = next((r for r in rows if province and r.province == province), None) or next(
        (r for r in rows if r.province is None), None
    )
    report, verification = (
        (chosen.report_due, chosen.verification_due) if chosen else DEFAULT_CALENDARS[market]
    )
    return _on(year + 1, report), _on(year + 1, verification)


def pending_stage(case: MrvCase) -> tuple[str, date] | None:
    """The deadline the case works towards: ``("report", due)``, ``("verification", due)`` or None."""
    if case.status in REPORT_STAGE:
        return "report", case.report_due
    if case.status in VERIFICATION_STAGE:
        return "verification", case.verification_due
    return None


def list_calendars(db: Database, p: Principal, park_id: int) -> list[CalendarPublic]:
    """The park's calendar overrides (visible to members of the park)."""
    access.require_park_visible(p, park_id)
    with db.read() as s:
        rows = s.scalars(select(MrvCalendar).where(MrvCalendar.park_id == park_id).order_by(MrvCalendar.id))
        return [CalendarPublic.model_validate(r) for r in rows]


def set_calendar(
    db: Database, p: Principal, park_id: int, data: CalendarCreate
) -> tuple[CalendarPublic, bool]:
    """Set the deadlines of a market (and province) for the park (park admin); ``(calendar, created)``."""
    access.require_park_role(p, park_id, Role.PARK_ADMIN)
    _check_month_day("report_due", data.report_due)
    _check_month_day("verification_due", data.verification_due)
    if data.verification_due < data.report_due:
        raise InvalidInput.field("verification_due", "must not be before report_due")
    with db.transaction() as s:
        if s.get(Park, park_id) is None:
            raise InvalidInput.field("park_id", "no such park")
        row = s.scalar(
            select(MrvCalendar).where(
                MrvCalendar.park_id == park_id,
                MrvCalendar.market == data.market,
                MrvCalendar.province.is_(None)
                if data.province is None
                else MrvCalendar.province == data.province,
            )
        )
        created = row is None
        before = None if row is None else audit.snapshot(row)
        if row is None:
            row = MrvCalendar(
                park_id=park_id,
                market=data.market,
                province=data.province,
                report_due="",
                verification_due="",
            )
            s.add(row)
        row.report_due, row.verification_due = data.report_due, data.verification_due
        s.flush()
        cases = s.scalars(
            select(MrvCase).where(
                MrvCase.park_id == park_id, MrvCase.market == data.market, MrvCase.status.in_(OPEN_STATUSES)
            )
        ).all()
        for case in cases:
            case.report_due, case.verification_due = due_dates(
                s, park_id, case.market, case.province, case.year
            )
        s.flush()
        audit.record(
            s,
            p,
            "mrv_calendar.set",
            entity="mrv_calendar",
            entity_id=row.id,
            park_id=park_id,
            before=before,
            after=audit.snapshot(row),
        )
        return CalendarPublic.model_validate(row), created
