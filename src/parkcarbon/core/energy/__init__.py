"""Energy accounting: comprehensive energy consumption (综合能耗), GB/T 2589-2020."""

from parkcarbon.core.energy.comprehensive_energy import (
    coal_equivalent_coefficient,
    comprehensive_energy_tce,
    unit_output_value_energy_consumption,
    unit_product_energy_consumption,
)

__all__ = [
    "coal_equivalent_coefficient",
    "comprehensive_energy_tce",
    "unit_output_value_energy_consumption",
    "unit_product_energy_consumption",
]
