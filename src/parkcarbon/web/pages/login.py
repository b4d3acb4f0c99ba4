"""Sign-in page."""

from __future__ import annotations

from nicegui import app, run, ui
from pydantic import SecretStr

from parkcarbon.services.accounts import auth
from parkcarbon.services.accounts.schemas import LoginRequest
from parkcarbon.services.errors import ServiceError
from parkcarbon.web import session as web_session
from parkcarbon.web.errors import error_text
from parkcarbon.web.i18n import LANGUAGES, t
from parkcarbon.web.layout import THEME_CSS, set_language


@ui.page("/login")
def login_page() -> None:
    ui.add_css(THEME_CSS)
    ui.colors(primary="#13795b")
    ui.page_title(f"{t('login.title')} · {t('app.short')}")

    async def submit() -> None:
        rt = web_session.runtime()
        try:
            request = LoginRequest(email=email.value or "", password=SecretStr(password.value or ""))
            # argon2 is slow on purpose: off the event loop, so one login does not stall every page
            client, limiter = web_session.client_address(), rt.limiter
            result = await run.io_bound(
                auth.login, rt.db, rt.settings, request, kind="console", client=client, limiter=limiter
            )
        except ServiceError as exc:
            error.text = f"{t('login.failed')}: {error_text(exc)}"
            return
        except ValueError:
            error.text = f"{t('login.failed')}: {t('login.email')} / {t('login.password')}"
            return
        if result is None:  # the server is shutting down
            return
        web_session.start(result.token.access_token)
        if result.principal.language and "language" not in app.storage.user:
            app.storage.user["language"] = result.principal.language
        ui.navigate.to("/")

    with ui.column().classes("absolute-center items-center"):
        with ui.row().classes("items-center"):
            ui.icon("eco", size="48px", color="primary")
            ui.label(t("app.name")).classes("text-h5 text-weight-medium")
        ui.label(t("login.tagline")).classes("text-grey-7")
        with ui.card().classes("pc-card w-96 q-pa-lg"):
            email = (
                ui.input(t("login.email")).props("outlined autofocus").classes("w-full").mark("login-email")
            )
            password = (
                ui.input(t("login.password"), password=True, password_toggle_button=True)
                .props("outlined")
                .classes("w-full")
                .mark("login-password")
            )
            password.on("keydown.enter", submit)
            error = ui.label().classes("text-negative").mark("login-error")
            ui.button(t("login.submit"), on_click=submit).props("color=primary unelevated").classes(
                "w-full"
            ).mark("login-submit")
            ui.link(t("redeem.link"), "/invitations/redeem").classes("text-caption").mark("login-redeem")
        ui.select(
            LANGUAGES,
            value=app.storage.user.get("language", "zh-CN"),
            on_change=lambda e: set_language(e.value),
        ).props("dense borderless").mark("language-select")
