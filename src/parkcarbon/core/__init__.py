"""parkcarbon.core — the pure accounting engine (碳核算引擎与因子库).

No I/O except packaged data files, no clocks, no network.  Public surface:

* :func:`calculate` — the stateless JSON contract behind ``POST /api/v1/calc`` and ``parkcarbon calc``;
  invalid input raises :class:`CalcInputError` (``errors``: activity, dotted field, reason).
* :func:`activity_coefficients` — cached linear coefficients (tce and tCO2e per unit) for rollups.
* :class:`AccountingOptions` — standard, guideline, GWP set, electricity method, value basis, choices.
* :func:`convert` / :class:`UnitMismatchError`, :func:`carrier` / :data:`CARRIERS`.
* :func:`diff_results` — what changed between two answers (e.g. after a factor update).
* :func:`library` — the cited factor library.

See docs/accounting.md for the supported standards, editions and factor years.
"""

from parkcarbon.core.calc import calculate
from parkcarbon.core.carriers import AUXILIARY_UNITS, CARRIERS, Carrier, carrier, measures_consumption
from parkcarbon.core.coefficients import (
    Coefficients,
    MissingFigure,
    PartialCoefficients,
    activity_coefficients,
    default_use,
    partial_coefficients,
)
from parkcarbon.core.emissions.fugitive import gwp, mass_balance_emission_t
from parkcarbon.core.emissions.heat_steam import (
    SteamStateError,
    hot_water_heat_gj,
    saturated_steam_enthalpy_kj_per_kg,
    steam_heat_gj,
    superheated_steam_enthalpy_kj_per_kg,
)
from parkcarbon.core.emissions.process import carbon_balance_co2, carbonate_co2, register_process_method
from parkcarbon.core.emissions.stationary_combustion import stationary_combustion_co2
from parkcarbon.core.energy.comprehensive_energy import (
    comprehensive_energy_tce,
    unit_output_value_energy_consumption,
    unit_product_energy_consumption,
)
from parkcarbon.core.errors import (
    AccountingError,
    AmbiguousFactorError,
    CalcInputError,
    MissingFactorError,
    NonLinearActivityError,
    UnitError,
    UnitMismatchError,
    UnknownUnitError,
)
from parkcarbon.core.factors.library import Factor, library
from parkcarbon.core.inventory import aggregate
from parkcarbon.core.lineage import CalcWarning, FactorUse, Lineage, diff_results
from parkcarbon.core.options import AccountingOptions, applicable_standard
from parkcarbon.core.units import convert

__all__ = [
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
    "mass_balance_emission_t",
    "measures_consumption",
    "partial_coefficients",
    "register_process_method",
    "saturated_steam_enthalpy_kj_per_kg",
    "stationary_combustion_co2",
    "steam_heat_gj",
    "superheated_steam_enthalpy_kj_per_kg",
    "unit_output_value_energy_consumption",
    "unit_product_energy_consumption",
]
