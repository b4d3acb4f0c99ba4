"""MRV pages (监测—报告—核查) for enterprises and verifiers, and the park's deadline overview."""

from __future__ import annotations

from typing import Any, get_args

from nicegui import ui

from parkcarbon.services import access
from parkcarbon.services.enterprise import documents, inventory, mrv
from parkcarbon.services.enterprise.schemas import (
    ActionState,
    CaseAct,
    CaseDetail,
    CaseStatus,
    CommentCreate,
    CommentResolve,
    ReviewCreate,
)
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.vocab import Role
from parkcarbon.web import session as web_session
from parkcarbon.web.errors import code_text
from parkcarbon.web.i18n import local_name, register_texts, t, te
from parkcarbon.web.layout import ENTERPRISE, PARK_STAFF, NavItem, frame, notify_error, register_nav
from parkcarbon.web.widgets import Column, confirm, data_table, fmt_time, guarded

STATUSES: tuple[str, ...] = get_args(CaseStatus)
register_texts(
    {
        "nav.mrv": ("MRV 核查", "MRV"),
        "nav.mrv_overview": ("履约与核查进度", "MRV deadlines"),
        "mrv.year": ("年度", "Year"),
        "mrv.market": ("市场", "Market"),
        "mrv.verifier": ("核查机构", "Verifier"),
        "mrv.verifier_proposed": (
            "园区提议的核查机构，待企业确认",
            "Verifier proposed by the park, awaiting the enterprise",
        ),
        "mrv.verifier_accept": ("接受核查机构", "Accept verifier"),
        "mrv.verifier_decline": ("拒绝核查机构", "Decline verifier"),
        "mrv.report_due": ("年报截止", "Report due"),
        "mrv.verification_due": ("核查截止", "Verification due"),
        "mrv.overdue": ("逾期", "Overdue"),
        "mrv.days_overdue": ("逾期天数", "Days overdue"),
        "mrv.reported": ("报告排放 tCO2e", "Reported tCO2e"),
        "mrv.verified_total": ("核查排放 tCO2e", "Verified tCO2e"),
        "mrv.plan": ("监测计划", "Monitoring plan"),
        "mrv.reviews": ("月度数据审核", "Monthly data review"),
        "mrv.review_all": ("审核全部已结束月份", "Review all ended months"),
        "mrv.comments": ("核查意见与修正", "Remarks and corrections"),
        "mrv.history": ("流转记录", "History"),
        "mrv.comment": ("意见", "Remark"),
        "mrv.correction": ("要求修正的条目", "Line to correct"),
        "mrv.add_correction": ("提出修正意见", "Add a correction request"),
        "mrv.add_comment": ("添加意见", "Add a remark"),
        "mrv.response": ("答复", "Response"),
        "mrv.resolve": ("答复并关闭", "Answer and close"),
        "mrv.opinion": ("核查结论", "Verification opinion"),
        "mrv.reminders": ("待办提醒", "Reminders"),
        "mrv.days_left": ("剩余天数", "Days left"),
        "mrv.overdue_days": ("逾期 {n} 天", "{n} days overdue"),
        "mrv.stage": ("阶段", "Stage"),
        "mrv.inventory": ("报送盘查版本", "Inventory submitted"),
        "mrv.none_submitted": (
            "请先在“碳盘查”中提交（冻结）本年度盘查",
            "Submit (freeze) the year's inventory first",
        ),
        **{
            f"mrv.status.{s}": pair
            for s, pair in zip(
                STATUSES,
                (
                    ("编制监测计划", "Planning"),
                    ("监测中", "Monitoring"),
                    ("编制年报", "Reporting"),
                    ("已提交", "Submitted"),
                    ("核查中", "Under review"),
                    ("待修正", "Corrections requested"),
                    ("已核查", "Verified"),
                    ("已归档", "Archived"),
                ),
                strict=True,
            )
        },
        **{
            f"mrv.action.{a}": pair
            for a, pair in (
                ("approve_plan", ("批准监测计划", "Approve the plan")),
                ("start_report", ("开始编制年报", "Start the report")),
                ("submit", ("提交核查", "Submit for verification")),
                ("start_review", ("开始核查", "Start the review")),
                ("request_corrections", ("要求修正", "Request corrections")),
                ("resubmit", ("修正后重新提交", "Resubmit")),
                ("verify", ("核查通过", "Verify")),
                ("archive", ("归档", "Archive")),
            )
        },
        "mrv.stage.report": ("年报", "Report"),
        "mrv.stage.verification": ("核查", "Verification"),
    }
)
register_nav(
    NavItem("end.enterprise", "/mrv", "nav.mrv", "verified", frozenset(ENTERPRISE | {Role.VERIFIER}))
)
register_nav(NavItem("end.park", "/park/mrv", "nav.mrv_overview", "event_busy", frozenset(PARK_STAFF)))


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _case_columns() -> list[Column]:
    return [
        Column("enterprise_name", "enterprise"),
        Column("year", "mrv.year"),
        Column("market", "mrv.market", te),
        Column("status", "status", lambda v: t(f"mrv.status.{v}")),
        Column("verifier_name", "mrv.verifier"),
        Column("report_due", "mrv.report_due", str),
        Column("verification_due", "mrv.verification_due", str),
        Column("overdue", "mrv.overdue", lambda v: t(f"mrv.stage.{v}") if v else ""),
        Column("reported_tco2e", "mrv.reported", _num),
        Column("verified_tco2e", "mrv.verified_total", _num),
    ]


@ui.page("/mrv")
def mrv_list_page() -> None:
    with frame("nav.mrv") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        reminders = mrv.reminders(db, p)
        if reminders:
            with ui.card().classes("pc-card w-full bg-amber-1").mark("mrv-reminders"):
                ui.label(t("mrv.reminders")).classes("text-subtitle1")
                for r in reminders:
                    ui.label(
                        f"{local_name(r.enterprise_name, r.enterprise_name_en)} {r.year} · "
                        f"{t(f'mrv.stage.{r.stage}')} · {r.due} · " + deadline_text(r.days_left)
                    ).classes("text-negative" if r.overdue else "")
        table = data_table(_case_columns(), [_localised(c) for c in mrv.list_cases(db, p)], mark="case-table")
        table.on("rowClick", lambda e: ui.navigate.to(f"/mrv/{e.args[1]['id']}"))


def _localised(case: Any) -> Any:
    """A case (or overview row) with its organisations' names in the user's language."""
    update = {"enterprise_name": local_name(case.enterprise_name, case.enterprise_name_en)}
    if getattr(case, "verifier_name", None):
        update["verifier_name"] = local_name(case.verifier_name, getattr(case, "verifier_name_en", None))
    return case.model_copy(update=update)


def deadline_text(days_left: int) -> str:
    """``剩余天数 N`` before a deadline, ``逾期 N 天`` after it (never a negative count of days left)."""
    if days_left < 0:
        return t("mrv.overdue_days").format(n=-days_left)
    return f"{t('mrv.days_left')} {days_left}"


def _side(p: Principal, case: CaseDetail) -> str:
    return access.side_of_case(
        p, case.enterprise_id, case.verifier_organisation_id, case.verifier_accepted_at is not None
    )


@ui.page("/mrv/{case_id}")
def mrv_case_page(case_id: int) -> None:
    with frame("nav.mrv") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            case = mrv.get_case(db, p, case_id)
        except ServiceError as exc:
            notify_error(exc)
            return
        side = _side(p, case)
        ui.label(
            f"{local_name(case.enterprise_name, case.enterprise_name_en)} · {case.year} · {te(case.market)}"
        ).classes("text-subtitle1")
        ui.label(t(f"mrv.status.{case.status}")).classes("text-h6 text-primary").mark("case-status")
        ui.label(
            f"{t('mrv.report_due')} {case.report_due} · {t('mrv.verification_due')} {case.verification_due}"
            f" · {t('mrv.verifier')} "
            f"{local_name(case.verifier_name, case.verifier_name_en) if case.verifier_name else t('none')}"
            + (f" · {t('mrv.inventory')} #{case.inventory_id}" if case.inventory_id else "")
        ).classes("text-grey-7")
        _verifier_proposal(case, p)
        _action_bar(case, p)
        _submitted_view(case, p, side)
        if case.plan:
            with ui.expansion(t("mrv.plan"), icon="assignment").classes("w-full").mark("case-plan"):
                for item in case.plan.get("sources", []):
                    meters = ", ".join(m["code"] for m in item["meters"])
                    ui.label(f"{item['source']} · {item['method']} · {te(item['frequency'])} · {meters}")
        with (
            ui.expansion(t("mrv.reviews"), icon="calendar_month", value=case.status in {"monitoring"})
            .classes("w-full")
            .mark("case-reviews")
        ):
            ui.label(", ".join(f"{r.month}月" for r in case.reviews) or t("none"))
            if side == "enterprise" and case.status in {"planning", "monitoring", "reporting"}:
                ui.button(
                    t("mrv.review_all"),
                    icon="done_all",
                    on_click=lambda: guarded(
                        lambda: mrv.review_months(db, p, case.id, ReviewCreate()),
                        success="saved",
                        reload=True,
                    ),
                ).props("outline").mark("review-all")
        _comments(case, p, side)
        with ui.expansion(t("mrv.history"), icon="history").classes("w-full").mark("case-history"):
            for e in case.events:
                action = t(f"mrv.action.{e.action}") if e.action in TRANSITIONS else e.action
                ui.label(
                    f"{fmt_time(e.at)} · {e.actor} · {action}"
                    f" → {t(f'mrv.status.{e.to_status}')}" + (f" · {e.note}" if e.note else "")
                ).classes("text-caption")


