"""Invitations into an enterprise (企业成员邀请) and the platform's break-glass membership (紧急授权).

The park cannot make itself the enterprise: a park admin or the platform admin only *invites* an e-mail
address with a role. The enterprise's own admin accepts or declines the invitation; an enterprise that
has no admin yet (a new one) is joined by the invited person redeeming the one-time code. Codes are
random (``auth.new_secret``), stored only as their SHA-256 (``auth.digest``), expire, and are used once.

The code goes **only** to the invited address, by e-mail (:mod:`parkcarbon.services.mail`): the inviter's
answer, the audit log and the database hold the invitation's id and status, never the code, so a park
admin cannot redeem the invitation it made. Without a configured mail server no invitation is created
(503 ``mail.not_configured``); a mail server that refuses the message leaves the invitation
``undelivered`` (it cannot be redeemed; invite again).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.accounts.auth import (
    check_password_policy,
    digest,
    hash_password,
    load_principal,
    new_secret,
    verify_password,
)
from parkcarbon.services.accounts.schemas import (
    InvitationCreate,
    InvitationPublic,
    InvitationRedeem,
)
from parkcarbon.services.accounts.throttle import AddressLimiter
from parkcarbon.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from parkcarbon.services.mail import Mailer, MailFailed, Message
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    Invitation,
    Membership,
    Organisation,
    OrgKind,
    Role,
    SupervisionNotification,
    User,
)

__all__ = [
    "accept_invitation",
    "create_invitation",
    "decline_invitation",
    "list_invitations",
    "redeem_invitation",
    "revoke_invitation",
]

CODE_PREFIX = "pci_"
#: The console page an invitation's link opens (``web/pages/invitations.py``).
REDEEM_PATH = "/invitations/redeem"


def _public(inv: Invitation, now: datetime) -> InvitationPublic:
    out = InvitationPublic.model_validate(inv)
    if inv.status in {"pending", "accepted"} and inv.expires_at <= now:
        out = out.model_copy(update={"status": "expired"})
    return out


def _visible(s: Session, p: Principal) -> Select[Invitation]:
    """Invitations of enterprises ``p`` administers, and (park admin) of the parks it administers."""
    query = select(Invitation).order_by(Invitation.id.desc())
    if p.is_platform_admin:
        return query
    parks = access.administered_parks(p)
    enterprises = access.administered_enterprises(p)
    return query.where(
        Invitation.park_id.in_(parks or {-1}) | Invitation.enterprise_id.in_(enterprises or {-1})
    )


def _has_admin(s: Session, enterprise_id: int) -> bool:
    return (
        s.scalar(
            select(Membership.id)
            .where(Membership.organisation_id == enterprise_id, Membership.role == Role.ENTERPRISE_ADMIN)
            .limit(1)
        )
        is not None
    )


def create_invitation(db: Database, p: Principal, data: InvitationCreate, mailer: Mailer) -> InvitationPublic:
    """Invite an e-mail address into an enterprise (park admin, platform admin or the enterprise's admin).

    The one-time code is mailed to the invited address only; the answer carries the invitation's id and
    status. The mail is sent after the invitation has been committed (no write transaction waits on the
    mail server); if the server refuses it the invitation becomes ``undelivered`` and 502 is answered.
    """
    access.require_user(p)
    email = str(data.email).lower()
    now = datetime.now(UTC)
    with db.transaction() as s:
        org = access.enterprise_of(s, p, data.enterprise_id)
        if not access.can_invite(p, org):
            raise Forbidden("inviting into an enterprise needs park_admin, or enterprise_admin of it")
        if p.user_id is not None:
            me = s.get(User, p.user_id)
            if me is not None and me.email == email and not access.is_enterprise_admin(p, org.id):
                raise InvalidInput.field("email", "you cannot invite yourself", code="invitation.self")
        mailer.require()  # refuse before anything is written
        code = new_secret(CODE_PREFIX)
        inv = Invitation(
            park_id=org.park_id,
            enterprise_id=org.id,
            email=email,
            role=data.role,
            code_hash=digest(code),
            status="pending",
            expires_at=now + timedelta(days=data.expires_in_days),
            invited_by_user_id=p.user_id,
            invited_by=p.label,
        )
        s.add(inv)
        s.flush()
        audit.record(
            s,
            p,
            "invitation.create",
            entity="invitation",
            entity_id=inv.id,
            park_id=org.park_id,
            enterprise_id=org.id,
            after={"email": email, "role": data.role, "expires_at": inv.expires_at.isoformat()},
        )
        out = _public(inv, now)
        message = _invitation_mail(mailer, out, code, org.name, p.label)
    del code
    try:
        mailer.send(message)
    except MailFailed as exc:
        with db.transaction() as s:
            failed = s.get(Invitation, out.id)
            if failed is not None and failed.status == "pending":
                failed.status = "undelivered"
            audit.record(
                s,
                p,
                "invitation.undelivered",
                entity="invitation",
                entity_id=out.id,
                park_id=out.park_id,
                enterprise_id=out.enterprise_id,
                after={"status": "undelivered", "reason": exc.detail[:300]},
            )
        raise MailFailed(
            f"invitation {out.id} was not delivered ({exc.detail}); it cannot be redeemed, invite again",
            errors=exc.errors,
        ) from exc
    return out


_ROLE_TEXT = {
    Role.ENTERPRISE_ADMIN.value: ("企业管理员", "enterprise admin"),
    Role.ENTERPRISE_MEMBER.value: ("企业成员", "enterprise member"),
}


def _invitation_mail(
    mailer: Mailer, inv: InvitationPublic, code: str, enterprise: str, inviter: str
) -> Message:
    """The bilingual (zh-CN, English) invitation mail with the redeem link and the code."""
    link = mailer.link(f"{REDEEM_PATH}?{urlencode({'code': code, 'email': inv.email})}")
    until = inv.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    role = str(getattr(inv.role, "value", inv.role))
    role_zh, role_en = _ROLE_TEXT.get(role, (role, role))
    text = (
        f"您好，\n\n{inviter} 邀请您以「{role_zh}」身份加入企业「{enterprise}」（园区碳中和服务平台）。\n"
        f"请打开以下链接并设置密码完成加入（有效期至 {until}，仅可使用一次）：\n\n{link}\n\n"
        f"也可在登录页的「兑换邀请」中输入邀请码：\n{code}\n\n"
        "若企业已有管理员，需其接受邀请后方可加入。如非本人操作，请忽略本邮件。\n\n"
        "---\n\n"
        f'Hello,\n\n{inviter} invites you to join the enterprise "{enterprise}" as {role_en} on the park '
        f"carbon platform. Open this link and set your password (valid until {until}, single use):\n\n"
        f"{link}\n\nOr enter the invitation code on the console's redeem page:\n{code}\n\n"
        "If the enterprise already has an admin, it must accept the invitation first. "
        "If you did not expect this mail, ignore it.\n"
    )
    return Message(
        to=inv.email, subject=f"邀请加入 {enterprise} / Invitation to join {enterprise}", text=text
    )


def revoke_invitation(db: Database, p: Principal, invitation_id: int) -> InvitationPublic:
    """Withdraw an invitation that has not been redeemed (its park's admin, the platform admin, the
    enterprise's admin); its code stops working."""
    access.require_user(p)
    now = datetime.now(UTC)
    with db.transaction() as s:
        inv = s.scalar(_visible(s, p).where(Invitation.id == invitation_id))
        if inv is None:
            raise NotFound("invitation not found")
        if not access.can_revoke_invitation(p, inv.park_id, inv.enterprise_id):
            raise Forbidden("withdrawing an invitation needs park_admin, or enterprise_admin of it")
        if inv.status not in {"pending", "accepted"}:
            raise Conflict(
                f"the invitation is {inv.status}",
                errors=[{"field": "status", "reason": inv.status, "code": "state.not_allowed"}],
            )
        before = inv.status
        inv.status = "revoked"
        inv.decided_by_user_id = inv.decided_by_user_id or p.user_id
        s.flush()
        audit.record(
            s,
            p,
            "invitation.revoke",
            entity="invitation",
            entity_id=inv.id,
            park_id=inv.park_id,
            enterprise_id=inv.enterprise_id,
            before={"status": before},
            after={"status": "revoked", "email": inv.email, "role": inv.role},
        )
        return _public(inv, now)


def list_invitations(
    db: Database, p: Principal, page: PageParams, *, enterprise_id: int | None = None
) -> Page[InvitationPublic]:
    """Invitations the caller may see: its enterprise's (enterprise admin), its park's (park admin)."""
    access.require_user(p)
    now = datetime.now(UTC)
    with db.read() as s:
        query = _visible(s, p)
        if enterprise_id is not None:
            query = query.where(Invitation.enterprise_id == enterprise_id)
        rows, total = paginate(s, query, page)
        return Page(data=[_public(r, now) for r in rows], count=total, **page.model_dump())


def _decide(db: Database, p: Principal, invitation_id: int, *, accept: bool) -> InvitationPublic:
    access.require_user(p)
    now = datetime.now(UTC)
    with db.transaction() as s:
        inv = s.scalar(_visible(s, p).where(Invitation.id == invitation_id))
        if inv is None:
            raise NotFound("invitation not found")
        if not access.can_accept_for_enterprise(p, inv.enterprise_id):
            raise Forbidden("only the enterprise's own admin accepts or declines an invitation")
        if inv.status != "pending":
            raise Conflict(
                f"the invitation is {inv.status}",
                errors=[{"field": "status", "reason": inv.status, "code": "state.not_allowed"}],
            )
        if inv.expires_at <= now:
            raise Conflict(
                "the invitation has expired",
                errors=[{"field": "expires_at", "reason": "expired", "code": "invitation.expired"}],
            )
        inv.decided_by_user_id = p.user_id
        inv.decided_at = now
        if not accept:
            inv.status = "declined"
        else:
            inv.status = "accepted"
            user = s.scalar(select(User).where(User.email == inv.email))
            if user is not None:  # an existing account joins at once; a new one redeems the code
                inv.membership_id = _join(s, user, inv)
                inv.status = "redeemed"
                inv.redeemed_at = now
        s.flush()
        audit.record(
            s,
            p,
            "invitation.accept" if accept else "invitation.decline",
            entity="invitation",
            entity_id=inv.id,
            park_id=inv.park_id,
            enterprise_id=inv.enterprise_id,
            after={
                "status": inv.status,
                "email": inv.email,
                "role": inv.role,
                "membership_id": inv.membership_id,
            },
        )
        return _public(inv, now)


def accept_invitation(db: Database, p: Principal, invitation_id: int) -> InvitationPublic:
    """The enterprise's admin accepts: an existing account becomes a member now, a new one on redemption."""
    return _decide(db, p, invitation_id, accept=True)


def decline_invitation(db: Database, p: Principal, invitation_id: int) -> InvitationPublic:
    return _decide(db, p, invitation_id, accept=False)


def _join(s: Session, user: User, inv: Invitation) -> int:
    existing = s.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id,
            Membership.organisation_id == inv.enterprise_id,
            Membership.role == inv.role,
        )
    )
    if existing is not None:
        return existing
    m = Membership(user_id=user.id, organisation_id=inv.enterprise_id, park_id=inv.park_id, role=inv.role)
    s.add(m)
    s.flush()
    return m.id


