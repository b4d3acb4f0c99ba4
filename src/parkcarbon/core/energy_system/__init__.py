"""Integrated energy system models (综合能源系统): balance, assets, tariffs, day-ahead dispatch,
PV + storage sizing.

Distinct from :mod:`parkcarbon.core.energy` (comprehensive energy consumption, GB/T 2589-2020), whose
coefficients the balance uses.
"""

from parkcarbon.core.energy_system.assets import Battery, EvSession, FlexibleLoad, GridConnection, PvArray
from parkcarbon.core.energy_system.balance import (
    BalanceLine,
    BalanceMeter,
    CarrierBalance,
    EnergyBalance,
    SankeyData,
    SankeyLink,
    SankeyNode,
    energy_balance,
)
from parkcarbon.core.energy_system.dispatch import (
    Counterfactual,
    DispatchProblem,
    DispatchResult,
    build_dispatch_model,
    counterfactual,
    dispatch,
)
from parkcarbon.core.energy_system.errors import (
    ENERGY_ERROR_CODES,
    EnergyInputError,
    EnergySystemError,
    InfeasibleDispatchError,
)
from parkcarbon.core.energy_system.sizing import (
    RepresentativeDay,
    SizingCosts,
    SizingResult,
    capital_recovery_factor,
    size_pv_battery,
)
from parkcarbon.core.energy_system.tariff import (
    PERIODS_5,
    BasicCharge,
    Bill,
    StepTariff,
    TariffCoverage,
    bill,
    step_tariff,
    tariff_coverage,
)

__all__ = [
    "ENERGY_ERROR_CODES",
    "PERIODS_5",
    "BalanceLine",
    "BalanceMeter",
    "BasicCharge",
    "Battery",
    "Bill",
    "CarrierBalance",
    "Counterfactual",
    "DispatchProblem",
    "DispatchResult",
    "EnergyBalance",
    "EnergyInputError",
    "EnergySystemError",
    "EvSession",
    "FlexibleLoad",
    "GridConnection",
    "InfeasibleDispatchError",
    "PvArray",
    "RepresentativeDay",
    "SankeyData",
    "SankeyLink",
    "SankeyNode",
    "SizingCosts",
    "SizingResult",
    "StepTariff",
    "TariffCoverage",
    "bill",
    "build_dispatch_model",
    "capital_recovery_factor",
    "counterfactual",
    "dispatch",
    "energy_balance",
    "size_pv_battery",
    "step_tariff",
    "tariff_coverage",
]
