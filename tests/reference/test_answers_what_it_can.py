"""The engine answers what it can: energy (tce) and emissions (tCO2e) fail independently.

Expected values are the published tables (tests/reference/<source>/), never output of our own code:

* bituminous coal has GB/T 32150-2015 Annex B and IPCC 2006 defaults but no GB/T 2589-2020 coefficient,
  so its emissions are answered and its tce is null with the reason;
* raw coal has a GB/T 2589-2020 coefficient but no GB/T 32150-2015 parameters, so the reverse;
* electricity of a year before the first published grid factor (2021) still has its tce.
"""

from __future__ import annotations

from typing import Any

import pytest

from parkcarbon.core import CalcInputError, calculate, partial_coefficients

from ._load import rows

CO2_PER_C = 44 / 12  # molecular-weight ratio CO2/C, GB/T 32150-2015 formula (4)


def _row(path: str, carrier: str) -> dict[str, str]:
    (row,) = [r for r in rows(path) if r["carrier"] == carrier]
    return row


def _one(activity: dict[str, Any], **options: Any) -> dict[str, Any]:
    answer = calculate({"year": 2023, "region": "CN", **options, "activities": [activity]})
    (result,) = answer["results"]
    return {"result": result, "totals": answer["totals"]}


@pytest.mark.parametrize("carrier", ["anthracite", "bituminous_coal", "lignite"])
def test_coal_by_rank_emissions_without_a_gbt2589_coefficient(carrier: str) -> None:
    b1 = _row("gbt32150_2015_annexB/table_b1.csv", carrier)
    got = _one({"id": "c", "carrier": carrier, "quantity": 100, "unit": "t"}, standard="GB/T 32150-2015")
    r, totals = got["result"], got["totals"]
    # E = FC × NCV × CC × OF × 44/12 with the printed Table B.1 parameters; 1e-12 covers float rounding only.
    expected = (
        100 * float(b1["ncv_gj_per_t"]) * float(b1["carbon_content_tc_per_tj"]) * 1e-3
        * float(b1["oxidation_rate_percent"]) / 100 * CO2_PER_C
    )  # fmt: skip
    assert r["tco2e"] == pytest.approx(expected, rel=1e-12)
    assert r["tco2"] == r["tco2e"]
    assert r["tce"] is None
    (missing,) = r["missing"]
    assert missing["figure"] == "tce"
    assert missing["code"] == "factor.missing"
    assert missing["field"] == "activities[0].carrier"
    assert "GB/T 2589-2020" in missing["reason"] and "ncv" in missing["reason"]
    assert totals["tce"] is None
    assert totals["tco2e"] == pytest.approx(expected, rel=1e-12)
    assert totals["by_scope"]["1"] == pytest.approx(expected, rel=1e-12)
    assert totals["missing"] == {"tce": ["c"], "tco2e": []}


def test_bituminous_coal_agrees_with_the_independently_derived_factor() -> None:
    seed = _row("fuel_ef_seed_row2_6/derived_co2_ef.csv", "bituminous_coal")
    r = _one({"id": "c", "carrier": "bituminous_coal", "quantity": 100, "unit": "t"})["result"]
    # The seed prints 6 decimals (1.741750 tCO2/t): half its last digit × 100 t = 5e-5 tCO2.
    assert r["tco2e"] == pytest.approx(100 * float(seed["ef_tco2_per_unit"]), abs=5e-5)


def test_bituminous_coal_ipcc_tier1_emissions_without_tce() -> None:
    t14 = _row("ipcc2006_v2/table_1_2_to_1_4.csv", "bituminous_coal")
    t22 = _row("ipcc2006_v2/table_2_2_energy_industries.csv", "bituminous_coal")
    ar5 = {
        r["gas"]: float(r["gwp100"]) for r in rows("gwp_openclimatedata/gwp100.csv") if r["report"] == "AR5"
    }
    r = _one(
        {"id": "c", "carrier": "bituminous_coal", "quantity": 100, "unit": "t"},
        combustion_method="ipcc2006_tier1",
        ipcc_sector="energy_industries",
        gwp="AR5",
    )["result"]
    tj = 100 * float(t14["ncv_tj_per_gg"]) * 1e-3  # 100 t × 25.8 TJ/Gg
    co2 = tj * float(t14["ef_kgco2_per_tj"]) * 1e-3
    ch4 = tj * float(t22["ch4_kg_per_tj"]) * 1e-3
    n2o = tj * float(t22["n2o_kg_per_tj"]) * 1e-3
    # Products of printed values; 1e-12 covers float rounding only.
    assert r["tco2"] == pytest.approx(co2, rel=1e-12)
    assert r["ch4_t"] == pytest.approx(ch4, rel=1e-12)
    assert r["n2o_t"] == pytest.approx(n2o, rel=1e-12)
    assert r["tco2e"] == pytest.approx(co2 + ch4 * ar5["CH4"] + n2o * ar5["N2O"], rel=1e-12)
    assert r["tce"] is None
    assert [m["figure"] for m in r["missing"]] == ["tce"]


