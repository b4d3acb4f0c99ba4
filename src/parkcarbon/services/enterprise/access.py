"""Who may see and change an enterprise's file, inventories and MRV cases.

* the enterprise's members read and write (admins submit and delete);
* organisations the enterprise granted ``inventory`` read its file and inventories, ``documents`` its
  documents (:func:`parkcarbon.services.policy.can_read_enterprise_data`);
* a verifier organisation assigned to one of its MRV cases reads what it verifies: the file, the
  inventories and the evidence documents;
* park staff see supervision figures (case status, deadlines, verified totals), never documents or lines;
* outside the park everything answers *not found*.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services import policy
from parkcarbon.services.errors import Forbidden, NotFound
from parkcarbon.services.principal import Principal
from parkcarbon.store.models import GrantScope, MrvCase, Organisation, OrgKind, Role

__all__ = [
    "enterprise_of",
    "is_assigned_verifier",
    "require_admin",
    "require_read",
    "require_write",
    "verifier_orgs",
]


def enterprise_of(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    """The enterprise, if it exists in a park ``p`` belongs to (else NotFound)."""
    policy.require_user(p)
    org = s.get(Organisation, enterprise_id)
    if org is None or org.kind != OrgKind.ENTERPRISE:
        raise NotFound("enterprise not found")
    policy.require_park_visible(p, org.park_id, "enterprise")
    return org


def verifier_orgs(p: Principal) -> frozenset[int]:
    """Verifier organisations ``p`` acts for."""
    return p.orgs_with(Role.VERIFIER)


def is_assigned_verifier(s: Session, p: Principal, enterprise_id: int, case_id: int | None = None) -> bool:
    """Whether ``p`` belongs to a verifier assigned to an MRV case of the enterprise (or to ``case_id``)."""
    orgs = verifier_orgs(p)
    if not orgs:
        return False
    query = select(MrvCase.id).where(
        MrvCase.enterprise_id == enterprise_id, MrvCase.verifier_organisation_id.in_(orgs)
    )
    if case_id is not None:
        query = query.where(MrvCase.id == case_id)
    return s.scalar(query.limit(1)) is not None


def require_read(s: Session, p: Principal, org: Organisation, scope: GrantScope) -> None:
    """Reading the enterprise's ``scope`` data: members, grantees of ``scope``, assigned verifiers."""
    if policy.can_read_enterprise_data(s, p, org.park_id, org.id, scope):
        return
    if is_assigned_verifier(s, p, org.id):
        return
    raise Forbidden(f"the enterprise has not shared its {scope.value} with you")


def require_write(p: Principal, org: Organisation) -> None:
    """Changing the enterprise's file or draft inventories: its members (or the platform admin)."""
    if p.is_platform_admin or policy.is_enterprise_member(p, org.id):
        return
    raise Forbidden("only the enterprise's own members can change its file")


def require_admin(p: Principal, org: Organisation, what: str) -> None:
    """Submitting, deleting and MRV steps of the enterprise: its admin (or the platform admin)."""
    if p.is_platform_admin or policy.is_enterprise_admin(p, org.id):
        return
    raise Forbidden(f"only the enterprise's admin can {what}")
