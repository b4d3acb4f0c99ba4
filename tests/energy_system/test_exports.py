"""The public surface of core.energy_system is pinned."""

import parkcarbon.core.energy_system as es


def test_public_surface() -> None:
    assert sorted(es.__all__) == sorted(
        [
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
    )
    assert all(hasattr(es, n) for n in es.__all__)
