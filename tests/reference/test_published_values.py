"""Published reference values (tests/reference/<source>/) against the engine.

Expected values are transcriptions of published documents, never output of our own code.
"""

from __future__ import annotations

import pytest

from parkcarbon.core import AccountingOptions, activity_coefficients, calculate, carbonate_co2, gwp, library
from parkcarbon.core.emissions.heat_steam import interpolate
from parkcarbon.core.emissions.purchased_electricity import grid_factor
from parkcarbon.core.emissions.stationary_combustion import combustion_coefficients
from parkcarbon.core.energy.comprehensive_energy import coal_equivalent_coefficient

from ._load import header, rows

REFERENCE_FILES = [
    "ghgtool_g06/vectors.csv",
    "gbt32151_34_2024_annexC/steam_enthalpy.csv",
    "fuel_ef_seed_row2_6/derived_co2_ef.csv",
    "ipcc2006_v2/table_1_2_to_1_4.csv",
    "gwp_openclimatedata/gwp100.csv",
    "mee_nbs_grid/factors.csv",
    "gbt2589_2020/coefficients.csv",
    "ipcc2006_v3_table2_1/carbonates.csv",
    "gbt32150_2015_annexB/table_b1.csv",
    "ipcc2006_v2/table_2_2_energy_industries.csv",
]


@pytest.mark.parametrize("path", REFERENCE_FILES)
def test_every_reference_file_names_its_source(path: str) -> None:
    assert "Source:" in header(path)


def test_ghgtool_electricity_vector() -> None:
    (row,) = [r for r in rows("ghgtool_g06/vectors.csv") if r["case"] == "electricity_2023_national"]
    ans = calculate(
        {
            "year": 2023,
            "region": "CN",
            "activities": [
                {"id": "e", "carrier": "electricity", "quantity": float(row["quantity"]), "unit": row["unit"]}
            ],
        }
    )
    # Tolerance 1e-9 relative: the vector is exact to the printed digits (100 × 0.5306).
    assert ans["results"][0]["tco2e"] == pytest.approx(float(row["expected_tco2"]), rel=1e-9)
    assert ans["results"][0]["factors"][-1]["value"] == float(row["factor"])


def test_ghgtool_fgd_limestone_vector() -> None:
    (row,) = [r for r in rows("ghgtool_g06/vectors.csv") if r["case"] == "fgd_limestone"]
    e, _ = carbonate_co2(
        float(row["quantity"]),
        carbonate="CaCO3",
        purity=float(row["parameter"]),
        factor_tco2_per_t=float(row["factor"]),
    )
    # Exact arithmetic of printed numbers: 10 × 0.90 × 0.44 = 3.96; 1e-9 covers float rounding only.
    assert e == pytest.approx(float(row["expected_tco2"]), rel=1e-9)


def test_gb_steam_table_interpolation_example() -> None:
    r = {
        float(x["p_mpa"]): float(x["h_kj_per_kg"])
        for x in rows("gbt32151_34_2024_annexC/steam_enthalpy.csv")
        if x["state"] == "saturated"
    }
    # Linear interpolation between the standard's own rows reproduces its interpolated value exactly
    # (2794.45 is printed to 0.01 kJ/kg; tolerance 0.005 = half the last digit).
    assert interpolate(1.75, [1.70, 1.80], [r[1.70], r[1.80]]) == pytest.approx(r[1.75], abs=0.005)


@pytest.mark.parametrize("row", rows("gbt32151_34_2024_annexC/steam_enthalpy.csv"))
def test_packaged_steam_table_against_gb_annex(row: dict[str, str]) -> None:
    from parkcarbon.core import saturated_steam_enthalpy_kj_per_kg, superheated_steam_enthalpy_kj_per_kg

    p = float(row["p_mpa"])
    if row["state"] == "saturated":
        h = saturated_steam_enthalpy_kj_per_kg(p)
    else:
        h = superheated_steam_enthalpy_kj_per_kg(p, float(row["t_c"]))
    # Tolerance 1.2 kJ/kg (≈0.04 %): the packaged table is IAPWS-IF97; the GB annex prints values from an
    # older formulation that are 0.4–0.9 kJ/kg lower in this range (IF97: 2794.53 vs 2793.8 at 1.70 MPa),
    # plus ≤ 0.5 kJ/kg interpolation error. The effect on heat (h − 83.74) is < 0.05 %.
    assert h == pytest.approx(float(row["h_kj_per_kg"]), abs=1.2)


@pytest.mark.parametrize("row", rows("fuel_ef_seed_row2_6/derived_co2_ef.csv"), ids=lambda r: r["carrier"])
@pytest.mark.parametrize("guideline", [None, "GB/T 32151.22-2024"])
def test_derived_co2_ef_per_unit(row: dict[str, str], guideline: str | None) -> None:
    opts = AccountingOptions(standard="GB/T 32150-2015", guideline=guideline)
    c = combustion_coefficients(row["carrier"], row["unit"], year=2023, options=opts)
    # The seed prints 6 decimals; tolerance 5e-7 absolute = half the last printed digit.
    assert c.tco2_per_unit == pytest.approx(float(row["ef_tco2_per_unit"]), abs=5e-7)


