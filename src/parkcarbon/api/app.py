"""The FastAPI application of the REST API under ``/api/v1``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from parkcarbon import __version__
from parkcarbon.api import problems
from parkcarbon.api.bodylimits import DeclaredLengthLimit
from parkcarbon.api.deps import RuntimeDep
from parkcarbon.api.headers import HtmlPolicy, SecurityHeaders
from parkcarbon.api.problems import reject_unknown_query
from parkcarbon.api.routers import (
    api_keys,
    areas,
    assets,
    audit,
    auth,
    calc,
    energy,
    enterprise,
    enterprise_inventory,
    enterprise_mrv,
    forecast,
    grants,
    invitations,
    log,
    market,
    meters,
    organisations,
    parks,
    readings,
    supervision,
    supervision_diagnosis,
    supervision_monitoring,
    users,
)
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.runtime import Runtime
from parkcarbon.services.supervision.schedule import WarningsSchedule
from parkcarbon.settings import Settings, load_settings

API_PREFIX = "/api/v1"
ROUTERS = (
    auth, parks, organisations, areas, meters, users, invitations, api_keys, grants, audit, calc, readings,
    log,
)  # fmt: skip
ROUTERS_ENTERPRISE = (enterprise, enterprise_inventory, enterprise_mrv, energy, assets)
ROUTERS_SUPERVISION = (supervision, supervision_monitoring, supervision_diagnosis)
ROUTERS_MARKET = (market,)
ROUTERS_FORECAST = (forecast,)


class Health(BaseModel):
    status: str
    version: str
    database: str


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids: the route function's name (unique across the API)."""
    return route.name


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the REST API. ``runtime`` lets tests pass a database bound to a rolled-back transaction;
    :func:`parkcarbon.server.create_server` adds the console."""
    settings = settings or (runtime.settings if runtime else load_settings())
    runtime = runtime or Runtime.start(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the server's own warnings schedule: at start, then every interval (0 = off)
        interval = settings.warnings_interval_seconds if settings else 0.0
        schedule = WarningsSchedule(runtime.db, SYSTEM, interval) if interval > 0 else None
        _app.state.warnings_schedule = schedule
        if schedule is not None:
            schedule.start()
        try:
            yield
        finally:
            if schedule is not None:
                schedule.shutdown()

    app = FastAPI(
        title="parkcarbon API",
        version=__version__,
        description="园区数字化碳中和服务平台 — carbon-neutrality service platform for industrial parks.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served below from packaged assets (no CDN at run time)
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
    )
    # the streamed bytes (inner), then the declared Content-Length (outer, before anything runs)
    max_body = (settings or Settings.model_construct()).max_body_bytes
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=max_body)
    app.add_middleware(DeclaredLengthLimit, max_bytes=max_body)
    app.add_middleware(HtmlPolicy)  # the API docs' pages; the console's pages get it inside NiceGUI
    app.add_middleware(SecurityHeaders, hsts=settings is not None and settings.env == "production")
    app.state.runtime = runtime
    problems.install(app)

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(reject_unknown_query)])

    @api.get("/health", response_model=Health, tags=["meta"])
    def health(rt: RuntimeDep) -> Health:
        """Liveness and the database backend in use (no authentication)."""
        return Health(status="ok", version=__version__, database=rt.db.dialect)

    for module in (*ROUTERS, *ROUTERS_ENTERPRISE, *ROUTERS_SUPERVISION, *ROUTERS_MARKET, *ROUTERS_FORECAST):
        api.include_router(module.router)
    app.include_router(api)
    problems.document_problems(app)
    _install_docs(app)

    return app


DOCS_ASSETS = f"{API_PREFIX}/docs-assets"


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at ``/api/v1/docs`` and ReDoc at ``/api/v1/redoc``, their scripts and styles served
    from the ``fastapi-offline`` package (the pages reference no other host; the validator badge, which
    would call out, is off)."""
    assets = files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")
    openapi_url = app.openapi_url or f"{API_PREFIX}/openapi.json"

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(f"{API_PREFIX}/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )
