"""Accounting options (核算选项): which standard, guideline, GWP set, electricity method, value basis.

Every choice that changes a number is a field here, with a documented default.  Where the sources
disagree (natural-gas coefficient, coke-oven-gas range, water, Na2CO3, AR6 methane) the choice is an
explicit option; a default taken at such a choice point is recorded in the lineage as a warning, and
where no default is defensible (coke-oven gas, water) the caller must choose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from parkcarbon.core.validation import Number, Problem, one_of, problems

__all__ = [
    "CHOICE_POINTS",
    "COMBUSTION_METHODS",
    "ELECTRICITY_FACTORS",
    "GUIDELINES",
    "GWP_SETS",
    "STANDARDS",
    "AccountingOptions",
    "applicable_standard",
    "option_problems",
]

STANDARDS = ("GB/T 32150-2015", "GB/T 32150-2025")
GUIDELINES = ("GB/T 32151.22-2024", "NDRC-2013-power", "NDRC-2013-steel")
GWP_SETS = ("SAR", "AR4", "AR5", "AR6")
ELECTRICITY_FACTORS = (
    "national_average",
    "regional_average",
    "provincial_average",
    "ets_reporting",
    "market_based",
)
COMBUSTION_METHODS = ("standard", "ipcc2006_tier1")

#: Choice points where the library holds disagreeing values: option name → (allowed values, default).
#: A default of ``None`` means the caller must choose (AmbiguousFactorError otherwise).
CHOICE_POINTS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "natural_gas_source": (("gas_field", "oil_field"), "gas_field"),
    "coke_oven_gas_value": (("low", "high"), None),
    "water_coefficient": (("0.2571", "0.0857"), None),
    "carbonate_basis": (("table", "stoichiometric"), "table"),
    "ar6_methane": (("generic", "fossil"), "generic"),
}

EnergyBasis = Literal["equivalent", "equal"]
IPCC_SECTORS = ("energy_industries", "manufacturing")
GRID_REGIONS = ("north", "northeast", "east", "central", "northwest", "south", "southwest")
MARKET_RESIDUALS = ("national_excl_market_nonfossil", "location")


# Constrained field types (pydantic): strict strings from a closed list, non-negative numbers.
_Standard = Annotated[str, Strict(), one_of(STANDARDS)]
_Guideline = Annotated[str, Strict(), one_of(GUIDELINES)]
_CombustionMethod = Annotated[str, Strict(), one_of(COMBUSTION_METHODS)]
_IpccSector = Annotated[str, Strict(), one_of(IPCC_SECTORS)]
_GwpSet = Annotated[str, Strict(), one_of(GWP_SETS)]
_ElectricityFactor = Annotated[str, Strict(), one_of(ELECTRICITY_FACTORS)]
_LocationFactor = Annotated[str, Strict(), one_of(ELECTRICITY_FACTORS[:4])]
_GridRegion = Annotated[str, Strict(), one_of(GRID_REGIONS)]
_MarketResidual = Annotated[str, Strict(), one_of(MARKET_RESIDUALS)]
_NaturalGasSource = Annotated[str, Strict(), one_of(CHOICE_POINTS["natural_gas_source"][0])]
_CokeOvenGasValue = Annotated[str, Strict(), one_of(CHOICE_POINTS["coke_oven_gas_value"][0])]
_WaterCoefficient = Annotated[str, Strict(), one_of(CHOICE_POINTS["water_coefficient"][0])]
_CarbonateBasis = Annotated[str, Strict(), one_of(CHOICE_POINTS["carbonate_basis"][0])]
_Ar6Methane = Annotated[str, Strict(), one_of(CHOICE_POINTS["ar6_methane"][0])]
_Coefficient = Annotated[Number, Field(ge=0)] | None


def applicable_standard(year: int) -> str:
    """GB/T 32150 edition applied when the caller names none.

    Rule: the edition in force on 31 December of the reporting year.  GB/T 32150-2025 is effective
    from 2026-07-01, so reporting years up to 2025 use GB/T 32150-2015 and 2026 onwards use
    GB/T 32150-2025.
    """
    return "GB/T 32150-2015" if year <= 2025 else "GB/T 32150-2025"


@dataclass(frozen=True, slots=True)
class AccountingOptions:
    """Options of a calculation; frozen and hashable, so coefficients can be cached on them.

    Attributes
    ----------
    standard : str or None
        ``"GB/T 32150-2015"`` or ``"GB/T 32150-2025"``; ``None`` = :func:`applicable_standard` of
        the year.
    guideline : str or None
        Sector table of default fuel parameters overriding the standard's general table:
        ``"GB/T 32151.22-2024"``, ``"NDRC-2013-power"``, ``"NDRC-2013-steel"`` (the NDRC sets are
        partial: a parameter they lack is a missing factor, never borrowed from another table).
    combustion_method : str
        ``"standard"`` (GB/T 32150, CO2 only) or ``"ipcc2006_tier1"`` (IPCC 2006 Vol. 2 Tier 1,
        CO2 + CH4 + N2O).
    ipcc_sector : str
        IPCC CH4/N2O table: ``"energy_industries"`` (Table 2.2) or ``"manufacturing"`` (Table 2.3).
    gwp : str
        ``"SAR"``, ``"AR4"``, ``"AR5"`` (default) or ``"AR6"``.
    electricity_factor : str
        Primary purchased-electricity method: ``national_average`` (default), ``regional_average``,
        ``provincial_average``, ``ets_reporting`` or ``market_based``.
    location_electricity_factor : str
        Location-based series reported beside the market-based figure (default national average).
    grid_region : str or None
        Override of the province → regional-grid mapping (``"north"``, ``"east"`` …), needed for
        Inner Mongolia, which is split between two grids.
    market_residual : str
        Market-based factor for electricity without a contractual instrument:
        ``"national_excl_market_nonfossil"`` (MEE/NBS factor excluding market-traded non-fossil
        electricity, the closest published analogue of a residual mix; default) or ``"location"``.
    energy_basis : str
        ``"equivalent"`` (当量值, default) or ``"equal"`` (等价值) for electricity and heat.
    electricity_equal_value_kgce_per_kwh, heat_equal_value_tce_per_gj : float or None
        Caller-supplied equal-value coefficients (e.g. the official figure of the previous year).
    heat_factor_tco2_per_gj : float or None
        Supplier-specific heat emission factor replacing the default 0.11 tCO2/GJ.
    coal_equivalent_from_default_ncv : bool
        Where GB/T 2589 has no coefficient and no NCV was measured, derive the coal equivalent from
        the GHG default NCV (NCV / 29.3076 GJ/tce), with a warning.  Off by default.
    natural_gas_source, coke_oven_gas_value, water_coefficient, carbonate_basis, ar6_methane
        Choice points, see :data:`CHOICE_POINTS`.
    """

    standard: _Standard | None = None
    guideline: _Guideline | None = None
    combustion_method: _CombustionMethod = "standard"
    ipcc_sector: _IpccSector = "energy_industries"
    gwp: _GwpSet = "AR5"
    electricity_factor: _ElectricityFactor = "national_average"
    location_electricity_factor: _LocationFactor = "national_average"
    grid_region: _GridRegion | None = None
    market_residual: _MarketResidual = "national_excl_market_nonfossil"
    energy_basis: EnergyBasis = "equivalent"
    electricity_equal_value_kgce_per_kwh: _Coefficient = None
    heat_equal_value_tce_per_gj: _Coefficient = None
    heat_factor_tco2_per_gj: _Coefficient = None
    coal_equivalent_from_default_ncv: Annotated[bool, Strict()] = False
    natural_gas_source: _NaturalGasSource | None = None
    coke_oven_gas_value: _CokeOvenGasValue | None = None
    water_coefficient: _WaterCoefficient | None = None
    carbonate_basis: _CarbonateBasis | None = None
    ar6_methane: _Ar6Methane | None = None

    @staticmethod
    def validate(values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``(field, reason)`` for every invalid value in ``values`` (option name → value)."""
        return [(p.field, p.reason) for p in option_problems(values)]

    def standard_for(self, year: int) -> str:
        """The GB/T 32150 edition used for ``year``."""
        return self.standard or applicable_standard(year)

    def choice(self, name: str) -> tuple[str | None, bool]:
        """Value at a choice point and whether it is the default (``(value, defaulted)``)."""
        value = getattr(self, name)
        if value is not None:
            return value, False
        return CHOICE_POINTS[name][1], True

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of all option fields (the top-level keys accepted by ``calculate``)."""
        return tuple(f.name for f in fields(cls))


_OPTIONS = TypeAdapter(AccountingOptions)


def option_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Every invalid value in ``values`` (option name → value), with its stable code.

    Reasons do not repeat the option name (``"must be one of SAR, AR4, AR5, AR6; got 'AR9'"``); the
    caller prints ``name: reason``.  Unknown names are not checked here.
    """
    try:
        _OPTIONS.validate_python(dict(values))
    except ValidationError as exc:
        return problems(exc, key_in_reason=False)
    return []
