"""The MRV workflow (监测—报告—核查): plan → monthly data review → annual report → submission →
verifier review with line-level corrections → corrections → verified → archived.

Every transition is permission-checked (only the assigned verifier reviews and verifies), recorded
as a case event and in the append-only audit log. Deadlines come from :mod:`.calendar`.

===================  =====================  =====================  ================================
action               from                   to                     who / precondition
===================  =====================  =====================  ================================
approve_plan         planning               monitoring             enterprise admin; ≥ 1 source
start_report         monitoring             reporting              enterprise admin; 12 months reviewed
submit               reporting              submitted              enterprise admin; verifier assigned;
                                                                   a submitted inventory of the year
start_review         submitted              under_review           assigned verifier
request_corrections  under_review           corrections_requested  assigned verifier; ≥ 1 open correction
resubmit             corrections_requested  under_review           enterprise admin; corrections resolved;
                                                                   a submitted inventory of the year
verify               under_review           verified               assigned verifier; no open correction
archive              verified               archived               enterprise admin or park admin
===================  =====================  =====================  ================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.clock import park_today
from parkcarbon.services.enterprise.activity_assembly import assemble
from parkcarbon.services.enterprise.calendar import OPEN_STATUSES, due_dates, pending_stage
from parkcarbon.services.enterprise.schemas import (
    ActionState,
    CaseAct,
    CaseCreate,
    CaseDetail,
    CasePublic,
    CaseUpdate,
    CommentCreate,
    CommentPublic,
    CommentResolve,
    EventPublic,
    Reminder,
    ReviewCreate,
    ReviewPublic,
)
from parkcarbon.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from parkcarbon.services.principal import Principal
from parkcarbon.services.trust import hooks as trust_log
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    EmissionSource,
    EmissionSourceMeter,
    EnterpriseProfile,
    GrantScope,
    Inventory,
    InventoryLine,
    Meter,
    MrvCase,
    MrvComment,
    MrvEvent,
    MrvMonthReview,
    Organisation,
    OrgKind,
    Park,
    Role,
)

__all__ = [
    "TRANSITIONS",
    "accept_verifier",
    "act",
    "add_comment",
    "create_case",
    "create_case_unchecked",
    "decline_verifier",
    "get_case",
    "list_cases",
    "overview",
    "preconditions",
    "reminders",
    "resolve_comment",
    "review_months",
    "update_case",
]

#: action → (from statuses, to status, actor side)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "approve_plan": (frozenset({"planning"}), "monitoring", "enterprise"),
    "start_report": (frozenset({"monitoring"}), "reporting", "enterprise"),
    "submit": (frozenset({"reporting"}), "submitted", "enterprise"),
    "start_review": (frozenset({"submitted"}), "under_review", "verifier"),
    "request_corrections": (frozenset({"under_review"}), "corrections_requested", "verifier"),
    "resubmit": (frozenset({"corrections_requested"}), "under_review", "enterprise"),
    "verify": (frozenset({"under_review"}), "verified", "verifier"),
    "archive": (frozenset({"verified"}), "archived", "enterprise_or_park"),
}
REVIEWABLE = frozenset({"planning", "monitoring", "reporting"})


def _today(park: Park | None, today: date | None) -> date:
    if today is not None:
        return today
    return park_today(park.timezone if park else None)


# ------------------------------------------------------------------------------------------ reading


def _names(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(s.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


def _names_en(s: Session, ids: set[int]) -> dict[int, str | None]:
    """English names of organisations (null where none is recorded)."""
    if not ids:
        return {}
    rows = s.execute(select(Organisation.id, Organisation.name_en).where(Organisation.id.in_(ids))).all()
    return dict(rows)


def _public(s: Session, case: MrvCase, today: date, names: dict[int, str] | None = None) -> CasePublic:
    names = (
        names if names is not None else _names(s, {case.enterprise_id, case.verifier_organisation_id or 0})
    )
    reported = (
        s.scalar(select(Inventory.total_tco2e).where(Inventory.id == case.inventory_id))
        if case.inventory_id
        else None
    )
    stage = pending_stage(case)
    overdue = stage is not None and today > stage[1]
    names_en = _names_en(s, {case.enterprise_id, case.verifier_organisation_id or 0})
    return CasePublic(
        id=case.id,
        park_id=case.park_id,
        enterprise_id=case.enterprise_id,
        enterprise_name=names.get(case.enterprise_id, str(case.enterprise_id)),
        enterprise_name_en=names_en.get(case.enterprise_id),
        year=case.year,
        market=case.market,
        province=case.province,
        status=case.status,
        verifier_organisation_id=case.verifier_organisation_id,
        verifier_name=names.get(case.verifier_organisation_id) if case.verifier_organisation_id else None,
        verifier_name_en=names_en.get(case.verifier_organisation_id or 0),
        verifier_accepted_at=case.verifier_accepted_at,
        inventory_id=case.inventory_id,
        reported_tco2e=reported,
        verified_tco2e=case.verified_tco2e,
        report_due=case.report_due,
        verification_due=case.verification_due,
        overdue=stage[0] if overdue and stage else None,
        days_overdue=(today - stage[1]).days if overdue and stage else None,
        submitted_at=case.submitted_at,
        verified_at=case.verified_at,
        archived_at=case.archived_at,
        created_at=case.created_at,
    )


def _accepted(case: MrvCase) -> bool:
    return case.verifier_organisation_id is not None and case.verifier_accepted_at is not None


def _side(s: Session, p: Principal, case: MrvCase) -> str | None:
    """``enterprise``, ``verifier``, ``park``, ``grantee`` or None (no access)."""
    if p.is_platform_admin:
        return "enterprise"
    if access.is_enterprise_member(p, case.enterprise_id):
        return "enterprise"
    if (
        access.side_of_case(p, case.enterprise_id, case.verifier_organisation_id, _accepted(case))
        == "verifier"
    ):
        return "verifier"
    if access.has_supervision_role(p, case.park_id):
        return "park"
    if access.can_read_enterprise_data(s, p, case.park_id, case.enterprise_id, GrantScope.INVENTORY):
        return "grantee"
    return None


def _case(s: Session, p: Principal, case_id: int) -> tuple[MrvCase, str]:
    access.require_user(p)
    case = s.get(MrvCase, case_id)
    if case is None:
        raise NotFound("MRV case not found")
    access.require_park_visible(p, case.park_id, "MRV case")
    side = _side(s, p, case)
    if side is None:
        raise NotFound("MRV case not found")
    return case, side


def _allowed(p: Principal, case: MrvCase, side: str) -> list[str]:
    out = []
    for action, (sources, _to, who) in TRANSITIONS.items():
        if case.status not in sources:
            continue
        if (
            (
                who == "enterprise"
                and side == "enterprise"
                and (p.is_platform_admin or access.is_enterprise_admin(p, case.enterprise_id))
            )
            or (who == "verifier" and side == "verifier")
            or (
                who == "enterprise_or_park"
                and (
                    p.is_platform_admin
                    or access.is_enterprise_admin(p, case.enterprise_id)
                    or access.has_park_admin_role(p, case.park_id)
                )
            )
        ):
            out.append(action)
    return out


def _plan(s: Session, enterprise_id: int) -> dict[str, Any]:
    """The monitoring plan (监测计划) as it stands: sources, their meters, methods and frequencies."""
    sources = s.scalars(
        select(EmissionSource)
        .where(EmissionSource.enterprise_id == enterprise_id, EmissionSource.active.is_(True))
        .order_by(EmissionSource.id)
    ).all()
    items = []
    for src in sources:
        meters = s.scalars(
            select(Meter)
            .join(EmissionSourceMeter, EmissionSourceMeter.meter_id == Meter.id)
            .where(EmissionSourceMeter.source_id == src.id)
            .order_by(Meter.id)
        ).all()
        items.append(
            {
                "source_id": src.id,
                "source": src.name,
                "category": src.category,
                "carrier": src.carrier,
                "unit": src.unit,
                "data_source": src.data_source,
                "frequency": src.frequency,
                "method": src.monitoring_method
                or {
                    "meters": "计量器具连续计量 continuous metering",
                    "uploads": "购销凭证 purchase/delivery records",
                    "manual": "人工填报 manual entry with evidence",
                }[src.data_source],
                "meters": [{"id": m.id, "code": m.code, "name": m.name, "unit": m.unit} for m in meters],
            }
        )
    return {"sources": items}


def get_case(db: Database, p: Principal, case_id: int, *, today: date | None = None) -> CaseDetail:
    """A case with its plan, reviews, comments and history (park staff: status and history only)."""
    with db.read() as s:
        case, side = _case(s, p, case_id)
        park = s.get(Park, case.park_id)
        public = _public(s, case, _today(park, today))
        events = s.scalars(select(MrvEvent).where(MrvEvent.case_id == case.id).order_by(MrvEvent.id)).all()
        confidential = side != "park"
        reviews: Sequence[MrvMonthReview] = []
        comments: Sequence[MrvComment] = []
        if confidential:
            reviews = s.scalars(
                select(MrvMonthReview).where(MrvMonthReview.case_id == case.id).order_by(MrvMonthReview.month)
            ).all()
            comments = s.scalars(
                select(MrvComment).where(MrvComment.case_id == case.id).order_by(MrvComment.id)
            ).all()
        detail = CaseDetail(
            **public.model_dump(),
            plan=(case.plan or _plan(s, case.enterprise_id)) if confidential else None,
            verification_opinion=case.verification_opinion,
            reviews=[ReviewPublic.model_validate(r) for r in reviews],
            comments=[CommentPublic.model_validate(c) for c in comments],
            events=[EventPublic.model_validate(e) for e in events],
            allowed_actions=_allowed(p, case, side),
        )
        # the plan and the monthly summaries are views of the inventory's lines: the same cost
        # redaction as the inventory detail (a verifier without a ``costs`` grant sees no cost field)
        return access.redact_costs_deep(detail, access.can_read_costs(s, p, case.park_id, case.enterprise_id))


def list_cases(
    db: Database,
    p: Principal,
    *,
    park_id: int | None = None,
    enterprise_id: int | None = None,
    year: int | None = None,
    status: str | None = None,
    today: date | None = None,
) -> list[CasePublic]:
    """Cases the caller takes part in: its enterprise's, those it verifies, its park's (park staff)."""
    access.require_user(p)
    query = select(MrvCase).order_by(MrvCase.year.desc(), MrvCase.id)
    if not p.is_platform_admin:
        cond: ColumnElement[bool] = false()
        enterprises = access.member_enterprises(p)
        verifiers = access.verifier_orgs(p)
        parks = access.supervised_parks(p)
        if enterprises:
            cond = cond | MrvCase.enterprise_id.in_(enterprises)
        if verifiers:
            # a verifier merely proposed sees nothing of the case until the enterprise accepts it
            cond = cond | (
                MrvCase.verifier_organisation_id.in_(verifiers) & MrvCase.verifier_accepted_at.is_not(None)
            )
        if parks:
            cond = cond | MrvCase.park_id.in_(parks)
        query = query.where(cond)
    for column, value in (
        (MrvCase.park_id, park_id),
        (MrvCase.enterprise_id, enterprise_id),
        (MrvCase.year, year),
        (MrvCase.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    with db.read() as s:
        rows = s.scalars(query.limit(1000)).all()
        names = _names(s, {r.enterprise_id for r in rows} | {r.verifier_organisation_id or 0 for r in rows})
        parks_tz = {
            pk.id: pk for pk in s.scalars(select(Park).where(Park.id.in_({r.park_id for r in rows} or {-1})))
        }
        return [_public(s, r, _today(parks_tz.get(r.park_id), today), names) for r in rows]


def overview(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    year: int | None = None,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[CasePublic]:
    """Supervision view of a park (park staff, regulator): every case, its deadlines and totals."""
    access.require_park_role(p, park_id, Role.PARK_ADMIN, Role.PARK_ANALYST, Role.REGULATOR)
    rows = list_cases(db, p, park_id=park_id, year=year, today=today)
    if overdue_only:
        rows = [r for r in rows if r.overdue is not None]
    return sorted(rows, key=lambda r: (-(r.days_overdue or -1), r.enterprise_name))


def reminders(
    db: Database, p: Principal, *, horizon_days: int = 30, today: date | None = None
) -> list[Reminder]:
    """In-app reminders: open cases of the caller due within ``horizon_days`` or overdue."""
    out = []
    for case in list_cases(db, p, today=today):
        if case.status not in OPEN_STATUSES:
            continue
        stage = "report" if case.status in {"planning", "monitoring", "reporting"} else "verification"
        due = case.report_due if stage == "report" else case.verification_due
        ref = today or datetime.now(ZoneInfo("Asia/Shanghai")).date()
        days_left = (due - ref).days
        if days_left <= horizon_days:
            out.append(
                Reminder(
                    case_id=case.id,
                    park_id=case.park_id,
                    enterprise_id=case.enterprise_id,
                    enterprise_name=case.enterprise_name,
                    enterprise_name_en=case.enterprise_name_en,
                    year=case.year,
                    market=case.market,
                    status=case.status,
                    stage=stage,
                    due=due,
                    days_left=days_left,
                    overdue=days_left < 0,
                )
            )
    return sorted(out, key=lambda r: r.days_left)


# ------------------------------------------------------------------------------------------ writing


def _event(
    s: Session, p: Principal, case: MrvCase, action: str, before: str | None, note: str | None
) -> None:
    s.add(
        MrvEvent(
            case_id=case.id,
            park_id=case.park_id,
            enterprise_id=case.enterprise_id,
            action=action,
            from_status=before,
            to_status=case.status,
            actor=p.label,
            actor_user_id=p.user_id,
            note=note,
        )
    )
    audit.record(
        s,
        p,
        f"mrv.{action}",
        entity="mrv_case",
        entity_id=case.id,
        park_id=case.park_id,
        enterprise_id=case.enterprise_id,
        before={"status": before},
        after={
            "status": case.status,
            "inventory_id": case.inventory_id,
            "verifier": case.verifier_organisation_id,
            "verifier_accepted": _accepted(case),
        },
    )


def _check_verifier(s: Session, park_id: int, org_id: int | None) -> None:
    if org_id is None:
        return
    org = s.get(Organisation, org_id)
    if org is None or org.park_id != park_id or org.kind != OrgKind.VERIFIER:
        raise InvalidInput.field(
            "verifier_organisation_id",
            "is not a verification body of this park",
            code="mrv.not_verifier_body",
        )


def create_case(db: Database, p: Principal, data: CaseCreate, *, today: date | None = None) -> CaseDetail:
    """Open an MRV case for an enterprise and year (its admin, or the park admin).

    A verifier named by the enterprise's admin is accepted at once; one named by the park (or platform)
    admin is a proposal the enterprise accepts (:func:`accept_verifier`) or declines.
    """
    with db.transaction() as s:
        org = access.enterprise_of(s, p, data.enterprise_id)
        if not access.can_propose_verifier(p, org.park_id, org.id):
            raise Forbidden("opening an MRV case needs the enterprise's admin or the park admin")
        case_id = _create_case(s, p, org, data, accepted=access.can_accept_for_enterprise(p, org.id))
    return get_case(db, p, case_id, today=today)


def create_case_unchecked(
    db: Database, p: Principal, data: CaseCreate, *, verifier_accepted: bool, today: date | None = None
) -> CaseDetail:
    """Internal (no authorisation check): seeding the demo, where the installation stands in for the
    enterprise's acceptance of the verifier. Audited with ``p`` as the actor."""
    with db.transaction() as s:
        org = s.get(Organisation, data.enterprise_id)
        if org is None or org.kind != OrgKind.ENTERPRISE:
            raise NotFound("enterprise not found")
        case_id = _create_case(s, p, org, data, accepted=verifier_accepted)
    return get_case(db, p, case_id, today=today)


