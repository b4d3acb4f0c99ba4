"""Issue 13 §7: every next MRV step on the caller's side, with the reason it is not possible yet.

The states come from the service (``mrv.preconditions``), which is also what ``mrv.act`` refuses with:
a page that shows a disabled button and the reason never re-implements the rule. (On the old code the
function did not exist: the page showed only the allowed actions and a click failed with a toast.)
"""

from __future__ import annotations

from datetime import date

from parkcarbon.services.enterprise import inventory, mrv
from parkcarbon.services.enterprise.demo import DemoEnterprise, seed_enterprise_demo
from parkcarbon.services.enterprise.schemas import CaseAct, InventoryCreate, ReviewCreate
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from tests.conftest import World
from tests.enterprise.conftest import TODAY, YEAR, Who


def _states(db: Database, p: object, case_id: int) -> dict[str, str | None]:
    return {s.action: (None if s.allowed else s.code) for s in mrv.preconditions(db, p, case_id)}  # type: ignore[arg-type]


def test_each_step_is_shown_with_its_unmet_precondition(db: Database, demo: DemoEnterprise, who: Who) -> None:
    admin, member, verifier = who("enterprise_admin"), who("enterprise_member"), who("verifier")
    case_id = demo.case_id
    assert _states(db, admin, case_id) == {"approve_plan": None}
    # a member sees the step, disabled: only the admin approves
    assert _states(db, member, case_id) == {"approve_plan": "mrv.needs_enterprise_admin"}
    assert _states(db, verifier, case_id) == {}  # nothing of the verifier's to do while planning
    mrv.act(db, admin, case_id, CaseAct(action="approve_plan"), today=TODAY)
    assert _states(db, admin, case_id) == {"start_report": "mrv.months_not_reviewed"}
    mrv.review_months(db, admin, case_id, ReviewCreate(), today=TODAY)
    assert _states(db, admin, case_id) == {"start_report": None}
    mrv.act(db, admin, case_id, CaseAct(action="start_report"), today=TODAY)
    assert _states(db, admin, case_id) == {"submit": "mrv.inventory_not_submitted"}
    inv = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    assert _states(db, admin, case_id) == {"submit": "mrv.inventory_not_submitted"}  # a draft is not enough
    inventory.submit_inventory(db, admin, inv.id)
    [submit] = mrv.preconditions(db, admin, case_id)
    assert submit.allowed and submit.inventory_id == inv.id
    mrv.act(db, admin, case_id, CaseAct(action="submit", inventory_id=inv.id), today=TODAY)
    assert _states(db, admin, case_id) == {}
    assert _states(db, verifier, case_id) == {"start_review": None}
    mrv.act(db, verifier, case_id, CaseAct(action="start_review"), today=TODAY)
    assert _states(db, verifier, case_id) == {"request_corrections": "mrv.no_corrections", "verify": None}


def test_a_park_analyst_sees_no_step_and_the_park_admin_only_archiving(
    db: Database, demo: DemoEnterprise, who: Who
) -> None:
    assert _states(db, who("park_analyst"), demo.case_id) == {}
    assert _states(db, who("park_admin"), demo.case_id) == {}  # archive is the only park step (verified)


def test_the_served_demo_opens_the_running_years_case_once_the_report_deadline_passed(
    db: Database, world: World, settings: Settings, who: Who
) -> None:
    """A 2025 case still in planning on 3 Dec 2026 would read 逾期 247 天 to a park director; the demo
    opens the 2026 case, its plan approved, due 31 March 2027 (the default national calendar)."""
    today = date(2026, 12, 3)
    demo = seed_enterprise_demo(
        db, settings, park_id=world.a.park_id, enterprise_id=world.a.enterprise_ids[0],
        verifier_id=world.a.verifier_id, year=2025, today=today, case_year=2026, plan_approved=True,
    )  # fmt: skip
    case = mrv.get_case(db, who("enterprise_admin"), demo.case_id, today=today)
    assert (case.year, case.status, case.report_due, case.overdue) == (
        2026,
        "monitoring",
        date(2027, 3, 31),
        None,
    )