def _invalid_code() -> InvalidInput:
    return InvalidInput.field("code", "is not a valid invitation code", code="invitation.invalid_code")


def redeem_invitation(
    db: Database,
    data: InvitationRedeem,
    *,
    client: str | None = None,
    limiter: AddressLimiter | None = None,
) -> InvitationPublic:
    """Redeem a one-time code (no sign-in): creates the account if needed, and the membership.

    ``limiter`` counts the attempt against the client address ``client`` (family ``redeem``) before the
    code is looked up or a password hashed, so the public route cannot be used to guess codes or to burn
    argon2 time at the moving-window rate of the login route.

    Allowed once the enterprise's admin accepted the invitation, or while the enterprise has no admin at
    all (a new enterprise's first admin). A park-side account (park staff, regulator) or a platform admin
    cannot redeem: the park cannot make itself the enterprise.
    """
    if limiter is not None:
        limiter.hit("redeem", client)
    email = str(data.email).lower()
    password = data.password.get_secret_value()
    code_hash = digest(data.code)
    now = datetime.now(UTC)
    with db.read() as s:
        inv = s.scalar(select(Invitation).where(Invitation.code_hash == code_hash))
        # the lookup is by digest; compare_digest guards the e-mail check against timing probes
        if inv is None or not hmac.compare_digest(inv.email.encode(), email.encode()):
            raise _invalid_code()
        _check_redeemable(s, inv, now)
        inv_id = inv.id
        user = s.scalar(select(User).where(User.email == email))
        password_hash = user.password_hash if user is not None else None
        if user is not None and not user.is_active:
            raise _invalid_code()
        if user is not None:
            principal = load_principal(s, user)
            if access.is_park_side(principal, inv.park_id):
                raise Forbidden(
                    "a park-side or platform account cannot join an enterprise by invitation",
                    code="invitation.park_side_account",
                )
    # argon2 runs outside any write transaction (issue 12 §6)
    if password_hash is not None:
        if not verify_password(password_hash, password):
            raise InvalidInput.field("password", "is not this account's password", code="invitation.password")
        new_hash = None
    else:
        check_password_policy(password, email)
        new_hash = hash_password(password)
    with db.transaction() as s:
        # single use: only one redemption flips the row (a concurrent second one finds it redeemed)
        flipped = s.execute(
            update(Invitation)
            .where(Invitation.id == inv_id, Invitation.status.in_(("pending", "accepted")))
            .values(status="redeemed", redeemed_at=now)
        )
        if not getattr(flipped, "rowcount", 0):
            raise _used()
        fresh = s.get(Invitation, inv_id)
        if fresh is None:
            raise _invalid_code()
        s.refresh(fresh)
        if fresh.decided_at is None and _has_admin(s, fresh.enterprise_id):
            raise _awaiting()
        user = s.scalar(select(User).where(User.email == email))
        if user is None:
            if new_hash is None:  # the account vanished between the two steps
                raise _invalid_code()
            user = User(
                email=email,
                display_name=data.display_name or email.split("@", 1)[0],
                password_hash=new_hash,
                is_platform_admin=False,
                is_active=True,
                failed_logins=0,
            )
            s.add(user)
            s.flush()
        fresh.membership_id = _join(s, user, fresh)
        s.flush()
        audit.record(
            s,
            load_principal(s, user),
            "invitation.redeem",
            entity="invitation",
            entity_id=fresh.id,
            park_id=fresh.park_id,
            enterprise_id=fresh.enterprise_id,
            after={"user_id": user.id, "role": fresh.role, "membership_id": fresh.membership_id},
        )
        return _public(fresh, now)