def _create_case(s: Session, p: Principal, org: Organisation, data: CaseCreate, *, accepted: bool) -> int:
    _check_verifier(s, org.park_id, data.verifier_organisation_id)
    exists = s.scalar(
        select(MrvCase.id).where(
            MrvCase.enterprise_id == org.id, MrvCase.year == data.year, MrvCase.market == data.market
        )
    )
    if exists is not None:
        raise Conflict(
            f"case {exists} exists for {data.year} in {data.market}",
            errors=[
                {
                    "field": "year",
                    "reason": "a case for this year and market exists",
                    "code": "value.duplicate",
                }
            ],
        )
    park = s.get(Park, org.park_id)
    prof = s.get(EnterpriseProfile, org.id)
    province = (prof.province if prof and prof.province else None) or (park.province if park else None)
    report_due, verification_due = due_dates(s, org.park_id, data.market, province, data.year)
    case = MrvCase(
        park_id=org.park_id,
        enterprise_id=org.id,
        year=data.year,
        market=data.market,
        province=province,
        status="planning",
        verifier_organisation_id=data.verifier_organisation_id,
        verifier_accepted_at=datetime.now(UTC) if accepted and data.verifier_organisation_id else None,
        report_due=report_due,
        verification_due=verification_due,
        created_by=p.label,
    )
    s.add(case)
    s.flush()
    _event(s, p, case, "open", None, None)
    if data.verifier_organisation_id is not None and not accepted:
        _event(s, p, case, "propose_verifier", case.status, None)
    s.flush()
    return case.id


