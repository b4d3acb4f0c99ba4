"""Schemas of identity: users, memberships, API keys, tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, StringConstraints

from parkcarbon.services.schemas import PatchModel, RequestModel
from parkcarbon.vocab import Role

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Password = Annotated[SecretStr, Field(min_length=10, max_length=256)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Language = Annotated[str, Field(pattern=r"^(zh-CN|en)$")]


class LoginRequest(RequestModel):
    # no control characters (a NUL cannot even be looked up on PostgreSQL; no account has one)
    email: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^\x00-\x1f\x7f]+$"
        ),
    ]
    password: Annotated[SecretStr, Field(min_length=1, max_length=256)]


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class PasswordChange(RequestModel):
    current_password: Annotated[SecretStr, Field(min_length=1, max_length=256)]
    new_password: Password


class MembershipPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    user_id: int
    organisation_id: int
    park_id: int
    role: Role
    created_at: datetime


class MembershipCreate(RequestModel):
    user_id: Id
    organisation_id: Id
    role: Role


class BreakGlassMembershipCreate(MembershipCreate):
    """The platform admin's break-glass act (紧急授权): a membership of an enterprise with a stated reason."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1000)] = Field(
        description="why the enterprise's own admins could not add the member (recorded in its audit log)"
    )


EnterpriseRole = Literal[Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER]


class InvitationCreate(RequestModel):
    enterprise_id: Id
    email: EmailStr
    role: EnterpriseRole
    expires_in_days: Annotated[int, Field(ge=1, le=30)] = 7


class InvitationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    email: str
    role: Role
    status: Literal["pending", "accepted", "declined", "redeemed", "expired", "revoked", "undelivered"]
    expires_at: datetime
    invited_by: str
    decided_at: datetime | None
    redeemed_at: datetime | None
    membership_id: int | None
    created_at: datetime


class InvitationRedeem(RequestModel):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=100)]
    email: EmailStr
    password: Annotated[SecretStr, Field(min_length=1, max_length=256)] = Field(
        description="a new account's password (policy-checked), or the existing account's password"
    )
    display_name: DisplayName | None = None


class UserCreate(RequestModel):
    email: EmailStr
    display_name: DisplayName
    password: Password
    organisation_id: Id = Field(description="organisation the new user joins")
    role: Role
    language: Language | None = None


class PlatformAdminCreate(RequestModel):
    email: EmailStr
    display_name: DisplayName
    password: Password


class UserUpdate(PatchModel):
    nullable = frozenset({"language"})
    display_name: DisplayName | None = None
    language: Language | None = None
    is_active: bool | None = None


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    display_name: str
    is_platform_admin: bool
    is_active: bool
    language: str | None
    created_at: datetime


class MePublic(UserPublic):
    memberships: list[MembershipPublic]
    roles: list[Role]


class ApiKeyCreate(RequestModel):
    park_id: Id
    enterprise_id: Id | None = Field(default=None, description="limit the key to one enterprise's meters")
    name: DisplayName
    expires_at: datetime | None = None


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int | None
    name: str
    prefix: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiKeyIssued(ApiKeyPublic):
    key: str = Field(description="the secret; shown once, stored only as a hash")


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_user_id: int | None
    actor_api_key_id: int | None
    actor_label: str
    action: str
    entity: str
    entity_id: str | None
    park_id: int | None
    enterprise_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
