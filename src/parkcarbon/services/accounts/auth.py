"""Authentication: password login (argon2), bearer tokens and console sessions, lockout, password change.

Tokens are random secrets shown once; only their SHA-256 is stored. User tokens start ``pct_``,
ingest API keys ``pck_``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parkcarbon.services import audit
from parkcarbon.services.accounts.schemas import LoginRequest, PasswordChange, TokenPublic
from parkcarbon.services.errors import InvalidInput, ServiceError, TooManyAttempts, Unauthorized
from parkcarbon.services.principal import ApiKeyScope, MembershipInfo, Principal
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import ApiKey, AuthToken, Membership, Organisation, OrgKind, Role, User

USER_TOKEN_PREFIX = "pct_"
API_KEY_PREFIX = "pck_"

_hasher = PasswordHasher()
# Verifying against this keeps the time of "unknown email" close to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")
#: At most this many argon2 computations run at once in a process (each takes a core for tens of ms and
#: 64 MiB): a login flood queues here, off the event loop and outside every transaction, and leaves the
#: other cores to intake.
ARGON2_SLOTS = max(1, (os.cpu_count() or 2) // 2)
_slots = threading.BoundedSemaphore(ARGON2_SLOTS)


def hash_password(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches (argon2); call it outside any transaction (it is slow on purpose)."""
    with _slots:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def check_password_policy(password: str, email: str, field: str = "password") -> None:
    if len(password) < 10:
        raise InvalidInput.field(field, "must be at least 10 characters")
    if password.lower() == email.lower() or password.lower() in email.lower():
        raise InvalidInput.field(field, "must not contain the e-mail address")
    if len(set(password)) < 4:
        raise InvalidInput.field(field, "is too repetitive")


@dataclass(frozen=True)
class LoginResult:
    token: TokenPublic
    principal: Principal


def login(
    db: Database,
    settings: Settings,
    request: LoginRequest,
    *,
    kind: Literal["api", "console"] = "api",
    now: datetime | None = None,
) -> LoginResult:
    """Check the password and issue a token; repeated failures lock the account for a while.

    The argon2 check runs between two short units of work, never inside a write transaction: a read
    fetches the account's hash and lock state, the check runs (bounded by :data:`ARGON2_SLOTS`), and a
    write transaction records the outcome — provided the hash did not change in between.
    """
    now = now or datetime.now(UTC)
    email = request.email.strip().lower()
    password = request.password.get_secret_value()
    failure: ServiceError = Unauthorized("wrong e-mail or password")
    with db.read() as s:
        found = s.scalar(select(User).where(User.email == email))
        seen_hash = found.password_hash if found is not None else None
        locked = found is not None and found.locked_until is not None and found.locked_until > now
        active = found is not None and found.is_active
    if seen_hash is None:
        verify_password(_DUMMY_HASH, password)
        ok = False
    else:
        ok = not locked and active and verify_password(seen_hash, password)
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.email == email)) if seen_hash is not None else None
        if user is None:
            audit.record(
                s, Principal(label=email), "auth.login_failed", entity="user", after={"email": email}
            )
        elif user.locked_until is not None and user.locked_until > now:
            failure = _locked(user.locked_until, now)
        elif not ok or not user.is_active or user.password_hash != seen_hash:
            user.failed_logins += 1
            actor = Principal(label=user.email, user_id=user.id)
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
                audit.record(
                    s,
                    actor,
                    "auth.locked",
                    entity="user",
                    entity_id=user.id,
                    after={"locked_until": user.locked_until.isoformat()},
                )
                failure = _locked(user.locked_until, now)
            else:
                audit.record(s, actor, "auth.login_failed", entity="user", entity_id=user.id)
        else:
            user.failed_logins = 0
            user.locked_until = None
            ttl = timedelta(minutes=settings.token_ttl_minutes)
            token = new_secret(USER_TOKEN_PREFIX)
            s.add(AuthToken(user_id=user.id, token_hash=digest(token), kind=kind, expires_at=now + ttl))
            principal = load_principal(s, user)
            audit.record(s, principal, "auth.login", entity="user", entity_id=user.id, after={"kind": kind})
            return LoginResult(TokenPublic(access_token=token, expires_at=now + ttl), principal)
    # the failure was committed (counter, lockout, audit) before it is raised
    raise failure


def _locked(until: datetime, now: datetime) -> TooManyAttempts:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return TooManyAttempts(
        f"too many failed logins; the account is locked for {minutes} more minute(s)",
        retry_after_seconds=int((until - now).total_seconds()) + 1,
    )