def update_case(
    db: Database, p: Principal, case_id: int, data: CaseUpdate, *, today: date | None = None
) -> CaseDetail:
    """Name (or change) the verifier before the report is submitted.

    The enterprise's admin assigns it (accepted at once); the park admin only proposes it, and the
    proposed verifier sees nothing of the case until the enterprise accepts (:func:`accept_verifier`).
    """
    with db.transaction() as s:
        case, _side = _case(s, p, case_id)
        if not access.can_propose_verifier(p, case.park_id, case.enterprise_id):
            raise Forbidden("naming the verifier needs the enterprise's admin or the park admin")
        changes = data.model_dump(exclude_unset=True)
        if "verifier_organisation_id" in changes:
            _require_open_for_verifier(case)
            _check_verifier(s, case.park_id, changes["verifier_organisation_id"])
            case.verifier_organisation_id = changes["verifier_organisation_id"]
            accepted = access.can_accept_for_enterprise(p, case.enterprise_id)
            case.verifier_accepted_at = (
                datetime.now(UTC) if accepted and case.verifier_organisation_id is not None else None
            )
            s.flush()
            action = (
                "assign_verifier" if accepted or case.verifier_organisation_id is None else "propose_verifier"
            )
            _event(s, p, case, action, case.status, None)
    return get_case(db, p, case_id, today=today)


