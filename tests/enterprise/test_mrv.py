"""The MRV workflow end to end, its permissions, its audit trail, deadlines and the park's overdue list."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from parkcarbon.services import access
from parkcarbon.services.enterprise import calendar, inventory, mrv
from parkcarbon.services.enterprise.demo import DemoEnterprise
from parkcarbon.services.enterprise.schemas import (
    CalendarCreate,
    CaseAct,
    CommentCreate,
    CommentResolve,
    InventoryCreate,
    LineOverride,
    ReviewCreate,
)
from parkcarbon.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from parkcarbon.store.db import Database
from parkcarbon.store.models import AuditEvent, MrvMonthReview
from tests.enterprise.conftest import TODAY, YEAR, Who


def test_full_cycle_with_a_line_correction(db: Database, demo: DemoEnterprise, who: Who) -> None:
    admin, verifier, case_id = who("enterprise_admin"), who("verifier"), demo.case_id

    def step(p: object, action: str, **kw: object) -> str:
        return mrv.act(db, p, case_id, CaseAct(action=action, **kw), today=TODAY).status  # type: ignore[arg-type]

    case = mrv.get_case(db, admin, case_id, today=TODAY)
    assert case.report_due == date(YEAR + 1, 3, 31) and case.verification_due == date(YEAR + 1, 6, 30)
    assert [s["source"] for s in case.plan["sources"]] == ["外购电力", "锅炉天然气", "厂内运输柴油"]  # type: ignore[index]
    with pytest.raises(Forbidden):
        step(verifier, "approve_plan")
    assert step(admin, "approve_plan") == "monitoring"
    with pytest.raises(InvalidInput, match="reviewed"):
        step(admin, "start_report")
    reviewed = mrv.review_months(db, who("enterprise_member"), case_id, ReviewCreate(), today=TODAY)
    assert [r.month for r in reviewed.reviews] == list(range(1, 13))
    january = reviewed.reviews[0].summary["sources"][0]
    assert january["source"] == "外购电力" and january["quantity"] == pytest.approx(96_000)
    assert step(admin, "start_report") == "reporting"
    with pytest.raises(InvalidInput, match="inventory_id"):
        step(admin, "submit")
    v1 = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    with pytest.raises(InvalidInput, match="submitted"):
        step(admin, "submit", inventory_id=v1.id)
    inventory.submit_inventory(db, admin, v1.id)
    assert step(admin, "submit", inventory_id=v1.id) == "submitted"
    with pytest.raises(Forbidden, match="assigned verifier"):
        step(admin, "start_review")
    with pytest.raises(NotFound):  # another park's verifier does not even see the case
        step(who("b:verifier"), "start_review")
    assert step(verifier, "start_review") == "under_review"
    gas_line = next(ln for ln in v1.lines if ln.source_name == "锅炉天然气")
    with pytest.raises(Forbidden):
        mrv.add_comment(db, admin, case_id, CommentCreate(text="x", kind="correction", line_id=gas_line.id))
    with pytest.raises(InvalidInput, match="line"):
        mrv.add_comment(db, verifier, case_id, CommentCreate(text="no line", kind="correction"))
    with pytest.raises(InvalidInput, match="correction"):
        step(verifier, "request_corrections")
    correction = mrv.add_comment(
        db,
        verifier,
        case_id,
        CommentCreate(
            text="天然气流量计2025年校准报告显示偏差+2%，请按校准结果修正",
            kind="correction",
            line_id=gas_line.id,
        ),
    )
    assert correction.activity_id == gas_line.activity_id
    assert step(verifier, "request_corrections") == "corrections_requested"
    v2 = inventory.create_revision(db, admin, v1.id)
    line = next(ln for ln in v2.lines if ln.activity_id == gas_line.activity_id)
    inventory.override_line(
        db,
        admin,
        v2.id,
        line.id,
        LineOverride(
            quantity=147_000,
            reason="按2025年流量计校准报告修正（-2%）",
            evidence_document_id=demo.document_id,
        ),
    )
    v2 = inventory.submit_inventory(db, admin, v2.id)
    with pytest.raises(InvalidInput, match="correction"):
        step(admin, "resubmit", inventory_id=v2.id)
    mrv.resolve_comment(db, admin, correction.id, CommentResolve(response="已按校准报告修正，见 V2"))
    assert step(admin, "resubmit", inventory_id=v2.id) == "under_review"
    assert step(verifier, "verify", note="经核查，排放报告数据真实、准确。") == "verified"
    done = mrv.get_case(db, admin, case_id, today=TODAY)
    assert done.inventory_id == v2.id and done.verified_tco2e == v2.total_tco2e
    assert done.verified_tco2e is not None and done.verified_tco2e < (v1.total_tco2e or 0)
    with pytest.raises(Conflict):
        step(verifier, "verify")
    assert step(admin, "archive") == "archived"
    actions = [e.action for e in mrv.get_case(db, admin, case_id, today=TODAY).events]
    assert actions == [
        "open",
        "approve_plan",
        "start_report",
        "submit",
        "start_review",
        "request_corrections",
        "resubmit",
        "verify",
        "archive",
    ]
    with db.read() as s:
        audited = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity == "mrv_case", AuditEvent.entity_id == str(case_id)
            )
        ).all()
    assert {f"mrv.{a}" for a in actions} <= set(audited)


def test_deadlines_reminders_overdue_and_calendars(db: Database, demo: DemoEnterprise, who: Who) -> None:
    admin, park_admin = who("enterprise_admin"), who("park_admin")
    # 1 July 2026: the 2025 report (due 31 March) is overdue while the case is still in planning
    overdue = mrv.overview(db, park_admin, demo_park(db, demo), overdue_only=True, today=TODAY)
    assert [(c.id, c.overdue, c.days_overdue) for c in overdue] == [(demo.case_id, "report", 92)]
    assert overdue[0].reported_tco2e is None
    reminders = mrv.reminders(db, admin, today=date(YEAR + 1, 3, 10))
    assert [(r.case_id, r.stage, r.days_left) for r in reminders] == [(demo.case_id, "report", 21)]
    with pytest.raises(Forbidden):
        mrv.overview(db, admin, demo_park(db, demo))
    # the park moves the national ETS report deadline for its province; the open case follows
    with pytest.raises(InvalidInput, match="not a day"):
        calendar.set_calendar(
            db, park_admin, demo_park(db, demo), CalendarCreate(market="national_ets", report_due="02-30")
        )
    with pytest.raises(Forbidden):
        calendar.set_calendar(db, admin, demo_park(db, demo), CalendarCreate(market="national_ets"))
    row, created = calendar.set_calendar(
        db,
        park_admin,
        demo_park(db, demo),
        CalendarCreate(market="national_ets", province="CN-JS", report_due="04-30", verification_due="07-31"),
    )
    assert created and row.report_due == "04-30"
    case = mrv.get_case(db, park_admin, demo.case_id, today=TODAY)
    assert case.report_due == date(YEAR + 1, 4, 30) and case.verification_due == date(YEAR + 1, 7, 31)
    assert case.plan is None and case.comments == []  # the park sees status, not the enterprise's details


def demo_park(db: Database, demo: DemoEnterprise) -> int:
    from parkcarbon.store.models import Organisation

    with db.read() as s:
        org = s.get(Organisation, demo.enterprise_id)
        assert org is not None
        return org.park_id


def test_case_views_of_inventory_lines_pass_the_cost_redaction(
    db: Database, demo: DemoEnterprise, who: Who
) -> None:
    """The monthly summaries of a case are stored views of the inventory's lines: a cost field in them
    (planted here in the stored summary, as a richer line view would carry it) reaches the enterprise
    but not the verifier, who has no ``costs`` grant (fails on the old code: the verifier saw it)."""
    admin, verifier = who("enterprise_admin"), who("verifier")
    mrv.review_months(db, admin, demo.case_id, ReviewCreate(months=[1]), today=TODAY)
    with db.transaction() as s:
        review = s.scalars(select(MrvMonthReview).where(MrvMonthReview.case_id == demo.case_id)).one()
        sources = [
            {**src, "supplier": "国网某供电公司", "cost_cny": 12345.6} for src in review.summary["sources"]
        ]
        review.summary = {**review.summary, "sources": sources}
    with db.read() as s:
        assert not access.can_read_costs(s, verifier, demo_park(db, demo), demo.enterprise_id)

    def costs(p: object) -> list[object]:
        case = mrv.get_case(db, p, demo.case_id, today=TODAY)  # type: ignore[arg-type]
        return [(src["supplier"], src["cost_cny"]) for r in case.reviews for src in r.summary["sources"]]

    assert costs(admin) and set(costs(admin)) == {("国网某供电公司", 12345.6)}
    assert costs(verifier) and set(costs(verifier)) == {(None, None)}
