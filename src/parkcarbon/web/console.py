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
    _mounted = True


def _import_pages() -> None:
    """Import every module of :mod:`parkcarbon.web.pages`; each registers its pages, texts and navigation."""
    import importlib
    import pkgutil

    from parkcarbon.web import pages

    for module in pkgutil.iter_modules(pages.__path__):
        importlib.import_module(f"{pages.__name__}.{module.name}")