def _require_open_for_verifier(case: MrvCase) -> None:
    if case.status not in {"planning", "monitoring", "reporting"}:
        raise Conflict(
            "the verifier cannot change once the report is submitted",
            errors=[
                {
                    "field": "verifier_organisation_id",
                    "reason": f"case is {case.status}",
                    "code": "state.not_allowed",
                }
            ],
        )


def _decide_verifier(
    db: Database, p: Principal, case_id: int, *, accept: bool, today: date | None
) -> CaseDetail:
    with db.transaction() as s:
        case, _side = _case(s, p, case_id)
        if not access.can_accept_for_enterprise(p, case.enterprise_id):
            raise Forbidden("only the enterprise's own admin accepts or declines a proposed verifier")
        _require_open_for_verifier(case)
        if case.verifier_organisation_id is None or case.verifier_accepted_at is not None:
            raise Conflict(
                "no verifier is waiting for the enterprise's acceptance",
                errors=[
                    {
                        "field": "verifier_organisation_id",
                        "reason": "no proposed verifier",
                        "code": "mrv.no_proposed_verifier",
                    }
                ],
            )
        if accept:
            case.verifier_accepted_at = datetime.now(UTC)
        else:
            case.verifier_organisation_id = None
        s.flush()
        _event(s, p, case, "accept_verifier" if accept else "decline_verifier", case.status, None)
    return get_case(db, p, case_id, today=today)


def accept_verifier(db: Database, p: Principal, case_id: int, *, today: date | None = None) -> CaseDetail:
    """The enterprise's admin accepts the verifier the park proposed; from now on it sees the case."""
    return _decide_verifier(db, p, case_id, accept=True, today=today)


def decline_verifier(db: Database, p: Principal, case_id: int, *, today: date | None = None) -> CaseDetail:
    """The enterprise's admin declines the proposed verifier (the case has none again)."""
    return _decide_verifier(db, p, case_id, accept=False, today=today)


def _month_ended(year: int, month: int, today: date) -> bool:
    return (year, month) < (today.year, today.month)


def _month_summary(s: Session, case: MrvCase, month: int, timezone: str) -> dict[str, Any]:
    label = f"{case.year}-{month:02d}"
    sources = []
    for line in assemble(s, case.enterprise_id, case.year, timezone):
        lin = line.data_lineage
        if lin.get("kind") == "meter_rollups":
            q = sum(m["months"].get(label, 0.0) * m["unit_factor"] for m in lin.get("meters", []))
            sources.append(
                {
                    "source": line.source_name,
                    "quantity": q,
                    "unit": line.unit,
                    "origin": "meters",
                    "meters": [m["code"] for m in lin.get("meters", [])],
                }
            )
        elif lin.get("kind") == "activity_record" and str(lin["period"][0]).startswith(label):
            sources.append(
                {
                    "source": line.source_name,
                    "quantity": line.quantity,
                    "unit": line.unit,
                    "origin": "uploads",
                    "record_id": lin["record_id"],
                }
            )
    return {"month": label, "sources": sources}


