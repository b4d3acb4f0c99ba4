"""Administration pages: users and roles, ingest API keys, the audit log, the account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui
from pydantic import SecretStr, ValidationError

from parkcarbon.services import access
from parkcarbon.services.accounts import apikeys, audit_log, auth, invitations, users
from parkcarbon.services.accounts.schemas import ApiKeyCreate, PasswordChange, UserCreate
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import organisations
from parkcarbon.vocab import ROLES_BY_KIND, OrgKind
from parkcarbon.web import session as web_session
from parkcarbon.web.errors import validation_text
from parkcarbon.web.i18n import language, local_name, register_texts, t, te
from parkcarbon.web.layout import frame, notify_error
from parkcarbon.web.widgets import (
    Column,
    FormField,
    data_table,
    fmt_time,
    form_dialog,
    guarded,
    revoke_button_column,
    validated,
)

ALL = PageParams(limit=1000)

register_texts(
    {
        "invitations.pending": ("待处理的邀请", "Pending invitations"),
        "invitations.accept": ("接受", "Accept"),
        "invitations.decline": ("拒绝", "Decline"),
    }
)


def _pending_invitations(p: Principal, org_names: dict[int, str]) -> None:
    """Invitations into the enterprises the caller administers: accept or decline (issue 12 §2)."""
    db = web_session.runtime().db
    pending = [
        i
        for i in invitations.list_invitations(db, p, ALL).data
        if i.status == "pending" and access.can_accept_for_enterprise(p, i.enterprise_id)
    ]
    if not pending:
        return
    with ui.card().classes("w-full").mark("invitations-pending"):
        ui.label(t("invitations.pending")).classes("text-subtitle1")
        for inv in pending:
            with ui.row().classes("items-center q-gutter-sm"):
                ui.label(
                    f"{inv.email} · {te(inv.role)}@{org_names.get(inv.enterprise_id, '?')} · {inv.invited_by}"
                    f" · {fmt_time(inv.expires_at)}"
                )
                accept, decline = _decision_handlers(p, inv.id)
                ui.button(t("invitations.accept"), on_click=accept).props("dense color=primary").mark(
                    f"invitation-accept-{inv.id}"
                )
                ui.button(t("invitations.decline"), on_click=decline).props(
                    "dense outline color=negative"
                ).mark(f"invitation-decline-{inv.id}")


def _decision_handlers(p: Principal, invitation_id: int) -> tuple[Callable[[], None], Callable[[], None]]:
    db = web_session.runtime().db

    def accept() -> None:
        guarded(lambda: invitations.accept_invitation(db, p, invitation_id), success="saved", reload=True)

    def decline() -> None:
        guarded(lambda: invitations.decline_invitation(db, p, invitation_id), success="saved", reload=True)

    return accept, decline


@ui.page("/users")
def users_page() -> None:
    with frame("nav.users") as current:
        if current is None or current.park_id is None:
            return
        p, db, park_id = current.principal, web_session.runtime().db, current.park_id
        orgs = organisations.list_organisations(db, p, ALL, park_id=park_id).data
        manageable = {o.id: local_name(o.name, o.name_en) for o in orgs if access.can_manage_members(p, o)}
        kinds = {o.id: OrgKind(o.kind) for o in orgs}
        roles = sorted({r for o in manageable for r in ROLES_BY_KIND[kinds[o]]})
        dialog = form_dialog(
            "create",
            [
                FormField("email", "email"),
                FormField("display_name", "display_name"),
                FormField("password", "login.password", "password"),
                FormField(
                    "organisation_id", "organisation", "select", manageable, next(iter(manageable), None)
                ),
                FormField(
                    "role",
                    "role",
                    "select",
                    {r.value: te(r.value) for r in roles},
                    roles[0].value if roles else None,
                ),
            ],
            lambda v: users.create_user(
                db, p, validated(UserCreate, {**v, "password": SecretStr(v["password"])})
            ),
            mark="user-form",
            on_done=lambda _: ui.navigate.reload(),
        )
        ui.button(t("create"), icon="person_add", on_click=dialog.open).props("color=primary").mark(
            "user-create"
        )
        rows = users.list_users(db, p, ALL).data
        memberships = users.list_memberships(db, p, ALL).data
        org_names = {o.id: local_name(o.name, o.name_en) for o in orgs}
        _pending_invitations(p, org_names)
        by_user: dict[int, list[str]] = {}
        for m in memberships:
            by_user.setdefault(m.user_id, []).append(f"{te(m.role)}@{org_names.get(m.organisation_id, '?')}")
        for row in rows:
            row.__dict__["roles_text"] = "、".join(by_user.get(row.id, []))
        data_table(
            [
                Column("email", "email"),
                Column("display_name", "display_name"),
                Column("roles_text", "roles"),
                Column("is_active", "active", lambda v: "✓" if v else "✗"),
                Column("created_at", "created_at", fmt_time),
            ],
            rows,
            mark="user-table",
        )


@ui.page("/api-keys")
def api_keys_page() -> None:
    with frame("nav.api_keys") as current:
        if current is None or current.park_id is None:
            return
        p, db, park_id = current.principal, web_session.runtime().db, current.park_id
        enterprises = {
            o.id: local_name(o.name, o.name_en)
            for o in organisations.list_organisations(
                db, p, ALL, park_id=park_id, kind=OrgKind.ENTERPRISE
            ).data
        }
        park_admin = access.can_edit_registry(p, park_id)
        admin_of = access.administered_enterprises(p)
        scopes = ({0: t("park_owned")} if park_admin else {}) | {
            k: v for k, v in enterprises.items() if park_admin or k in admin_of
        }

        def show_key(issued: Any) -> None:
            with ui.dialog() as shown, ui.card().mark("api-key-issued"):
                ui.label(t("api_keys.issued")).classes("text-warning")
                ui.code(issued.key).classes("w-full").mark("api-key-secret")
                ui.button("OK", on_click=ui.navigate.reload)
            shown.open()

        dialog = form_dialog(
            "create",
            [
                FormField("name", "name"),
                FormField("enterprise_id", "api_keys.scope", "select", scopes, next(iter(scopes), None)),
            ],
            lambda v: apikeys.create_api_key(
                db,
                p,
                validated(
                    ApiKeyCreate,
                    {"park_id": park_id, "name": v["name"], "enterprise_id": v["enterprise_id"] or None},
                ),
            ),
            mark="key-form",
            on_done=show_key,
        )
        ui.button(t("create"), icon="add", on_click=dialog.open).props("color=primary").mark("key-create")
        rows = apikeys.list_api_keys(db, p, ALL, park_id=park_id).data
        table = data_table(
            [
                Column("name", "name"),
                Column("prefix", "api_keys.prefix"),
                Column("enterprise_id", "api_keys.scope", lambda v: enterprises.get(v, t("park_owned"))),
                Column("last_used_at", "api_keys.last_used", fmt_time),
                Column("revoked_at", "status", lambda v: t("revoked") if v else t("active")),
                Column("created_at", "created_at", fmt_time),
            ],
            rows,
            mark="key-table",
        )
        revoke_button_column(
            table,
            lambda key: guarded(lambda: apikeys.revoke_api_key(db, p, key), success="saved", reload=True),
        )


#: what an audit action acts on (the part before the dot) and what it does (after it)
AUDIT_SUBJECTS: dict[str, tuple[str, str]] = {
    "activity_data": ("活动数据", "activity data"),
    "activity_record": ("活动数据", "activity data"),
    "api_key": ("接入密钥", "API key"),
    "area": ("片区", "area"),
    "auth": ("登录", "sign-in"),
    "document": ("文档", "document"),
    "economics": ("经济数据", "economic data"),
    "economic_month": ("月度经济数据", "monthly economic data"),
    "emission_source": ("排放源", "emission source"),
    "enterprise_file": ("企业档案", "enterprise file"),
    "enterprise_profile": ("企业档案", "enterprise file"),
    "enterprise_product": ("产品", "product"),
    "facility": ("设施", "facility"),
    "grant": ("数据授权", "data grant"),
    "access_grant": ("数据授权", "data grant"),
    "inventory": ("碳排放清单", "inventory"),
    "inventory_line": ("清单条目", "inventory line"),
    "invitation": ("邀请", "invitation"),
    "membership": ("成员资格", "membership"),
    "meter": ("计量器具", "meter"),
    "mrv": ("MRV", "MRV"),
    "mrv_calendar": ("MRV 日程", "MRV calendar"),
    "mrv_case": ("MRV 事项", "MRV case"),
    "mrv_comment": ("MRV 意见", "MRV comment"),
    "organisation": ("组织机构", "organisation"),
    "park": ("园区", "park"),
    "product": ("产品", "product"),
    "product_benchmark": ("产品对标", "product benchmark"),
    "product_output": ("产品产量", "product output"),
    "supervision_settings": ("监管设置", "supervision settings"),
    "supervision_target": ("双控目标", "dual-control target"),
    "target": ("双控目标", "dual-control target"),
    "supervision_warning": ("双控预警", "dual-control warning"),
    "supervision_warnings": ("双控预警", "dual-control warnings"),
    "user": ("用户", "user"),
    "system": ("系统", "system"),
    "asset_transaction": ("碳资产交易", "carbon-asset transaction"),
    "market": ("服务市场", "marketplace"),
    "bid": ("报价", "bid"),
    "listing": ("服务上架", "listing"),
    "order": ("服务订单", "order"),
    "provider": ("服务商", "provider"),
    "qualification": ("服务商资质", "qualification"),
    "request": ("采购需求", "purchase request"),
    "market_bid": ("报价", "bid"),
    "market_listing": ("服务上架", "listing"),
    "market_order": ("服务订单", "order"),
    "market_provider": ("服务商", "provider"),
    "market_qualification": ("服务商资质", "qualification"),
    "market_rating": ("服务评价", "rating"),
    "market_request": ("采购需求", "purchase request"),
}
AUDIT_VERBS: dict[str, tuple[str, str]] = {
    "create": ("新建", "created"),
    "open": ("立项", "opened"),
    "approve_plan": ("批准监测计划", "monitoring plan approved"),
    "update": ("修改", "updated"),
    "delete": ("删除", "deleted"),
    "upload": ("上传", "uploaded"),
    "revoke": ("撤销", "revoked"),
    "record": ("录入", "recorded"),
    "bulk_record": ("批量录入", "recorded in bulk"),
    "set": ("设定", "set"),
    "bulk_set": ("批量设定", "set in bulk"),
    "submit": ("提交", "submitted"),
    "accept": ("接受", "accepted"),
    "resolve": ("处理", "resolved"),
    "evaluate": ("评估", "evaluated"),
    "acknowledge": ("确认", "acknowledged"),
    "login": ("登录成功", "signed in"),
    "login_failed": ("登录失败", "sign-in failed"),
    "logout": ("退出", "signed out"),
    "break_glass": ("紧急访问", "break-glass access"),
    "create_platform_admin": ("新建平台管理员", "platform admin created"),
    "override": ("人工修正", "overridden"),
    "backoff": ("登录限速", "sign-in slowed down"),
    "password_changed": ("修改密码", "password changed"),
    "undelivered": ("邮件未送达", "mail not delivered"),
    "break_glass_notified": ("紧急访问已通知", "break-glass notified"),
    "gas_conditions": ("燃气计量条件", "gas metering conditions"),
    "review_months": ("审阅月份数据", "months reviewed"),
    "archive": ("归档", "archived"),
    "restore": ("恢复", "restored"),
    "withdraw": ("撤回", "withdrawn"),
    "deliver": ("交付", "delivered"),
    "rate": ("评价", "rated"),
    "apply": ("申请入驻", "applied"),
    "add": ("添加", "added"),
    "approve": ("批准", "approved"),
    "needs_info": ("要求补充材料", "more information asked"),
    "reject": ("驳回", "rejected"),
    "suspend": ("暂停", "suspended"),
    "awarded": ("确定中选", "awarded"),
    "tied": ("报价并列", "tied"),
    "too_few_bids": ("有效报价不足", "too few valid bids"),
}


def audit_text(value: str | None) -> str:
    """An audit action (``activity_data.create`` → 活动数据 · 新建) or entity (``api_key`` → 接入密钥) in the
    user's language; an unknown part is shown as it is."""
    if not value:
        return ""
    en = language() == "en"
    *subjects, verb = value.split(".") if "." in value else (value, "")
    # a nested subject (``market.order.accept``) shows each of its parts: 服务市场 · 服务订单 · 接受
    parts = [(AUDIT_SUBJECTS.get(s), s) for s in subjects] + [(AUDIT_VERBS.get(verb), verb)]
    out = [p[1 if en else 0] if p else raw for p, raw in parts if raw]
    return " · ".join(out)


