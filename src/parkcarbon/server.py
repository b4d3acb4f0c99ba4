"""The served application: the REST API (``/api/v1``) with the console mounted at ``/``."""

from __future__ import annotations

from fastapi import FastAPI

from parkcarbon.api.app import create_app
from parkcarbon.api.headers import HtmlPolicy
from parkcarbon.services.runtime import Runtime
from parkcarbon.settings import Settings, load_settings
from parkcarbon.web import console


def create_server(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """The API and the console on one FastAPI app; the database is upgraded when the runtime starts."""
    settings = settings or (runtime.settings if runtime else load_settings())
    runtime = runtime or Runtime.start(settings)
    app = create_app(settings, runtime=runtime)
    console.mount(app, runtime, page_middleware=(HtmlPolicy,))
    return app
