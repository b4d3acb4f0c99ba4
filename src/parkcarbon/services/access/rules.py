"""Access rules (授权规则): predicates (``can_*``, ``is_*``) and guards (``require_*``).

Reading another tenant's object answers *not found* (its existence is not revealed); acting without the
needed role inside one's own park answers *forbidden*. An enterprise's meter-level data, costs and
documents are visible to its own members and to organisations it has granted access (数据授权); park
staff see what supervision needs: the directory, meter metadata and aggregated totals.

* the enterprise's members read and write its file and draft inventories (admins submit, delete, accept);
* organisations the enterprise granted a scope read what that scope unlocks (``docs/access.md``);
* a verifier organisation read the enterprise's file, inventories and evidence only once the enterprise
  accepted it on an MRV case (:func:`is_assigned_verifier`);
* park supervision roles (park_admin, park_analyst, regulator) read supervision figures of their park;
  regulators only read; park_admin sets targets and settings and operates the park's registry;
* outside the park everything answers *not found*.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services.errors import Forbidden, NotFound
from parkcarbon.services.principal import ENTERPRISE_ROLES, PARK_STAFF, PARK_SUPERVISION, Principal
from parkcarbon.store.models import AccessGrant, GrantScope, MrvCase, Organisation, OrgKind, Park, Role

#: Cost figures (费用): visible only to the enterprise itself and to holders of a ``costs`` grant.
COST_FIELDS = frozenset({"cost_cny", "tariff_cny_per_unit", "price_cny", "supplier"})

_M = TypeVar("_M", bound=BaseModel)


# --- who the principal is ----------------------------------------------------------------------------


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


def is_park_admin(p: Principal, park_id: int) -> bool:
    return p.is_platform_admin or Role.PARK_ADMIN in p.roles_in_park(park_id)


def is_park_staff(p: Principal, park_id: int) -> bool:
    """park_admin, park_analyst (or the platform admin)."""
    return p.is_platform_admin or bool(p.roles_in_park(park_id) & PARK_STAFF)


def is_supervisor(p: Principal, park_id: int) -> bool:
    """park_admin, park_analyst, regulator of the park (or the platform admin)."""
    return p.is_platform_admin or bool(p.roles_in_park(park_id) & PARK_SUPERVISION)


def verifier_orgs(p: Principal) -> frozenset[int]:
    """Verifier organisations ``p`` acts for."""
    return p.orgs_with(Role.VERIFIER)


class _OrgLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def park_id(self) -> int: ...
    @property
    def kind(self) -> str: ...


# --- console predicates (buttons and counts) ---------------------------------------------------------


def can_edit_registry(p: Principal, park_id: int) -> bool:
    """Parks' areas, organisations (directory) and meter registry: the park admin."""
    return is_park_admin(p, park_id)


def can_edit_organisation(p: Principal, park_id: int, org_id: int, *, is_enterprise: bool) -> bool:
    """An organisation's name, English name, credit and industry codes: the park admin, the platform
    admin, or (for an enterprise) its own admin."""
    return (
        p.is_platform_admin
        or Role.PARK_ADMIN in p.roles_in_park(park_id)
        or (is_enterprise and is_enterprise_admin(p, org_id))
    )


def can_upload_park_data(p: Principal, park_id: int) -> bool:
    """Park-wide activity-data and economic-data uploads: the park admin."""
    return is_park_admin(p, park_id)


def can_admin_enterprise(p: Principal, enterprise_id: int) -> bool:
    """Submitting, deleting, MRV steps and accepting on behalf of the enterprise: its admin."""
    return p.is_platform_admin or is_enterprise_admin(p, enterprise_id)


def can_ack_warnings(p: Principal, park_id: int) -> bool:
    """Evaluating and acknowledging warnings: park_admin, park_analyst."""
    return is_park_staff(p, park_id)


def side_of_case(
    p: Principal, enterprise_id: int, verifier_organisation_id: int | None, verifier_accepted: bool
) -> str:
    """Which side of an MRV case ``p`` acts on: ``enterprise``, ``verifier`` or ``other``.

    A verifier organisation is on the case only once the enterprise accepted it (``verifier_accepted``).
    """
    if p.is_platform_admin or is_enterprise_member(p, enterprise_id):
        return "enterprise"
    if (
        verifier_accepted
        and verifier_organisation_id is not None
        and verifier_organisation_id in verifier_orgs(p)
    ):
        return "verifier"
    return "other"


