"""Users and memberships (用户与成员关系).

A user is a global identity; what they may see comes from memberships (user × organisation × role).
Admins see the users who are members of organisations they administer; everyone sees themselves.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.accounts import invitations
from parkcarbon.services.accounts.auth import check_password_policy, hash_password, load_principal
from parkcarbon.services.accounts.schemas import (
    BreakGlassMembershipCreate,
    MembershipCreate,
    MembershipPublic,
    MePublic,
    PlatformAdminCreate,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from parkcarbon.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from parkcarbon.services.mail import Mailer, MailFailed, Message
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import ROLES_BY_KIND, Membership, Organisation, OrgKind, Role, User


def administered_org_ids(s: Session, p: Principal) -> frozenset[int] | None:
    """Organisations whose members ``p`` may manage; ``None`` = all (platform admin)."""
    if p.is_platform_admin:
        return None
    parks = access.administered_parks(p)
    orgs = set(access.administered_enterprises(p))
    if parks:
        orgs.update(s.scalars(select(Organisation.id).where(Organisation.park_id.in_(parks))))
    return frozenset(orgs)


def _enterprise_id(org: Organisation | None) -> int | None:
    """Audit events on an enterprise's memberships carry its id, so its own audit view shows them."""
    return org.id if org is not None and org.kind == OrgKind.ENTERPRISE else None


def _require_org_admin(s: Session, p: Principal, org: Organisation | None, org_id: int) -> Organisation:
    """Managing ``org``'s members. An enterprise's members are managed by its own admins only
    (``access.can_manage_members``); park and platform admins invite (:mod:`.invitations`)."""
    if org is None:
        raise NotFound("organisation not found")
    access.require_park_visible(p, org.park_id, "organisation")
    if org.kind == OrgKind.ENTERPRISE:
        if not access.can_manage_members(p, org):
            raise Forbidden(
                "an enterprise's members are added by its own admins; invite them (POST /invitations)",
                code="membership.invite_instead",
            )
        return org
    if org.kind in access.SOVEREIGN_SERVICE_KINDS and not access.can_manage_members(p, org):
        raise Forbidden(
            "a service organisation's users and members are not created by the park (issue 12)",
        )
    admin_of = administered_org_ids(s, p)
    if admin_of is not None and org_id not in admin_of:
        raise Forbidden("managing members needs park_admin, or enterprise_admin of this enterprise")
    return org


def _check_role(org: Organisation, role: Role, field: str = "role") -> None:
    allowed = ROLES_BY_KIND[OrgKind(org.kind)]
    if role not in allowed:
        raise InvalidInput.field(
            field, f"an organisation of kind {org.kind} can hold {', '.join(sorted(allowed))}, not {role}"
        )


def _visible_user_ids_query(s: Session, p: Principal) -> Select[User]:
    admin_of = administered_org_ids(s, p)
    query = select(User).order_by(User.id)
    if admin_of is None:
        return query
    member_of_admin_orgs = exists().where(
        Membership.user_id == User.id, Membership.organisation_id.in_(admin_of or {-1})
    )
    return query.where(member_of_admin_orgs | (User.id == p.user_id))


def me(db: Database, p: Principal) -> MePublic:
    access.require_user(p)
    with db.read() as s:
        user = s.get(User, p.user_id)
        if user is None:
            raise NotFound("user not found")
        memberships = s.scalars(
            select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
        )
        return MePublic(
            **UserPublic.model_validate(user).model_dump(),
            memberships=[MembershipPublic.model_validate(m) for m in memberships],
            roles=sorted(load_principal(s, user).roles),
        )


def list_users(db: Database, p: Principal, page: PageParams) -> Page[UserPublic]:
    access.require_user(p)
    with db.read() as s:
        rows, total = paginate(s, _visible_user_ids_query(s, p), page)
        return Page(data=[UserPublic.model_validate(u) for u in rows], count=total, **page.model_dump())


