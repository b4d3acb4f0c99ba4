"""The console session, resolved per page.

NiceGUI's user storage (a file per browser on the server's disk, found through a signed cookie) holds
only the SHA-256 digest of the console token under ``session`` — the same digest the database keeps —
never the bearer token itself, so a copy of the storage files cannot be replayed against the API.
"""

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


SESSION_KEY = "session"


def start(token: str) -> None:
    """Remember the signed-in console token of this browser (only its digest is stored)."""
    app.storage.user.pop("token", None)
    app.storage.user[SESSION_KEY] = auth.digest(token)


def token_hash() -> str | None:
    """The digest of this browser's console token, or None."""
    legacy = app.storage.user.pop("token", None)  # a plaintext token stored by an older version
    if legacy:
        app.storage.user[SESSION_KEY] = auth.digest(legacy)
    value = app.storage.user.get(SESSION_KEY)
    return value if isinstance(value, str) and value else None


def current() -> Session | None:
    """The signed-in user of this browser, or None (a stored token that is no longer valid is dropped)."""
    hashed = token_hash()
    if not hashed:
        return None
    try:
        principal = auth.authenticate(runtime().db, hashed, hashed=True)
    except ServiceError:
        app.storage.user.pop(SESSION_KEY, None)
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


def client_address() -> str | None:
    """The address of this browser as the server sees it (the page request's peer), for the
    per-address rate limits and the back-off's known clients of the password checks."""
    try:
        return ui.context.client.ip or None
    except (RuntimeError, AttributeError):
        return None


def sign_out() -> None:
    hashed = token_hash()
    app.storage.user.pop(SESSION_KEY, None)
    if hashed:
        auth.logout(runtime().db, hashed, hashed=True)
    ui.navigate.to("/login")