TRANSITIONS = set(mrv.TRANSITIONS)


def _verifier_proposal(case: CaseDetail, p: Principal) -> None:
    """A verifier proposed by the park: the enterprise's admin accepts or declines it (issue 12 §2)."""
    if case.verifier_organisation_id is None or case.verifier_accepted_at is not None:
        return
    db = web_session.runtime().db
    with ui.row().classes("q-gutter-sm items-center").mark("verifier-proposal"):
        ui.label(
            f"{t('mrv.verifier_proposed')}: {local_name(case.verifier_name or '', case.verifier_name_en)}"
        ).classes("text-warning")
        if not access.can_accept_for_enterprise(p, case.enterprise_id):
            return
        ui.button(
            t("mrv.verifier_accept"),
            icon="how_to_reg",
            on_click=lambda: guarded(
                lambda: mrv.accept_verifier(db, p, case.id), success="saved", reload=True
            ),
        ).props("color=primary").mark("verifier-accept")
        ui.button(
            t("mrv.verifier_decline"),
            icon="block",
            on_click=lambda: guarded(
                lambda: mrv.decline_verifier(db, p, case.id), success="saved", reload=True
            ),
        ).props("outline color=negative").mark("verifier-decline")


def _action_bar(case: CaseDetail, p: Principal) -> None:
    """Every next step on the caller's side: enabled, or disabled with the reason the service gives
    (``mrv.preconditions``); each asks for confirmation before it runs."""
    db = web_session.runtime().db
    states = mrv.preconditions(db, p, case.id)
    with ui.row().classes("q-gutter-sm items-end").mark("case-actions"):
        opinion = None
        if any(st.action == "verify" and st.allowed for st in states):
            opinion = ui.input(t("mrv.opinion")).classes("w-96").mark("verify-opinion")
        for st in states:
            label = t(f"mrv.action.{st.action}")

            def run(st: ActionState = st) -> None:
                body: dict[str, Any] = {"action": st.action}
                if st.action in {"submit", "resubmit"}:
                    body["inventory_id"] = st.inventory_id
                if st.action == "verify" and opinion is not None:
                    body["note"] = opinion.value or None
                guarded(lambda: mrv.act(db, p, case.id, CaseAct(**body)), success="saved", reload=True)

            def ask(st: ActionState = st, label: str = label) -> None:
                text = t("mrv.confirm.body").format(action=label)
                if st.action in {"submit", "resubmit"}:
                    text += " " + t("mrv.confirm.submit")
                confirm(text, lambda: run(st))

            with ui.column().classes("items-start q-gutter-none"):
                button = ui.button(label, on_click=ask).props("color=primary").mark(f"action-{st.action}")
                if not st.allowed:
                    button.disable()
                    reason = code_text(st.code, st.reason or "")
                    button.tooltip(reason)
                    ui.label(f"{t('mrv.blocked')}: {reason}").classes("text-caption text-grey-8").mark(
                        f"reason-{st.action}"
                    )