def can_propose_verifier(p: Principal, park_id: int, enterprise_id: int) -> bool:
    """Naming a verifier on the enterprise's MRV case: its admin (accepted at once), the park admin and the
    platform admin (a proposal the enterprise accepts or declines)."""
    return is_enterprise_admin(p, enterprise_id) or is_park_admin(p, park_id)


def can_invite(p: Principal, org: _OrgLike) -> bool:
    """Inviting an e-mail address into an enterprise: the park admin, the platform admin, its own admin."""
    return org.kind == OrgKind.ENTERPRISE and (
        is_park_admin(p, org.park_id) or is_enterprise_admin(p, org.id)
    )


def administered_parks(p: Principal) -> frozenset[int]:
    """Parks ``p`` is the park admin of (the platform admin's "all parks" is not listed here)."""
    return frozenset(m.park_id for m in p.memberships if m.role == Role.PARK_ADMIN)


# --- membership sets (no platform-admin shortcut: callers that query rows handle "all" themselves) ------


def staff_parks(p: Principal) -> frozenset[int]:
    """Parks where ``p`` is park staff (park_admin, park_analyst)."""
    return frozenset(m.park_id for m in p.memberships if m.role in PARK_STAFF)


def supervised_parks(p: Principal) -> frozenset[int]:
    """Parks where ``p`` holds a supervision role (park_admin, park_analyst, regulator)."""
    return frozenset(m.park_id for m in p.memberships if m.role in PARK_SUPERVISION)


def member_enterprises(p: Principal, park_id: int | None = None) -> frozenset[int]:
    """Enterprises ``p`` is a member (or admin) of, optionally only in ``park_id``."""
    return frozenset(
        m.organisation_id
        for m in p.memberships
        if m.role in ENTERPRISE_ROLES and (park_id is None or m.park_id == park_id)
    )


def has_supervision_role(p: Principal, park_id: int) -> bool:
    """A supervision membership in the park itself (the platform admin's reach is not counted)."""
    return park_id in supervised_parks(p)


def has_park_admin_role(p: Principal, park_id: int) -> bool:
    """A park_admin membership in the park itself (the platform admin's reach is not counted)."""
    return park_id in administered_parks(p)


def is_park_side(p: Principal, park_id: int) -> bool:
    """The park side of a park (its supervision roles) or the platform: who may never join one of its
    enterprises by invitation (the park cannot make itself the enterprise)."""
    return p.is_platform_admin or has_supervision_role(p, park_id)


def is_own_park_admin_membership(p: Principal, user_id: int, role: str) -> bool:
    """A park admin removing its own park_admin membership (refused: a park keeps an admin)."""
    return user_id == p.user_id and role == Role.PARK_ADMIN and not p.is_platform_admin


def can_list_invitations(p: Principal) -> bool:
    """Who has an invitations page: park admins, enterprise admins, the platform admin."""
    return p.is_platform_admin or bool(administered_parks(p)) or bool(administered_enterprises(p))


def can_revoke_invitation(p: Principal, park_id: int, enterprise_id: int) -> bool:
    """Withdrawing an invitation not yet redeemed: whoever may invite into the enterprise (its park's
    admin, the platform admin, the enterprise's own admin)."""
    return is_park_admin(p, park_id) or is_enterprise_admin(p, enterprise_id)


def can_break_glass(p: Principal) -> bool:
    """The break-glass act (adding a member to an enterprise directly, with a reason): platform admin only."""
    return p.is_platform_admin


def can_write_enterprise(p: Principal, enterprise_id: int) -> bool:
    """Changing the enterprise's file or draft inventories: its members."""
    return p.is_platform_admin or is_enterprise_member(p, enterprise_id)


def can_accept_for_enterprise(p: Principal, enterprise_id: int) -> bool:
    """Accepting invitations and verifier proposals, creating memberships: the enterprise's own admin only.

    The platform admin is deliberately not included: ownership is not administration. Its break-glass
    act is separate (:mod:`parkcarbon.services.accounts.invitations`).
    """
    return is_enterprise_admin(p, enterprise_id)


def administered_enterprises(p: Principal) -> frozenset[int]:
    """Enterprises ``p`` is the admin of."""
    return p.orgs_with(Role.ENTERPRISE_ADMIN)