def _get_visible_user(s: Session, p: Principal, user_id: int) -> User:
    access.require_user(p)
    user = s.scalar(_visible_user_ids_query(s, p).where(User.id == user_id))
    if user is None:
        raise NotFound("user not found")
    return user


def get_user(db: Database, p: Principal, user_id: int) -> UserPublic:
    with db.read() as s:
        return UserPublic.model_validate(_get_visible_user(s, p, user_id))


def create_user(db: Database, p: Principal, data: UserCreate) -> UserPublic:
    """Create a user together with their first membership (an enterprise's: only by its own admin)."""
    access.require_user(p)
    return _create_user(db, p, data, checked=True)


def create_user_unchecked(db: Database, p: Principal, data: UserCreate) -> UserPublic:
    """Internal (no authorisation check): the demo seeding and the installation's CLI. Audited as ``p``."""
    return _create_user(db, p, data, checked=False)


def _create_user(db: Database, p: Principal, data: UserCreate, *, checked: bool) -> UserPublic:
    email = str(data.email).lower()
    password = data.password.get_secret_value()
    check_password_policy(password, email)
    with db.transaction() as s:
        found = s.get(Organisation, data.organisation_id)
        if checked:
            org = _require_org_admin(s, p, found, data.organisation_id)
        elif found is None:
            raise NotFound("organisation not found")
        else:
            org = found
        _check_role(org, data.role)
        if s.scalar(select(User.id).where(User.email == email)) is not None:
            raise Conflict(
                "a user with this e-mail exists", errors=[{"field": "email", "reason": "already registered"}]
            )
        user = User(
            email=email,
            display_name=data.display_name,
            password_hash=hash_password(password),
            language=data.language,
            is_platform_admin=False,
            is_active=True,
            failed_logins=0,
        )
        s.add(user)
        s.flush()
        s.add(Membership(user_id=user.id, organisation_id=org.id, park_id=org.park_id, role=data.role))
        audit.record(
            s,
            p,
            "user.create",
            entity="user",
            entity_id=user.id,
            park_id=org.park_id,
            enterprise_id=_enterprise_id(org),
            after={**(audit.snapshot(user) or {}), "organisation_id": org.id, "role": data.role},
        )
        return UserPublic.model_validate(user)


def create_platform_admin(db: Database, p: Principal, data: PlatformAdminCreate) -> UserPublic:
    access.require_platform_admin(p)
    email = str(data.email).lower()
    password = data.password.get_secret_value()
    check_password_policy(password, email)
    with db.transaction() as s:
        if s.scalar(select(User.id).where(User.email == email)) is not None:
            raise Conflict(
                "a user with this e-mail exists", errors=[{"field": "email", "reason": "already registered"}]
            )
        user = User(
            email=email,
            display_name=data.display_name,
            password_hash=hash_password(password),
            is_platform_admin=True,
            is_active=True,
            failed_logins=0,
        )
        s.add(user)
        s.flush()
        audit.record(
            s, p, "user.create_platform_admin", entity="user", entity_id=user.id, after=audit.snapshot(user)
        )
        return UserPublic.model_validate(user)


