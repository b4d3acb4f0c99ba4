"""Comprehensive energy consumption (综合能耗), GB/T 2589-2020.

E = Σ Eᵢ × kᵢ, with Eᵢ the physical quantity of energy i actually consumed and kᵢ its standard-coal
coefficient (折标准煤系数).  1 kgce = 29 307.6 kJ (7 000 kcal).  Electricity and heat use the
equivalent value (当量值) unless the caller chooses the equal value (等价值), whose coefficient is
year-specific (previous year's power-plant supply coal consumption).  Energy-consuming media (耗能工质:
water, compressed air, O2, N2) are included with their Annex A coefficients.  Exported energy is
deducted by the caller giving a negative sign (``calculate`` does this for ``use: exported``).

References
----------
.. [1] GB/T 2589-2020 综合能耗计算通则, SAC/TC 20, 2020 (effective 2021-04-01), §3, §4 and Annex A.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from parkcarbon.core.carriers import CARRIERS
from parkcarbon.core.errors import AmbiguousFactorError, MissingFactorError, NonLinearActivityError
from parkcarbon.core.factors.library import Factor, library
from parkcarbon.core.lineage import ACTUAL_VOLUME_UNITS, GAS_VOLUME_WARNING, CalcWarning, FactorUse, Lineage
from parkcarbon.core.options import CHOICE_POINTS, AccountingOptions
from parkcarbon.core.units import (
    KJ_PER_KGCE,
    conversion_factor,
    dimension_of,
    normalize_unit,
    ratio_conversion,
)

__all__ = [
    "GJ_PER_TCE",
    "coal_equivalent_coefficient",
    "comprehensive_energy_tce",
    "unit_output_value_energy_consumption",
    "unit_product_energy_consumption",
]

#: 1 tce = 29.3076 GJ (GB/T 2589-2020 §3, 7 000 kcal/kgce × 4.1868 kJ/kcal).
GJ_PER_TCE = KJ_PER_KGCE / 1000.0

_CLAUSE = "GB/T 2589-2020 §4 (E = Σ Eᵢ × kᵢ) and Annex A"

#: Carrier → choice point governing its coefficient.
_CHOICE_FOR = {
    "natural_gas": "natural_gas_source",
    "coke_oven_gas": "coke_oven_gas_value",
    "water": "water_coefficient",
}


#: Why a carrier has no coefficient until the caller chooses (said in the refusal / missing reason).
_CHOICE_NOTES = {
    "water": (
        "fresh water (新水) is an energy-consuming medium (耗能工质), not an energy: GB/T 2589 counts it "
        "only by the energy spent producing it (its 能源等价值); GB/T 2589-2020 gives no coefficient, the "
        "one cited source is GB/T 2589-2008 Annex A (0.2571 kgce/t, confidence L; 0.0857 has none), so "
        "water has no tce "
        "unless the accounting profile chooses water_coefficient"
    ),
}


def _choose_row(
    carrier_id: str, rows: list[Factor], options: AccountingOptions
) -> tuple[Factor, list[CalcWarning]]:
    choice = _CHOICE_FOR.get(carrier_id)
    optioned = [r for r in rows if r.option]
    if not optioned or choice is None:
        return rows[0], []
    value, defaulted = options.choice(choice)
    if value is None:
        allowed = CHOICE_POINTS[choice][0]
        listed = {r.option_value: f"{r.value:g} {r.unit}" for r in optioned if r.option_value in allowed}
        raise AmbiguousFactorError(
            "coal_equivalent", carrier_id, choice, listed, _CHOICE_NOTES.get(carrier_id, "")
        )
    row = next(r for r in optioned if r.option == f"{choice}={value}")
    warns = []
    if defaulted:
        others = ", ".join(f"{r.option_value} {r.value:g} {r.unit}" for r in optioned if r is not row)
        warns.append(
            CalcWarning(
                "choice.default",
                f"{choice} not given: default {value!r} ({row.value:g} {row.unit}) applied; alternative: {others}",  # noqa: E501
            )
        )
    return row, warns


def _equal_value_electricity(unit: str, year: int, options: AccountingOptions) -> tuple[float, Lineage]:
    if options.electricity_equal_value_kgce_per_kwh is not None:
        v = options.electricity_equal_value_kgce_per_kwh
        k = v * ratio_conversion("kgce/kWh", "tce", unit)
        use = FactorUse(
            "input:electricity_equal_value_kgce_per_kwh",
            v,
            "kgce/kWh",
            "caller-supplied equal value",
            "measured",
        )
        return k, Lineage(
            (use,), f"k = {v:g} kgce/kWh (等价值, supplied)", "GB/T 2589-2020 Annex A Table A.2 (equal value)"
        )
    rows = sorted(library().find("coal_equivalent_equal", "electricity"), key=lambda r: r.data_year or 0)
    usable = [r for r in rows if (r.data_year or 0) <= year]
    if not usable:
        raise MissingFactorError(
            "coal_equivalent_equal",
            "electricity",
            {"year": year},
            "supply electricity_equal_value_kgce_per_kwh (previous year's supply coal consumption)",
        )
    row = usable[-1]
    warns: tuple[CalcWarning, ...] = ()
    if row.data_year != year:
        warns = (
            CalcWarning(
                "factor.year_fallback",
                f"no equal-value electricity coefficient for {year}; latest published ({row.data_year}) used",
            ),
        )
    if row.confidence == "L":
        warns += (CalcWarning("factor.low_confidence", f"factor {row.id} has confidence L: {row.notes}"),)
    k = row.value * ratio_conversion(row.unit, "tce", unit)
    return k, Lineage((row.use(),), f"k = {row.value:g} {row.unit} (等价值)", row.citation, warns)


@lru_cache(maxsize=4096)
def coal_equivalent_coefficient(
    carrier_id: str,
    unit: str,
    *,
    year: int,
    options: AccountingOptions = AccountingOptions(),
    ncv_gj_per_unit: float | None = None,
) -> tuple[float, Lineage]:
    """Standard-coal coefficient of a carrier [tce per ``unit``] (折标准煤系数).

    Parameters
    ----------
    carrier_id : str
        Carrier id, see :data:`parkcarbon.core.CARRIERS`.
    unit : str
        Unit the activity quantity is expressed in.
    year : int
        Reporting year (used for the equal value of electricity).
    options : AccountingOptions
        ``energy_basis``, choice points, ``coal_equivalent_from_default_ncv``.
    ncv_gj_per_unit : float, optional
        Measured net calorific value [GJ per ``unit``]; GB/T 2589 gives it precedence over Annex A
        (k = NCV / 29.3076 GJ/tce).

    Returns
    -------
    (float, Lineage)
        tce per ``unit`` and how it was obtained.

    Raises
    ------
    MissingFactorError
        No coefficient (e.g. bituminous coal without a measured NCV).
    AmbiguousFactorError
        Disagreeing sources and no choice given (coke-oven gas, water).
    NonLinearActivityError
        Steam or hot water given by mass: convert to GJ first (:func:`steam_heat_gj`).
    UnitMismatchError
        ``unit`` has the wrong dimension for the coefficient.
    """
    car = CARRIERS[carrier_id]
    if ncv_gj_per_unit is not None:
        k = ncv_gj_per_unit / GJ_PER_TCE
        use = FactorUse(
            "input:ncv", ncv_gj_per_unit, f"GJ/{unit}", "measured net calorific value", "measured"
        )
        return k, Lineage(
            (use,),
            f"k = NCV / 29.3076 GJ/tce = {ncv_gj_per_unit:g} / 29.3076",
            "GB/T 2589-2020 §3 (1 kgce = 29 307.6 kJ; measured low heating value)",
        )
    if car.kind == "heat":
        if dimension_of(unit) != "energy":
            raise NonLinearActivityError(
                f"{carrier_id} in {unit!r}: the energy per unit mass depends on pressure/temperature; "
                "convert to GJ first (steam_heat_gj / hot_water_heat_gj) or use calculate()"
            )
        if options.energy_basis == "equal":
            if options.heat_equal_value_tce_per_gj is None:
                raise MissingFactorError(
                    "coal_equivalent_equal",
                    carrier_id,
                    {"year": year},
                    "GB/T 2589 bases the equal value of heat on the heat-supply coal consumption; "
                    "supply heat_equal_value_tce_per_gj",
                )
            v = options.heat_equal_value_tce_per_gj
            use = FactorUse(
                "input:heat_equal_value_tce_per_gj", v, "tce/GJ", "caller-supplied equal value", "measured"
            )
            return v * conversion_factor(unit, "GJ"), Lineage(
                (use,), f"k = {v:g} tce/GJ (等价值, supplied)", _CLAUSE
            )
        row = library().one("coal_equivalent", "heat", set="GB/T 2589-2020")
        k = row.value * ratio_conversion(row.unit, "tce", unit)
        return k, Lineage((row.use(),), f"k = {row.value:g} {row.unit} (当量值)", row.citation)
    if carrier_id == "electricity" and options.energy_basis == "equal":
        return _equal_value_electricity(unit, year, options)
    rows = library().find("coal_equivalent", carrier_id, set="GB/T 2589-2020")
    if rows:
        row, warns = _choose_row(carrier_id, rows, options)
        if row.confidence == "L":
            warns.append(
                CalcWarning("factor.low_confidence", f"factor {row.id} has confidence L: {row.notes}")
            )
        if normalize_unit(unit) in ACTUAL_VOLUME_UNITS and car.state == "gas" and car.kind == "fuel":
            warns.append(GAS_VOLUME_WARNING)
        k = row.value * ratio_conversion(row.unit, "tce", unit)
        return k, Lineage((row.use(),), f"k = {row.value:g} {row.unit}", row.citation, tuple(warns))
    if options.coal_equivalent_from_default_ncv and car.kind == "fuel":
        # Local import: stationary_combustion imports nothing from here, no cycle at runtime.
        from parkcarbon.core.emissions.stationary_combustion import default_ncv

        ncv, ncv_lineage = default_ncv(carrier_id, unit, year=year, options=options)
        k = ncv / GJ_PER_TCE
        warn = CalcWarning(
            "factor.derived_coal_equivalent",
            f"GB/T 2589-2020 has no coefficient for {carrier_id}; derived from the default NCV "
            f"{ncv:g} GJ/{unit} ÷ 29.3076 GJ/tce (option coal_equivalent_from_default_ncv)",
        )
        return k, Lineage(
            ncv_lineage.factors,
            f"k = NCV / 29.3076 = {ncv:g} / 29.3076",
            "GB/T 2589-2020 §3 (1 kgce = 29 307.6 kJ)",
            (*ncv_lineage.warnings, warn),
        )
    raise MissingFactorError(
        "coal_equivalent",
        carrier_id,
        {"standard": "GB/T 2589-2020"},
        "supply the measured net calorific value (ncv), or set coal_equivalent_from_default_ncv",
    )


def comprehensive_energy_tce(items: Iterable[tuple[float, float]]) -> float:
    """Comprehensive energy consumption E = Σ Eᵢ × kᵢ [tce] (GB/T 2589-2020 §4).

    Parameters
    ----------
    items : iterable of (quantity, tce_per_unit)
        Physical quantity of each energy (negative for exported energy) and its coefficient.
    """
    return float(sum(q * k for q, k in items))


def unit_output_value_energy_consumption(energy_tce: float, output_value_10k_cny: float) -> float:
    """Unit output value energy consumption (单位产值综合能耗) [tce/万元].

    e = E / G, with G the gross output value or industrial value added of the same period
    [10⁴ CNY] (GB/T 2589-2020 §3).

    Raises
    ------
    ValueError
        If the output value is not positive.
    """
    if not output_value_10k_cny > 0:
        raise ValueError(f"output value must be positive, got {output_value_10k_cny!r} 万元")
    return energy_tce / output_value_10k_cny


def unit_product_energy_consumption(energy_tce: float, product_output: float) -> float:
    """Unit product comprehensive energy consumption (单位产品综合能耗) [tce per unit of product].

    e = E / P, with P the output of qualified product in the same period (GB/T 2589-2020 §3).

    Raises
    ------
    ValueError
        If the product output is not positive.
    """
    if not product_output > 0:
        raise ValueError(f"product output must be positive, got {product_output!r}")
    return energy_tce / product_output