def can_manage_members(p: Principal, org: _OrgLike) -> bool:
    """Creating and removing memberships of ``org``.

    An enterprise's memberships are created by its own admins only; park and platform admins invite.
    Service organisations (providers, verifiers, financiers) hold data the park must not read (sealed
    bids, verification files, credit files), so the park admin cannot create their users or members
    either (issue 12); they are seeded by the system or reached by the platform's audited break-glass.
    Park-side organisations (the operator, regulators) are managed by the park admin.
    """
    if org.kind == OrgKind.ENTERPRISE:
        return is_enterprise_admin(p, org.id)
    if org.kind in SOVEREIGN_SERVICE_KINDS:
        return False
    return is_park_admin(p, org.park_id)


#: Organisation kinds whose members the park admin may not create (issue 12).
SOVEREIGN_SERVICE_KINDS: frozenset[str] = frozenset(
    {OrgKind.SERVICE_PROVIDER, OrgKind.VERIFIER, OrgKind.FINANCIER}
)


def can_manage_enterprise(p: Principal, park_id: int, enterprise_id: int | None) -> bool:
    """Registry operations on meters and ingest keys: park admins in their park, enterprise admins for
    their own enterprise. Never a read of the enterprise's private data (:func:`can_read_enterprise_data`).
    """
    if is_park_admin(p, park_id):
        return True
    return enterprise_id is not None and is_enterprise_admin(p, enterprise_id)


# --- enterprise data ---------------------------------------------------------------------------------


def granted_scopes(s: Session, p: Principal, enterprise_id: int) -> frozenset[GrantScope]:
    """Scopes the enterprise has granted (and not revoked, not expired) to the principal's organisations."""
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
    """Meter-level data, costs, documents, inventories: the enterprise itself or a grantee of ``scope``."""
    if p.is_platform_admin or is_enterprise_member(p, enterprise_id):
        return True
    if park_id not in p.park_ids:
        return False
    return scope in granted_scopes(s, p, enterprise_id)


def can_read_forecast(s: Session, p: Principal, park_id: int, enterprise_id: int | None) -> bool:
    """Forecasts, model cards and M&V figures (issue 16).

    Of an enterprise or one of its meters (``enterprise_id`` set): the enterprise itself or a grantee of
    ``meter_data`` — not the park by default: a forecast is derived from the enterprise's hourly data.
    Of the park total or a park-owned meter (``enterprise_id`` None): park staff, the park's regulators
    and the platform admin.
    """
    if enterprise_id is not None:
        return can_read_enterprise_data(s, p, park_id, enterprise_id, GrantScope.METER_DATA)
    return is_supervisor(p, park_id)


def can_read_costs(s: Session, p: Principal, park_id: int, enterprise_id: int) -> bool:
    """Cost figures (:data:`COST_FIELDS`): the enterprise and ``costs`` grantees, nobody else.

    Not park staff or regulators, not ``inventory`` grantees, not the platform admin (it runs the
    installation; it is not a party to the enterprise's commercial data).
    """
    if is_enterprise_member(p, enterprise_id):
        return True
    if park_id not in p.park_ids:
        return False
    return GrantScope.COSTS in granted_scopes(s, p, enterprise_id)


def redact_costs(item: _M, visible: bool) -> _M:
    """``item`` with every :data:`COST_FIELDS` field blanked unless ``visible`` (:func:`can_read_costs`)."""
    if visible:
        return item
    blank = {name: None for name in COST_FIELDS if name in type(item).model_fields}
    return item.model_copy(update=blank) if blank else item


