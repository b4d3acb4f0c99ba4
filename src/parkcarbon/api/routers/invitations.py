"""Invitations into an enterprise (the park invites, the enterprise accepts) and the break-glass act."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.api.routers.auth import client_address
from parkcarbon.services.accounts import invitations, users
from parkcarbon.services.accounts.schemas import (
    BreakGlassMembershipCreate,
    InvitationCreate,
    InvitationPublic,
    InvitationRedeem,
    MembershipPublic,
)
from parkcarbon.services.pagination import Page

router = APIRouter(tags=["users"])
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.post(
    "/invitations",
    response_model=InvitationPublic,
    status_code=status.HTTP_201_CREATED,
    responses={502: {"description": "the mail server refused the invitation mail (mail.send_failed)"},
               503: {"description": "no mail server is configured (mail.not_configured)"}},
)  # fmt: skip
def create_invitation(
    runtime: RuntimeDep, principal: PrincipalDep, body: InvitationCreate
) -> InvitationPublic:
    """Invite an e-mail address into an enterprise (park admin, platform admin, the enterprise's admin).

    The one-time code is mailed to the invited address only (never in this answer, nor in the audit
    log); only its SHA-256 is stored.
    """
    return invitations.create_invitation(runtime.db, principal, body, runtime.mailer)


@router.get("/invitations", response_model=Page[InvitationPublic])
def list_invitations(
    runtime: RuntimeDep, principal: PrincipalDep, page: PageDep, enterprise_id: OptionalId = None
) -> Page[InvitationPublic]:
    return invitations.list_invitations(runtime.db, principal, page, enterprise_id=enterprise_id)


@router.post("/invitations/redeem", response_model=InvitationPublic)
def redeem_invitation(runtime: RuntimeDep, body: InvitationRedeem, request: Request) -> InvitationPublic:
    """Redeem a one-time code (no sign-in): creates the account if needed, and the membership.

    Limited per client address like the login route (429 ``rate_limited`` with ``Retry-After``)."""
    return invitations.redeem_invitation(
        runtime.db, body, client=client_address(request), limiter=runtime.limiter
    )


@router.post("/invitations/{invitation_id}/accept", response_model=InvitationPublic)
def accept_invitation(
    runtime: RuntimeDep, principal: PrincipalDep, invitation_id: IdPath
) -> InvitationPublic:
    """The enterprise's own admin accepts the invitation."""
    return invitations.accept_invitation(runtime.db, principal, invitation_id)


@router.post("/invitations/{invitation_id}/decline", response_model=InvitationPublic)
def decline_invitation(
    runtime: RuntimeDep, principal: PrincipalDep, invitation_id: IdPath
) -> InvitationPublic:
    """The enterprise's own admin declines the invitation."""
    return invitations.decline_invitation(runtime.db, principal, invitation_id)


@router.post("/invitations/{invitation_id}/revoke", response_model=InvitationPublic)
def revoke_invitation(
    runtime: RuntimeDep, principal: PrincipalDep, invitation_id: IdPath
) -> InvitationPublic:
    """Withdraw an invitation that has not been redeemed (its park's admin, the enterprise's admin)."""
    return invitations.revoke_invitation(runtime.db, principal, invitation_id)


@router.post("/break-glass/memberships", response_model=MembershipPublic, status_code=status.HTTP_201_CREATED)
def break_glass_membership(
    runtime: RuntimeDep, principal: PrincipalDep, body: BreakGlassMembershipCreate
) -> MembershipPublic:
    """Platform admin only: add a member to an enterprise directly, with a mandatory reason. Audited in
    the enterprise's own audit log and notified to its admins."""
    return users.break_glass_membership(runtime.db, principal, body, runtime.mailer)
