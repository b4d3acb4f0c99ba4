"""Mounting the NiceGUI console on the FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from nicegui import ui

from parkcarbon.services.runtime import Runtime
from parkcarbon.web import session

_mounted = False


def mount(app: FastAPI, runtime: Runtime) -> None:
    """Serve the console at ``/`` of ``app`` (once per process: NiceGUI is a process-wide singleton)."""
    global _mounted
    session.set_runtime(runtime)
    if _mounted:
        return
    _import_pages()

    ui.run_with(
        app,
        title="园区数字化碳中和服务平台",
        storage_secret=runtime.settings.secret_key,
        language="zh-CN",
        favicon="🌿",
        show_welcome_message=False,
    )
    _install_not_found()
    _mounted = True


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