def audit_actor(label: str | None) -> str:
    """The actor of an audit event: the platform itself (``system``) and a signed-in user (``user:12`` →
    用户 #12) in the user's language; other labels (an e-mail, an API key's prefix) as they are."""
    if label in AUDIT_SUBJECTS:
        return audit_text(label)
    kind, _, number = (label or "").partition(":")
    if kind == "user" and number.isdigit():
        return f"{audit_text('user')} #{number}"
    return label or ""


@ui.page("/audit")
def audit_page() -> None:
    with frame("nav.audit") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            rows = audit_log.list_audit_events(db, p, PageParams(limit=500), park_id=current.park_id)
        except ServiceError as exc:
            notify_error(exc)
            return
        data_table(
            [
                Column("at", "audit.at", fmt_time),
                Column("actor_label", "audit.actor", audit_actor),
                Column("action", "audit.action", audit_text),
                Column("entity", "audit.entity", audit_text),
                Column("entity_id", "code"),
            ],
            rows.data,
            mark="audit-table",
        )


@ui.page("/account")
def account_page() -> None:
    with frame("nav.account") as current:
        if current is None:
            return
        p = current.principal
        rt = web_session.runtime()
        with ui.card().classes("pc-card w-96"):
            ui.label(t("account.change_password")).classes("text-h6")
            old = ui.input(t("account.current_password"), password=True).classes("w-full").mark("pw-current")
            new = ui.input(t("account.new_password"), password=True).classes("w-full").mark("pw-new")
            error = ui.label().classes("text-negative")

            def change() -> None:
                try:
                    body = PasswordChange(
                        current_password=SecretStr(old.value or "x"), new_password=SecretStr(new.value or "")
                    )
                except ValidationError as exc:
                    error.text = validation_text(list(exc.errors()))
                    return
                keep = web_session.token_hash()
                if guarded(
                    lambda: auth.change_password(
                        rt.db,
                        p,
                        body,
                        keep_token_hash=keep,
                        settings=rt.settings,
                        client=web_session.client_address(),
                        limiter=rt.limiter,
                    ),
                    success="account.password_changed",
                ):
                    old.value = new.value = ""

            ui.button(t("save"), on_click=change).props("color=primary").mark("pw-submit")
