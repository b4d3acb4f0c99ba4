"""The console session: a console token kept in NiceGUI's signed user storage, resolved per page."""

from __future__ import annotations

from dataclasses import dataclass

from nicegui import app, ui

from parkcarbon.services.accounts import auth
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.principal import Principal
from parkcarbon.services.runtime import Runtime

_runtime: Runtime | None = None


def set_runtime(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the console is not mounted; call parkcarbon.web.console.mount(app, runtime)")
    return _runtime


@dataclass(frozen=True)
class Session:
    principal: Principal
    park_id: int | None


def current() -> Session | None:
    """The signed-in user of this browser, or None (a stored token that is no longer valid is dropped)."""
    token = app.storage.user.get("token")
    if not token:
        return None
    try:
        principal = auth.authenticate(runtime().db, token)
    except ServiceError:
        app.storage.user.pop("token", None)
        return None
    park_id = app.storage.user.get("park_id")
    if park_id is not None and not principal.is_platform_admin and park_id not in principal.park_ids:
        park_id = None
    if park_id is None and principal.park_ids:
        park_id = min(principal.park_ids)
        app.storage.user["park_id"] = park_id
    return Session(principal=principal, park_id=park_id)


def require() -> Session | None:
    """The session, or a redirect to the login page (the caller returns when None)."""
    session = current()
    if session is None:
        ui.navigate.to("/login")
    return session


def sign_out() -> None:
    token = app.storage.user.pop("token", None)
    if token:
        auth.logout(runtime().db, token)
    ui.navigate.to("/login")