def review_months(
    db: Database, p: Principal, case_id: int, data: ReviewCreate, *, today: date | None = None
) -> CaseDetail:
    """Confirm the data of ended months (enterprise members); each review keeps the month's figures."""
    with db.transaction() as s:
        case, side = _case(s, p, case_id)
        if side != "enterprise":
            raise Forbidden("monthly data review is done by the enterprise")
        if case.status not in REVIEWABLE:
            raise Conflict(
                f"months cannot be reviewed once the case is {case.status}",
                errors=[{"field": "months", "reason": f"case is {case.status}", "code": "state.not_allowed"}],
            )
        park = s.get(Park, case.park_id)
        now = _today(park, today)
        months = sorted(set(data.months or range(1, 13)))
        if data.months is None:
            months = [m for m in months if _month_ended(case.year, m, now)]
        pending = [m for m in months if not _month_ended(case.year, m, now)]
        if pending:
            raise InvalidInput.field(
                "months", f"month(s) {pending} of {case.year} have not ended yet", code="mrv.months_not_ended"
            )
        if not months:
            raise InvalidInput.field(
                "months", f"no month of {case.year} has ended yet", code="mrv.months_not_ended"
            )
        done = set(s.scalars(select(MrvMonthReview.month).where(MrvMonthReview.case_id == case.id)))
        timezone = park.timezone if park else "Asia/Shanghai"
        for month in months:
            if month in done:
                continue
            s.add(
                MrvMonthReview(
                    case_id=case.id,
                    park_id=case.park_id,
                    enterprise_id=case.enterprise_id,
                    month=month,
                    summary=_month_summary(s, case, month, timezone),
                    note=data.note,
                    reviewed_by=p.label,
                )
            )
        s.flush()
        audit.record(
            s,
            p,
            "mrv.review_months",
            entity="mrv_case",
            entity_id=case.id,
            park_id=case.park_id,
            enterprise_id=case.enterprise_id,
            after={"months": months},
        )
    return get_case(db, p, case_id, today=today)


def _submitted_inventory(s: Session, case: MrvCase, inventory_id: int | None) -> Inventory:
    if inventory_id is None:
        raise InvalidInput.field(
            "inventory_id", "is required: the submitted inventory of the year", code="mrv.inventory_required"
        )
    inv = s.get(Inventory, inventory_id)
    if inv is None or inv.enterprise_id != case.enterprise_id or inv.year != case.year:
        raise InvalidInput.field(
            "inventory_id",
            f"is not an inventory of this enterprise for {case.year}",
            code="mrv.inventory_mismatch",
        )
    if inv.status != "submitted":
        raise InvalidInput.field(
            "inventory_id",
            "the inventory must be submitted (frozen) first",
            code="mrv.inventory_not_submitted",
        )
    return inv


def _open_corrections(s: Session, case: MrvCase) -> int:
    rows = s.scalars(
        select(MrvComment.id).where(
            MrvComment.case_id == case.id, MrvComment.kind == "correction", MrvComment.status == "open"
        )
    ).all()
    return len(rows)


@dataclass(frozen=True)
class _Blocker:
    field: str
    reason: str
    code: str


