"""The codebase keeps its shape: layering contracts, lint and types."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
    "contracts"
]

#: The only imports between the ends that the contracts tolerate (docs/architecture.md, "Known debt").
END_DEBT = {
    "parkcarbon.services.enterprise.monitoring -> parkcarbon.services.supervision.monitoring",
    "parkcarbon.services.enterprise.profile -> parkcarbon.services.supervision.targets",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_layering_contracts_are_kept() -> None:
    """core imports no platform layer; api/web reach the database only through services; edge stands alone."""
    result = _run(
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command; "
        "sys.argv=['lint-imports']; lint_imports_command()",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout, result.stdout


def _lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    return _run(
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command; "
        f"sys.argv=['lint-imports', '--config', {str(config)!r}, '--no-cache']; lint_imports_command()",
    )


def test_a_broken_contract_fails_the_check(tmp_path: Path) -> None:
    """The check is not vacuous: a contract the code really breaks (metering reads what intake stored)
    makes lint-imports fail and name the import."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "parkcarbon"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "metering without intake (false on purpose)"\ntype = "forbidden"\n'
        'source_modules = ["parkcarbon.services.metering"]\n'
        'forbidden_modules = ["parkcarbon.services.intake"]\n',
        encoding="utf-8",
    )
    result = _lint_imports(config)
    assert result.returncode != 0, result.stdout
    assert "0 kept, 1 broken" in result.stdout, result.stdout
    assert "parkcarbon.services.metering" in result.stdout


def test_contracts_name_the_rooms_and_the_debt_stays_known() -> None:
    """The services rooms are layered ends → trust (the log every end appends to) → metering → intake with
    the ends independent (the ends to come included), services hold no CLI, and no import between ends is
    tolerated beyond the two known ones."""
    by_name = {c["name"]: c for c in CONTRACTS}
    services = next(c for c in CONTRACTS if c.get("containers") == ["parkcarbon.services"])
    ends = [e.strip() for e in services["layers"][0].split("|")]
    assert ends[:2] == ["enterprise", "supervision"]
    assert {"(market)", "(assets)", "(forecast)", "(energy)"} <= set(ends)
    assert services["layers"][1:] == ["(trust)", "metering", "intake"]
    independence = [c for c in CONTRACTS if c["type"] == "independence"]
    assert any(
        {
            "parkcarbon.services.enterprise",
            "parkcarbon.services.supervision",
            "parkcarbon.services.market",
            "parkcarbon.services.assets",
            "parkcarbon.services.energy",
            "parkcarbon.services.forecast",
        }
        <= set(c["modules"])
        for c in independence
    )
    entry = next(c for c in CONTRACTS if c["type"] == "layers" and "containers" not in c)["layers"]
    assert entry[0] == "parkcarbon.cli"
    assert {m.strip() for m in entry[1].split("|")} == {
        "parkcarbon.server",
        "parkcarbon.demo",
        "parkcarbon.intake_cli",
    }
    assert any(
        c["type"] == "forbidden"
        and c["source_modules"] == ["parkcarbon.services"]
        and "typer" in c["forbidden_modules"]
        for c in by_name.values()
    )
    tolerated = {imp for c in CONTRACTS for imp in c.get("ignore_imports", [])}
    assert tolerated == END_DEBT


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is a test dependency; install the [test] extra")
    result = _run(ruff, "check", "--quiet", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = _run(sys.executable, "-m", "mypy", "--no-error-summary")
    assert result.returncode == 0, result.stdout + result.stderr
