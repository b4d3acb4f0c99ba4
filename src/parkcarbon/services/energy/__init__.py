"""Integrated energy services (综合能源服务): energy balance and day-ahead plans (enterprise, park)."""

from parkcarbon.services.energy.service import (
    enterprise_balance,
    enterprise_dispatch,
    park_balance,
    park_dispatch,
    tariff_gaps,
)

__all__ = ["enterprise_balance", "enterprise_dispatch", "park_balance", "park_dispatch", "tariff_gaps"]