def test_raw_coal_tce_without_gbt32150_parameters() -> None:
    a2 = _row("gbt2589_2020/coefficients.csv", "raw_coal")
    got = _one({"id": "r", "carrier": "raw_coal", "quantity": 100, "unit": "t"}, standard="GB/T 32150-2015")
    r, totals = got["result"], got["totals"]
    # 100 t × 0.7143 kgce/kg = 71.43 tce (GB/T 2589-2020 Annex A); 1e-12 covers float rounding only.
    assert r["tce"] == pytest.approx(100 * float(a2["coefficient"]), rel=1e-12)
    assert r["tco2e"] is None and r["tco2"] is None
    (missing,) = r["missing"]
    assert (missing["figure"], missing["code"], missing["field"]) == (
        "tco2e",
        "factor.missing",
        "activities[0].ncv",
    )
    assert "GB/T 32150-2015" in missing["reason"]
    assert totals["tce"] == pytest.approx(100 * float(a2["coefficient"]), rel=1e-12)
    assert totals["tco2e"] is None and totals["by_scope"]["1"] is None
    assert totals["by_carrier"] == {"raw_coal": None}
    assert totals["missing"] == {"tce": [], "tco2e": ["r"]}


def test_electricity_before_the_first_grid_factor_keeps_its_tce() -> None:
    a2 = _row("gbt2589_2020/coefficients.csv", "electricity")
    answer = calculate(
        {"year": 2020, "activities": [{"id": "e", "carrier": "electricity", "quantity": 100, "unit": "MWh"}]}
    )
    (r,) = answer["results"]
    # 100 MWh × 0.1229 kgce/kWh = 12.29 tce (GB/T 2589-2020 Table A.2, equivalent value).
    assert r["tce"] == pytest.approx(100 * float(a2["coefficient"]), rel=1e-12)
    assert r["tco2e"] is None
    assert r["tco2e_location"] is None and r["tco2e_market"] is None
    assert [(m["figure"], m["field"]) for m in r["missing"]] == [("tco2e", "activities[0].carrier")]
    assert answer["totals"]["by_scope"]["2_location"] is None


def test_a_mixed_request_keeps_every_figure_it_can() -> None:
    b1 = _row("gbt32150_2015_annexB/table_b1.csv", "bituminous_coal")
    (vector,) = [r for r in rows("ghgtool_g06/vectors.csv") if r["case"] == "electricity_2023_national"]
    answer = calculate(
        {
            "year": 2023,
            "activities": [
                {"id": "c", "carrier": "bituminous_coal", "quantity": 100, "unit": "t"},
                {"id": "e", "carrier": "electricity", "quantity": float(vector["quantity"]), "unit": "MWh"},
            ],
        }
    )
    coal = 100 * float(b1["ncv_gj_per_t"]) * float(b1["carbon_content_tc_per_tj"]) * 1e-3 * 0.93 * CO2_PER_C
    c, e = answer["results"]
    assert c["tce"] is None
    assert c["tco2e"] == pytest.approx(coal, rel=1e-12)
    assert e["tco2e"] == pytest.approx(float(vector["expected_tco2"]), rel=1e-9)  # 100 MWh × 0.5306 = 53.06
    assert e["missing"] == []
    assert answer["totals"]["tco2e"] == pytest.approx(coal + float(vector["expected_tco2"]), rel=1e-9)
    assert answer["totals"]["tce"] is None  # the coal's tce is unknown: no partial sum posing as the total
    assert answer["totals"]["by_carrier_tce"]["electricity"] == pytest.approx(12.29, rel=1e-12)
    assert answer["totals"]["by_carrier_tce"]["bituminous_coal"] is None


def test_nothing_computable_is_still_refused_with_every_reason() -> None:
    # Reporting year 2026 defaults to GB/T 32150-2025, whose fuel table is not in the library, and
    # GB/T 2589-2020 has no bituminous-coal coefficient: neither figure exists.
    with pytest.raises(CalcInputError) as exc:
        calculate(
            {
                "year": 2026,
                "activities": [{"id": "c", "carrier": "bituminous_coal", "quantity": 1, "unit": "t"}],
            }
        )
    got = {(e["field"], e["code"]) for e in exc.value.errors}
    assert got == {("activities[0].carrier", "factor.missing"), ("activities[0].ncv", "factor.missing")}


def test_rollup_coefficients_answer_each_side_on_its_own() -> None:
    """``partial_coefficients`` (consumption, monitoring, benchmarking) answers like ``calculate``:
    bituminous coal's CO2 per tonne without a tce, raw coal's tce per tonne without CO2."""
    seed = _row("fuel_ef_seed_row2_6/derived_co2_ef.csv", "bituminous_coal")
    bit = partial_coefficients("bituminous_coal", "t", year=2023, region="CN")
    assert bit.tce_per_unit is None
    # the seed prints 6 decimals: half its last digit
    assert bit.tco2e_per_unit == pytest.approx(float(seed["ef_tco2_per_unit"]), abs=5e-7)
    assert [(m.figure, m.code) for m in bit.missing] == [("tce", "factor.missing")]
    a2 = _row("gbt2589_2020/coefficients.csv", "raw_coal")
    raw = partial_coefficients("raw_coal", "t", year=2023, region="CN")
    assert raw.tco2e_per_unit is None
    # 0.7143 kgce/kg = 0.7143 tce/t (GB/T 2589-2020 Annex A); float rounding only
    assert raw.tce_per_unit == pytest.approx(float(a2["coefficient"]), rel=1e-12)
    assert [(m.figure, m.code) for m in raw.missing] == [("tco2e", "factor.missing")]
