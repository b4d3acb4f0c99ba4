"""Authentication: password login (argon2), bearer tokens and console sessions, back-off, password change.

Tokens are random secrets shown once; only their SHA-256 is stored. User tokens start ``pct_``,
ingest API keys ``pck_``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parkcarbon.services import audit
from parkcarbon.services.accounts.schemas import LoginRequest, PasswordChange, TokenPublic
from parkcarbon.services.accounts.throttle import AddressLimiter
from parkcarbon.services.errors import InvalidInput, TooManyAttempts, Unauthorized
from parkcarbon.services.principal import ApiKeyScope, MembershipInfo, Principal
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    ApiKey,
    AuditEvent,
    AuthToken,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
)

USER_TOKEN_PREFIX = "pct_"
API_KEY_PREFIX = "pck_"

_hasher = PasswordHasher()
# Verifying against this keeps the time of "unknown email" close to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")
#: At most this many argon2 computations run at once in a process (each takes a core for tens of ms and
#: 64 MiB): a login flood queues here, off the event loop and outside every transaction, and leaves the
#: other cores to intake.
ARGON2_SLOTS = max(1, (os.cpu_count() or 2) // 2)
#: The scheduling niceness of the threads that run argon2 (Linux sets it per thread): where a login flood
#: and intake want the same core, the scheduler gives intake the core and argon2 the idle time around it.
ARGON2_NICENESS = 10


def _lower_priority() -> None:
    """Initialiser of an argon2 thread: lower its own priority (a thread may always lower its own; on
    platforms without per-thread priorities this is a no-op)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ARGON2_NICENESS)


_argon2 = ThreadPoolExecutor(
    max_workers=ARGON2_SLOTS, thread_name_prefix="argon2", initializer=_lower_priority
)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    return _argon2.submit(_hasher.hash, password).result()


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches (argon2); call it outside any transaction (it is slow on purpose).

    The check runs on one of :data:`ARGON2_SLOTS` low-priority threads (:data:`ARGON2_NICENESS`); the
    caller waits for it."""
    return _argon2.submit(_verify, password_hash, password).result()


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


#: The one answer to a failed login, whether the e-mail is unknown, the password wrong, the account
#: disabled or in back-off: nothing in status, body or work done tells these apart.
LOGIN_FAILED = (
    "wrong e-mail or password (after repeated failures, wait a few minutes before the next attempt)"
)


def login(
    db: Database,
    settings: Settings,
    request: LoginRequest,
    *,
    kind: Literal["api", "console"] = "api",
    now: datetime | None = None,
    client: str | None = None,
    limiter: AddressLimiter | None = None,
) -> LoginResult:
    """Check the password and issue a token.

    Abuse resistance (issue 12 §6, ``docs/abuse-resistance.md``):

    * ``limiter`` counts the attempt against the client address ``client`` before any work
      (:class:`~parkcarbon.services.errors.RateLimited`, 429 with ``Retry-After``).
    * After ``login_max_failures`` consecutive failed checks the account backs off progressively
      (:func:`backoff_seconds`: 30 s, 60 s, 120 s … capped at ``login_backoff_max_seconds``); during a
      back-off the password is not checked — except from a client address that signed in to the account
      successfully before, so an attacker elsewhere cannot keep the owner out.
    * Every failure — unknown e-mail, wrong password, disabled account, back-off — raises the same
      :class:`Unauthorized` (:data:`LOGIN_FAILED`) after exactly one argon2 verification (against a dummy
      hash where no real check is made), so the answer does not reveal whether an account exists.

    The argon2 check runs between two short units of work, never inside a write transaction: a read
    fetches the account's hash and back-off state, the check runs (bounded by :data:`ARGON2_SLOTS`), and a
    write transaction records the outcome — provided the hash did not change in between.
    """
    now = now or datetime.now(UTC)
    if limiter is not None:
        limiter.hit("login", client)
    email = request.email.strip().lower()
    password = request.password.get_secret_value()
    with db.read() as s:
        found = s.scalar(select(User).where(User.email == email))
        seen_hash = found.password_hash if found is not None else None
        active = found is not None and found.is_active
        backing_off = found is not None and _backing_off(found, now)
        passes_backoff = not backing_off or (found is not None and _known_client(s, found.id, client))
    checked = seen_hash is not None and active and passes_backoff
    # exactly one argon2 verification on every path (a dummy one where no real check is made)
    ok = verify_password(seen_hash if checked and seen_hash else _DUMMY_HASH, password) and checked
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.email == email)) if seen_hash is not None else None
        if user is None:
            audit.record(
                s, Principal(label=email), "auth.login_failed", entity="user", after={"email": email}
            )
        elif not checked and active:
            audit.record(
                s,
                Principal(label=user.email, user_id=user.id),
                "auth.login_failed",
                entity="user",
                entity_id=user.id,
                after={"reason": "backoff", "client": client},
            )
        elif not ok or not user.is_active or user.password_hash != seen_hash:
            _count_failure(s, settings, user, now, client=client)
        else:
            user.failed_logins = 0
            user.locked_until = None
            ttl = timedelta(minutes=settings.token_ttl_minutes)
            token = new_secret(USER_TOKEN_PREFIX)
            s.add(AuthToken(user_id=user.id, token_hash=digest(token), kind=kind, expires_at=now + ttl))
            principal = load_principal(s, user)
            audit.record(
                s,
                principal,
                "auth.login",
                entity="user",
                entity_id=user.id,
                after={"kind": kind, "client": client},
            )
            return LoginResult(TokenPublic(access_token=token, expires_at=now + ttl), principal)
    # the failure was committed (counter, back-off, audit) before it is raised
    raise Unauthorized(LOGIN_FAILED, code="login_failed")


def backoff_seconds(settings: Settings, failures: int) -> int:
    """The pause after the ``failures``-th consecutive failed check: none before
    ``login_max_failures``, then ``login_backoff_seconds`` doubling per further failure, at most
    ``login_backoff_max_seconds`` — so no failure, however many, locks an account for longer."""
    if failures < settings.login_max_failures:
        return 0
    doublings = min(failures - settings.login_max_failures, 30)
    return int(min(settings.login_backoff_seconds * 2**doublings, settings.login_backoff_max_seconds))


def _backing_off(user: User, now: datetime) -> bool:
    return user.locked_until is not None and _aware(user.locked_until) > now


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


#: How many of an account's latest successful sign-ins are looked at for its known client addresses.
KNOWN_CLIENT_LOOKBACK = 50


def _known_client(s: Session, user_id: int, client: str | None) -> bool:
    """Whether ``client`` signed in to the account successfully before (its recent ``auth.login``
    audit events): such a client passes the account's back-off with the right password."""
    if not client:
        return False
    afters: list[dict[str, object] | None] = list(
        s.scalars(
            select(AuditEvent.after)
            .where(
                AuditEvent.entity == "user",
                AuditEvent.entity_id == str(user_id),
                AuditEvent.action == "auth.login",
            )
            .order_by(AuditEvent.id.desc())
            .limit(KNOWN_CLIENT_LOOKBACK)
        )
    )
    return any(isinstance(after, dict) and after.get("client") == client for after in afters)


