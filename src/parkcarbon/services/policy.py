"""Tenancy and authorisation rules, in one place.

Reading another tenant's object answers *not found* (its existence is not revealed); acting without the
needed role inside one's own park answers *forbidden*. An enterprise's meter-level data, costs and
documents are visible to its own members and to organisations it has granted access (数据授权); park
staff see what supervision needs: the directory, meter metadata and aggregated totals.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services.errors import Forbidden, NotFound
from parkcarbon.services.principal import ENTERPRISE_ROLES, PARK_STAFF, Principal
from parkcarbon.store.models import AccessGrant, GrantScope, Role


def require_user(p: Principal) -> None:
    """API keys are write-only ingest credentials; everything else needs a user."""
    if p.api_key is not None:
        raise Forbidden("API keys may only submit readings")


def visible_park_ids(p: Principal) -> frozenset[int] | None:
    """Parks the principal may see; ``None`` means all (platform admin)."""
    require_user(p)
    return None if p.is_platform_admin else p.park_ids


def require_park_visible(p: Principal, park_id: int, what: str = "park") -> None:
    require_user(p)
    if not p.is_platform_admin and park_id not in p.park_ids:
        raise NotFound(f"{what} not found")


def require_park_role(p: Principal, park_id: int, *roles: Role, what: str = "park") -> None:
    """Raise NotFound outside the park, Forbidden inside it without one of ``roles``."""
    require_park_visible(p, park_id, what)
    if p.is_platform_admin:
        return
    if not p.roles_in_park(park_id) & set(roles):
        raise Forbidden(f"this needs one of the roles: {', '.join(sorted(roles))}")


def require_platform_admin(p: Principal) -> None:
    require_user(p)
    if not p.is_platform_admin:
        raise Forbidden("this needs the platform_admin role")


def is_enterprise_member(p: Principal, enterprise_id: int) -> bool:
    return bool(p.roles_in_org(enterprise_id) & ENTERPRISE_ROLES)


def is_enterprise_admin(p: Principal, enterprise_id: int) -> bool:
    return Role.ENTERPRISE_ADMIN in p.roles_in_org(enterprise_id)


def granted_scopes(s: Session, p: Principal, enterprise_id: int) -> frozenset[GrantScope]:
    """Scopes the enterprise has granted (and not revoked) to any organisation the principal belongs to."""
    orgs = {m.organisation_id for m in p.memberships}
    if not orgs:
        return frozenset()
    now = datetime.now(UTC)
    rows = s.scalars(
        select(AccessGrant.scope).where(
            AccessGrant.enterprise_id == enterprise_id,
            AccessGrant.grantee_organisation_id.in_(orgs),
            AccessGrant.revoked_at.is_(None),
            (AccessGrant.expires_at.is_(None)) | (AccessGrant.expires_at > now),
        )
    )
    return frozenset(GrantScope(r) for r in rows)


def can_read_enterprise_data(
    s: Session, p: Principal, park_id: int, enterprise_id: int, scope: GrantScope
) -> bool:
    """Meter-level data, costs, documents, inventories: the enterprise itself or a grantee."""
    if p.is_platform_admin or is_enterprise_member(p, enterprise_id):
        return True
    if park_id not in p.park_ids:
        return False
    return scope in granted_scopes(s, p, enterprise_id)


def require_enterprise_data(
    s: Session, p: Principal, park_id: int, enterprise_id: int, scope: GrantScope, what: str
) -> None:
    require_park_visible(p, park_id, what)
    if not can_read_enterprise_data(s, p, park_id, enterprise_id, scope):
        raise Forbidden(f"the enterprise has not shared its {scope.value.replace('_', ' ')} with you")


def can_manage_enterprise(p: Principal, park_id: int, enterprise_id: int | None) -> bool:
    """Park admins manage everything in their park; enterprise admins their own enterprise."""
    if p.is_platform_admin or Role.PARK_ADMIN in p.roles_in_park(park_id):
        return True
    return enterprise_id is not None and is_enterprise_admin(p, enterprise_id)


def is_park_staff(p: Principal, park_id: int) -> bool:
    return p.is_platform_admin or bool(p.roles_in_park(park_id) & PARK_STAFF)
