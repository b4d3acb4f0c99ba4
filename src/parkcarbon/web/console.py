"""Mounting the NiceGUI console on the FastAPI application."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from nicegui import app as nicegui_app
from nicegui import core, ui

from parkcarbon.services.runtime import Runtime
from parkcarbon.web import session

_mounted = False


def mount(app: FastAPI, runtime: Runtime, *, page_middleware: Sequence[Callable[..., Any]] = ()) -> None:
    """Serve the console at ``/`` of ``app`` (once per process: NiceGUI is a process-wide singleton).

    ``page_middleware`` wraps the console's own application inside its compression (the server passes
    the CSP nonce middleware, which must see the pages as rendered). The session cookie is HttpOnly and
    SameSite=Lax always, and ``Secure`` when ``PARKCARBON_ENV=production``; the websocket (socket.io)
    accepts handshakes only from the console's own origin and ``PARKCARBON_ALLOWED_ORIGINS``.
    """
    global _mounted
    session.set_runtime(runtime)
    allow_origins(runtime.settings.allowed_origins)
    if _mounted:
        return
    _import_pages()
    for middleware in page_middleware:
        nicegui_app.add_middleware(middleware)

    ui.run_with(
        app,
        title="园区数字化碳中和服务平台",
        storage_secret=runtime.settings.secret_key,
        session_middleware_kwargs={
            "same_site": "lax",
            "https_only": runtime.settings.env == "production",
        },
        language="zh-CN",
        favicon="🌿",
        show_welcome_message=False,
    )
    _install_not_found()
    _mounted = True


def allow_origins(origins: Sequence[str]) -> None:
    """Let the console's websocket accept a handshake only from its own origin (the scheme and ``Host``
    of the handshake request) and these ``origins``; engine.io answers 400 to any other ``Origin``, so a
    page elsewhere cannot drive a signed-in browser's console (cross-site websocket hijacking). A browser
    always sends ``Origin`` on a websocket handshake and a page cannot forge it or ``Host``."""
    allowed = frozenset(origins)

    def accepted(origin: str | None, environ: dict[str, Any]) -> bool:
        scheme = environ.get("HTTP_X_FORWARDED_PROTO") or (
            "https" if environ.get("asgi.scope", {}).get("scheme") in ("https", "wss") else "http"
        )
        own = f"{scheme.split(',')[0].strip()}://{environ.get('HTTP_HOST', '')}"
        return origin is None or origin in allowed or origin == own

    core.sio.eio.cors_allowed_origins = accepted


def _install_not_found() -> None:
    """Unknown console paths answer 404 with the console's page and its ways back (NiceGUI's own page
    otherwise); unknown API paths keep answering problem+json."""
    from fastapi import Request
    from fastapi.responses import JSONResponse, Response
    from nicegui import Client
    from nicegui import app as nicegui_app
    from nicegui.page import page

    from parkcarbon.services.errors import NotFound
    from parkcarbon.web.layout import THEME_CSS, status_page

    @nicegui_app.exception_handler(404)
    async def _not_found(request: Request, exception: Exception) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/_nicegui"):
            body = NotFound(str(getattr(exception, "detail", "Not Found"))).to_problem(request.url.path)
            return JSONResponse(body, status_code=404, media_type="application/problem+json")
        with Client(page(""), request=request) as client:
            ui.add_css(THEME_CSS)
            status_page(404)
        return client.build_response(request, 404)


def _import_pages() -> None:
    """Import every module of :mod:`parkcarbon.web.pages`; each registers its pages, texts and navigation."""
    import importlib
    import pkgutil

    from parkcarbon.web import pages

    for module in pkgutil.iter_modules(pages.__path__):
        importlib.import_module(f"{pages.__name__}.{module.name}")
