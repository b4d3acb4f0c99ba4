"""Ingest API keys for gateways and devices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.accounts import apikeys
from parkcarbon.services.accounts.schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyPublic
from parkcarbon.services.pagination import Page

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.get("", response_model=Page[ApiKeyPublic])
def list_api_keys(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Page[ApiKeyPublic]:
    return apikeys.list_api_keys(runtime.db, principal, page, park_id=park_id)


@router.post("", response_model=ApiKeyIssued, status_code=status.HTTP_201_CREATED)
def create_api_key(runtime: RuntimeDep, principal: PrincipalDep, body: ApiKeyCreate) -> ApiKeyIssued:
    """Issue a write-only ingest key. The secret is in this answer only; store it now."""
    return apikeys.create_api_key(runtime.db, principal, body)


@router.get("/{key_id}", response_model=ApiKeyPublic)
def read_api_key(runtime: RuntimeDep, principal: PrincipalDep, key_id: IdPath) -> ApiKeyPublic:
    return apikeys.get_api_key(runtime.db, principal, key_id)


@router.post("/{key_id}/revoke", response_model=ApiKeyPublic)
def revoke_api_key(runtime: RuntimeDep, principal: PrincipalDep, key_id: IdPath) -> ApiKeyPublic:
    return apikeys.revoke_api_key(runtime.db, principal, key_id)