def load_principal(s: Session, user: User) -> Principal:
    rows = s.execute(
        select(Membership.organisation_id, Membership.park_id, Membership.role, Organisation.kind)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    ).all()
    return Principal(
        label=user.email,
        user_id=user.id,
        is_platform_admin=user.is_platform_admin,
        memberships=tuple(MembershipInfo(o, p, Role(r), OrgKind(k)) for o, p, r, k in rows),
        language=user.language,
    )


def authenticate(
    db: Database, secret: str, *, now: datetime | None = None, hashed: bool = False
) -> Principal:
    """The principal behind a bearer token or API key; raises Unauthorized otherwise.

    ``hashed``: ``secret`` is already the token's :func:`digest` (the console keeps only that in its
    on-disk session storage, never the token itself); API keys are not accepted that way.
    """
    now = now or datetime.now(UTC)
    with db.read() as s:
        if hashed:
            return _token_principal(s, secret, now)
        if secret.startswith(API_KEY_PREFIX):
            key = s.scalar(select(ApiKey).where(ApiKey.key_hash == digest(secret)))
            if key is None or key.revoked_at is not None or (key.expires_at and key.expires_at <= now):
                raise Unauthorized("the API key is unknown, revoked or expired")
            return Principal(
                label=f"api-key:{key.prefix}",
                api_key=ApiKeyScope(api_key_id=key.id, park_id=key.park_id, enterprise_id=key.enterprise_id),
            )
        return _token_principal(s, digest(secret), now)


def _token_principal(s: Session, token_hash: str, now: datetime) -> Principal:
    token = s.scalar(select(AuthToken).where(AuthToken.token_hash == token_hash))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized("the token is unknown, revoked or expired; log in again")
    user = s.get(User, token.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the account is disabled")
    return load_principal(s, user)


def touch_api_key(db: Database, api_key_id: int, *, now: datetime | None = None) -> None:
    with db.transaction() as s:
        s.execute(update(ApiKey).where(ApiKey.id == api_key_id).values(last_used_at=now or datetime.now(UTC)))


def logout(db: Database, secret: str, *, hashed: bool = False) -> None:
    """Revoke the token ``secret`` (its :func:`digest` if ``hashed``)."""
    with db.transaction() as s:
        token = s.scalar(
            select(AuthToken).where(AuthToken.token_hash == (secret if hashed else digest(secret)))
        )
        if token is not None and token.revoked_at is None:
            token.revoked_at = datetime.now(UTC)
            audit.record(
                s,
                Principal(label=f"user:{token.user_id}", user_id=token.user_id),
                "auth.logout",
                entity="user",
                entity_id=token.user_id,
            )


def change_password(
    db: Database,
    actor: Principal,
    change: PasswordChange,
    *,
    keep_token: str | None = None,
    keep_token_hash: str | None = None,
) -> None:
    """Change one's own password; every other session and token of the user is revoked (all but
    ``keep_token``, or the token whose digest is ``keep_token_hash``)."""
    if actor.user_id is None:
        raise Unauthorized("only users have passwords")
    now = datetime.now(UTC)
    with db.read() as s:
        found = s.get(User, actor.user_id)
        if found is None:
            raise Unauthorized("the account no longer exists")
        seen_hash, email = found.password_hash, found.email
    # the argon2 work (two checks and the new hash) runs outside any transaction
    if not verify_password(seen_hash, change.current_password.get_secret_value()):
        raise InvalidInput.field("current_password", "is not the current password")
    new = change.new_password.get_secret_value()
    check_password_policy(new, email, "new_password")
    if verify_password(seen_hash, new):
        raise InvalidInput.field("new_password", "must differ from the current password")
    new_hash = hash_password(new)
    with db.transaction() as s:
        user = s.get(User, actor.user_id)
        if user is None:
            raise Unauthorized("the account no longer exists")
        if user.password_hash != seen_hash:
            raise InvalidInput.field("current_password", "the password was changed meanwhile; try again")
        user.password_hash = new_hash
        user.password_changed_at = now
        keep = digest(keep_token) if keep_token else keep_token_hash
        s.execute(
            update(AuthToken)
            .where(
                AuthToken.user_id == user.id,
                AuthToken.revoked_at.is_(None),
                AuthToken.token_hash != (keep or ""),
            )
            .values(revoked_at=now)
        )
        audit.record(s, actor, "auth.password_changed", entity="user", entity_id=user.id)
