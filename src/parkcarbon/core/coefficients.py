"""Linear per-unit coefficients for rollups (meter data → tce / tCO2e).

:func:`activity_coefficients` returns how many tce and tCO2e one unit of a carrier represents, with
scope, ISO 14064-1 category and lineage; callers multiply.  Results are cached on the (hashable)
arguments, so the millions of calls of a rollup cost a dictionary lookup each.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from parkcarbon.core.carriers import CARRIERS
from parkcarbon.core.emissions.fugitive import gwp
from parkcarbon.core.emissions.heat_steam import heat_emission_factor
from parkcarbon.core.emissions.purchased_electricity import grid_factor, market_factor
from parkcarbon.core.emissions.stationary_combustion import combustion_coefficients
from parkcarbon.core.energy.comprehensive_energy import coal_equivalent_coefficient
from parkcarbon.core.errors import NonLinearActivityError
from parkcarbon.core.lineage import Lineage
from parkcarbon.core.options import AccountingOptions
from parkcarbon.core.units import conversion_factor, dimension_of, parse_unit

__all__ = ["USES", "Coefficients", "activity_coefficients", "default_use"]

#: Accepted ``use`` values per carrier kind (the first is the default).
USES: dict[str, tuple[str, ...]] = {
    "fuel": ("combustion", "feedstock", "exported"),
    "electricity": ("purchased", "exported"),
    "heat": ("purchased", "exported"),
    "medium": ("consumed",),
}


def default_use(carrier_id: str) -> str:
    """Default ``use`` of a carrier: ``combustion`` for fuels, ``purchased`` for electricity and heat."""
    return USES[CARRIERS[carrier_id].kind][0]


@dataclass(frozen=True, slots=True)
class Coefficients:
    """Linear coefficients of one unit of activity.

    Attributes
    ----------
    tce_per_unit : float
        Coal equivalent [tce per unit] (GB/T 2589-2020); negative for exported energy.
    tco2e_per_unit : float
        Emissions [tCO2e per unit] by the primary method of the options; negative for exports.
    tco2_per_unit : float
        CO2 only [tCO2 per unit].
    scope : int or None
        GHG Protocol scope (1, 2) or ``None`` (feedstock, energy-consuming media, exports).
    iso14064_category : int or None
        ISO 14064-1:2018 category (1 direct, 2 imported energy) or ``None``.
    gbt32150_category : str or None
        ``fuel_combustion``, ``purchased_energy``, ``exported_energy`` or ``None``.
    lineage : Lineage
        Factors (id, value, unit, source), formula, clause, warnings.
    tco2e_location_per_unit, tco2e_market_per_unit : float or None
        For purchased electricity and heat: both Scope 2 figures.
    """

    tce_per_unit: float
    tco2e_per_unit: float
    tco2_per_unit: float
    scope: int | None
    iso14064_category: int | None
    gbt32150_category: str | None
    lineage: Lineage
    tco2e_location_per_unit: float | None = None
    tco2e_market_per_unit: float | None = None


def activity_coefficients(
    carrier: str,
    unit: str,
    *,
    year: int,
    region: str,
    options: AccountingOptions | None = None,
    use: str | None = None,
) -> Coefficients:
    """Per-unit tce and tCO2e of a carrier.

    Parameters
    ----------
    carrier : str
        Carrier id (:data:`parkcarbon.core.CARRIERS`).
    unit : str
        Unit of the quantities the coefficients will multiply (``"kWh"``, ``"万Nm3"``, ``"t"`` …).
    year : int
        Reporting year (factor year, GB/T 32150 edition).
    region : str
        ``"CN"`` or an ISO 3166-2:CN province code (grid factors).
    options : AccountingOptions, optional
        Defaults to ``AccountingOptions()`` (GB/T 32150 edition of the year, AR5, national-average
        grid factor, equivalent value).
    use : str, optional
        ``combustion`` / ``feedstock`` / ``exported`` for fuels, ``purchased`` / ``exported`` for
        electricity and heat; default :func:`default_use`.

    Returns
    -------
    Coefficients

    Raises
    ------
    KeyError
        Unknown carrier.
    UnknownUnitError, UnitMismatchError
        Unit unknown or of the wrong dimension (the message names both units).
    MissingFactorError, AmbiguousFactorError
        A factor is missing, or the sources disagree and no choice was made.
    NonLinearActivityError
        Steam or hot water given by mass (t, kg): the energy per tonne depends on pressure and
        temperature — convert with :func:`parkcarbon.core.steam_heat_gj` /
        :func:`parkcarbon.core.hot_water_heat_gj` and ask for coefficients in ``GJ``; also raised
        for ``market_based`` electricity with instruments (use :func:`calculate`).
    """
    return _coefficients(carrier, unit, year, region, options or _DEFAULT_OPTIONS, use)


_DEFAULT_OPTIONS = AccountingOptions()


@lru_cache(maxsize=16384)
def _coefficients(
    carrier_id: str, unit: str, year: int, region: str, options: AccountingOptions, use: str | None
) -> Coefficients:
    car = CARRIERS.get(carrier_id, None)
    if car is None:
        raise KeyError(f"unknown carrier {carrier_id!r}; known: {', '.join(sorted(CARRIERS))}")
    parse_unit(unit)
    allowed = USES[car.kind]
    use = use or allowed[0]
    if use not in allowed:
        raise ValueError(f"use {use!r} is not valid for {carrier_id}; allowed: {', '.join(allowed)}")
    if car.kind == "heat" and dimension_of(unit) != "energy":
        raise NonLinearActivityError(
            f"{carrier_id} in {unit!r} has no linear coefficient: the heat per unit mass depends on "
            "pressure and temperature; convert with steam_heat_gj / hot_water_heat_gj and use GJ"
        )
    sign = -1.0 if use == "exported" else 1.0
    tce, tce_lin = coal_equivalent_coefficient(carrier_id, unit, year=year, options=options)
    tce *= sign
    if car.kind == "medium" or use == "feedstock":
        note = (
            "energy-consuming medium: counted in energy only"
            if car.kind == "medium"
            else "feedstock: counted in energy; emissions via carbon balance"
        )
        return Coefficients(
            tce,
            0.0,
            0.0,
            None,
            None,
            None,
            Lineage(tce_lin.factors, f"{tce_lin.formula}; {note}", tce_lin.clause, tce_lin.warnings),
        )
    if car.kind == "fuel":
        if use == "exported":
            return Coefficients(tce, 0.0, 0.0, None, None, "exported_energy", tce_lin)
        cc = combustion_coefficients(carrier_id, unit, year=year, options=options)
        tco2e = cc.tco2_per_unit
        lin = tce_lin.merged(cc.lineage)
        if cc.tch4_per_unit or cc.tn2o_per_unit:
            g_ch4, l1 = gwp("CH4", options)
            g_n2o, l2 = gwp("N2O", options)
            tco2e += cc.tch4_per_unit * g_ch4 + cc.tn2o_per_unit * g_n2o
            lin = lin.merged(l1).merged(l2)
        return Coefficients(tce, tco2e, cc.tco2_per_unit, 1, 1, "fuel_combustion", lin)
    if car.kind == "electricity":
        to_mwh = conversion_factor(unit, "MWh")
        loc_method = (
            options.location_electricity_factor
            if options.electricity_factor == "market_based"
            else options.electricity_factor
        )
        loc = grid_factor(loc_method, year=year, region=region, options=options)
        mkt = market_factor(year=year, region=region, options=options)
        primary = mkt if options.electricity_factor == "market_based" else loc
        ef = primary.factor_tco2_per_mwh * to_mwh * sign
        lin = tce_lin.merged(primary.lineage)
        lin = Lineage(
            lin.factors,
            f"{tce_lin.formula}; E = AD × EF, {primary.lineage.formula}",
            lin.clause,
            lin.warnings,
        )
        if use == "exported":
            return Coefficients(tce, ef, ef, None, None, "exported_energy", lin)
        return Coefficients(
            tce,
            ef,
            ef,
            2,
            2,
            "purchased_energy",
            lin,
            tco2e_location_per_unit=loc.factor_tco2_per_mwh * to_mwh,
            tco2e_market_per_unit=mkt.factor_tco2_per_mwh * to_mwh,
        )
    # heat, steam or hot water given in an energy unit
    ef_gj, h_lin = heat_emission_factor(year=year, options=options)
    ef = ef_gj * conversion_factor(unit, "GJ") * sign
    lin = tce_lin.merged(h_lin)
    lin = Lineage(lin.factors, f"{tce_lin.formula}; E = AD × EF, {h_lin.formula}", lin.clause, lin.warnings)
    if use == "exported":
        return Coefficients(tce, ef, ef, None, None, "exported_energy", lin)
    return Coefficients(
        tce, ef, ef, 2, 2, "purchased_energy", lin, tco2e_location_per_unit=ef, tco2e_market_per_unit=ef
    )
