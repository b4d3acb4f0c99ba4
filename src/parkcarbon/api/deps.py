"""Dependencies shared by the routers: the runtime, the acting principal and paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from parkcarbon.services.accounts import auth
from parkcarbon.services.errors import Unauthorized
from parkcarbon.services.pagination import MAX_LIMIT, PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.runtime import Runtime

bearer = HTTPBearer(auto_error=False, description="a user token from /auth/token, or an ingest API key")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_principal(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token")
    return auth.authenticate(runtime.db, credentials.credentials)


def get_bearer_secret(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if credentials is None:
        raise Unauthorized("no bearer token")
    return credentials.credentials


PrincipalDep = Annotated[Principal, Depends(get_principal)]
BearerSecretDep = Annotated[str, Depends(get_bearer_secret)]


def get_page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(get_page)]
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="object id")]
