"""Reading the audit log: platform admins see all, park admins their park, enterprise admins their own.

A reader sees only the events it could read directly (``access.can_read_audit_event``: a park admin does
not see an enterprise's document, inventory or MRV events without the grant they need), and the
before/after values of cost fields only where it may read the enterprise's costs
(``access.can_read_costs``; issue 12 §4).
"""

from __future__ import annotations

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.orm import Session

from parkcarbon.services import access
from parkcarbon.services.accounts.schemas import AuditEventPublic
from parkcarbon.services.errors import Forbidden
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import AuditEvent, Organisation, OrgKind


def _hidden(s: Session, p: Principal, parks: set[int]) -> list[tuple[str, set[int]]]:
    """(entity, enterprise ids) pairs of the parks' events that ``p`` may not read."""
    enterprises = s.execute(
        select(Organisation.id, Organisation.park_id).where(
            Organisation.park_id.in_(parks or {-1}), Organisation.kind == OrgKind.ENTERPRISE
        )
    ).all()
    hidden: list[tuple[str, set[int]]] = []
    for entity in access.AUDIT_PRIVATE_ENTITIES:
        ids = {e.id for e in enterprises if not access.can_read_audit_event(s, p, entity, e.id)}
        if ids:
            hidden.append((entity, ids))
    return hidden


def _public(s: Session, p: Principal, event: AuditEvent, costs: dict[int, bool]) -> AuditEventPublic:
    out = AuditEventPublic.model_validate(event)
    ent = event.enterprise_id
    if ent is not None and ent not in costs:
        park_id = event.park_id if event.park_id is not None else -1
        costs[ent] = access.can_read_costs(s, p, park_id, ent)
    if ent is None or not costs[ent]:
        out = out.model_copy(
            update={"before": access.strip_cost_keys(out.before), "after": access.strip_cost_keys(out.after)}
        )
    return out


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
    with db.read() as s:
        if not p.is_platform_admin:
            parks = set(access.administered_parks(p))
            enterprises = access.administered_enterprises(p)
            if not parks and not enterprises:
                raise Forbidden("the audit log needs park_admin or enterprise_admin")
            query = query.where(
                AuditEvent.park_id.in_(parks or {-1})
                | AuditEvent.enterprise_id.in_(enterprises or {-1})
                | (AuditEvent.actor_user_id == p.user_id)
            )
            hidden = _hidden(s, p, parks)
            if hidden:
                query = query.where(
                    (AuditEvent.actor_user_id == p.user_id)
                    | not_(
                        or_(
                            *(
                                and_(AuditEvent.entity == e, AuditEvent.enterprise_id.in_(ids))
                                for e, ids in hidden
                            )
                        )
                    )
                )
            # sealed bids (access.SEALED_AUDIT_ENTITIES): their actor only, whoever else reads the park
            query = query.where(
                AuditEvent.entity.not_in(access.SEALED_AUDIT_ENTITIES)
                | (AuditEvent.actor_user_id == p.user_id)
            )
        if park_id is not None:
            query = query.where(AuditEvent.park_id == park_id)
        if entity is not None:
            query = query.where(AuditEvent.entity == entity)
        if entity_id is not None:
            query = query.where(AuditEvent.entity_id == entity_id)
        rows, total = paginate(s, query, page)
        costs: dict[int, bool] = {}
        return Page(data=[_public(s, p, e, costs) for e in rows], count=total, **page.model_dump())
