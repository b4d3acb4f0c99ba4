"""The ``parkcarbon`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parkcarbon import __version__
from parkcarbon.cli import app

REQUEST = {
    "standard": "GB/T 32150-2015", "gwp": "AR5", "year": 2023, "region": "CN-JS",
    "activities": [
        {"id": "a1", "carrier": "diesel", "quantity": 10, "unit": "t"},
        {"id": "a2", "carrier": "electricity", "quantity": 100, "unit": "MWh", "use": "purchased"},
    ],
}  # fmt: skip


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {"PARKCARBON_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PARKCARBON_ENV": "development"}


def test_version() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_calc_file_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "req.json"
    path.write_text(json.dumps(REQUEST), encoding="utf-8")
    from_file = CliRunner().invoke(app, ["calc", str(path)])
    from_stdin = CliRunner().invoke(app, ["calc", "-"], input=json.dumps(REQUEST))
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_file.output) == json.loads(from_stdin.output)
    results = {r["id"]: r for r in json.loads(from_file.output)["results"]}
    # 10 t diesel × 3.095910 tCO2/t (GB/T 32151.22-2024 Table C.1 defaults, standards-facts row 2.6)
    assert results["a1"]["tco2e"] == pytest.approx(30.95910, abs=1e-5)
    # 100 MWh × 0.5306 tCO2/MWh (MEE/NBS 2023 national average; GHGTOOL G06 vector 53.06)
    assert results["a2"]["tco2e"] == pytest.approx(53.06, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("{not json", "request"),
        (
            json.dumps(
                {**REQUEST, "activities": [{"id": "x", "carrier": "diesel", "quantity": "ten", "unit": "t"}]}
            ),
            "activities[0].quantity",
        ),
    ],
)
def test_calc_invalid_input_exits_2_with_problem_json(text: str, field: str) -> None:
    result = CliRunner().invoke(app, ["calc", "-"], input=text)
    assert result.exit_code == 2
    problem = json.loads(result.stdout)
    assert problem["status"] == 422
    assert any(e["field"] == field for e in problem["errors"]), problem


@pytest.mark.parametrize(
    ("text", "field", "code"),
    [
        ("{not json", "request", "input.request"),
        (
            json.dumps({**REQUEST, "activities": [{"id": "x", "carrier": "diesel", "quantity": -1,
                                                   "unit": "t"}]}),
            "activities[0].quantity",
            "quantity.negative",
        ),
        (
            json.dumps(
                {**REQUEST, "activities": [{"id": "w", "carrier": "hot_water", "quantity": 1, "unit": "t",
                                            "temperature_c": 4}]}
            ),
            "activities[0].temperature_c",
            "hot_water.below_reference",
        ),
    ],
)  # fmt: skip
def test_calc_refusals_carry_stable_codes(text: str, field: str, code: str) -> None:
    result = CliRunner().invoke(app, ["calc", "-"], input=text)
    assert result.exit_code == 2
    problem = json.loads(result.stdout)
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]


def test_calc_answers_what_it_can() -> None:
    request = {**REQUEST, "activities": [{"id": "r", "carrier": "raw_coal", "quantity": 100, "unit": "t"}]}
    result = CliRunner().invoke(app, ["calc", "-"], input=json.dumps(request))
    assert result.exit_code == 0, result.output
    (r,) = json.loads(result.stdout)["results"]
    assert r["tce"] == pytest.approx(71.43, rel=1e-12)  # 100 t × 0.7143 kgce/kg (GB/T 2589-2020 Annex A)
    assert r["tco2e"] is None  # GB/T 32150-2015 Annex B has no raw-coal parameters
    assert r["missing"][0]["field"] == "activities[0].ncv"


def test_db_upgrade_user_and_apikey(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    up = runner.invoke(app, ["db", "upgrade"], env=cli_env)
    assert up.exit_code == 0, up.output
    assert "revision" in up.output
    demo = runner.invoke(app, ["demo", "--no-serve", "--days", "2", "--enterprises", "5"], env=cli_env)
    assert demo.exit_code == 0, demo.output
    assert "park.admin@demo.parkcarbon.cn" in demo.output
    again = runner.invoke(app, ["demo", "--no-serve"], env=cli_env)
    assert "exists already" in again.output
    admin = runner.invoke(
        app,
        [
            "user",
            "create",
            "ops@example.cn",
            "--name",
            "Ops",
            "--platform-admin",
            "--password",
            "Ops-Passw0rd-1",
        ],
        env=cli_env,
    )
    assert admin.exit_code == 0, admin.output
    weak = runner.invoke(
        app,
        ["user", "create", "w@example.cn", "--name", "W", "--platform-admin", "--password", "short"],
        env=cli_env,
    )
    assert weak.exit_code != 0
    key = runner.invoke(app, ["apikey", "create", "--park", "demo", "--name", "gateway 1"], env=cli_env)
    assert key.exit_code == 0, key.output
    assert "pck_" in key.output
    unknown = runner.invoke(app, ["apikey", "create", "--park", "nowhere", "--name", "x"], env=cli_env)
    assert unknown.exit_code == 1
    assert "park not found" in unknown.output
