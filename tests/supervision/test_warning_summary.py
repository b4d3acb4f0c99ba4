"""Warnings counted by status, level and kind with one grouped query (GET /parks/{id}/warning-summary):
the cockpit's open-warnings figure is that count, not the length of a page of the listing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from parkcarbon.demo.seed import SeededPark, seed_park
from parkcarbon.services.accounts import auth
from parkcarbon.services.accounts.schemas import LoginRequest
from parkcarbon.services.errors import Forbidden
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.supervision import warnings
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import SupervisionWarning, User
from tests.conftest import bearer

PASSWORD = "Sum-Passw0rd-2026"

#: hand-made warnings: (enterprise index or None for the park, level, rule, status, how many)
PLANTED = [
    (0, "red", "energy_total", "open", 1),
    (0, "yellow", "data_gap", "open", 1),
    (1, "yellow", "offline_meter", "open", 14),
    (1, "orange", "carbon_total", "acknowledged", 2),
    (None, "red", "carbon_total", "open", 1),
    (1, "yellow", "data_gap", "resolved", 3),
]


@pytest.fixture
def park(db: Database) -> SeededPark:
    seeded = seed_park(db, code="sum-park", name="汇总园区", name_en="Summary Park", password=PASSWORD)
    now = datetime(2025, 3, 15, tzinfo=UTC)
    with db.transaction() as s:
        for ent, level, rule, status, n in PLANTED:
            for i in range(n):
                s.add(
                    SupervisionWarning(
                        park_id=seeded.park_id,
                        enterprise_id=None if ent is None else seeded.enterprise_ids[ent],
                        year=2025, rule=rule, key=f"{rule}:{ent}:{status}:{i}", level=level, status=status,
                        reason_zh="测试", reason_en="test", numbers={},
                        first_raised_at=now, last_raised_at=now, evaluated_at=now,
                    )
                )  # fmt: skip
    return seeded


def _principal(db: Database, park: SeededPark, role: str) -> Principal:
    with db.read() as s:
        user = s.get(User, park.user_ids[role])
        assert user is not None
        return auth.load_principal(s, user)


def test_summary_counts_every_warning_not_a_page(db: Database, park: SeededPark) -> None:
    admin = _principal(db, park, "park_admin")
    first_page = warnings.list_warnings(db, admin, park.park_id, PageParams(limit=10, offset=0))
    assert len(first_page.data) == 10
    summary = warnings.warning_summary(db, admin, park.park_id)
    assert summary.open_count == 1 + 1 + 14 + 1 == 17
    assert summary.total == 22
    groups = [(g.level, g.rule, g.status, g.count) for g in summary.groups]
    assert groups == [
        ("red", "carbon_total", "open", 1),
        ("red", "energy_total", "open", 1),
        ("orange", "carbon_total", "acknowledged", 2),
        ("yellow", "data_gap", "open", 1),
        ("yellow", "offline_meter", "open", 14),
        ("yellow", "data_gap", "resolved", 3),
    ]
    assert warnings.warning_summary(db, admin, park.park_id, year=2024).total == 0


def test_summary_has_the_readers_of_the_listing(db: Database, park: SeededPark) -> None:
    member = _principal(db, park, "enterprise_member")  # a member of the first enterprise
    mine = warnings.warning_summary(db, member, park.park_id)
    assert (mine.open_count, mine.total) == (2, 2)
    with pytest.raises(Forbidden):
        warnings.warning_summary(db, _principal(db, park, "provider"), park.park_id)


def test_summary_api(client: TestClient, db: Database, park: SeededPark, settings: Settings) -> None:
    login = auth.login(db, settings, LoginRequest(email=park.users["regulator"], password=PASSWORD))  # type: ignore[arg-type]
    r = client.get(f"/api/v1/parks/{park.park_id}/warning-summary", headers=bearer(login.token.access_token))
    assert r.status_code == 200, r.text
    assert r.json()["open_count"] == 17 and len(r.json()["groups"]) == 6


def test_the_compared_months_read_as_runs() -> None:
    """A warning names "1–11 月", not "1,2,3,4,5,6,7,8,9,10,11 月"."""
    from parkcarbon.services.supervision.warnings import month_spans

    assert month_spans(list(range(1, 12))) == "1–11"
    assert month_spans([5, 1, 2, 3, 6, 9]) == "1–3, 5–6, 9"
    assert month_spans([7]) == "7"