def update_user(db: Database, p: Principal, user_id: int, data: UserUpdate) -> UserPublic:
    with db.transaction() as s:
        user = _get_visible_user(s, p, user_id)
        is_self = user.id == p.user_id
        if data.is_active is not None and is_self:
            raise InvalidInput.field("is_active", "you cannot deactivate your own account")
        if not is_self and not p.is_platform_admin:
            if user.is_platform_admin:
                raise Forbidden("only a platform admin can change a platform admin")
            admin_of = administered_org_ids(s, p) or frozenset()
            orgs = set(s.scalars(select(Membership.organisation_id).where(Membership.user_id == user.id)))
            if not orgs or not orgs <= admin_of:
                raise Forbidden("you administer only some of this user's organisations")
        enterprises = list(
            s.scalars(
                select(Organisation)
                .join(Membership, Membership.organisation_id == Organisation.id)
                .where(Membership.user_id == user.id, Organisation.kind == OrgKind.ENTERPRISE)
                .order_by(Organisation.id)
            )
        )
        if not is_self and not p.is_platform_admin:
            # an enterprise's accounts are its own: the park cannot rename or deactivate them (issue 12 §2)
            for org in enterprises:
                if not access.can_manage_members(p, org):
                    raise Forbidden(
                        "an enterprise's accounts are changed by its own admins",
                        code="membership.invite_instead",
                    )
        before = audit.snapshot(user)
        for key, value in data.model_dump(exclude_unset=True).items():
            setattr(user, key, value)
        s.flush()
        audit.record(
            s, p, "user.update", entity="user", entity_id=user.id, before=before, after=audit.snapshot(user),
            park_id=enterprises[0].park_id if enterprises else None,
            enterprise_id=enterprises[0].id if enterprises else None,
        )  # fmt: skip
        return UserPublic.model_validate(user)


# --- memberships -----------------------------------------------------------------------------------


def _visible_memberships(s: Session, p: Principal) -> Select[Membership]:
    admin_of = administered_org_ids(s, p)
    query = select(Membership).order_by(Membership.id)
    if admin_of is None:
        return query
    return query.where(Membership.organisation_id.in_(admin_of or {-1}) | (Membership.user_id == p.user_id))


def list_memberships(
    db: Database,
    p: Principal,
    page: PageParams,
    *,
    organisation_id: int | None = None,
    user_id: int | None = None,
) -> Page[MembershipPublic]:
    access.require_user(p)
    with db.read() as s:
        query = _visible_memberships(s, p)
        if organisation_id is not None:
            query = query.where(Membership.organisation_id == organisation_id)
        if user_id is not None:
            query = query.where(Membership.user_id == user_id)
        rows, total = paginate(s, query, page)
        return Page(data=[MembershipPublic.model_validate(m) for m in rows], count=total, **page.model_dump())


def get_membership(db: Database, p: Principal, membership_id: int) -> MembershipPublic:
    access.require_user(p)
    with db.read() as s:
        m = s.scalar(_visible_memberships(s, p).where(Membership.id == membership_id))
        if m is None:
            raise NotFound("membership not found")
        return MembershipPublic.model_validate(m)


def create_membership(db: Database, p: Principal, data: MembershipCreate) -> MembershipPublic:
    """Add an existing account to an organisation. An enterprise's: its own admins only."""
    access.require_user(p)
    with db.transaction() as s:
        org = _require_org_admin(s, p, s.get(Organisation, data.organisation_id), data.organisation_id)
        return _add_membership(s, p, org, data, "membership.create", {})


def break_glass_membership(
    db: Database, p: Principal, data: BreakGlassMembershipCreate, mailer: Mailer | None = None
) -> MembershipPublic:
    """Break-glass (紧急授权): the platform admin adds a member to an enterprise directly, with a reason.

    A separate act from the ordinary membership route: it is audited with the enterprise's id (so the
    enterprise's own audit view shows it, reason included), every admin of the enterprise gets an in-app
    notification and, once the membership has committed, an e-mail. Whether the mail went out is itself
    audited (``membership.break_glass_notified``, with the number of admins mailed and of failures); an
    installation without a mail server records ``mail: not_configured`` there.
    """
    if not access.can_break_glass(p):
        raise Forbidden("the break-glass act needs the platform_admin role")
    with db.transaction() as s:
        org = s.get(Organisation, data.organisation_id)
        if org is None:
            raise NotFound("organisation not found")
        if org.kind != OrgKind.ENTERPRISE and org.kind not in access.SOVEREIGN_SERVICE_KINDS:
            raise InvalidInput.field(
                "organisation_id",
                "break-glass applies to enterprises and service organisations; use POST /memberships",
            )
        out = _add_membership(s, p, org, data, "membership.break_glass", {"reason": data.reason})
        member = s.get(User, data.user_id)
        who = f"{member.display_name} <{member.email}>" if member is not None else f"user {data.user_id}"
        title_zh = f"平台管理员紧急授权：{who} 以 {data.role} 加入本企业。原因：{data.reason}"
        title_en = f"Break-glass by the platform admin: {who} joined as {data.role}. Reason: {data.reason}"
        recipients = invitations.notify_enterprise_admins(s, org, title_zh=title_zh, title_en=title_en)
        enterprise_name, park_id = org.name, org.park_id
    _mail_break_glass(db, p, out, mailer, recipients, enterprise_name, park_id, title_zh, title_en)
    return out


