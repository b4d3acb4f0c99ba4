"""Public surface, units, factor library integrity, selection rules and the calc contract."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import parkcarbon.core as core
from parkcarbon.core import (
    AccountingOptions,
    AmbiguousFactorError,
    CalcInputError,
    MissingFactorError,
    NonLinearActivityError,
    UnitMismatchError,
    activity_coefficients,
    calculate,
    convert,
    diff_results,
    library,
)
from parkcarbon.core.units import UNITS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "accounting.md"

EXAMPLE = {
    "standard": "GB/T 32150-2015",
    "guideline": None,
    "gwp": "AR5",
    "year": 2023,
    "region": "CN-JS",
    "electricity_factor": "national_average",
    "activities": [
        {"id": "a1", "carrier": "diesel", "quantity": 10, "unit": "t"},
        {"id": "a2", "carrier": "electricity", "quantity": 100, "unit": "MWh", "use": "purchased"},
        {
            "id": "a3",
            "carrier": "steam",
            "quantity": 1000,
            "unit": "t",
            "pressure_mpa": 1.7,
            "state": "saturated",
            "use": "purchased",
        },
        {"id": "a4", "process": "CaCO3", "quantity": 100, "unit": "t", "purity": 0.9},
        {"id": "a5", "gas": "HFC-134a", "quantity": 0.1, "unit": "t", "use": "fugitive"},
    ],
}


def test_public_exports_are_pinned() -> None:
    assert sorted(core.__all__) == sorted(
        [
            "AUXILIARY_UNITS",
            "CARRIERS",
            "AccountingError",
            "AccountingOptions",
            "AmbiguousFactorError",
            "CalcInputError",
            "CalcWarning",
            "Carrier",
            "Coefficients",
            "Factor",
            "FactorUse",
            "Lineage",
            "MissingFactorError",
            "MissingFigure",
            "NonLinearActivityError",
            "PartialCoefficients",
            "SteamStateError",
            "UnitError",
            "UnitMismatchError",
            "UnknownUnitError",
            "activity_coefficients",
            "aggregate",
            "applicable_standard",
            "calculate",
            "carbon_balance_co2",
            "carbonate_co2",
            "carrier",
            "comprehensive_energy_tce",
            "convert",
            "default_use",
            "diff_results",
            "gwp",
            "hot_water_heat_gj",
            "library",
            "measures_consumption",
            "mass_balance_emission_t",
            "partial_coefficients",
            "register_process_method",
            "saturated_steam_enthalpy_kj_per_kg",
            "stationary_combustion_co2",
            "steam_heat_gj",
            "superheated_steam_enthalpy_kj_per_kg",
            "unit_output_value_energy_consumption",
            "unit_product_energy_consumption",
        ]
    )
    for name in core.__all__:
        assert hasattr(core, name)


def test_required_carriers_present() -> None:
    required = (
        "raw_coal bituminous_coal anthracite lignite washed_coal briquette coke petroleum_coke crude_oil "
        "fuel_oil gasoline kerosene diesel naphtha lpg lng refinery_gas natural_gas coke_oven_gas "
        "blast_furnace_gas converter_gas electricity heat steam hot_water water compressed_air oxygen nitrogen"  # noqa: E501
    )
    for cid in required.split():
        c = core.carrier(cid)
        assert c.name_zh
        assert c.name_en
        assert c.default_unit in UNITS
    with pytest.raises(KeyError, match="unknown carrier"):
        core.carrier("unobtainium")


# ---- units ------------------------------------------------------------------------------------------


def test_unit_aliases_and_mismatch_message() -> None:
    assert convert(1.5, "万Nm3", "Nm3") == 15000.0
    assert convert(1, "10^4 Nm3", "m3") == 10000.0
    assert convert(1, "MWh", "GJ") == pytest.approx(3.6)
    assert convert(2, "万元", "CNY") == 20000.0
    with pytest.raises(UnitMismatchError) as exc:
        convert(1, "t", "m3")
    assert "'t'" in str(exc.value)
    assert "'m3'" in str(exc.value)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.sampled_from(sorted(UNITS)), st.data())
def test_unit_round_trip(q: float, a: str, data: st.DataObject) -> None:
    same_dim = sorted(s for s, u in UNITS.items() if u.dimension == UNITS[a].dimension)
    b = data.draw(st.sampled_from(same_dim))
    assert convert(convert(q, a, b), b, a) == pytest.approx(q, rel=1e-12, abs=1e-300)


# ---- factor library --------------------------------------------------------------------------------


def test_every_factor_row_is_cited() -> None:
    lib = library()
    assert len(lib) > 300
    for f in lib:
        assert f.source.strip(), f.id
        assert f.confidence in ("H", "M", "L"), f.id
        assert f.name_zh, f.id
        assert f.name_en, f.id
        assert f.unit, f.id
        assert math.isfinite(f.value)
        assert f.set in lib.sets, f"{f.id}: set {f.set!r} not in sets.csv"


def test_docs_list_every_factor_set() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for set_id in library().sets:
        assert f"`{set_id}`" in text, f"docs/accounting.md does not list factor set {set_id!r}"


def test_grid_series_kept_separate() -> None:
    lib = library()
    ets = {f.value for f in lib.find("grid_ef", "CN", option="series=ets_reporting")}
    avg = {f.value for f in lib.find("grid_ef", "CN", option="series=national_average")}
    assert ets == {0.5810, 0.5703}
    assert avg == {0.5568, 0.5366, 0.5306}


# ---- selection rules --------------------------------------------------------------------------------


def test_default_standard_by_year() -> None:
    assert core.applicable_standard(2025) == "GB/T 32150-2015"
    assert core.applicable_standard(2026) == "GB/T 32150-2025"


def test_gbt32150_2025_fuel_defaults_missing_is_an_error() -> None:
    with pytest.raises(MissingFactorError, match="GB/T 32150-2025"):
        activity_coefficients("diesel", "t", year=2026, region="CN")
    c = activity_coefficients(
        "diesel", "t", year=2026, region="CN", options=AccountingOptions(guideline="GB/T 32151.22-2024")
    )
    assert c.tco2e_per_unit > 0


def test_later_year_uses_latest_factor_with_warning() -> None:
    c = activity_coefficients("electricity", "MWh", year=2025, region="CN")
    assert c.tco2e_per_unit == 0.5306
    assert any(w.code == "factor.year_fallback" for w in c.lineage.warnings)


def test_earlier_year_without_factor_is_missing() -> None:
    with pytest.raises(MissingFactorError, match="grid_ef"):
        activity_coefficients("electricity", "MWh", year=2020, region="CN")
    with pytest.raises(MissingFactorError):  # Jiangsu has no 2022 provincial factor in the library
        activity_coefficients(
            "electricity",
            "MWh",
            year=2022,
            region="CN-JS",
            options=AccountingOptions(electricity_factor="provincial_average"),
        )


def test_inner_mongolia_needs_grid_region() -> None:
    opts = AccountingOptions(electricity_factor="regional_average")
    with pytest.raises(MissingFactorError, match="grid_region"):
        activity_coefficients("electricity", "MWh", year=2023, region="CN-NM", options=opts)
    opts2 = AccountingOptions(electricity_factor="regional_average", grid_region="north")
    assert (
        activity_coefficients("electricity", "MWh", year=2023, region="CN-NM", options=opts2).tco2e_per_unit
        == 0.6361
    )


def test_choice_points() -> None:
    c = activity_coefficients("natural_gas", "10^4 Nm3", year=2023, region="CN")
    assert c.tce_per_unit == pytest.approx(12.143)
    assert any(w.code == "choice.default" for w in c.lineage.warnings)
    c2 = activity_coefficients(
        "natural_gas",
        "10^4 Nm3",
        year=2023,
        region="CN",
        options=AccountingOptions(natural_gas_source="oil_field"),
    )
    assert c2.tce_per_unit == pytest.approx(13.3)
    assert not any(w.code == "choice.default" for w in c2.lineage.warnings)
    with pytest.raises(AmbiguousFactorError, match="water_coefficient"):
        activity_coefficients("water", "t", year=2023, region="CN")
    with pytest.raises(AmbiguousFactorError, match="coke_oven_gas_value"):
        activity_coefficients("coke_oven_gas", "10^4 Nm3", year=2023, region="CN")


def test_nonlinear_steam_and_equal_value() -> None:
    with pytest.raises(NonLinearActivityError):
        activity_coefficients("steam", "t", year=2023, region="CN")
    assert activity_coefficients("steam", "GJ", year=2023, region="CN").tco2e_per_unit == pytest.approx(0.11)
    eq = AccountingOptions(energy_basis="equal", electricity_equal_value_kgce_per_kwh=0.3)
    assert activity_coefficients(
        "electricity", "kWh", year=2023, region="CN", options=eq
    ).tce_per_unit == pytest.approx(3e-4)


def test_coefficients_are_cached() -> None:
    a = activity_coefficients("diesel", "t", year=2023, region="CN")
    b = activity_coefficients("diesel", "t", year=2023, region="CN")
    assert a is b


# ---- calc contract ----------------------------------------------------------------------------------


def test_example_contract_answer_shape() -> None:
    ans = calculate(EXAMPLE)
    json.dumps(ans)  # JSON-ready
    assert [r["id"] for r in ans["results"]] == ["a1", "a2", "a3", "a4", "a5"]
    for r in ans["results"]:
        for key in (
            "id",
            "tce",
            "tco2",
            "tco2e",
            "scope",
            "iso14064_category",
            "factors",
            "formula",
            "warnings",
        ):
            assert key in r
        for f in r["factors"]:
            assert set(f) >= {"id", "value", "unit", "source"}
    t = ans["totals"]
    assert set(t) >= {"tce", "tco2e", "by_scope"}
    assert t["tco2e"] == pytest.approx(sum(r["tco2e"] for r in ans["results"]))
    a2 = ans["results"][1]
    assert a2["tco2e"] == pytest.approx(53.06)
    assert a2["scope"] == 2
    assert a2["tco2e_market"] == pytest.approx(100 * 0.6096)
    assert t["by_scope"]["2_location"] != t["by_scope"]["2_market"]


def test_invalid_input_collects_all_errors() -> None:
    bad = copy.deepcopy(EXAMPLE)
    bad["activities"][0]["unit"] = "m3"
    bad["activities"][1]["quantity"] = "lots"
    bad["activities"][4]["gas"] = "HFC-999"
    with pytest.raises(CalcInputError) as exc:
        calculate(bad)
    fields = {(e["activity"], e["field"]) for e in exc.value.errors}
    assert fields == {
        ("a1", "activities[0].unit"),
        ("a2", "activities[1].quantity"),
        ("a5", "activities[4].gas"),
    }
    assert "activities[0].unit" in str(exc.value)


def test_invalid_top_level_fields() -> None:
    with pytest.raises(CalcInputError) as exc:
        calculate({"year": "2023", "region": "JS", "gwp": "AR9", "activities": []})
    assert {e["field"] for e in exc.value.errors} == {"year", "region", "gwp"}


def test_exported_and_recovery_are_deducted() -> None:
    ans = calculate(
        {
            "year": 2023,
            "activities": [
                {"id": "e", "carrier": "electricity", "quantity": 10, "unit": "MWh", "use": "exported"},
                {"id": "r", "capture": "co2", "quantity": 5, "unit": "t"},
            ],
        }
    )
    e, r = ans["results"]
    assert e["tco2e"] == pytest.approx(-5.306)
    assert e["scope"] is None
    assert e["tce"] < 0
    assert r["tco2e"] == -5.0
    assert r["gbt32150_category"] == "co2_recovery"


def test_market_based_hierarchy() -> None:
    ans = calculate(
        {
            "year": 2023,
            "electricity_factor": "market_based",
            "activities": [
                {
                    "id": "g",
                    "carrier": "electricity",
                    "quantity": 10,
                    "unit": "MWh",
                    "instrument": "green_certificate",
                },
                {
                    "id": "s",
                    "carrier": "electricity",
                    "quantity": 10,
                    "unit": "MWh",
                    "instrument": "supplier_specific",
                    "factor_tco2_per_mwh": 0.3,
                },
                {"id": "n", "carrier": "electricity", "quantity": 10, "unit": "MWh"},
            ],
        }
    )
    g, s, n = ans["results"]
    assert g["tco2e"] == 0.0
    assert g["tco2e_location"] == pytest.approx(5.306)
    assert s["tco2e"] == pytest.approx(3.0)
    assert n["tco2e"] == pytest.approx(6.096)


def test_fugitive_mass_balance_and_blend() -> None:
    ans = calculate(
        {
            "year": 2023,
            "gwp": "AR4",
            "activities": [
                {
                    "id": "f",
                    "gas": "R-410A",
                    "unit": "kg",
                    "mass_balance": {
                        "inventory_start": 20,
                        "inventory_end": 10,
                        "purchased": 5,
                        "disposed": 0,
                    },
                },
            ],
        }
    )
    # 15 kg emitted × GWP(R-410A, AR4) 2087.5 (standards-facts.md row 4.7)
    assert ans["results"][0]["tco2e"] == pytest.approx(0.015 * 2087.5)


# ---- properties --------------------------------------------------------------------------------------

_ACT = st.one_of(
    st.builds(lambda q: {"carrier": "diesel", "quantity": q, "unit": "t"}, st.floats(0, 1e5)),
    st.builds(lambda q: {"carrier": "electricity", "quantity": q, "unit": "kWh"}, st.floats(0, 1e7)),
    st.builds(
        lambda q: {"carrier": "natural_gas", "quantity": q, "unit": "万Nm3", "natural_gas_source": None},
        st.floats(0, 1e3),
    ),
    st.builds(lambda q: {"carrier": "heat", "quantity": q, "unit": "GJ"}, st.floats(0, 1e5)),
    st.builds(
        lambda q, p: {"process": "CaCO3", "quantity": q, "unit": "t", "purity": p},
        st.floats(0, 1e4),
        st.floats(0, 1),
    ),
    st.builds(lambda q: {"gas": "SF6", "quantity": q, "unit": "kg"}, st.floats(0, 100)),
)


def _payload(acts: list[dict[str, object]], start: int = 0) -> dict[str, object]:
    out = []
    for i, a in enumerate(acts):
        a = {k: v for k, v in a.items() if v is not None}
        out.append({"id": f"x{start + i}", **a})
    return {"year": 2023, "region": "CN", "activities": out}


@settings(max_examples=40, deadline=None)
@given(st.lists(_ACT, max_size=6), st.lists(_ACT, max_size=6))
def test_additivity(a: list[dict[str, object]], b: list[dict[str, object]]) -> None:
    ta = calculate(_payload(a))["totals"]
    tb = calculate(_payload(b, start=100))["totals"]
    tab = calculate(
        {
            "year": 2023,
            "region": "CN",
            "activities": _payload(a)["activities"] + _payload(b, start=100)["activities"],
        }
    )["totals"]
    for key in ("tce", "tco2e"):
        assert tab[key] == pytest.approx(ta[key] + tb[key], rel=1e-9, abs=1e-9)
    for s in ("1", "2_location", "2_market", "3"):
        assert tab["by_scope"][s] == pytest.approx(ta["by_scope"][s] + tb["by_scope"][s], rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(_ACT, st.floats(0, 1000))
def test_scaling_linearity(act: dict[str, object], k: float) -> None:
    scaled = dict(act)
    scaled["quantity"] = float(act["quantity"]) * k  # type: ignore[arg-type]
    r1 = calculate(_payload([act]))["results"][0]
    r2 = calculate(_payload([scaled]))["results"][0]
    assert r2["tco2e"] == pytest.approx(r1["tco2e"] * k, rel=1e-9, abs=1e-9)
    assert r2["tce"] == pytest.approx(r1["tce"] * k, rel=1e-9, abs=1e-9)


# ---- recalculation diff --------------------------------------------------------------------------------


def test_diff_reports_factor_change() -> None:
    old = calculate(EXAMPLE)
    new = copy.deepcopy(old)
    new["results"][1]["factors"][-1]["value"] = 0.5366
    new["results"][1]["tco2e"] = 53.66
    new["results"] = new["results"][:4]
    d = {x["id"]: x for x in diff_results(old, new)}
    assert d["a2"]["status"] == "changed"
    assert d["a2"]["factors"][0]["change"] == "value"
    assert d["a2"]["tco2e"]["delta"] == pytest.approx(0.6)
    assert d["a5"]["status"] == "removed"
    assert "a1" not in d


def test_meter_units_consumption_or_auxiliary() -> None:
    assert core.measures_consumption("electricity", "kWh")
    assert core.measures_consumption("natural_gas", "Nm3")
    assert not core.measures_consumption("electricity", "kvarh")  # reactive energy: diagnostics only
    with pytest.raises(core.UnitError, match="electricity meter reads in units of MWh"):
        core.measures_consumption("electricity", "Nm3")
    with pytest.raises(KeyError, match="unknown carrier"):
        core.measures_consumption("unobtainium", "t")
