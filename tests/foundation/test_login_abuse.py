"""Abuse resistance of the password paths (issue 12 §6): the argon2 check never runs inside a write
transaction (on SQLite that would hold the database's single write lock, stalling intake)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic import SecretStr

from parkcarbon.services.accounts import auth
from parkcarbon.services.accounts.schemas import LoginRequest, PasswordChange
from parkcarbon.services.errors import InvalidInput, Unauthorized
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from tests.conftest import PASSWORD, World


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each argon2 call, recorded as whether a write transaction was open when it ran."""
    depth = [0]
    calls: list[bool] = []
    original = Database.transaction

    @contextmanager
    def transaction(self: Database) -> Iterator[Any]:
        depth[0] += 1
        try:
            with original(self) as s:
                yield s
        finally:
            depth[0] -= 1

    real = auth._hasher

    class Spy:
        def verify(self, h: str, p: str) -> bool:
            calls.append(depth[0] > 0)
            return real.verify(h, p)

        def hash(self, p: str) -> str:
            calls.append(depth[0] > 0)
            return real.hash(p)

    monkeypatch.setattr(Database, "transaction", transaction)
    monkeypatch.setattr(auth, "_hasher", Spy())
    return calls


@pytest.mark.parametrize("case", ["right", "wrong", "unknown"])
def test_login_checks_the_password_outside_transactions(
    db: Database, settings: Settings, world: World, argon2_calls: list[bool], case: str
) -> None:
    email = "nobody@example.invalid" if case == "unknown" else world.a.users["park_admin"]
    request = LoginRequest(
        email=email, password=SecretStr(PASSWORD if case == "right" else "wrong-pass-1234")
    )
    if case == "right":
        assert auth.login(db, settings, request).token.access_token.startswith("pct_")
    else:
        with pytest.raises(Unauthorized):
            auth.login(db, settings, request)
    assert argon2_calls == [False]


def test_password_change_hashes_outside_transactions(
    db: Database, settings: Settings, world: World, argon2_calls: list[bool]
) -> None:
    email = world.a.users["park_admin"]
    principal = auth.login(db, settings, LoginRequest(email=email, password=SecretStr(PASSWORD))).principal
    argon2_calls.clear()
    with pytest.raises(InvalidInput):
        auth.change_password(
            db, principal, PasswordChange(current_password=SecretStr("wrong-pass-1234"),
                                          new_password=SecretStr("Fresh-Passw0rd-77"))
        )  # fmt: skip
    auth.change_password(
        db, principal, PasswordChange(current_password=SecretStr(PASSWORD),
                                      new_password=SecretStr("Fresh-Passw0rd-77"))
    )  # fmt: skip
    assert argon2_calls and not any(argon2_calls)
    login = LoginRequest(email=email, password=SecretStr("Fresh-Passw0rd-77"))
    assert auth.login(db, settings, login).principal.user_id == principal.user_id
