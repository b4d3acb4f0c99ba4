"""The one authorisation module: no other layer writes a role check."""

from __future__ import annotations

import re
from pathlib import Path

import parkcarbon.services.access as access

SRC = Path(__file__).resolve().parents[2] / "src" / "parkcarbon"
ROLE_CHECK = re.compile(r"roles_in_park\(|roles_in_org\(|orgs_with\(|m\.role\s*==\s*Role\.")


def test_console_pages_ask_the_access_module() -> None:
    """Pages decide buttons and counts with ``access.can_*``; a role test written in a page is a defect."""
    offenders = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted((SRC / "web").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_CHECK.search(line)
    ]
    assert offenders == []


#: A role test on the principal's memberships written in a service: ``m.role == Role.X``, ``m.role in``,
#: ``Role.X in p.roles_in_…``, ``p.roles_in_park(…) & …`` (queries over membership rows are not this).
SERVICE_ROLE_CHECK = re.compile(
    r"roles_in_park\(|roles_in_org\(|orgs_with\(|\bm\.role\s*(==|in\b)|p\.memberships if m\.role"
)


def test_services_ask_the_access_module() -> None:
    """Services outside ``services/access`` write no role check of their own (issue 12 §1): they call
    the access predicates (``administered_parks``, ``member_enterprises``, ``has_supervision_role`` …)."""
    offenders = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted((SRC / "services").rglob("*.py"))
        if "access" not in path.relative_to(SRC / "services").parts[:1] and path.name != "principal.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SERVICE_ROLE_CHECK.search(line)
    ]
    assert offenders == []


def test_the_twin_modules_are_gone() -> None:
    """``services.policy`` and the enterprise/supervision ``access`` twins were merged into one package."""
    for gone in ("services/policy.py", "services/enterprise/access.py", "services/supervision/access.py"):
        assert not (SRC / gone).exists(), gone
    assert access.enterprise_of is access.rules.enterprise_of


def test_no_service_acts_as_the_system_principal() -> None:
    """Services call internal ``*_unchecked`` functions after their own check, never ``SYSTEM``."""
    offenders = [
        str(path.relative_to(SRC))
        for path in sorted((SRC / "services").rglob("*.py"))
        if path.name not in {"principal.py", "demo.py", "generator.py", "seed.py", "live.py"}
        and re.search(r"\bSYSTEM\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