def strip_cost_keys(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists) with every :data:`COST_FIELDS` key's value set to ``None``, at
    any depth: inventory lineage, calculation requests, diffs, audit before/after."""
    if isinstance(value, dict):
        return {k: None if k in COST_FIELDS else strip_cost_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_cost_keys(v) for v in value]
    return value


def redact_costs_deep(item: _M, visible: bool) -> _M:
    """Like :func:`redact_costs`, at every depth of the model (lineage dicts included)."""
    if visible:
        return item
    return type(item).model_validate(strip_cost_keys(item.model_dump()))


#: Audit-event entities that an enterprise's non-members read only with the named grant scope
#: (``None``: never, e.g. MRV cases are between the enterprise and its accepted verifier).
AUDIT_PRIVATE_ENTITIES: dict[str, GrantScope | None] = {
    "document": GrantScope.DOCUMENTS,
    "inventory": GrantScope.INVENTORY,
    "inventory_line": GrantScope.INVENTORY,
    "enterprise_profile": GrantScope.INVENTORY,
    "enterprise_product": GrantScope.INVENTORY,
    "mrv_case": None,
    "mrv_comment": None,
    "mrv_calendar": None,
    # the marketplace: a request's award and its order carry the opened bid amounts
    "market_request": GrantScope.COSTS,
    "market_order": GrantScope.COSTS,
    # carbon assets (碳资产): holdings and trades, private to the enterprise (services/access/assets.py)
    "asset_transaction": GrantScope.ASSETS,
}


def can_read_audit_event(s: Session, p: Principal, entity: str, enterprise_id: int | None) -> bool:
    """Whether ``p`` could read directly what an audit event of ``entity`` on ``enterprise_id`` is about.

    Enterprise members and the platform admin read every event of the enterprise; others read events
    of an enterprise-private entity (:data:`AUDIT_PRIVATE_ENTITIES`) only with the scope it needs.
    """
    if p.is_platform_admin or enterprise_id is None or is_enterprise_member(p, enterprise_id):
        return True
    if entity not in AUDIT_PRIVATE_ENTITIES:
        return True
    scope = AUDIT_PRIVATE_ENTITIES[entity]
    return scope is not None and scope in granted_scopes(s, p, enterprise_id)


def require_enterprise_data(
    s: Session, p: Principal, park_id: int, enterprise_id: int, scope: GrantScope, what: str
) -> None:
    require_park_visible(p, park_id, what)
    if not can_read_enterprise_data(s, p, park_id, enterprise_id, scope):
        raise Forbidden(f"the enterprise has not shared its {scope.value.replace('_', ' ')} with you")


def enterprise_of(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    """The enterprise, if it exists (not archived) in a park ``p`` belongs to (else NotFound)."""
    require_user(p)
    org = s.get(Organisation, enterprise_id)
    if org is None or org.kind != OrgKind.ENTERPRISE or org.archived_at is not None:
        raise NotFound("enterprise not found")
    require_park_visible(p, org.park_id, "enterprise")
    return org


def is_assigned_verifier(s: Session, p: Principal, enterprise_id: int, case_id: int | None = None) -> bool:
    """Whether ``p`` belongs to a verifier the enterprise accepted on one of its MRV cases (or ``case_id``).

    A verifier the park merely proposed sees nothing until the enterprise accepts it.
    """
    orgs = verifier_orgs(p)
    if not orgs:
        return False
    query = select(MrvCase.id).where(
        MrvCase.enterprise_id == enterprise_id,
        MrvCase.verifier_organisation_id.in_(orgs),
        MrvCase.verifier_accepted_at.is_not(None),
    )
    if case_id is not None:
        query = query.where(MrvCase.id == case_id)
    return s.scalar(query.limit(1)) is not None


def require_enterprise_read(s: Session, p: Principal, org: Organisation, scope: GrantScope) -> None:
    """Reading the enterprise's ``scope`` data: members, grantees of ``scope``, accepted verifiers."""
    if can_read_enterprise_data(s, p, org.park_id, org.id, scope):
        return
    if is_assigned_verifier(s, p, org.id):
        return
    raise Forbidden(f"the enterprise has not shared its {scope.value} with you")


def require_enterprise_write(p: Principal, org: Organisation) -> None:
    """Changing the enterprise's file or draft inventories: its members (or the platform admin)."""
    if can_write_enterprise(p, org.id):
        return
    raise Forbidden("only the enterprise's own members can change its file")


def require_enterprise_admin(p: Principal, org: Organisation, what: str) -> None:
    """Submitting, deleting and MRV steps of the enterprise: its admin (or the platform admin)."""
    if can_admin_enterprise(p, org.id):
        return
    raise Forbidden(f"only the enterprise's admin can {what}")


# --- supervision -------------------------------------------------------------------------------------


def require_park(s: Session, p: Principal, park_id: int) -> Park:
    require_park_visible(p, park_id)
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
    require_park_role(p, park_id, Role.PARK_ADMIN)
    return park