def _count_failure(
    s: Session, settings: Settings, user: User, now: datetime, *, client: str | None, what: str = "login"
) -> None:
    """One more consecutive failed password check of ``user`` (login or password change)."""
    user.failed_logins += 1
    actor = Principal(label=user.email, user_id=user.id)
    pause = backoff_seconds(settings, user.failed_logins)
    action = "auth.login_failed" if what == "login" else "auth.password_change_failed"
    audit.record(
        s, actor, action, entity="user", entity_id=user.id, after={"client": client} if client else None
    )
    if pause:
        user.locked_until = now + timedelta(seconds=pause)
        audit.record(
            s,
            actor,
            "auth.backoff",
            entity="user",
            entity_id=user.id,
            after={
                "failures": user.failed_logins,
                "seconds": pause,
                "until": user.locked_until.isoformat(),
            },
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
    settings: Settings | None = None,
    now: datetime | None = None,
    client: str | None = None,
    limiter: AddressLimiter | None = None,
) -> None:
    """Change one's own password; every other session and token of the user is revoked (all but
    ``keep_token``, or the token whose digest is ``keep_token_hash``).

    A wrong current password counts as a failed password check of the account, like a failed login
    (``settings`` gives the back-off; a stolen token cannot be used to guess the password at leisure);
    during the account's back-off the check is refused with 429 and ``Retry-After``, except from a client
    address that signed in to the account before. ``limiter`` counts the attempt against ``client``.
    """
    if actor.user_id is None:
        raise Unauthorized("only users have passwords")
    settings = settings or Settings.model_construct()
    now = now or datetime.now(UTC)
    if limiter is not None:
        limiter.hit("password", client)
    with db.read() as s:
        found = s.get(User, actor.user_id)
        if found is None:
            raise Unauthorized("the account no longer exists")
        seen_hash, email = found.password_hash, found.email
        if _backing_off(found, now) and not _known_client(s, found.id, client):
            until = _aware(found.locked_until or now)
            wait = max(1, math.ceil((until - now).total_seconds()))
            raise TooManyAttempts(
                f"too many failed password checks; retry in {wait} s", retry_after_seconds=wait
            )
    # the argon2 work (two checks and the new hash) runs outside any transaction
    if not verify_password(seen_hash, change.current_password.get_secret_value()):
        with db.transaction() as s:
            user = s.get(User, actor.user_id)
            if user is not None:
                _count_failure(s, settings, user, now, client=client, what="password")
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
        user.failed_logins = 0
        user.locked_until = None
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
