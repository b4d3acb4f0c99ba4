"""Who is acting: a user with memberships, or an ingest API key. Immutable, detached from the session."""

from __future__ import annotations

from dataclasses import dataclass, field

from parkcarbon.vocab import OrgKind, Role

PARK_STAFF = frozenset({Role.PARK_ADMIN, Role.PARK_ANALYST})
PARK_SUPERVISION = frozenset({Role.PARK_ADMIN, Role.PARK_ANALYST, Role.REGULATOR})
ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER})


@dataclass(frozen=True, slots=True)
class MembershipInfo:
    organisation_id: int
    park_id: int
    role: Role
    org_kind: OrgKind


@dataclass(frozen=True, slots=True)
class ApiKeyScope:
    api_key_id: int
    park_id: int
    enterprise_id: int | None


@dataclass(frozen=True, slots=True)
class Principal:
    label: str
    user_id: int | None = None
    is_platform_admin: bool = False
    memberships: tuple[MembershipInfo, ...] = ()
    api_key: ApiKeyScope | None = None
    language: str | None = None
    _by_park: dict[int, frozenset[Role]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_park: dict[int, set[Role]] = {}
        for m in self.memberships:
            by_park.setdefault(m.park_id, set()).add(m.role)
        self._by_park.update({k: frozenset(v) for k, v in by_park.items()})

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def park_ids(self) -> frozenset[int]:
        return frozenset(self._by_park)

    def roles_in_park(self, park_id: int) -> frozenset[Role]:
        return self._by_park.get(park_id, frozenset())

    def roles_in_org(self, organisation_id: int) -> frozenset[Role]:
        return frozenset(m.role for m in self.memberships if m.organisation_id == organisation_id)

    def orgs_with(self, *roles: Role) -> frozenset[int]:
        return frozenset(m.organisation_id for m in self.memberships if m.role in roles)

    @property
    def roles(self) -> frozenset[Role]:
        found = {m.role for m in self.memberships}
        if self.is_platform_admin:
            found.add(Role.PLATFORM_ADMIN)
        return frozenset(found)


SYSTEM = Principal(label="system", is_platform_admin=True)