def require_read_enterprise(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    """Supervision figures of one enterprise: park supervision roles and the enterprise's members."""
    org = enterprise_of(s, p, enterprise_id)
    if is_supervisor(p, org.park_id) or is_enterprise_member(p, org.id):
        return org
    raise Forbidden("supervision figures of an enterprise are for the park and the enterprise itself")


def require_write_enterprise(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    """Economic data and product output: park_admin, or the enterprise's admin."""
    org = enterprise_of(s, p, enterprise_id)
    if not can_manage_enterprise(p, org.park_id, org.id):
        raise Forbidden("recording economic data needs park_admin, or enterprise_admin of the enterprise")
    return org


# --- transparency log (透明日志) -----------------------------------------------------------------------

#: A log entry's kind family (before the first '.') → the grant scope a non-member needs to read it.
#: ``None``: only the parties named below (the grantee of a grant entry, the case's verifier).
LOG_KIND_SCOPES: dict[str, GrantScope | None] = {
    "mrv": GrantScope.INVENTORY,
    "inventory": GrantScope.INVENTORY,
    "grant": None,
}


class _LogLeafLike(Protocol):
    @property
    def park_id(self) -> int | None: ...
    @property
    def enterprise_id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def entity(self) -> str: ...
    @property
    def entity_id(self) -> str | None: ...


class LogReach:
    """Which of one enterprise's log entries ``p`` may read (:func:`log_reach`)."""

    def __init__(
        self, *, everything: bool, scopes: frozenset[GrantScope], case_ids: frozenset[str],
        grant_ids: frozenset[str],
    ) -> None:  # fmt: skip
        self.everything = everything
        self.scopes = scopes
        self.case_ids = case_ids
        self.grant_ids = grant_ids

    @property
    def kinds(self) -> frozenset[str]:
        """Kind families readable through a grant scope."""
        return frozenset(
            k for k, scope in LOG_KIND_SCOPES.items() if scope is not None and scope in self.scopes
        )

    def allows(self, kind: str, entity: str, entity_id: str | None) -> bool:
        if self.everything or kind.split(".", 1)[0] in self.kinds:
            return True
        if entity == "mrv_case" and entity_id in self.case_ids:
            return True
        return entity == "access_grant" and entity_id in self.grant_ids


def log_reach(s: Session, p: Principal, park_id: int, enterprise_id: int) -> LogReach:
    """The enterprise's members (and the platform admin) read all its entries; in its park, a grantee reads
    the kinds its scopes unlock (:data:`LOG_KIND_SCOPES`) and the entries of the grants made to it; an
    accepted verifier reads the entries of its cases. Nobody else reads any."""
    require_user(p)
    if p.is_platform_admin or is_enterprise_member(p, enterprise_id):
        return LogReach(everything=True, scopes=frozenset(), case_ids=frozenset(), grant_ids=frozenset())
    if park_id not in p.park_ids:
        return LogReach(everything=False, scopes=frozenset(), case_ids=frozenset(), grant_ids=frozenset())
    orgs = {m.organisation_id for m in p.memberships}
    cases: frozenset[str] = frozenset()
    if verifier_orgs(p):
        cases = frozenset(
            str(i)
            for i in s.scalars(
                select(MrvCase.id).where(
                    MrvCase.enterprise_id == enterprise_id,
                    MrvCase.verifier_organisation_id.in_(verifier_orgs(p)),
                    MrvCase.verifier_accepted_at.is_not(None),
                )
            )
        )
    grants = frozenset(
        str(i)
        for i in s.scalars(
            select(AccessGrant.id).where(
                AccessGrant.enterprise_id == enterprise_id,
                AccessGrant.grantee_organisation_id.in_(orgs or {-1}),
            )
        )
    )
    return LogReach(
        everything=False, scopes=granted_scopes(s, p, enterprise_id), case_ids=cases, grant_ids=grants
    )


def can_read_log_entry(s: Session, p: Principal, leaf: _LogLeafLike) -> bool:
    """Whether ``p`` may read a log entry (its record and its proof bundle); see :func:`log_reach`.
    Checkpoints and consistency proofs are public (they are hashes of the whole log)."""
    if leaf.enterprise_id is None:
        return p.is_platform_admin or (leaf.park_id is not None and leaf.park_id in p.park_ids)
    return log_reach(s, p, leaf.park_id or 0, leaf.enterprise_id).allows(
        leaf.kind, leaf.entity, leaf.entity_id
    )


def require_log_entry(s: Session, p: Principal, leaf: _LogLeafLike) -> None:
    """Reading a log entry: NotFound outside the entry's park, Forbidden inside it without the right."""
    require_user(p)
    if leaf.park_id is not None:
        require_park_visible(p, leaf.park_id, "log entry")
    if not can_read_log_entry(s, p, leaf):
        raise Forbidden("the enterprise has not shared this log entry with you", code="log.not_shared")
