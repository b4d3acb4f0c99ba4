"""The console frame: header (park, language, user menu) and role-aware navigation of the three ends."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nicegui import app, ui
from nicegui.language import Language

from parkcarbon.services.errors import ServiceError
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.registry import parks
from parkcarbon.vocab import Role
from parkcarbon.web import session as web_session
from parkcarbon.web.errors import error_text
from parkcarbon.web.i18n import LANGUAGES, language, local_name, t, te

PARK_STAFF = {Role.PARK_ADMIN, Role.PARK_ANALYST, Role.REGULATOR}
ENTERPRISE = {Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER}
ECOSYSTEM = {Role.PROVIDER, Role.VERIFIER, Role.FINANCIER, Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER}
ADMINS = {Role.PARK_ADMIN, Role.ENTERPRISE_ADMIN}
EVERYONE = set(Role)


@dataclass(frozen=True)
class NavItem:
    end: str
    path: str
    label: str
    icon: str
    roles: frozenset[Role]


NAV: list[NavItem] = [
    NavItem("end.park", "/", "nav.overview", "dashboard", frozenset(EVERYONE)),
    NavItem("end.park", "/organisations", "nav.organisations", "apartment", frozenset(PARK_STAFF)),
    NavItem("end.park", "/areas", "nav.areas", "map", frozenset(PARK_STAFF)),
    NavItem("end.park", "/meters", "nav.meters", "speed", frozenset({Role.PARK_ADMIN, Role.PARK_ANALYST})),
    NavItem("end.enterprise", "/enterprise", "nav.my_enterprise", "factory", frozenset(ENTERPRISE)),
    NavItem("end.enterprise", "/enterprise/meters", "nav.meters", "speed", frozenset(ENTERPRISE)),
    NavItem("end.enterprise", "/grants", "nav.grants", "share", frozenset(ENTERPRISE)),
    NavItem("end.ecosystem", "/directory", "nav.directory", "storefront", frozenset(ECOSYSTEM)),
    NavItem("end.admin", "/users", "nav.users", "group", frozenset(ADMINS)),
    NavItem("end.admin", "/api-keys", "nav.api_keys", "vpn_key", frozenset(ADMINS)),
    NavItem("end.admin", "/audit", "nav.audit", "history", frozenset(ADMINS)),
]
END_ORDER = ["end.park", "end.enterprise", "end.ecosystem", "end.admin"]


def register_nav(item: NavItem) -> None:
    """Add a page to the navigation (used by later modules: cockpit, inventory, marketplace …)."""
    NAV.append(item)


def visible_nav(roles: frozenset[Role], is_platform_admin: bool) -> list[NavItem]:
    return [item for item in NAV if is_platform_admin or item.roles & roles]


def outside_nav(path: str, roles: frozenset[Role], is_platform_admin: bool) -> bool:
    """True when ``path`` is a page of the navigation that none of the user's items lead to: the page
    answers 403 instead of rendering buttons the services would refuse (detail pages not in the
    navigation are checked by their services)."""
    listed = {item.path for item in NAV}
    if path not in listed:
        return False
    return path not in {item.path for item in visible_nav(roles, is_platform_admin)}


def _request_path() -> str:
    try:
        return str(ui.context.client.request.url.path)
    except (RuntimeError, AttributeError):  # outside a page request
        return ""


def status_page(status: int) -> None:
    """The body of a 403 or 404 page: what happened and the ways back (previous page, overview)."""
    key = "page.forbidden" if status == 403 else "page.not_found"
    with ui.column().classes("w-full items-center q-pa-xl q-gutter-md").mark(f"page-{status}"):
        ui.label(str(status)).classes("text-h2 text-grey-6")
        ui.label(t(key)).classes("text-h6")
        ui.label(t(key + ".hint")).classes("text-grey-7")
        with ui.row().classes("q-gutter-sm"):
            ui.button(t("page.back"), icon="arrow_back", on_click=lambda: ui.navigate.back()).props(
                "outline"
            ).mark("page-back")
            ui.button(t("page.home"), icon="home", on_click=lambda: ui.navigate.to("/")).props(
                "color=primary"
            ).mark("page-home")


THEME_CSS = """
body { background: #f4f7f5; }
.pc-header { background: linear-gradient(90deg, #0b5d3b 0%, #13795b 60%, #1a8c6c 100%); }
.pc-card { border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.pc-kpi-value { font-size: 1.9rem; font-weight: 600; color: #0b5d3b; }
.pc-kpi-label { color: #5b6b63; font-size: .9rem; }
.q-drawer { background: #ffffff; }
"""


@contextmanager
def frame(title_key: str) -> Iterator[web_session.Session | None]:
    """Render the frame around a page; yields the session (None = not signed in, already redirected)."""
    current = web_session.require()
    if current is None:
        yield None
        return
    principal = current.principal
    quasar_language()
    ui.add_css(THEME_CSS)
    ui.colors(primary="#13795b", secondary="#0b5d3b", accent="#f2a541", positive="#21ba45")
    ui.page_title(f"{t(title_key)} · {t('app.short')}")

    drawer = ui.left_drawer(value=True, bordered=True).classes("q-pa-sm")
    with ui.header(elevated=True).classes("pc-header items-center justify-between q-px-md"):
        with ui.row().classes("items-center no-wrap"):
            ui.button(icon="menu", on_click=lambda: drawer.toggle()).props("flat round color=white")
            ui.icon("eco", size="28px").classes("text-white")
            ui.label(t("app.name")).classes("text-h6 text-white")
        with ui.row().classes("items-center no-wrap q-gutter-sm"):
            _park_selector(current)
            lang = (
                ui.select(
                    LANGUAGES,
                    value=app.storage.user.get("language", "zh-CN"),
                    on_change=lambda e: set_language(e.value),
                )
                .props("dense outlined dark options-dense")
                .classes("w-28")
                .mark("language-select")
            )
            lang.tooltip(t("language"))
            with (
                ui.button(icon="account_circle").props("flat round color=white").mark("user-menu"),
                ui.menu(),
            ):
                ui.menu_item(principal.label).props("disable")
                ui.menu_item(", ".join(te(r) for r in sorted(principal.roles))).props("disable")
                ui.separator()
                ui.menu_item(t("nav.account"), on_click=lambda: ui.navigate.to("/account"))
                ui.menu_item(t("logout"), on_click=web_session.sign_out).mark("logout")

    with drawer:
        items = visible_nav(principal.roles, principal.is_platform_admin)
        for end in END_ORDER:
            group = [i for i in items if i.end == end]
            if not group:
                continue
            ui.label(t(end)).classes("text-caption text-grey-7 q-mt-md q-ml-sm text-weight-bold")
            with ui.list().props("dense"):
                for item in group:
                    with (
                        ui.item(on_click=lambda _, p=item.path: ui.navigate.to(p))
                        .props("clickable")
                        .mark(f"nav-{item.path}")
                    ):
                        with ui.item_section().props("avatar"):
                            ui.icon(item.icon, color="primary")
                        with ui.item_section():
                            ui.item_label(t(item.label))

    with ui.column().classes("w-full q-pa-md q-gutter-md"):
        if outside_nav(_request_path(), principal.roles, principal.is_platform_admin):
            ui.page_title(f"403 · {t('app.short')}")
            ui.context.client.status_code = 403  # the HTTP answer too, not only the page's text
            status_page(403)
            yield None
            return
        ui.label(t(title_key)).classes("text-h5 text-weight-medium")
        yield current


#: NiceGUI's (Quasar's) language of each console language: table pagination, date pickers, dialogs
QUASAR_LANGUAGES: dict[str, Language] = {"zh-CN": "zh-CN", "en": "en-US"}


def quasar_language() -> None:
    """Serve this page with Quasar's language pack of the user's language ("1-10 共 40" / "1-10 of 40",
    "每页记录数" / "Records per page"). ``ui.run_with(language=…)`` sets one language per process; the page
    object is shared by all clients, so this client gets a copy with its own language."""
    client = ui.context.client
    wanted = QUASAR_LANGUAGES.get(language(), "zh-CN")
    if client.page.resolve_language() != wanted:
        client.page = copy.copy(client.page)
        client.page.language = wanted


def set_language(value: str) -> None:
    app.storage.user["language"] = value
    ui.navigate.reload()


def _park_selector(current: web_session.Session) -> None:
    try:
        listed = parks.list_parks(web_session.runtime().db, current.principal, PageParams(limit=1000)).data
    except ServiceError:
        listed = []
    options = {p.id: local_name(p.name, p.name_en) for p in listed}
    # times on every page are shown in the current park's timezone (see widgets.fmt_time)
    app.storage.user["timezone"] = next((p.timezone for p in listed if p.id == current.park_id), None)
    if not options:
        return

    def choose(value: int) -> None:
        app.storage.user["park_id"] = value
        ui.navigate.reload()

    ui.select(options, value=current.park_id, on_change=lambda e: choose(e.value)).props(
        "dense outlined dark options-dense"
    ).classes("w-56").mark("park-select")


def notify_error(exc: ServiceError) -> None:
    """A toast with the error's code translated (parkcarbon.web.errors)."""
    ui.notify(error_text(exc), type="negative", multi_line=True)