@pytest.mark.parametrize("row", rows("ipcc2006_v2/table_1_2_to_1_4.csv"), ids=lambda r: r["carrier"])
def test_ipcc_table_1_4_consistent_with_1_3(row: dict[str, str]) -> None:
    # Table 1.4 EF = CC × 44/12 × 1000 rounded to 3 significant figures (e.g. diesel 74 066.7 → 74 100),
    # so the printed EF may differ from the product by up to half a unit of its 3rd significant figure:
    # ≤ 0.5 % of the value.
    cc = float(row["cc_kgc_per_gj"])
    assert cc * 44 / 12 * 1000 == pytest.approx(float(row["ef_kgco2_per_tj"]), rel=5e-3)


@pytest.mark.parametrize("row", rows("ipcc2006_v2/table_1_2_to_1_4.csv"), ids=lambda r: r["carrier"])
def test_ipcc_library_rows(row: dict[str, str]) -> None:
    lib = library()
    c = row["carrier"]
    assert lib.one("ncv", c, set="IPCC 2006").value == float(row["ncv_tj_per_gg"])
    assert lib.one("carbon_content", c, set="IPCC 2006").value == float(row["cc_kgc_per_gj"])
    assert lib.one("co2_ef", c, set="IPCC 2006").value == float(row["ef_kgco2_per_tj"])


def test_ipcc_tier1_diesel_per_tonne() -> None:
    (row,) = [r for r in rows("ipcc2006_v2/table_1_2_to_1_4.csv") if r["carrier"] == "diesel"]
    opts = AccountingOptions(combustion_method="ipcc2006_tier1", gwp="AR5")
    c = activity_coefficients("diesel", "t", year=2023, region="CN", options=opts)
    tj = float(row["ncv_tj_per_gg"]) * 1e-3  # TJ per t
    co2 = tj * float(row["ef_kgco2_per_tj"]) * 1e-3
    # CH4 3 kg/TJ, N2O 0.6 kg/TJ (IPCC 2006 Vol. 2 Table 2.2, oil products), AR5 GWP 28 / 265.
    co2e = co2 + tj * 3e-3 * 28 + tj * 0.6e-3 * 265
    assert c.tco2_per_unit == pytest.approx(co2, rel=1e-12)
    assert c.tco2e_per_unit == pytest.approx(co2e, rel=1e-12)


@pytest.mark.parametrize(
    "row", rows("gwp_openclimatedata/gwp100.csv"), ids=lambda r: f"{r['report']}-{r['gas']}"
)
def test_gwp_values(row: dict[str, str]) -> None:
    g, _ = gwp(row["gas"], AccountingOptions(gwp=row["report"]))
    # Blends are sums of printed values (exact in binary to 1e-9); single gases are the printed values.
    assert g == pytest.approx(float(row["gwp100"]), abs=1e-9)


def test_ar6_methane_is_an_explicit_choice() -> None:
    g_default, lin = gwp("CH4", AccountingOptions(gwp="AR6"))
    assert g_default == 27.9
    assert any(w.code == "choice.default" for w in lin.warnings)
    g_fossil, lin2 = gwp("CH4", AccountingOptions(gwp="AR6", ar6_methane="fossil"))
    assert g_fossil == 29.8
    assert not lin2.warnings


@pytest.mark.parametrize(
    "row", rows("mee_nbs_grid/factors.csv"), ids=lambda r: f"{r['method']}-{r['region']}-{r['year']}"
)
def test_grid_factors(row: dict[str, str]) -> None:
    f = grid_factor(row["method"], year=int(row["year"]), region=row["region"], options=AccountingOptions())
    assert f.factor_tco2_per_mwh == float(row["factor_tco2_per_mwh"])
    assert not f.lineage.warnings


@pytest.mark.parametrize(
    "row", rows("gbt2589_2020/coefficients.csv"), ids=lambda r: f"{r['carrier']}-{r['option']}"
)
def test_coal_equivalent_coefficients(row: dict[str, str]) -> None:
    opts = AccountingOptions(natural_gas_source=row["option"] or None)
    unit = row["unit"].split("/")[1]
    k, _ = coal_equivalent_coefficient(row["carrier"], unit, year=2023, options=opts)
    assert k * 1000 == pytest.approx(float(row["coefficient"]), rel=1e-12)  # kgce per unit
    # Each coefficient is its calorific value ÷ 7 000 kcal/kgce, rounded to 4 decimals (half-unit 5e-5).
    assert float(row["kcal_per_unit"]) / 7000 == pytest.approx(float(row["coefficient"]), abs=5e-5)


@pytest.mark.parametrize("row", rows("ipcc2006_v3_table2_1/carbonates.csv"), ids=lambda r: r["carbonate"])
def test_carbonate_factors(row: dict[str, str]) -> None:
    e, _ = carbonate_co2(1.0, carbonate=row["carbonate"])
    assert e == pytest.approx(float(row["ef_tco2_per_t"]), rel=1e-12)
