"""Enterprise-end fixtures: principals from the seeded world, a demo enterprise with a year of meter data
(inside the rolled-back test transaction), and the CJK font the PDF report embeds."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import date

import pytest

from parkcarbon.reports.fonts import FontNotFoundError, cjk_font
from parkcarbon.services.accounts import auth
from parkcarbon.services.enterprise.demo import DemoEnterprise, seed_enterprise_demo
from parkcarbon.services.principal import Principal
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from tests.conftest import World

#: The demo year and "today" of the tests (a fixed date: the demo's readings stop the day before).
YEAR = 2025
TODAY = date(2026, 7, 1)

Who = Callable[[str], Principal]


@pytest.fixture
def who(db: Database, world: World) -> Who:
    """``who("enterprise_admin")`` → the principal of that role in park A (``"b:verifier"`` for park B)."""

    def principal(label: str) -> Principal:
        park, _, role = label.rpartition(":")
        return auth.authenticate(db, world.token(park or "a", role))

    return principal


@pytest.fixture
def demo(db: Database, world: World, settings: Settings) -> DemoEnterprise:
    """Park A's first enterprise with the demo file and daily readings from 1 Jan 2025 to 30 Jun 2026."""
    return seed_enterprise_demo(
        db,
        settings,
        park_id=world.a.park_id,
        enterprise_id=world.a.enterprise_ids[0],
        verifier_id=world.a.verifier_id,
        year=YEAR,
        today=TODAY,
    )


@pytest.fixture(scope="session")
def cjk_font_installed() -> str:
    """An embeddable CJK font: installed with apt-get when missing (as the browser tests install chromium)."""
    try:
        return cjk_font()
    except FontNotFoundError:
        cjk_font.cache_clear()
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "fonts-wqy-microhei"],
            check=False,
            capture_output=True,
            timeout=900,
        )
    try:
        return cjk_font()
    except FontNotFoundError as exc:
        pytest.fail(str(exc))
