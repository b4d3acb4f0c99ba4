"""Invitations (企业成员邀请) and the enterprise's pending decisions; the public redeem page (兑换邀请).

* ``/invitations`` — the park admin (and the enterprise's own admin) invites an e-mail address into an
  enterprise, sees every invitation with its status and withdraws one not yet redeemed; the enterprise's
  admin accepts or declines invitations into its enterprise and the verifiers the park proposed for its
  MRV cases. Every button is decided by an ``access.can_*`` predicate; the services check again.
* ``/invitations/redeem`` — reached from the invitation mail's link (no sign-in): the code and the
  address are filled in from the link; the invited person sets a password (or gives the existing
  account's) and joins.

The one-time code is never shown here to anyone but the person who opens the mailed link.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from nicegui import run, ui
from pydantic import SecretStr, ValidationError

from parkcarbon.services import access
from parkcarbon.services.accounts import invitations
from parkcarbon.services.accounts.schemas import InvitationCreate, InvitationPublic, InvitationRedeem
from parkcarbon.services.enterprise import mrv
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import organisations
from parkcarbon.vocab import OrgKind, Role
from parkcarbon.web import session as web_session
from parkcarbon.web.errors import error_text, validation_text
from parkcarbon.web.i18n import register_texts, t, te
from parkcarbon.web.layout import ADMINS, THEME_CSS, NavItem, register_nav
from parkcarbon.web.layout import frame as page_frame
from parkcarbon.web.widgets import FormField, fmt_time, form_dialog, guarded, validated

ALL = PageParams(limit=1000)
OPEN = {"pending", "accepted"}

register_texts(
    {
        "nav.invitations": ("成员邀请", "Invitations"),
        "invitations.title": ("成员邀请", "Invitations"),
        "invitations.invite": ("邀请成员", "Invite"),
        "invitations.invite_hint": (
            "邀请码只通过邮件发给被邀请人，邀请人看不到邀请码。",
            "The one-time code goes only to the invited address by e-mail; the inviter never sees it.",
        ),
        "invitations.sent": ("邀请邮件已发送", "Invitation mail sent"),
        "invitations.enterprise": ("企业", "Enterprise"),
        "invitations.expires_in_days": ("有效天数", "Valid for (days)"),
        "invitations.none": ("暂无邀请", "No invitations"),
        "invitations.revoke": ("撤回", "Revoke"),
        "invitations.accept": ("接受", "Accept"),
        "invitations.decline": ("拒绝", "Decline"),
        "invitations.expires": ("有效期至", "Expires"),
        "invitations.invited_by": ("邀请人", "Invited by"),
        "invitations.pending_verifiers": ("待确认的核查机构", "Verifiers awaiting your acceptance"),
        "invitations.case": ("MRV 案件", "MRV case"),
        "redeem.title": ("兑换邀请", "Redeem an invitation"),
        "redeem.hint": (
            "请使用邀请邮件中的链接打开本页；新账号请设置密码，已有账号请输入原密码。",
            "Open this page from the invitation mail's link; set a password for a new account, or give "
            "your existing account's password.",
        ),
        "redeem.code": ("邀请码", "Invitation code"),
        "redeem.submit": ("加入企业", "Join the enterprise"),
        "redeem.done": ("已加入企业，请登录。", "You have joined the enterprise; please sign in."),
        "redeem.to_login": ("前往登录", "Go to sign-in"),
        "redeem.link": ("兑换邀请", "Redeem an invitation"),
        # invitation statuses
        "invitation.status.pending": ("待处理", "pending"),
        "invitation.status.accepted": ("企业已接受，待兑换", "accepted, awaiting redemption"),
        "invitation.status.declined": ("已拒绝", "declined"),
        "invitation.status.redeemed": ("已兑换", "redeemed"),
        "invitation.status.expired": ("已过期", "expired"),
        "invitation.status.revoked": ("已撤回", "revoked"),
        "invitation.status.undelivered": ("邮件未送达", "mail not delivered"),
    }
)

register_nav(NavItem("end.admin", "/invitations", "nav.invitations", "mail", frozenset(ADMINS)))


@ui.page("/invitations")
def invitations_page() -> None:
    with page_frame("nav.invitations") as current:
        if current is None or current.park_id is None:
            return
        p, rt, park_id = current.principal, web_session.runtime(), current.park_id
        if not access.can_list_invitations(p):
            return
        enterprises = organisations.list_organisations(
            rt.db, p, ALL, park_id=park_id, kind=OrgKind.ENTERPRISE
        ).data
        names = {o.id: o.name for o in enterprises}
        invitable = {o.id: o.name for o in enterprises if access.can_invite(p, o)}
        if invitable:
            _invite_button(p, invitable)
        rows = [i for i in invitations.list_invitations(rt.db, p, ALL).data if i.park_id == park_id]
        _invitation_list(p, rows, names)
        _pending_verifiers(p, park_id)


def _invite_button(p: Principal, invitable: dict[int, str]) -> None:
    rt = web_session.runtime()
    roles = {r.value: te(r.value) for r in (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER)}
    dialog = form_dialog(
        "invitations.invite",
        [
            FormField("enterprise_id", "invitations.enterprise", "select", invitable, next(iter(invitable))),
            FormField("email", "email"),
            FormField("role", "role", "select", roles, Role.ENTERPRISE_MEMBER.value),
            FormField("expires_in_days", "invitations.expires_in_days", "number", value=7),
        ],
        lambda v: invitations.create_invitation(
            rt.db,
            p,
            validated(
                InvitationCreate,
                {**v, "expires_in_days": int(v["expires_in_days"] or 7)},
            ),
            rt.mailer,
        ),
        mark="invitation-form",
        on_done=lambda _: ui.navigate.reload(),
        done_key="invitations.sent",
    )
    with ui.row().classes("items-center q-gutter-md"):
        ui.button(t("invitations.invite"), icon="forward_to_inbox", on_click=dialog.open).props(
            "color=primary"
        ).mark("invitation-create")
        ui.label(t("invitations.invite_hint")).classes("text-grey-7")


def _invitation_list(p: Principal, rows: list[InvitationPublic], names: dict[int, str]) -> None:
    with ui.card().classes("w-full").mark("invitation-list"):
        ui.label(t("invitations.title")).classes("text-subtitle1")
        if not rows:
            ui.label(t("invitations.none")).classes("text-grey-7")
        for inv in rows:
            with ui.row().classes("items-center q-gutter-sm w-full").mark(f"invitation-{inv.id}"):
                ui.label(inv.email).classes("text-weight-medium").mark(f"invitation-email-{inv.id}")
                ui.label(f"{te(inv.role)} @ {names.get(inv.enterprise_id, '?')}")
                ui.badge(t(f"invitation.status.{inv.status}")).mark(f"invitation-status-{inv.id}")
                ui.label(f"{t('invitations.invited_by')}: {inv.invited_by}").classes("text-grey-7")
                ui.label(f"{t('invitations.expires')}: {fmt_time(inv.expires_at)}").classes("text-grey-7")
                _row_buttons(p, inv)


def _row_buttons(p: Principal, inv: InvitationPublic) -> None:
    db = web_session.runtime().db
    if inv.status == "pending" and access.can_accept_for_enterprise(p, inv.enterprise_id):
        accept, decline = _handlers(
            lambda: invitations.accept_invitation(db, p, inv.id),
            lambda: invitations.decline_invitation(db, p, inv.id),
        )
        ui.button(t("invitations.accept"), on_click=accept).props("dense color=primary").mark(
            f"invitation-accept-{inv.id}"
        )
        ui.button(t("invitations.decline"), on_click=decline).props("dense outline color=negative").mark(
            f"invitation-decline-{inv.id}"
        )
    if inv.status in OPEN and access.can_revoke_invitation(p, inv.park_id, inv.enterprise_id):
        ui.button(
            t("invitations.revoke"),
            on_click=lambda: guarded(
                lambda: invitations.revoke_invitation(db, p, inv.id), success="saved", reload=True
            ),
        ).props("dense flat color=negative").mark(f"invitation-revoke-{inv.id}")


def _handlers(
    accept: Callable[[], Any], decline: Callable[[], Any]
) -> tuple[Callable[[], None], Callable[[], None]]:
    def do_accept() -> None:
        guarded(accept, success="saved", reload=True)

    def do_decline() -> None:
        guarded(decline, success="saved", reload=True)

    return do_accept, do_decline


def _pending_verifiers(p: Principal, park_id: int) -> None:
    """MRV cases of the caller's enterprises whose verifier the park proposed: accept or decline."""
    db = web_session.runtime().db
    waiting = [
        c
        for c in mrv.list_cases(db, p, park_id=park_id)
        if c.verifier_organisation_id is not None
        and c.verifier_accepted_at is None
        and access.can_accept_for_enterprise(p, c.enterprise_id)
    ]
    if not waiting:
        return
    with ui.card().classes("w-full").mark("pending-verifiers"):
        ui.label(t("invitations.pending_verifiers")).classes("text-subtitle1")
        for case in waiting:
            with ui.row().classes("items-center q-gutter-sm"):
                ui.link(f"{t('invitations.case')} {case.year} · {case.enterprise_name}", f"/mrv/{case.id}")
                ui.label(case.verifier_name or "?")
                accept, decline = _handlers(
                    partial(mrv.accept_verifier, db, p, case.id),
                    partial(mrv.decline_verifier, db, p, case.id),
                )
                ui.button(t("invitations.accept"), on_click=accept).props("dense color=primary").mark(
                    f"case-verifier-accept-{case.id}"
                )
                ui.button(t("invitations.decline"), on_click=decline).props(
                    "dense outline color=negative"
                ).mark(f"case-verifier-decline-{case.id}")


