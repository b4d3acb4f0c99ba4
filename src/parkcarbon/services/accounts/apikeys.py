"""Ingest API keys for gateways and devices: write-only, scoped to one park or one enterprise."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.accounts.auth import API_KEY_PREFIX, digest, new_secret
from parkcarbon.services.accounts.schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyPublic
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import ApiKey, Organisation, OrgKind


def _visible(p: Principal) -> Select[ApiKey]:
    access.require_user(p)
    query = select(ApiKey).order_by(ApiKey.id)
    if p.is_platform_admin:
        return query
    admin_parks = access.administered_parks(p)
    enterprises = access.administered_enterprises(p)
    return query.where(
        ApiKey.park_id.in_(admin_parks or {-1}) | ApiKey.enterprise_id.in_(enterprises or {-1})
    )


def _get(s: Session, p: Principal, key_id: int) -> ApiKey:
    key = s.scalar(_visible(p).where(ApiKey.id == key_id))
    if key is None:
        raise NotFound("API key not found")
    return key


def list_api_keys(
    db: Database, p: Principal, page: PageParams, *, park_id: int | None = None
) -> Page[ApiKeyPublic]:
    with db.read() as s:
        query = _visible(p)
        if park_id is not None:
            query = query.where(ApiKey.park_id == park_id)
        rows, total = paginate(s, query, page)
        return Page(data=[ApiKeyPublic.model_validate(k) for k in rows], count=total, **page.model_dump())


def get_api_key(db: Database, p: Principal, key_id: int) -> ApiKeyPublic:
    with db.read() as s:
        return ApiKeyPublic.model_validate(_get(s, p, key_id))


def create_api_key(db: Database, p: Principal, data: ApiKeyCreate) -> ApiKeyIssued:
    """Issue a key; the secret is returned once and stored only as its SHA-256."""
    access.require_park_visible(p, data.park_id)
    now = datetime.now(UTC)
    if data.expires_at is not None and data.expires_at <= now:
        raise InvalidInput.field("expires_at", "must be in the future")
    with db.transaction() as s:
        if data.enterprise_id is not None:
            ent = s.get(Organisation, data.enterprise_id)
            if ent is None or ent.park_id != data.park_id or ent.kind != OrgKind.ENTERPRISE:
                raise InvalidInput.field("enterprise_id", "is not an enterprise of this park")
        if not access.can_manage_enterprise(p, data.park_id, data.enterprise_id):
            raise Forbidden("issuing keys needs park_admin, or enterprise_admin for the enterprise's own key")
        secret = new_secret(API_KEY_PREFIX)
        key = ApiKey(
            park_id=data.park_id,
            enterprise_id=data.enterprise_id,
            name=data.name,
            prefix=secret[: len(API_KEY_PREFIX) + 6],
            key_hash=digest(secret),
            created_by_user_id=p.user_id,
            expires_at=data.expires_at,
        )
        s.add(key)
        s.flush()
        audit.record(
            s,
            p,
            "api_key.create",
            entity="api_key",
            entity_id=key.id,
            park_id=key.park_id,
            enterprise_id=key.enterprise_id,
            after=audit.snapshot(key),
        )
        return ApiKeyIssued(**ApiKeyPublic.model_validate(key).model_dump(), key=secret)


def revoke_api_key(db: Database, p: Principal, key_id: int) -> ApiKeyPublic:
    with db.transaction() as s:
        key = _get(s, p, key_id)
        if not access.can_manage_enterprise(p, key.park_id, key.enterprise_id):
            raise Forbidden("revoking keys needs park_admin or the enterprise's admin")
        if key.revoked_at is None:
            before = audit.snapshot(key)
            key.revoked_at = datetime.now(UTC)
            s.flush()
            audit.record(
                s,
                p,
                "api_key.revoke",
                entity="api_key",
                entity_id=key.id,
                park_id=key.park_id,
                enterprise_id=key.enterprise_id,
                before=before,
                after=audit.snapshot(key),
            )
        return ApiKeyPublic.model_validate(key)
