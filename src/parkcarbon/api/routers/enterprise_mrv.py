"""MRV (监测—报告—核查): cases, monthly reviews, workflow actions, verifier remarks and corrections,
reminders, the park's supervision overview (deadlines, overdue list, totals) and market calendars."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.api.routers.enterprise import YearQuery, page_of
from parkcarbon.services.enterprise import calendar, mrv
from parkcarbon.services.enterprise.schemas import (
    CalendarCreate,
    CalendarPublic,
    CaseAct,
    CaseCreate,
    CaseDetail,
    CasePublic,
    CaseStatus,
    CaseUpdate,
    CommentCreate,
    CommentPublic,
    CommentResolve,
    Reminder,
    ReviewCreate,
)
from parkcarbon.services.pagination import Page

router = APIRouter(tags=["mrv"])
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/mrv/cases", response_model=Page[CasePublic])
def list_cases(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: OptionalId = None,
    enterprise_id: OptionalId = None,
    year: YearQuery = None,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
) -> Page[CasePublic]:
    """Cases the caller takes part in: its enterprise's, those it verifies, its park's (park staff)."""
    rows = mrv.list_cases(
        runtime.db, principal, park_id=park_id, enterprise_id=enterprise_id, year=year, status=status_
    )
    return page_of(rows, page)


@router.post("/mrv/cases", response_model=CaseDetail, status_code=status.HTTP_201_CREATED)
def create_case(runtime: RuntimeDep, principal: PrincipalDep, body: CaseCreate) -> CaseDetail:
    """Open an MRV case (enterprise admin or park admin); deadlines follow the market calendar."""
    return mrv.create_case(runtime.db, principal, body)


@router.get("/mrv/cases/{case_id}", response_model=CaseDetail)
def read_case(runtime: RuntimeDep, principal: PrincipalDep, case_id: IdPath) -> CaseDetail:
    return mrv.get_case(runtime.db, principal, case_id)


@router.patch("/mrv/cases/{case_id}", response_model=CaseDetail)
def update_case(
    runtime: RuntimeDep, principal: PrincipalDep, case_id: IdPath, body: CaseUpdate
) -> CaseDetail:
    """Name the verifier before submission (the enterprise's admin assigns, the park admin proposes)."""
    return mrv.update_case(runtime.db, principal, case_id, body)


@router.post("/mrv/cases/{case_id}/verifier/accept", response_model=CaseDetail)
def accept_case_verifier(runtime: RuntimeDep, principal: PrincipalDep, case_id: IdPath) -> CaseDetail:
    """The enterprise's admin accepts the proposed verifier; until then the verifier sees nothing."""
    return mrv.accept_verifier(runtime.db, principal, case_id)


@router.post("/mrv/cases/{case_id}/verifier/decline", response_model=CaseDetail)
def decline_case_verifier(runtime: RuntimeDep, principal: PrincipalDep, case_id: IdPath) -> CaseDetail:
    """The enterprise's admin declines the proposed verifier."""
    return mrv.decline_verifier(runtime.db, principal, case_id)


@router.post("/mrv/cases/{case_id}/actions", response_model=CaseDetail)
def act_on_case(runtime: RuntimeDep, principal: PrincipalDep, case_id: IdPath, body: CaseAct) -> CaseDetail:
    """One workflow step (approve_plan, start_report, submit, start_review, request_corrections, resubmit,
    verify, archive); refused with the reason when the role or the state does not allow it."""
    return mrv.act(runtime.db, principal, case_id, body)


@router.post("/mrv/cases/{case_id}/reviews", response_model=CaseDetail, status_code=status.HTTP_201_CREATED)
def review_case_months(
    runtime: RuntimeDep, principal: PrincipalDep, case_id: IdPath, body: ReviewCreate
) -> CaseDetail:
    """Monthly data review: the enterprise confirms ended months; each review keeps the month's figures."""
    return mrv.review_months(runtime.db, principal, case_id, body)


@router.post(
    "/mrv/cases/{case_id}/comments", response_model=CommentPublic, status_code=status.HTTP_201_CREATED
)
def create_case_comment(
    runtime: RuntimeDep, principal: PrincipalDep, case_id: IdPath, body: CommentCreate
) -> CommentPublic:
    """A remark; the assigned verifier's ``correction`` names the inventory line to correct."""
    return mrv.add_comment(runtime.db, principal, case_id, body)


@router.post("/mrv/comments/{comment_id}/resolve", response_model=CommentPublic)
def resolve_case_comment(
    runtime: RuntimeDep, principal: PrincipalDep, comment_id: IdPath, body: CommentResolve
) -> CommentPublic:
    return mrv.resolve_comment(runtime.db, principal, comment_id, body)


@router.get("/mrv/reminders", response_model=Page[Reminder])
def list_reminders(runtime: RuntimeDep, principal: PrincipalDep, page: PageDep) -> Page[Reminder]:
    """Deadlines of the caller's open cases due within 30 days or overdue."""
    return page_of(mrv.reminders(runtime.db, principal), page)


@router.get("/parks/{park_id}/mrv/overview", response_model=Page[CasePublic])
def read_mrv_overview(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    park_id: IdPath,
    page: PageDep,
    year: YearQuery = None,
    overdue: Annotated[bool, Query(description="only overdue cases")] = False,
) -> Page[CasePublic]:
    """Supervision (park staff, regulator): every case's stage, deadlines and reported/verified totals."""
    return page_of(mrv.overview(runtime.db, principal, park_id, year=year, overdue_only=overdue), page)


@router.get("/parks/{park_id}/mrv/calendars", response_model=Page[CalendarPublic])
def list_mrv_calendars(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, page: PageDep
) -> Page[CalendarPublic]:
    return page_of(calendar.list_calendars(runtime.db, principal, park_id), page)


@router.post(
    "/parks/{park_id}/mrv/calendars",
    response_model=CalendarPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "the market's calendar was replaced", "model": CalendarPublic}},
)
def set_mrv_calendar(
    runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath, body: CalendarCreate, response: Response
) -> Any:
    """Set a market's deadlines for the park (park admin); open cases take the new dates."""
    row, created = calendar.set_calendar(runtime.db, principal, park_id, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return row
