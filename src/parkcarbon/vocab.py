"""Closed vocabularies shared by every layer, stored as short strings (portable across databases)."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    """Kinds of organisation in a park (园区运营方、企业、服务商、核查机构、金融机构、主管部门)."""

    PARK_OPERATOR = "park_operator"
    ENTERPRISE = "enterprise"
    SERVICE_PROVIDER = "service_provider"
    VERIFIER = "verifier"
    FINANCIER = "financier"
    REGULATOR = "regulator"


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    PARK_ADMIN = "park_admin"
    PARK_ANALYST = "park_analyst"
    REGULATOR = "regulator"
    ENTERPRISE_ADMIN = "enterprise_admin"
    ENTERPRISE_MEMBER = "enterprise_member"
    PROVIDER = "provider"
    VERIFIER = "verifier"
    FINANCIER = "financier"


#: Which membership roles an organisation of each kind can hold.
ROLES_BY_KIND: dict[OrgKind, frozenset[Role]] = {
    OrgKind.PARK_OPERATOR: frozenset({Role.PARK_ADMIN, Role.PARK_ANALYST}),
    OrgKind.ENTERPRISE: frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER}),
    OrgKind.SERVICE_PROVIDER: frozenset({Role.PROVIDER}),
    OrgKind.VERIFIER: frozenset({Role.VERIFIER}),
    OrgKind.FINANCIER: frozenset({Role.FINANCIER}),
    OrgKind.REGULATOR: frozenset({Role.REGULATOR}),
}


class MeterKind(StrEnum):
    """How a meter reports: a cumulative register (累计示数), interval consumption, or an instant value."""

    REGISTER = "register"
    INTERVAL = "interval"
    INSTANT = "instant"


class AreaKind(StrEnum):
    ZONE = "zone"
    SITE = "site"
    BUILDING = "building"
    OTHER = "other"


class GrantScope(StrEnum):
    """What an enterprise shares with another organisation (数据授权范围)."""

    METER_DATA = "meter_data"
    COSTS = "costs"
    DOCUMENTS = "documents"
    INVENTORY = "inventory"
    #: the enterprise's carbon assets (碳资产): holdings, transactions, position and strategy; prices
    #: also need ``costs``
    ASSETS = "assets"
