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
from parkcarbon.core.errors import MissingFactorError, NonLinearActivityError
from parkcarbon.core.lineage import Lineage
from parkcarbon.core.options import AccountingOptions
from parkcarbon.core.units import conversion_factor, dimension_of, parse_unit

__all__ = [
    "USES",
    "Coefficients",
    "MissingFigure",
    "PartialCoefficients",
    "activity_coefficients",
    "default_use",
    "partial_coefficients",
]

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
    em = _emissions(carrier_id, unit, year, region, options, use)
    return _combine(sign * tce, tce_lin, em)


@dataclass(frozen=True, slots=True)
class _Emissions:
    """The emissions side of a carrier's coefficients (signed), before the tce side is joined."""

    tco2e: float
    tco2: float
    scope: int | None
    iso14064_category: int | None
    gbt32150_category: str | None
    lineage: Lineage | None
    note: str = ""
    formula: str = ""
    location: float | None = None
    market: float | None = None


def _emissions(
    carrier_id: str, unit: str, year: int, region: str, options: AccountingOptions, use: str
) -> _Emissions:
    """Per-unit emissions of a carrier (no tce involved); raises MissingFactorError like the whole."""
    car = CARRIERS[carrier_id]
    sign = -1.0 if use == "exported" else 1.0
    if car.kind == "medium" or use == "feedstock":
        note = (
            "energy-consuming medium: counted in energy only"
            if car.kind == "medium"
            else "feedstock: counted in energy; emissions via carbon balance"
        )
        return _Emissions(0.0, 0.0, None, None, None, None, note=note)
    if car.kind == "fuel":
        if use == "exported":
            return _Emissions(0.0, 0.0, None, None, "exported_energy", None)
        cc = combustion_coefficients(carrier_id, unit, year=year, options=options)
        tco2e = cc.tco2_per_unit
        lin = cc.lineage
        if cc.tch4_per_unit or cc.tn2o_per_unit:
            g_ch4, l1 = gwp("CH4", options)
            g_n2o, l2 = gwp("N2O", options)
            tco2e += cc.tch4_per_unit * g_ch4 + cc.tn2o_per_unit * g_n2o
            lin = lin.merged(l1).merged(l2)
        return _Emissions(tco2e, cc.tco2_per_unit, 1, 1, "fuel_combustion", lin)
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
        formula = f"E = AD × EF, {primary.lineage.formula}"
        if use == "exported":
            return _Emissions(ef, ef, None, None, "exported_energy", primary.lineage, formula=formula)
        return _Emissions(
            ef, ef, 2, 2, "purchased_energy", primary.lineage, formula=formula,
            location=loc.factor_tco2_per_mwh * to_mwh, market=mkt.factor_tco2_per_mwh * to_mwh,
        )  # fmt: skip
    # heat, steam or hot water given in an energy unit
    ef_gj, h_lin = heat_emission_factor(year=year, options=options)
    ef = ef_gj * conversion_factor(unit, "GJ") * sign
    formula = f"E = AD × EF, {h_lin.formula}"
    if use == "exported":
        return _Emissions(ef, ef, None, None, "exported_energy", h_lin, formula=formula)
    return _Emissions(ef, ef, 2, 2, "purchased_energy", h_lin, formula=formula, location=ef, market=ef)


def _combine(tce: float, tce_lin: Lineage, em: _Emissions) -> Coefficients:
    lin = tce_lin if em.lineage is None else tce_lin.merged(em.lineage)
    if em.note or em.formula:
        formula = "; ".join(p for p in (tce_lin.formula, em.note or em.formula) if p)
        lin = Lineage(lin.factors, formula, lin.clause, lin.warnings)
    return Coefficients(
        tce, em.tco2e, em.tco2, em.scope, em.iso14064_category, em.gbt32150_category, lin,
        tco2e_location_per_unit=em.location, tco2e_market_per_unit=em.market,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class MissingFigure:
    """A figure (``tce`` or ``tco2e``) without a default factor, and why."""

    figure: str
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class PartialCoefficients:
    """Per-unit coefficients where the energy side (tce, GB/T 2589-2020) and the emissions side
    (tCO2e) are answered independently: a side without a default factor is ``None`` and explained in
    ``missing`` (the other is still given).  Other fields as in :class:`Coefficients`."""

    tce_per_unit: float | None
    tco2e_per_unit: float | None
    tco2_per_unit: float | None
    scope: int | None
    iso14064_category: int | None
    gbt32150_category: str | None
    lineage: Lineage
    missing: tuple[MissingFigure, ...] = ()
    tco2e_location_per_unit: float | None = None
    tco2e_market_per_unit: float | None = None


def partial_coefficients(
    carrier: str,
    unit: str,
    *,
    year: int,
    region: str,
    options: AccountingOptions | None = None,
    use: str | None = None,
) -> PartialCoefficients:
    """:func:`activity_coefficients`, but a missing default factor on one side (tce or tCO2e) leaves
    the other side computed.

    Raises
    ------
    KeyError, ValueError, UnitError, NonLinearActivityError
        As :func:`activity_coefficients` (an unusable request, not a missing factor).
    """
    return _partial(carrier, unit, year, region, options or _DEFAULT_OPTIONS, use)


@lru_cache(maxsize=4096)
def _partial(
    carrier_id: str, unit: str, year: int, region: str, options: AccountingOptions, use: str | None
) -> PartialCoefficients:
    try:
        c = _coefficients(carrier_id, unit, year, region, options, use)
    except MissingFactorError:
        pass
    else:
        return PartialCoefficients(
            c.tce_per_unit, c.tco2e_per_unit, c.tco2_per_unit, c.scope, c.iso14064_category,
            c.gbt32150_category, c.lineage, (), c.tco2e_location_per_unit, c.tco2e_market_per_unit,
        )  # fmt: skip
    use = use or default_use(carrier_id)
    sign = -1.0 if use == "exported" else 1.0
    missing: list[MissingFigure] = []
    tce: float | None = None
    tce_lin = Lineage()
    em: _Emissions | None = None
    try:
        k, tce_lin = coal_equivalent_coefficient(carrier_id, unit, year=year, options=options)
        tce = sign * k
    except MissingFactorError as exc:
        missing.append(MissingFigure("tce", str(exc), exc.code))
    try:
        em = _emissions(carrier_id, unit, year, region, options, use)
    except MissingFactorError as exc:
        missing.append(MissingFigure("tco2e", str(exc), exc.code))
    if em is None:
        return PartialCoefficients(tce, None, None, None, None, None, tce_lin, tuple(missing))
    c = _combine(tce or 0.0, tce_lin, em)
    return PartialCoefficients(
        tce, c.tco2e_per_unit, c.tco2_per_unit, c.scope, c.iso14064_category, c.gbt32150_category,
        c.lineage, tuple(missing), c.tco2e_location_per_unit, c.tco2e_market_per_unit,
    )  # fmt: skip
