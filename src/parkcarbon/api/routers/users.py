"""Users and memberships."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.accounts import users
from parkcarbon.services.accounts.schemas import (
    MembershipCreate,
    MembershipPublic,
    PlatformAdminCreate,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from parkcarbon.services.pagination import Page

router = APIRouter(tags=["users"])
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/users", response_model=Page[UserPublic])
def list_users(runtime: RuntimeDep, principal: PrincipalDep, page: PageDep) -> Page[UserPublic]:
    return users.list_users(runtime.db, principal, page)


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(runtime: RuntimeDep, principal: PrincipalDep, body: UserCreate) -> UserPublic:
    """Create a user with their first membership (organisation and role)."""
    return users.create_user(runtime.db, principal, body)


@router.post("/platform-admins", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_platform_admin(
    runtime: RuntimeDep, principal: PrincipalDep, body: PlatformAdminCreate
) -> UserPublic:
    return users.create_platform_admin(runtime.db, principal, body)


@router.get("/users/{user_id}", response_model=UserPublic)
def read_user(runtime: RuntimeDep, principal: PrincipalDep, user_id: IdPath) -> UserPublic:
    return users.get_user(runtime.db, principal, user_id)


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(
    runtime: RuntimeDep, principal: PrincipalDep, user_id: IdPath, body: UserUpdate
) -> UserPublic:
    return users.update_user(runtime.db, principal, user_id, body)


@router.get("/memberships", response_model=Page[MembershipPublic])
def list_memberships(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    organisation_id: OptionalId = None,
    user_id: OptionalId = None,
) -> Page[MembershipPublic]:
    return users.list_memberships(
        runtime.db, principal, page, organisation_id=organisation_id, user_id=user_id
    )


@router.post("/memberships", response_model=MembershipPublic, status_code=status.HTTP_201_CREATED)
def create_membership(
    runtime: RuntimeDep, principal: PrincipalDep, body: MembershipCreate
) -> MembershipPublic:
    return users.create_membership(runtime.db, principal, body)


@router.get("/memberships/{membership_id}", response_model=MembershipPublic)
def read_membership(runtime: RuntimeDep, principal: PrincipalDep, membership_id: IdPath) -> MembershipPublic:
    return users.get_membership(runtime.db, principal, membership_id)


@router.delete("/memberships/{membership_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_membership(runtime: RuntimeDep, principal: PrincipalDep, membership_id: IdPath) -> None:
    users.delete_membership(runtime.db, principal, membership_id)
