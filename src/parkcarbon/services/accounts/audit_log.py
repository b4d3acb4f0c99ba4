"""Reading the audit log: platform admins see all, park admins their park, enterprise admins their own."""

from __future__ import annotations

from sqlalchemy import select

from parkcarbon.services import access
from parkcarbon.services.accounts.schemas import AuditEventPublic
from parkcarbon.services.errors import Forbidden
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import AuditEvent, Role


def list_audit_events(
    db: Database,
    p: Principal,
    page: PageParams,
    *,
    park_id: int | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
) -> Page[AuditEventPublic]:
    access.require_user(p)
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if not p.is_platform_admin:
        parks = {m.park_id for m in p.memberships if m.role == Role.PARK_ADMIN}
        enterprises = p.orgs_with(Role.ENTERPRISE_ADMIN)
        if not parks and not enterprises:
            raise Forbidden("the audit log needs park_admin or enterprise_admin")
        query = query.where(
            AuditEvent.park_id.in_(parks or {-1})
            | AuditEvent.enterprise_id.in_(enterprises or {-1})
            | (AuditEvent.actor_user_id == p.user_id)
        )
    if park_id is not None:
        query = query.where(AuditEvent.park_id == park_id)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    with db.read() as s:
        rows, total = paginate(s, query, page)
        return Page(data=[AuditEventPublic.model_validate(e) for e in rows], count=total, **page.model_dump())