@ui.page("/invitations/redeem")
def redeem_page(code: str = "", email: str = "") -> None:
    """No sign-in: the invited person, from the mailed link."""
    ui.add_css(THEME_CSS)
    ui.colors(primary="#13795b")
    ui.page_title(f"{t('redeem.title')} · {t('app.short')}")

    async def submit() -> None:
        rt = web_session.runtime()
        try:
            body = InvitationRedeem(
                code=code_in.value or "",
                email=email_in.value or "",
                password=SecretStr(password_in.value or ""),
                display_name=name_in.value or None,
            )
        except ValidationError as exc:
            error.text = validation_text(list(exc.errors()))
            return
        try:
            # argon2 runs in the service: off the event loop
            await run.io_bound(
                invitations.redeem_invitation,
                rt.db,
                body,
                client=web_session.client_address(),
                limiter=rt.limiter,
            )
        except ServiceError as exc:
            error.text = error_text(exc)
            return
        error.text = ""
        form.set_visibility(False)
        done.set_visibility(True)

    with ui.column().classes("absolute-center items-center"):
        ui.label(t("redeem.title")).classes("text-h5").mark("redeem-title")
        ui.label(t("redeem.hint")).classes("text-grey-7 w-96")
        with ui.card().classes("pc-card w-96 q-pa-lg") as form:
            code_in = (
                ui.input(t("redeem.code"), value=code).props("outlined").classes("w-full").mark("redeem-code")
            )
            email_in = (
                ui.input(t("email"), value=email).props("outlined").classes("w-full").mark("redeem-email")
            )
            name_in = ui.input(t("display_name")).props("outlined").classes("w-full").mark("redeem-name")
            password_in = (
                ui.input(t("login.password"), password=True, password_toggle_button=True)
                .props("outlined")
                .classes("w-full")
                .mark("redeem-password")
            )
            error = ui.label().classes("text-negative").mark("redeem-error")
            ui.button(t("redeem.submit"), on_click=submit).props("color=primary unelevated").classes(
                "w-full"
            ).mark("redeem-submit")
        with ui.card().classes("pc-card w-96 q-pa-lg").mark("redeem-done") as done:
            ui.label(t("redeem.done")).classes("text-positive")
            ui.link(t("redeem.to_login"), "/login").mark("redeem-login")
        done.set_visibility(False)