def _used() -> Conflict:
    return Conflict(
        "the invitation code has been used",
        errors=[{"field": "code", "reason": "already used", "code": "invitation.used"}],
    )


def _awaiting() -> Conflict:
    return Conflict(
        "the enterprise's admin has not accepted the invitation yet",
        errors=[
            {"field": "code", "reason": "awaiting the enterprise", "code": "invitation.awaiting_enterprise"}
        ],
    )


def _check_redeemable(s: Session, inv: Invitation, now: datetime) -> None:
    if inv.status == "redeemed":
        raise _used()
    if inv.status == "revoked":
        raise Conflict(
            "the invitation has been revoked",
            errors=[{"field": "code", "reason": "revoked", "code": "invitation.revoked"}],
        )
    if inv.status not in {"pending", "accepted"}:
        raise _invalid_code()
    if inv.expires_at <= now:
        raise Conflict(
            "the invitation has expired",
            errors=[{"field": "code", "reason": "expired", "code": "invitation.expired"}],
        )
    if inv.status == "pending" and _has_admin(s, inv.enterprise_id):
        raise _awaiting()


def notify_enterprise_admins(s: Session, org: Organisation, *, title_zh: str, title_en: str) -> list[str]:
    """In-app notifications (站内通知) to the enterprise's admins; returns their e-mail addresses (for the
    mail the caller sends once its transaction has committed)."""
    if org.kind != OrgKind.ENTERPRISE:
        return []
    admins = s.execute(
        select(User.id, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == org.id,
            Membership.role == Role.ENTERPRISE_ADMIN,
            User.is_active.is_(True),
        )
    ).all()
    for uid in sorted({uid for uid, _ in admins}):
        s.add(
            SupervisionNotification(
                park_id=org.park_id,
                user_id=uid,
                warning_id=None,
                event="break_glass",
                level="red",
                title_zh=title_zh[:300],
                title_en=title_en[:300],
            )
        )
    return sorted({email for _, email in admins})
