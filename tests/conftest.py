"""Shared fixtures: databases on SQLite and PostgreSQL, a seeded two-park world, API clients.

PostgreSQL tests run when ``PARKCARBON_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it) and skip with
a visible reason otherwise. Each test runs inside a transaction that is rolled back afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from parkcarbon.api.app import create_app
from parkcarbon.demo.seed import SeededPark, create_platform_admin, seed_park
from parkcarbon.services.accounts import auth
from parkcarbon.services.accounts.schemas import LoginRequest
from parkcarbon.services.runtime import Runtime
from parkcarbon.settings import Settings, load_settings
from parkcarbon.store.db import Database, make_engine, normalise_url
from parkcarbon.store.migrate import upgrade
from tests.mailpeer import MailPeer, running_peer

POSTGRES_URL = os.environ.get("PARKCARBON_TEST_POSTGRES_URL")
MQTT_URL = os.environ.get("PARKCARBON_TEST_MQTT_URL")
PASSWORD = "Test-Passw0rd-2026"
ADMIN_EMAIL = "root@platform.example.cn"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def fresh_postgres_database(base_url: str, label: str) -> str:
    """Create an empty database next to ``base_url`` and return its URL."""
    url = make_url(normalise_url(base_url))
    name = f"pc_{label}_{_worker()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base_url: str, db_url: str) -> None:
    name = make_url(db_url).database
    admin = make_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def backend_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    backend = request.param
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'parkcarbon.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need PARKCARBON_TEST_POSTGRES_URL (set by .ci/run)")
    url = fresh_postgres_database(POSTGRES_URL, "t")
    yield url
    drop_postgres_database(POSTGRES_URL, url)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend_url" in metafunc.fixturenames:
        metafunc.parametrize("backend_url", BACKENDS, indirect=True, scope="session")


@dataclass
class World:
    """Two parks, A and B, each with every organisation kind and a user for every role."""

    a: SeededPark
    b: SeededPark
    admin_id: int
    tokens: dict[tuple[str, str], str]  # (park "a"/"b", role label) -> bearer token; ("-", "platform_admin")

    def token(self, park: str, role: str) -> str:
        return self.tokens[(park, role)]


@pytest.fixture(scope="session")
def engine(backend_url: str) -> Iterator[Engine]:
    eng = make_engine(backend_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def smtp_session_peer() -> Iterator[MailPeer]:
    """A real SMTP server (aiosmtpd) for the whole session; tests take it through ``smtp_peer``."""
    with running_peer() as peer:
        yield peer


@pytest.fixture
def smtp_peer(smtp_session_peer: MailPeer) -> Iterator[MailPeer]:
    """The session's SMTP peer, emptied before and after the test."""
    smtp_session_peer.clear()
    yield smtp_session_peer
    smtp_session_peer.clear()


@pytest.fixture(scope="session")
def settings(smtp_session_peer: MailPeer) -> Settings:
    return load_settings(
        env="test",
        secret_key="test-secret-key-" + "x" * 32,
        database_url="sqlite://",
        smtp_url=smtp_session_peer.url,
        smtp_from="noreply@parkcarbon.test",
        public_url="https://console.parkcarbon.test",
    )


@pytest.fixture(scope="session")
def world(engine: Engine, settings: Settings) -> World:
    db = Database(engine)
    a = seed_park(db, code="park-a", name="甲园区", name_en="Park A", password=PASSWORD)
    b = seed_park(db, code="park-b", name="乙园区", name_en="Park B", province="CN-ZJ", password=PASSWORD)
    admin_id = create_platform_admin(db, email=ADMIN_EMAIL, password=PASSWORD)
    tokens: dict[tuple[str, str], str] = {}
    for label, park in (("a", a), ("b", b)):
        for role, email in park.users.items():
            result = auth.login(db, settings, LoginRequest(email=email, password=PASSWORD))  # type: ignore[arg-type]
            tokens[(label, role)] = result.token.access_token
    tokens[("-", "platform_admin")] = auth.login(
        db,
        settings,
        LoginRequest(email=ADMIN_EMAIL, password=PASSWORD),  # type: ignore[arg-type]
    ).token.access_token
    return World(a=a, b=b, admin_id=admin_id, tokens=tokens)


@pytest.fixture
def db(engine: Engine, world: World) -> Iterator[Database]:
    """A database handle whose changes are rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield Database(conn)
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def runtime(db: Database, settings: Settings) -> Runtime:
    return Runtime(settings=settings, db=db)


@pytest.fixture(scope="session")
def api_app(settings: Settings) -> FastAPI:
    """One API application for the session; each test points it at its own rolled-back database."""
    return create_app(runtime=Runtime(settings=settings, db=None))  # type: ignore[arg-type]


@pytest.fixture
def client(api_app: FastAPI, runtime: Runtime) -> Iterator[TestClient]:
    api_app.state.runtime = runtime
    yield TestClient(api_app, raise_server_exceptions=False)
    api_app.state.runtime = None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("PARKCARBON_TEST_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path
