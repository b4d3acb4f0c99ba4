"""Accounting options (核算选项): which standard, guideline, GWP set, electricity method, value basis.

Every choice that changes a number is a field here, with a documented default.  Where the sources
disagree (natural-gas coefficient, coke-oven-gas range, water, Na2CO3, AR6 methane) the choice is an
explicit option; a default taken at such a choice point is recorded in the lineage as a warning, and
where no default is defensible (coke-oven gas, water) the caller must choose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

__all__ = [
    "CHOICE_POINTS",
    "COMBUSTION_METHODS",
    "ELECTRICITY_FACTORS",
    "GUIDELINES",
    "GWP_SETS",
    "STANDARDS",
    "AccountingOptions",
    "applicable_standard",
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

    standard: str | None = None
    guideline: str | None = None
    combustion_method: str = "standard"
    ipcc_sector: str = "energy_industries"
    gwp: str = "AR5"
    electricity_factor: str = "national_average"
    location_electricity_factor: str = "national_average"
    grid_region: str | None = None
    market_residual: str = "national_excl_market_nonfossil"
    energy_basis: EnergyBasis = "equivalent"
    electricity_equal_value_kgce_per_kwh: float | None = None
    heat_equal_value_tce_per_gj: float | None = None
    heat_factor_tco2_per_gj: float | None = None
    coal_equivalent_from_default_ncv: bool = False
    natural_gas_source: str | None = None
    coke_oven_gas_value: str | None = None
    water_coefficient: str | None = None
    carbonate_basis: str | None = None
    ar6_methane: str | None = None

    def __post_init__(self) -> None:
        for name, reason in self.validate({f.name: getattr(self, f.name) for f in fields(self)}):
            raise ValueError(f"option {name}: {reason}")

    @staticmethod
    def validate(values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``(field, reason)`` for every invalid value in ``values`` (option name → value)."""
        out: list[tuple[str, str]] = []
        enums: dict[str, tuple[tuple[str, ...], bool]] = {
            "standard": (STANDARDS, True),
            "guideline": (GUIDELINES, True),
            "combustion_method": (COMBUSTION_METHODS, False),
            "ipcc_sector": (("energy_industries", "manufacturing"), False),
            "gwp": (GWP_SETS, False),
            "electricity_factor": (ELECTRICITY_FACTORS, False),
            "location_electricity_factor": (ELECTRICITY_FACTORS[:4], False),
            "grid_region": (
                ("north", "northeast", "east", "central", "northwest", "south", "southwest"),
                True,
            ),
            "market_residual": (("national_excl_market_nonfossil", "location"), False),
            "energy_basis": (("equivalent", "equal"), False),
        }
        for name, (allowed, _default) in CHOICE_POINTS.items():
            enums[name] = (allowed, True)
        for name, value in values.items():
            if name in enums:
                allowed, nullable = enums[name]
                if not (value is None and nullable) and value not in allowed:
                    out.append((name, f"must be one of {', '.join(allowed)}; got {value!r}"))
            elif name in (
                "electricity_equal_value_kgce_per_kwh",
                "heat_equal_value_tce_per_gj",
                "heat_factor_tco2_per_gj",
            ):
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0
                ):
                    out.append((name, f"must be a non-negative number; got {value!r}"))
            elif name == "coal_equivalent_from_default_ncv" and not isinstance(value, bool):
                out.append((name, f"must be true or false; got {value!r}"))
        return out

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