def _blocker(s: Session, case: MrvCase, action: str, *, inventory: bool = True) -> _Blocker | None:
    """What keeps ``action`` from being taken on ``case`` now (the state's precondition), or None.

    The one place the preconditions of the table in the module docstring are written: :func:`act`
    refuses with it and :func:`preconditions` shows it beside the disabled button. ``inventory=False``
    leaves out "a submitted inventory of the year exists" (act checks the one it is given).
    """
    if action == "approve_plan" and not _plan(s, case.enterprise_id)["sources"]:
        return _Blocker(
            "action", "the monitoring plan has no emission source; add sources first", "mrv.no_sources"
        )
    if action == "start_report":
        reviewed = set(s.scalars(select(MrvMonthReview.month).where(MrvMonthReview.case_id == case.id)))
        missing = [m for m in range(1, 13) if m not in reviewed]
        if missing:
            return _Blocker("action", f"months {missing} have not been reviewed", "mrv.months_not_reviewed")
    if action in {"submit", "resubmit"}:
        if case.verifier_organisation_id is None:
            return _Blocker(
                "verifier_organisation_id", "assign a verifier before submitting", "mrv.no_verifier"
            )
        if case.verifier_accepted_at is None:
            return _Blocker(
                "verifier_organisation_id",
                "accept the proposed verifier before submitting",
                "mrv.verifier_not_accepted",
            )
        if action == "resubmit" and _open_corrections(s, case):
            return _Blocker(
                "action", "answer every requested correction before resubmitting", "mrv.open_corrections"
            )
        if inventory and _latest_submitted_inventory(s, case) is None:
            return _Blocker(
                "inventory_id",
                "the inventory must be submitted (frozen) first",
                "mrv.inventory_not_submitted",
            )
    if action == "request_corrections" and not _open_corrections(s, case):
        return _Blocker("action", "add at least one correction request on a line first", "mrv.no_corrections")
    if action == "verify" and _open_corrections(s, case):
        return _Blocker("action", "open correction requests remain", "mrv.open_corrections")
    return None


def _latest_submitted_inventory(s: Session, case: MrvCase) -> int | None:
    """The newest submitted (frozen) inventory of the case's enterprise and year."""
    return s.scalar(
        select(Inventory.id)
        .where(
            Inventory.enterprise_id == case.enterprise_id,
            Inventory.year == case.year,
            Inventory.status == "submitted",
        )
        .order_by(Inventory.version.desc())
        .limit(1)
    )


def _candidates(p: Principal, case: MrvCase, side: str) -> list[str]:
    """The actions of the case's current status that belong to the caller's side of the case."""
    sides = {
        "enterprise": {"enterprise", "enterprise_or_park"},
        "verifier": {"verifier"},
        "park": {"enterprise_or_park"} if access.has_park_admin_role(p, case.park_id) else set(),
    }.get(side, set())
    return [a for a, (sources, _to, who) in TRANSITIONS.items() if case.status in sources and who in sides]


def preconditions(db: Database, p: Principal, case_id: int) -> list[ActionState]:
    """Every next step of the case on the caller's side, allowed or not, with the reason when not.

    A page shows each as a button, disabled with ``reason`` (its ``code`` translated) until its
    precondition holds; :func:`act` refuses exactly the same cases.
    """
    with db.read() as s:
        case, side = _case(s, p, case_id)
        allowed = set(_allowed(p, case, side))
        out = []
        for action in _candidates(p, case, side):
            if action not in allowed:
                out.append(
                    ActionState(
                        action=action,
                        allowed=False,
                        code="mrv.needs_enterprise_admin",
                        reason="only the enterprise's admin takes this step",
                    )
                )
                continue
            blocked = _blocker(s, case, action)
            out.append(
                ActionState(
                    action=action,
                    allowed=blocked is None,
                    code=blocked.code if blocked else None,
                    reason=blocked.reason if blocked else None,
                    inventory_id=_latest_submitted_inventory(s, case)
                    if action in {"submit", "resubmit"}
                    else None,
                )
            )
        return out


def act(db: Database, p: Principal, case_id: int, data: CaseAct, *, today: date | None = None) -> CaseDetail:
    """Take one step of the workflow; refused with the reason when the role or the state does not allow it."""
    with db.transaction() as s:
        case, side = _case(s, p, case_id)
        sources, target, _who = TRANSITIONS[data.action]
        if data.action not in _allowed(p, case, side):
            if case.status not in sources:
                raise Conflict(
                    f"{data.action} is not possible while the case is {case.status}",
                    errors=[
                        {"field": "action", "reason": f"case is {case.status}", "code": "state.not_allowed"}
                    ],
                )
            raise Forbidden(
                "only the assigned verifier can do this"
                if _who == "verifier"
                else f"you may not {data.action}"
            )
        before = case.status
        now = datetime.now(UTC)
        # act checks the inventory it is given (_submitted_inventory), not merely that one exists
        blocked = _blocker(s, case, data.action, inventory=False)
        if blocked is not None:
            raise InvalidInput.field(blocked.field, blocked.reason, code=blocked.code)
        if data.action == "approve_plan":
            case.plan = {
                **_plan(s, case.enterprise_id),
                "approved_at": now.isoformat(),
                "approved_by": p.label,
            }
        elif data.action in {"submit", "resubmit"}:
            inv = _submitted_inventory(s, case, data.inventory_id)
            case.inventory_id = inv.id
            case.submitted_at = now
        elif data.action == "verify":
            current = s.get(Inventory, case.inventory_id) if case.inventory_id else None
            if current is None:
                raise InvalidInput.field("inventory_id", "the case has no submitted inventory")
            case.verified_at = now
            case.verified_tco2e = current.total_tco2e
            case.verification_opinion = data.note
        elif data.action == "archive":
            case.archived_at = now
        case.status = target
        s.flush()
        _event(s, p, case, data.action, before, data.note)
        trust_log.log_mrv_step(s, case, data.action)
    return get_case(db, p, case_id, today=today)


