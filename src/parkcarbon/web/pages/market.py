"""The marketplace in the console (服务生态端): the two shelves (能源服务 / 双碳服务) and the comparison of a
request's opened bids. Thin: every rule and every visibility decision is the services' (sealed bids:
``services.access.market``); the page shows what they return and translates their errors."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from parkcarbon.core.market import PRICE_MODELS, SHELVES, PriceModel, categories_on
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.market import listings, procurement
from parkcarbon.services.market.schemas import ListingStatus
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.registry.schemas import PROVINCES
from parkcarbon.vocab import Role
from parkcarbon.web import session as web_session
from parkcarbon.web.i18n import language, local_name, register_texts, t
from parkcarbon.web.layout import ECOSYSTEM, NavItem, frame, notify_error, register_nav
from parkcarbon.web.widgets import Column, data_table, fmt_time

register_texts(
    {
        "nav.market": ("能碳服务货架", "Service shelves"),
        "nav.market_requests": ("采购申请", "Purchase requests"),
        "mkt.category": ("服务类别", "Category"),
        "mkt.title": ("服务名称", "Service"),
        "mkt.provider": ("服务商", "Provider"),
        "mkt.price_model": ("计价方式", "Price model"),
        "mkt.price": ("价格（元）", "Price (CNY)"),
        "mkt.rating": ("评分（订单数）", "Rating (orders)"),
        "mkt.regions": ("服务区域", "Regions"),
        "mkt.empty_shelf": ("该货架暂无已上架服务", "No approved service on this shelf yet"),
        "mkt.request": ("采购申请", "Request"),
        "mkt.deadline": ("截止（开标）时间", "Deadline (opening)"),
        "mkt.status": ("状态", "Status"),
        "mkt.rule": ("评审规则", "Award rule"),
        "mkt.budget": ("预算上限（元）", "Budget ceiling (CNY)"),
        "mkt.sealed": ("密封中", "Sealed"),
        "mkt.compare": ("比价", "Compare"),
        "mkt.comparison": ("报价比较", "Bid comparison"),
        "mkt.amount": ("报价（元）", "Bid (CNY)"),
        "mkt.valid": ("有效", "Valid"),
        "mkt.price_score": ("价格分", "Price score"),
        "mkt.technical_score": ("技术分", "Technical"),
        "mkt.service_score": ("服务分", "Service"),
        "mkt.total_score": ("综合得分", "Total"),
        "mkt.rank": ("排名", "Rank"),
        "mkt.basis": ("依据", "Basis"),
        "mkt.winner": ("规则确定的中选报价", "The rule's winner"),
        "mkt.yes": ("是", "yes"),
        "mkt.rule.rfq": ("询价", "Request for quotation"),
        "mkt.rule.scored": ("综合评分", "Scored evaluation"),
        "mkt.status.open": ("开放报价", "Open"),
        "mkt.status.awarded": ("已确定中选", "Awarded"),
        "mkt.status.failed": ("有效报价不足", "Failed (too few valid bids)"),
        "mkt.status.cancelled": ("已取消", "Cancelled"),
        "mkt.no": ("否", "no"),
    }
)
register_nav(
    NavItem("end.ecosystem", "/market", "nav.market", "storefront", frozenset(ECOSYSTEM | {Role.PARK_ADMIN}))
)
register_nav(
    NavItem(
        "end.ecosystem", "/market/requests", "nav.market_requests", "request_quote",
        frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER, Role.PROVIDER}),
    )
)  # fmt: skip


def _name(zh: str, en: str) -> str:
    return zh if language() == "zh-CN" else en


class _ListingRow:
    def __init__(self, item: Any) -> None:
        self.id = item.id
        cat = next(c for sh in SHELVES for c in categories_on(sh.shelf) if c.id == item.category)
        self.category = _name(cat.name_zh, cat.name_en)
        self.title = item.title if language() == "zh-CN" or not item.title_en else item.title_en
        self.provider = local_name(item.provider_name, item.provider_name_en)
        self.price_model = _name(*PRICE_MODELS[PriceModel(item.price_model)])
        price = "" if item.list_price_cny is None else f"{item.list_price_cny:,.2f}"
        self.price = f"{price} / {item.price_unit}" if item.price_unit and price else price
        avg = item.provider_rating_average
        self.rating = "—" if avg is None else f"{avg:.1f} ({item.provider_rating_count})"
        self.regions = ", ".join(_name(*PROVINCES[r]) if r in PROVINCES else r for r in item.regions)


@ui.page("/market")
def market_page() -> None:
    with frame("nav.market") as current:
        if current is None or current.park_id is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            items = listings.list_listings(
                db, p, PageParams(limit=1000), park_id=current.park_id, status=ListingStatus.APPROVED
            )
        except ServiceError as exc:
            notify_error(exc)
            return
        with ui.tabs().mark("market-shelves") as tabs:
            tab_of = {sh.shelf: ui.tab(str(sh.shelf), label=_name(sh.name_zh, sh.name_en)) for sh in SHELVES}
        with ui.tab_panels(tabs, value=tab_of[SHELVES[0].shelf]).classes("w-full"):
            for sh in SHELVES:
                with ui.tab_panel(tab_of[sh.shelf]):
                    rows = [_ListingRow(i) for i in items.data if i.shelf == sh.shelf]
                    if not rows:
                        ui.label(t("mkt.empty_shelf")).classes("text-grey-7").mark(f"shelf-{sh.shelf}-empty")
                        continue
                    data_table(
                        [
                            Column("category", "mkt.category"), Column("title", "mkt.title"),
                            Column("provider", "mkt.provider"), Column("price_model", "mkt.price_model"),
                            Column("price", "mkt.price"), Column("rating", "mkt.rating"),
                            Column("regions", "mkt.regions"),
                        ],
                        rows,
                        mark=f"shelf-{sh.shelf}",
                    )  # fmt: skip


class _RequestRow:
    def __init__(self, r: Any) -> None:
        self.id = r.id
        self.title = r.title
        self.rule = t(f"mkt.rule.{r.award_rule}")
        self.budget = f"{r.budget_ceiling_cny:,.2f}"
        self.deadline = r.deadline
        self.status = t("mkt.sealed") if r.sealed else t(f"mkt.status.{r.status}")


@ui.page("/market/requests")
def market_requests_page() -> None:
    with frame("nav.market_requests") as current:
        if current is None or current.park_id is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            reqs = procurement.list_requests(db, p, PageParams(limit=500), park_id=current.park_id)
        except ServiceError as exc:
            notify_error(exc)
            return

        def actions(row: Any) -> None:
            ui.button(
                t("mkt.compare"), on_click=lambda r=row: ui.navigate.to(f"/market/requests/{r.id}")
            ).props("flat dense")

        data_table(
            [
                Column("title", "mkt.request"), Column("rule", "mkt.rule"), Column("budget", "mkt.budget"),
                Column("deadline", "mkt.deadline", fmt_time), Column("status", "mkt.status"),
            ],
            [_RequestRow(r) for r in reqs.data],
            mark="market-requests",
            actions=actions,
        )  # fmt: skip


@ui.page("/market/requests/{request_id}")
def market_comparison_page(request_id: int) -> None:
    with frame("mkt.comparison") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            req = procurement.get_request(db, p, request_id)
            cmp = procurement.compare_bids(db, p, request_id)
        except ServiceError as exc:
            notify_error(exc)
            return
        ui.label(f"{req.title} · {t('mkt.deadline')} {fmt_time(req.deadline)}").classes("text-h6")

        def num(x: float | None) -> str:
            return "—" if x is None else f"{x:,.2f}"

        rows = [
            {
                "id": r.bid_id, "provider": local_name(r.provider_name, r.provider_name_en),
                "amount": num(r.amount_cny),
                "valid": t("mkt.yes") if r.valid else f"{t('mkt.no')} ({r.invalid_reason})",
                "price_score": num(r.price_score), "technical_score": num(r.technical_score),
                "service_score": num(r.service_score), "total_score": num(r.total_score),
                "rank": "" if r.rank is None else str(r.rank),
            }
            for r in cmp.rows
        ]  # fmt: skip

        class _Row:
            def __init__(self, d: dict[str, Any]) -> None:
                self.__dict__.update(d)

        data_table(
            [
                Column("provider", "mkt.provider"), Column("amount", "mkt.amount"),
                Column("valid", "mkt.valid"), Column("price_score", "mkt.price_score"),
                Column("technical_score", "mkt.technical_score"),
                Column("service_score", "mkt.service_score"), Column("total_score", "mkt.total_score"),
                Column("rank", "mkt.rank"),
            ],
            [_Row(d) for d in rows],
            mark="bid-comparison",
        )  # fmt: skip
        if cmp.winner_bid_id is not None:
            ui.label(f"{t('mkt.winner')}: #{cmp.winner_bid_id}").mark("comparison-winner")
        ui.label(f"{t('mkt.basis')}: {cmp.source} — {cmp.clause} (confidence {cmp.confidence})").classes(
            "text-caption text-grey-7"
        )
