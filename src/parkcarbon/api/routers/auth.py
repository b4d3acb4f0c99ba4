"""Login, logout, the current user and password change."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from parkcarbon.api.deps import BearerSecretDep, PrincipalDep, RuntimeDep
from parkcarbon.services.accounts import auth, users
from parkcarbon.services.accounts.schemas import LoginRequest, MePublic, PasswordChange, TokenPublic

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenPublic, status_code=status.HTTP_201_CREATED)
def create_token(runtime: RuntimeDep, body: LoginRequest, request: Request) -> TokenPublic:
    """Log in with e-mail and password; returns a bearer token with its expiry.

    Limited per client address (429 ``rate_limited`` with ``Retry-After``); after repeated failures the
    account backs off for a few minutes (answered like a wrong password, as is an unknown e-mail)."""
    return auth.login(
        runtime.db,
        runtime.settings,
        body,
        kind="api",
        client=client_address(request),
        limiter=runtime.limiter,
    ).token


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(runtime: RuntimeDep, principal: PrincipalDep, secret: BearerSecretDep) -> None:
    """Revoke the token used for this request."""
    auth.logout(runtime.db, secret)


@router.get("/me", response_model=MePublic)
def read_me(runtime: RuntimeDep, principal: PrincipalDep) -> MePublic:
    return users.me(runtime.db, principal)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    secret: BearerSecretDep,
    body: PasswordChange,
    request: Request,
) -> None:
    """Change your password; every other token and session of yours is revoked. A wrong current password
    counts as a failed password check of the account (back-off, 429 with ``Retry-After``)."""
    auth.change_password(
        runtime.db,
        principal,
        body,
        keep_token=secret,
        settings=runtime.settings,
        client=client_address(request),
        limiter=runtime.limiter,
    )


def client_address(request: Request) -> str | None:
    """The peer address of the connection (behind a reverse proxy, run uvicorn with
    ``--proxy-headers --forwarded-allow-ips`` so that this is the client's, not the proxy's)."""
    return request.client.host if request.client else None