def add_comment(db: Database, p: Principal, case_id: int, data: CommentCreate) -> CommentPublic:
    """A remark by the enterprise or the assigned verifier; a verifier's correction names a line."""
    with db.transaction() as s:
        case, side = _case(s, p, case_id)
        if side not in {"enterprise", "verifier"}:
            raise Forbidden("only the enterprise and its assigned verifier comment on a case")
        if case.status == "archived":
            raise Conflict(
                "the case is archived",
                errors=[{"field": "case_id", "reason": "archived", "code": "state.not_allowed"}],
            )
        line: InventoryLine | None = None
        if data.line_id is not None:
            line = s.get(InventoryLine, data.line_id)
            inv = s.get(Inventory, line.inventory_id) if line is not None else None
            if (
                line is None
                or inv is None
                or inv.enterprise_id != case.enterprise_id
                or inv.year != case.year
                or (case.inventory_id is not None and inv.id != case.inventory_id)
            ):
                raise InvalidInput.field(
                    "line_id", "is not a line of this case's inventory", code="mrv.line_unknown"
                )
        if data.kind == "correction":
            if side != "verifier":
                raise Forbidden("only the assigned verifier requests corrections")
            if case.status != "under_review":
                raise Conflict(
                    "corrections are requested during the review",
                    errors=[
                        {"field": "kind", "reason": f"case is {case.status}", "code": "state.not_allowed"}
                    ],
                )
            if line is None:
                raise InvalidInput.field(
                    "line_id", "a correction request names the line to correct", code="mrv.line_required"
                )
        comment = MrvComment(
            case_id=case.id,
            park_id=case.park_id,
            enterprise_id=case.enterprise_id,
            inventory_id=line.inventory_id if line else case.inventory_id,
            line_id=line.id if line else None,
            activity_id=line.activity_id if line else None,
            author_side=side,
            author=p.label,
            author_user_id=p.user_id,
            kind=data.kind,
            text=data.text,
            status="open",
        )
        s.add(comment)
        s.flush()
        audit.record(
            s,
            p,
            f"mrv.{data.kind}",
            entity="mrv_comment",
            entity_id=comment.id,
            park_id=case.park_id,
            enterprise_id=case.enterprise_id,
            after={"case_id": case.id, "kind": data.kind, "line_id": comment.line_id},
        )
        return CommentPublic.model_validate(comment)


def resolve_comment(db: Database, p: Principal, comment_id: int, data: CommentResolve) -> CommentPublic:
    """Answer a remark or a correction (the enterprise), or close it (the verifier who raised it)."""
    with db.transaction() as s:
        comment = s.get(MrvComment, comment_id)
        if comment is None:
            raise NotFound("comment not found")
        case, side = _case(s, p, comment.case_id)
        if side not in {"enterprise", "verifier"}:
            raise Forbidden("only the enterprise and its assigned verifier resolve remarks")
        if comment.status != "open":
            raise Conflict(
                "the remark is resolved already",
                errors=[{"field": "comment_id", "reason": "resolved", "code": "state.not_allowed"}],
            )
        comment.status = "resolved"
        comment.response = data.response
        comment.resolved_by = p.label
        comment.resolved_at = datetime.now(UTC)
        s.flush()
        audit.record(
            s,
            p,
            "mrv.resolve",
            entity="mrv_comment",
            entity_id=comment.id,
            park_id=case.park_id,
            enterprise_id=case.enterprise_id,
            after={"case_id": case.id, "status": "resolved"},
        )
        return CommentPublic.model_validate(comment)
