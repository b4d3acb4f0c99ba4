"""Who may see and change supervision data.

* park supervision roles (park_admin, park_analyst, regulator) read every figure of their park;
  regulators only read;
* park_admin sets targets and settings, and records economic data for any enterprise of the park;
* an enterprise's admin records its own economic data and product output; its members read them;
* outside the park everything answers *not found*.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from parkcarbon.services import policy
from parkcarbon.services.errors import Forbidden, NotFound
from parkcarbon.services.principal import PARK_SUPERVISION, Principal
from parkcarbon.store.models import Organisation, OrgKind, Park, Role

__all__ = [
    "enterprise_in_park",
    "is_supervisor",
    "require_park",
    "require_park_admin",
    "require_read_enterprise",
    "require_supervisor",
    "require_write_enterprise",
]


def is_supervisor(p: Principal, park_id: int) -> bool:
    """park_admin, park_analyst, regulator of the park (or the platform admin)."""
    return p.is_platform_admin or bool(p.roles_in_park(park_id) & PARK_SUPERVISION)


def require_park(s: Session, p: Principal, park_id: int) -> Park:
    policy.require_park_visible(p, park_id)
    park = s.get(Park, park_id)
    if park is None:
        raise NotFound("park not found")
    return park


def require_supervisor(s: Session, p: Principal, park_id: int) -> Park:
    """Reading park-wide supervision figures."""
    park = require_park(s, p, park_id)
    if not is_supervisor(p, park_id):
        raise Forbidden("this needs one of the roles: park_admin, park_analyst, regulator")
    return park


def require_park_admin(s: Session, p: Principal, park_id: int) -> Park:
    park = require_park(s, p, park_id)
    policy.require_park_role(p, park_id, Role.PARK_ADMIN)
    return park


def enterprise_in_park(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    """The enterprise, if it exists in a park ``p`` belongs to (else NotFound)."""
    policy.require_user(p)
    org = s.get(Organisation, enterprise_id)
    if org is None or org.kind != OrgKind.ENTERPRISE:
        raise NotFound("enterprise not found")
    policy.require_park_visible(p, org.park_id, "enterprise")
    return org


def require_read_enterprise(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    """Supervision figures of one enterprise: park supervision roles and the enterprise's members."""
    org = enterprise_in_park(s, p, enterprise_id)
    if is_supervisor(p, org.park_id) or policy.is_enterprise_member(p, org.id):
        return org
    raise Forbidden("supervision figures of an enterprise are for the park and the enterprise itself")


def require_write_enterprise(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    """Economic data and product output: park_admin, or the enterprise's admin."""
    org = enterprise_in_park(s, p, enterprise_id)
    if not policy.can_manage_enterprise(p, org.park_id, org.id):
        raise Forbidden("recording economic data needs park_admin, or enterprise_admin of the enterprise")
    return org