def _submitted_view(case: CaseDetail, p: Principal, side: str) -> None:
    """The submitted inventory and the enterprise's evidence, opened from the case (verifier and
    enterprise; the services decide what the caller may read)."""
    if case.inventory_id is None or side not in {"enterprise", "verifier"}:
        return
    db = web_session.runtime().db
    try:
        inv = inventory.get_inventory(db, p, case.inventory_id)
    except ServiceError as exc:
        notify_error(exc)
        return
    with (
        ui.expansion(
            f"{t('mrv.submitted_inventory')} V{inv.version} · {_num(inv.total_tco2e)} tCO2e",
            icon="inventory",
            value=side == "verifier",
        )
        .classes("w-full")
        .mark("case-inventory")
    ):
        rows = [
            {
                "id": ln.id,
                "activity_id": ln.activity_id,
                "source": ln.source_name,
                "quantity": f"{_num(ln.quantity)} {ln.unit}",
                "tco2e": _num(ln.tco2e),
                "reason": ln.override_reason or "",
            }
            for ln in inv.lines
        ]
        columns = [
            {"name": n, "label": t(k), "field": n, "align": "left"}
            for n, k in (
                ("activity_id", "code"),
                ("source", "inv.source"),
                ("quantity", "inv.quantity"),
                ("tco2e", "inv.total"),
                ("reason", "inv.reason"),
            )
        ]
        with ui.element("div").classes("w-full overflow-auto"):
            ui.table(columns=columns, rows=rows, row_key="id").props("dense flat").classes("w-full").mark(
                "case-lines"
            )
        ui.link(t("mrv.open_inventory"), f"/enterprise/inventory/{inv.id}").mark("case-open-inventory")
        ui.label(t("mrv.evidence")).classes("text-subtitle2 q-mt-sm")
        try:
            docs = documents.list_documents(db, p, case.enterprise_id, PageParams(limit=200)).data
        except ServiceError:
            docs = []
        if not docs:
            ui.label(t("mrv.no_documents")).classes("text-grey-7")
        for d in docs:

            def download(doc_id: int = d.id) -> None:
                try:
                    content = documents.read_content(db, p, doc_id)
                except ServiceError as exc:
                    notify_error(exc)
                    return
                ui.download.content(content.content, content.filename, content.content_type)

            with ui.row().classes("items-center q-gutter-sm").mark(f"case-document-{d.id}"):
                ui.label(f"{d.filename} · {d.description or ''}")
                ui.button(t("mrv.download"), icon="download", on_click=download).props("flat dense").mark(
                    f"case-document-download-{d.id}"
                )


def _comments(case: CaseDetail, p: Principal, side: str) -> None:
    db = web_session.runtime().db
    with ui.card().classes("pc-card w-full").mark("case-comments"):
        ui.label(t("mrv.comments")).classes("text-subtitle1")
        for c in case.comments:
            with ui.row().classes("items-center w-full").mark(f"comment-{c.id}"):
                kind = t("mrv.correction") if c.kind == "correction" else t("mrv.comment")
                ui.label(f"[{kind}{' ' + c.activity_id if c.activity_id else ''}] {c.author}: {c.text}")
                if c.status == "resolved":
                    ui.label(f"✔ {c.response}").classes("text-positive")
                elif side in {"enterprise", "verifier"}:
                    response = ui.input(t("mrv.response")).classes("w-64").mark(f"response-{c.id}")
                    ui.button(
                        t("mrv.resolve"),
                        on_click=lambda c=c, response=response: guarded(
                            lambda: mrv.resolve_comment(
                                db, p, c.id, CommentResolve(response=response.value or "")
                            ),
                            success="saved",
                            reload=True,
                        ),
                    ).props("flat color=primary").mark(f"resolve-{c.id}")
        if side not in {"enterprise", "verifier"} or case.status == "archived":
            return
        lines: dict[int, str] = {}
        if case.inventory_id is not None:
            try:
                inv = inventory.get_inventory(db, p, case.inventory_id)
                lines = {ln.id: f"{ln.activity_id} {ln.source_name}" for ln in inv.lines}
            except ServiceError:
                lines = {}
        with ui.row().classes("items-end w-full"):
            text = ui.input(t("mrv.comment")).classes("w-96").mark("comment-text")
            line = (
                ui.select(lines, label=t("mrv.correction"), clearable=True)
                .classes("w-64")
                .mark("comment-line")
            )
            correction = side == "verifier" and case.status == "under_review"

            def add() -> None:
                body = CommentCreate(
                    text=text.value or "-",
                    kind="correction" if correction and line.value else "comment",
                    line_id=line.value,
                )
                guarded(lambda: mrv.add_comment(db, p, case.id, body), success="saved", reload=True)

            label = t("mrv.add_correction") if correction else t("mrv.add_comment")
            ui.button(label, icon="rate_review", on_click=add).props("outline").mark("comment-add")


@ui.page("/park/mrv")
def park_mrv_page() -> None:
    with frame("nav.mrv_overview") as current:
        if current is None or current.park_id is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            rows = mrv.overview(db, p, current.park_id)
        except ServiceError as exc:
            notify_error(exc)
            return
        overdue = [r for r in rows if r.overdue]
        ui.label(f"{t('mrv.overdue')}: {len(overdue)}").classes(
            "text-negative text-subtitle1" if overdue else "text-subtitle1"
        ).mark("overdue-count")
        data_table(
            [*_case_columns(), Column("days_overdue", "mrv.days_overdue")],
            [_localised(r) for r in rows],
            mark="overview-table",
        )
