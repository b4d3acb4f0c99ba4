"""The calc contract refuses nonsense: every refusal names the activity, the field and a stable code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkcarbon.core import CalcInputError, calculate, saturated_steam_enthalpy_kj_per_kg
from parkcarbon.core.errors import CALC_ERROR_CODES

STEAM: dict[str, Any] = {"carrier": "steam", "quantity": 10, "unit": "t", "pressure_mpa": 1.0}

#: (activity without id, field under activities[0], code, words the reason must contain)
REFUSALS: list[tuple[dict[str, Any], str, str, str]] = [
    ({"carrier": "diesel", "quantity": -5, "unit": "t"}, "quantity", "quantity.negative", "use 'exported'"),
    (
        {"carrier": "electricity", "quantity": -1, "unit": "MWh", "use": "exported"},
        "quantity",
        "quantity.negative",
        "positive quantity",
    ),
    ({"carrier": "heat", "quantity": -1, "unit": "GJ"}, "quantity", "quantity.negative", "≥ 0"),
    ({"process": "CaCO3", "quantity": -1, "unit": "t"}, "quantity", "quantity.negative", "≥ 0"),
    ({"gas": "SF6", "quantity": -0.1, "unit": "kg"}, "quantity", "quantity.negative", "≥ 0"),
    ({"capture": "co2", "quantity": -2, "unit": "t"}, "quantity", "quantity.negative", "≥ 0"),
    (
        {"carrier": "hot_water", "quantity": 10, "unit": "t", "temperature_c": 15},
        "temperature_c",
        "hot_water.below_reference",
        "below the 20 °C reference",
    ),
    ({"carrier": "hot_water", "quantity": 10, "unit": "t"}, "temperature_c", "input.required", "required"),
    (
        {**STEAM, "state": "saturated", "temperature_c": 300},
        "temperature_c",
        "steam.saturated_with_temperature",
        "superheated",
    ),
    (
        {**STEAM, "state": "saturated", "temperature_c": 150},
        "temperature_c",
        "steam.saturated_with_temperature",
        "below saturation",
    ),
    (
        {**STEAM, "enthalpy_kj_per_kg": 80},
        "enthalpy_kj_per_kg",
        "steam.enthalpy_below_feedwater",
        "83.74",
    ),
    ({**STEAM, "state": "wet"}, "state", "input.choice", "saturated, superheated"),
    ({**STEAM, "pressure_kind": "relative"}, "pressure_kind", "input.choice", "absolute, gauge"),
    ({"carrier": "steam", "quantity": 10, "unit": "t"}, "pressure_mpa", "input.required", "pressure_mpa"),
    (
        {"carrier": "steam", "quantity": 10, "unit": "t", "pressure_mpa": 1.0, "state": "superheated"},
        "temperature_c",
        "input.required",
        "temperature_c",
    ),
    (
        {"carrier": "electricity", "quantity": 1, "unit": "MWh", "instrument": "supplier_specific"},
        "factor_tco2_per_mwh",
        "input.required",
        "supplier_specific",
    ),
    (
        {"process": "carbon_balance", "inputs": [{"quantity_t": -1, "carbon_fraction": 0.8}]},
        "inputs[0].quantity_t",
        "input.range",
        "≥ 0",
    ),
    (
        {"process": "carbon_balance", "inputs": [{"quantity_t": 1, "carbon_fraction": 1.2}]},
        "inputs[0].carbon_fraction",
        "input.range",
        "≤ 1",
    ),
    (
        {"gas": "SF6", "unit": "kg", "mass_balance": {"inventory_start": 5, "purchased": -1}},
        "mass_balance.purchased",
        "input.range",
        "≥ 0",
    ),
    ({"carrier": "diesel", "quantity": "ten", "unit": "t"}, "quantity", "input.type", "a number"),
    ({"carrier": "diesel", "quantity": True, "unit": "t"}, "quantity", "input.type", "a number"),
    ({"carrier": "diesel", "quantity": 1}, "unit", "input.required", "unit symbol"),
    ({"carrier": "diesel", "quantity": 1, "unit": "barrels"}, "unit", "unit.unknown", "barrels"),
    ({"carrier": "diesel", "quantity": 1, "unit": "m3"}, "unit", "unit.mismatch", "'m3'"),
    ({"carrier": "hot_water", "quantity": 1, "unit": "m3"}, "unit", "unit.mismatch", "energy unit"),
    ({"carrier": "unobtainium", "quantity": 1, "unit": "t"}, "carrier", "input.choice", "unknown carrier"),
    (
        {"carrier": "diesel", "quantity": 1, "unit": "t", "use": "purchased"},
        "use",
        "input.choice",
        "combustion",
    ),
    (
        {"carrier": "diesel", "quantity": 1, "unit": "t", "oxidation_rate": 93},
        "oxidation_rate",
        "input.range",
        "≤ 1",
    ),
    (
        {"carrier": "diesel", "quantity": 1, "unit": "t", "ncv": 43, "ncv_unit": "GJ"},
        "ncv_unit",
        "input.format",
        "GJ/t",
    ),
    (
        {"carrier": "diesel", "quantity": 1, "unit": "t", "scope3_category": 16},
        "scope3_category",
        "input.range",
        "≤ 15",
    ),
    ({"gas": "HFC-999", "quantity": 1, "unit": "kg"}, "gas", "input.choice", "unknown gas"),
    ({"process": "alchemy", "quantity": 1, "unit": "t"}, "process", "input.choice", "unknown process"),
    ({"capture": "ch4", "quantity": 1, "unit": "t"}, "capture", "input.choice", "co2"),
]


@pytest.mark.parametrize(("activity", "field", "code", "words"), REFUSALS)
def test_refusal_names_field_and_code(activity: dict[str, Any], field: str, code: str, words: str) -> None:
    with pytest.raises(CalcInputError) as exc:
        calculate({"year": 2023, "activities": [{"id": "a", **activity}]})
    errors = exc.value.errors
    assert [(e["activity"], e["field"], e["code"]) for e in errors] == [("a", f"activities[0].{field}", code)]
    assert words in errors[0]["reason"], errors[0]["reason"]
    assert code in CALC_ERROR_CODES


@pytest.mark.parametrize(
    ("request_", "field", "code"),
    [
        ([], "", "input.request"),
        ({"region": "CN", "activities": []}, "year", "input.required"),
        ({"year": 1980, "activities": []}, "year", "input.range"),
        ({"year": 2023, "activities": {}}, "activities", "input.type"),
        ({"year": 2023, "gwp": "AR9", "activities": []}, "gwp", "input.choice"),
        (
            {"year": 2023, "heat_factor_tco2_per_gj": -0.1, "activities": []},
            "heat_factor_tco2_per_gj",
            "input.range",
        ),
        ({"year": 2023, "activities": [7]}, "activities[0]", "input.type"),
        ({"year": 2023, "activities": [{"carrier": "diesel"}]}, "activities[0].id", "input.required"),
        ({"year": 2023, "activities": [{"id": True, "carrier": "diesel"}]}, "activities[0].id", "input.type"),
        ({"year": 2023, "activities": [{"id": "a", "quantity": 1}]}, "activities[0]", "input.activity_kind"),
        (
            {
                "year": 2023,
                "activities": [{"id": "a", "carrier": "coke_oven_gas", "quantity": 1, "unit": "万Nm3"}],
            },
            "coke_oven_gas_value",
            "factor.ambiguous",
        ),
    ],
)
def test_request_refusals_name_field_and_code(request_: Any, field: str, code: str) -> None:
    with pytest.raises(CalcInputError) as exc:
        calculate(request_)
    assert [(e["field"], e["code"]) for e in exc.value.errors] == [(field, code)]


def test_duplicate_ids_and_every_problem_at_once() -> None:
    with pytest.raises(CalcInputError) as exc:
        calculate(
            {
                "year": 2023,
                "activities": [
                    {"id": "a", "carrier": "diesel", "quantity": -1, "unit": "t"},
                    {"id": "a", "carrier": "diesel", "quantity": 1, "unit": "t"},
                    {"id": "b", "carrier": "hot_water", "quantity": 1, "unit": "t", "temperature_c": 5},
                ],
            }
        )
    assert [(e["activity"], e["field"], e["code"]) for e in exc.value.errors] == [
        ("a", "activities[0].quantity", "quantity.negative"),
        ("a", "activities[1].id", "input.duplicate_id"),
        ("b", "activities[2].temperature_c", "hot_water.below_reference"),
    ]


def test_exports_are_positive_quantities_with_use_exported() -> None:
    ans = calculate(
        {
            "year": 2023,
            "activities": [
                {"id": "x", "carrier": "electricity", "quantity": 10, "unit": "MWh", "use": "exported"}
            ],
        }
    )
    # 10 MWh exported × 0.5306 tCO2/MWh (MEE/NBS 2023 national average) is deducted.
    assert ans["results"][0]["tco2e"] == pytest.approx(-5.306)


def test_saturated_steam_accepts_its_saturation_temperature() -> None:
    # IAPWS-IF97: saturation temperature at 1.0 MPa is 179.88 °C. A thermometer reading within the
    # IEC 60751 class B tolerance ±(0.30 + 0.005 × 179.88) = ±1.20 °C is consistent with saturation;
    # the heat is that of saturated vapour (the temperature adds nothing).
    base = {"id": "s", **STEAM, "state": "saturated"}
    plain = calculate({"year": 2023, "activities": [base]})["results"][0]
    read = calculate({"year": 2023, "activities": [{**base, "temperature_c": 180.5}]})["results"][0]
    assert read["heat_gj"] == plain["heat_gj"]
    h = saturated_steam_enthalpy_kj_per_kg(1.0)
    assert plain["heat_gj"] == pytest.approx(10 * (h - 83.74) * 1e-3, rel=1e-12)
    with pytest.raises(CalcInputError, match="superheated"):
        calculate({"year": 2023, "activities": [{**base, "temperature_c": 181.5}]})


def test_hot_water_at_the_reference_temperature_carries_no_heat() -> None:
    r = calculate(
        {
            "year": 2023,
            "activities": [
                {"id": "w", "carrier": "hot_water", "quantity": 5, "unit": "t", "temperature_c": 20}
            ],
        }
    )["results"][0]
    assert r["heat_gj"] == 0.0
    assert r["tco2e"] == 0.0


def test_every_code_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "accounting.md").read_text(encoding="utf-8")
    for code in CALC_ERROR_CODES:
        assert f"`{code}`" in text, f"docs/accounting.md does not list error code {code!r}"
