"""Seeding a park with its organisations, one user for every role, areas and meters.

Everything goes through the same services a user would call (as the ``system`` principal), so the
seed is audited and validated like any other input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from parkcarbon.services.accounts import apikeys, users
from parkcarbon.services.accounts.schemas import ApiKeyCreate, PlatformAdminCreate, UserCreate
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import areas, grants, meters, organisations, parks
from parkcarbon.services.registry.schemas import (
    AreaCreate,
    GrantCreate,
    MeterCreate,
    OrganisationCreate,
    ParkCreate,
)
from parkcarbon.store.db import Database
from parkcarbon.vocab import GrantScope, OrgKind, Role


@dataclass
class SeededPark:
    park_id: int
    code: str
    password: str
    operator_id: int
    regulator_id: int
    provider_id: int
    verifier_id: int
    financier_id: int
    enterprise_ids: list[int]
    area_ids: list[int]
    meter_ids: list[int]
    users: dict[str, str] = field(default_factory=dict)  # role label -> e-mail
    user_ids: dict[str, int] = field(default_factory=dict)  # role label -> user id
    membership_ids: dict[str, int] = field(default_factory=dict)  # role label -> membership id
    api_key: str = ""  # a park-wide ingest key (the secret; shown once)
    api_key_id: int = 0
    grant_id: int = 0  # the first enterprise shares its meter data with the park operator


#: (name, English name, GB/T 4754-2017 industry code)
DEFAULT_ENTERPRISES: list[tuple[str, str, str]] = [
    ("华东精密轧钢有限公司", "East China Precision Rolling Co., Ltd.", "3130"),
    ("绿源食品饮料有限公司", "Lvyuan Food & Beverage Co., Ltd.", "1523"),
    ("星海电子科技有限公司", "Xinghai Electronics Co., Ltd.", "3982"),
]


#: (name, English name) of the areas a park gets by default.
DEFAULT_AREAS: list[tuple[str, str]] = [
    ("北区·重工业片区", "North heavy-industry zone"),
    ("南区·轻工与研发片区", "South light-industry & R&D zone"),
]


def seed_park(
    db: Database,
    *,
    code: str,
    name: str,
    name_en: str,
    province: str = "CN-JS",
    password: str,
    email_domain: str | None = None,
    enterprises: list[tuple[str, str, str]] | None = None,
    area_names: list[tuple[str, str]] | None = None,
    main_meters: bool = True,
    accounting_options: dict[str, Any] | None = None,
) -> SeededPark:
    """Create a park with an operator, a regulator, a provider, a verifier, a financier, enterprises,
    one user per role (password ``password``), areas (two by default) and, unless ``main_meters`` is
    false, a main electricity meter per enterprise. ``accounting_options`` is the park's accounting
    profile (:class:`parkcarbon.core.AccountingOptions` fields)."""
    domain = email_domain or f"{code}.example.cn"
    park = parks.create_park(
        db,
        SYSTEM,
        ParkCreate(
            code=code, name=name, name_en=name_en, province=province,
            accounting_options=dict(accounting_options or {}),
        ),
    )  # fmt: skip

    def org(kind: OrgKind, org_name: str, org_name_en: str, industry: str | None = None) -> int:
        body = OrganisationCreate(
            park_id=park.id, kind=kind, name=org_name, name_en=org_name_en, industry_code=industry
        )
        return organisations.create_organisation(db, SYSTEM, body).id

    operator_id = org(OrgKind.PARK_OPERATOR, f"{name}管理委员会", f"{name_en} Management Committee")
    regulator_id = org(OrgKind.REGULATOR, "市发展和改革委员会", "Municipal Development and Reform Commission")
    provider_id = org(
        OrgKind.SERVICE_PROVIDER, "节能低碳综合服务有限公司", "Energy-Saving Services Co., Ltd."
    )
    verifier_id = org(OrgKind.VERIFIER, "中环碳核查技术有限公司", "Zhonghuan Carbon Verification Co., Ltd.")
    financier_id = org(OrgKind.FINANCIER, "绿色发展银行园区支行", "Green Development Bank, Park Branch")
    enterprise_ids = [
        org(OrgKind.ENTERPRISE, n, en, ind) for n, en, ind in (enterprises or DEFAULT_ENTERPRISES)
    ]

    seeded = SeededPark(
        park_id=park.id,
        code=code,
        password=password,
        operator_id=operator_id,
        regulator_id=regulator_id,
        provider_id=provider_id,
        verifier_id=verifier_id,
        financier_id=financier_id,
        enterprise_ids=enterprise_ids,
        area_ids=[],
        meter_ids=[],
    )
    people: list[tuple[str, str, int, Role]] = [
        ("park_admin", "园区管理员", operator_id, Role.PARK_ADMIN),
        ("park_analyst", "园区分析员", operator_id, Role.PARK_ANALYST),
        ("regulator", "主管部门用户", regulator_id, Role.REGULATOR),
        ("enterprise_admin", "企业管理员", enterprise_ids[0], Role.ENTERPRISE_ADMIN),
        ("enterprise_member", "企业成员", enterprise_ids[0], Role.ENTERPRISE_MEMBER),
        ("provider", "服务商用户", provider_id, Role.PROVIDER),
        ("verifier", "核查员", verifier_id, Role.VERIFIER),
        ("financier", "金融机构用户", financier_id, Role.FINANCIER),
    ]
    for label, display, org_id, role in people:
        email = f"{label.replace('_', '.')}@{domain}"
        body = UserCreate(
            email=email,
            display_name=display,
            password=SecretStr(password),
            organisation_id=org_id,
            role=role,
            language=None,
        )
        user_id = users.create_user_unchecked(db, SYSTEM, body).id
        seeded.user_ids[label] = user_id
        seeded.membership_ids[label] = (
            users.list_memberships(db, SYSTEM, PageParams(), user_id=user_id).data[0].id
        )
        seeded.users[label] = email

    for area_name, area_en in area_names or DEFAULT_AREAS:
        seeded.area_ids.append(
            areas.create_area(db, SYSTEM, AreaCreate(park_id=park.id, name=area_name, name_en=area_en)).id
        )

    for i, ent_id in enumerate(enterprise_ids if main_meters else []):
        meter = MeterCreate(
            park_id=park.id,
            code=f"E{i + 1:02d}-EL-MAIN",
            name="总进线电表",
            carrier="electricity",
            unit="kWh",
            enterprise_id=ent_id,
            area_id=seeded.area_ids[i % len(seeded.area_ids)],
            purpose="main",
            multiplier=1.0,
        )
        seeded.meter_ids.append(meters.create_meter(db, SYSTEM, meter).id)

    key = apikeys.create_api_key(db, SYSTEM, ApiKeyCreate(park_id=park.id, name="演示网关 demo gateway"))
    seeded.api_key, seeded.api_key_id = key.key, key.id
    share = GrantCreate(
        enterprise_id=enterprise_ids[0],
        grantee_organisation_id=operator_id,
        scope=GrantScope.METER_DATA,
        note="供园区能耗双控监管 for park supervision",
    )
    seeded.grant_id = grants.create_grant(db, SYSTEM, share).id
    return seeded


def create_platform_admin(db: Database, *, email: str, password: str) -> int:
    body = PlatformAdminCreate(email=email, display_name="平台管理员", password=SecretStr(password))
    return users.create_platform_admin(db, SYSTEM, body).id
