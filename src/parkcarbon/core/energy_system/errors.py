"""Errors of the energy-system models (能源系统模型异常): balance, assets, tariffs, dispatch, sizing.

Every error carries a stable ``code`` (``energy.*``) that services turn into problem+json and the
console translates (``web/errors.py``).
"""

from __future__ import annotations

from parkcarbon.core.errors import AccountingError

__all__ = ["ENERGY_ERROR_CODES", "EnergyInputError", "EnergySystemError", "InfeasibleDispatchError"]

#: Stable codes; a code is never renamed, new codes may be added.
ENERGY_ERROR_CODES: dict[str, str] = {
    "energy.input": "an asset, tariff, session or meter value the model cannot use (the reason says why)",
    "energy.hierarchy": "the meter hierarchy has a cycle or a parent of another carrier",
    "energy.unit": "a meter quantity cannot be converted to tce/GJ (unit or missing coefficient)",
    "energy.tariff_missing": "no TOU tariff held for the province and date, and none was supplied",
    "energy.infeasible": "no schedule satisfies the limits (e.g. EV energy larger than the window allows)",
    "energy.solver": "the solver did not return an optimal solution",
}


class EnergySystemError(AccountingError):
    """Base of the energy-system errors."""

    code = "energy.input"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        if code is not None:
            self.code = code


class EnergyInputError(EnergySystemError, ValueError):
    """An input value the model cannot use; ``field`` names it."""


class InfeasibleDispatchError(EnergySystemError):
    """The dispatch problem has no feasible schedule; the message names the binding limit if known."""

    code = "energy.infeasible"
