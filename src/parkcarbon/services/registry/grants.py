"""Data-access grants (数据授权): an enterprise shares a scope of its data with another organisation.

Only the enterprise's admin grants or revokes; the grantee's members can see grants made to them.
Every grant and revocation is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.schemas import GrantCreate, GrantPublic
from parkcarbon.services.trust import hooks as trust_log
from parkcarbon.store.db import Database
from parkcarbon.store.models import AccessGrant, Organisation, OrgKind


def _visible(p: Principal) -> Select[AccessGrant]:
    access.require_user(p)
    query = select(AccessGrant).order_by(AccessGrant.id)
    if p.is_platform_admin:
        return query
    orgs = {m.organisation_id for m in p.memberships}
    return query.where(
        AccessGrant.enterprise_id.in_(orgs or {-1}) | AccessGrant.grantee_organisation_id.in_(orgs or {-1})
    )


def list_grants(
    db: Database, p: Principal, page: PageParams, *, enterprise_id: int | None = None
) -> Page[GrantPublic]:
    with db.read() as s:
        query = _visible(p)
        if enterprise_id is not None:
            query = query.where(AccessGrant.enterprise_id == enterprise_id)
        rows, total = paginate(s, query, page)
        return Page(data=[GrantPublic.model_validate(g) for g in rows], count=total, **page.model_dump())


def _get(s: Session, p: Principal, grant_id: int) -> AccessGrant:
    grant = s.scalar(_visible(p).where(AccessGrant.id == grant_id))
    if grant is None:
        raise NotFound("grant not found")
    return grant


def get_grant(db: Database, p: Principal, grant_id: int) -> GrantPublic:
    with db.read() as s:
        return GrantPublic.model_validate(_get(s, p, grant_id))


def create_grant(db: Database, p: Principal, data: GrantCreate) -> GrantPublic:
    access.require_user(p)
    with db.transaction() as s:
        ent = s.get(Organisation, data.enterprise_id)
        if ent is None or ent.kind != OrgKind.ENTERPRISE:
            raise NotFound("enterprise not found")
        access.require_park_visible(p, ent.park_id, "enterprise")
        if not (p.is_platform_admin or access.is_enterprise_admin(p, ent.id)):
            raise Forbidden("only the enterprise's admin can share its data")
        return GrantPublic.model_validate(create_grant_in(s, p, ent, data))


def create_grant_in(
    s: Session, p: Principal, ent: Organisation, data: GrantCreate, *, now: datetime | None = None
) -> AccessGrant:
    """Create the grant inside the caller's transaction; the caller has checked that ``p`` may share
    ``ent``'s data (its admin; the marketplace's award, made by that admin). ``expires_at`` must be
    after ``now`` (default: the current time)."""
    grantee = s.get(Organisation, data.grantee_organisation_id)
    if grantee is None or grantee.park_id != ent.park_id:
        raise InvalidInput.field("grantee_organisation_id", "is not an organisation of this park")
    if grantee.id == ent.id:
        raise InvalidInput.field("grantee_organisation_id", "an enterprise already sees its own data")
    if data.expires_at is not None and data.expires_at <= (now or datetime.now(UTC)):
        raise InvalidInput.field("expires_at", "must be in the future")
    grant = AccessGrant(park_id=ent.park_id, granted_by_user_id=p.user_id, **data.model_dump())
    s.add(grant)
    s.flush()
    audit.record(
        s,
        p,
        "grant.create",
        entity="access_grant",
        entity_id=grant.id,
        park_id=ent.park_id,
        enterprise_id=ent.id,
        after=audit.snapshot(grant),
    )
    trust_log.log_grant(s, grant, "grant.create")
    return grant


def revoke_grant(db: Database, p: Principal, grant_id: int) -> GrantPublic:
    with db.transaction() as s:
        grant = _get(s, p, grant_id)
        if not (p.is_platform_admin or access.is_enterprise_admin(p, grant.enterprise_id)):
            raise Forbidden("only the enterprise's admin can revoke its grants")
        return GrantPublic.model_validate(revoke_grant_in(s, p, grant))


def revoke_grant_in(s: Session, p: Principal, grant: AccessGrant) -> AccessGrant:
    """Revoke inside the caller's transaction (idempotent); the caller has checked ``p`` may."""
    if grant.revoked_at is None:
        before = audit.snapshot(grant)
        grant.revoked_at = datetime.now(UTC)
        s.flush()
        audit.record(
            s,
            p,
            "grant.revoke",
            entity="access_grant",
            entity_id=grant.id,
            park_id=grant.park_id,
            enterprise_id=grant.enterprise_id,
            before=before,
            after=audit.snapshot(grant),
        )
        trust_log.log_grant(s, grant, "grant.revoke")
    return grant