def _mail_break_glass(
    db: Database,
    p: Principal,
    m: MembershipPublic,
    mailer: Mailer | None,
    recipients: list[str],
    enterprise_name: str,
    park_id: int,
    title_zh: str,
    title_en: str,
) -> None:
    """Mail the enterprise's admins about a break-glass act (after its commit) and audit the outcome."""
    sent = failed = 0
    state = "not_configured"
    if mailer is not None and mailer.configured:
        state = "sent"
        text = (
            f"{title_zh}\n\n审计日志中可查看该操作（membership.break_glass）。如有异议，请联系平台运营方，"
            f"并可在「用户与角色」中移除该成员。\n\n---\n\n{title_en}\n\nThe act is in your audit log "
            "(membership.break_glass). If you object, contact the platform operator; you can remove the "
            "member on the Users & roles page.\n"
        )
        subject = f"紧急授权通知：{enterprise_name} / Break-glass notice: {enterprise_name}"
        for to in recipients:
            try:
                mailer.send(Message(to=to, subject=subject, text=text))
                sent += 1
            except MailFailed:
                failed += 1
    with db.transaction() as s:
        audit.record(
            s,
            p,
            "membership.break_glass_notified",
            entity="membership",
            entity_id=m.id,
            park_id=park_id,
            enterprise_id=m.organisation_id,
            after={"mail": state, "admins": len(recipients), "mailed": sent, "failed": failed},
        )


def _add_membership(
    s: Session, p: Principal, org: Organisation, data: MembershipCreate, action: str, extra: dict[str, str]
) -> MembershipPublic:
    _check_role(org, data.role)
    user = s.get(User, data.user_id)
    # Admins may add any existing account by id; not revealing more than existence is fine here
    # because ids are not enumerable data.
    if user is None:
        raise NotFound("user not found")
    exists_already = s.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id,
            Membership.organisation_id == org.id,
            Membership.role == data.role,
        )
    )
    if exists_already is not None:
        raise Conflict("the user already has this role here", errors=[{"field": "role", "reason": "exists"}])
    m = Membership(user_id=user.id, organisation_id=org.id, park_id=org.park_id, role=data.role)
    s.add(m)
    s.flush()
    audit.record(
        s,
        p,
        action,
        entity="membership",
        entity_id=m.id,
        park_id=org.park_id,
        enterprise_id=_enterprise_id(org),
        after={**(audit.snapshot(m) or {}), **extra},
    )
    return MembershipPublic.model_validate(m)


def delete_membership(db: Database, p: Principal, membership_id: int) -> None:
    access.require_user(p)
    with db.transaction() as s:
        m = s.scalar(_visible_memberships(s, p).where(Membership.id == membership_id))
        if m is None:
            raise NotFound("membership not found")
        _require_org_admin(s, p, s.get(Organisation, m.organisation_id), m.organisation_id)
        if access.is_own_park_admin_membership(p, m.user_id, m.role):
            raise InvalidInput.field("membership_id", "you cannot remove your own park_admin role")
        audit.record(
            s,
            p,
            "membership.delete",
            entity="membership",
            entity_id=m.id,
            park_id=m.park_id,
            enterprise_id=_enterprise_id(s.get(Organisation, m.organisation_id)),
            before=audit.snapshot(m),
        )
        s.delete(m)
