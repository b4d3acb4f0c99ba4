"""Exception tree of the accounting core (核算引擎异常).

Every error raised by :mod:`parkcarbon.core` derives from :class:`AccountingError`, so callers can
catch one type.  Validation never uses ``assert`` (asserts vanish under ``python -O``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CALC_ERROR_CODES",
    "AccountingError",
    "ActivityValueError",
    "AmbiguousFactorError",
    "CalcInputError",
    "MissingFactorError",
    "NonLinearActivityError",
    "UnitError",
    "UnitMismatchError",
    "UnknownUnitError",
]


#: Stable codes of the calc contract's refusals and missing figures (``errors[].code`` of
#: :class:`CalcInputError` / HTTP 422, ``results[].missing[].code``).  The console translates them;
#: a code is never renamed, new codes may be added.
CALC_ERROR_CODES: dict[str, str] = {
    "input.request": "the request is not a JSON object (or not valid JSON)",
    "input.required": "a required field is absent",
    "input.type": "a field has the wrong JSON type (a number, string, object or list was expected)",
    "input.range": "a number is outside its allowed range",
    "input.choice": "a value is not one of the allowed values (carrier, use, option, region …)",
    "input.format": "a value does not have the required form (e.g. ncv_unit 'GJ/t')",
    "input.activity_kind": "an activity needs exactly one of carrier, process, gas or capture",
    "input.duplicate_id": "two activities have the same id",
    "input.invalid": "a value the engine cannot use (the reason says why)",
    "quantity.negative": "a negative quantity; exported energy is given with use 'exported'",
    "hot_water.below_reference": "hot water below the 20 °C reference temperature carries no heat",
    "steam.saturated_with_temperature": "saturated steam with a temperature that is not its saturation "
    "temperature (superheated or condensed)",
    "steam.enthalpy_below_feedwater": "steam enthalpy not above the 83.74 kJ/kg of the 20 °C feedwater",
    "steam.state": "steam state outside the tables or incomplete (pressure, temperature, state)",
    "unit.unknown": "a unit symbol is not in the registry",
    "unit.mismatch": "a unit of the wrong dimension for this activity",
    "factor.missing": "no default factor in the library for this selection",
    "factor.ambiguous": "the sources disagree and the caller must choose with an option",
    "process.invalid": "the input of a process method is invalid",
}


class AccountingError(Exception):
    """Base class of all errors raised by the accounting core."""

    #: Stable code (:data:`CALC_ERROR_CODES`) the calc contract reports for this error.
    code = "input.invalid"


class UnitError(AccountingError, ValueError):
    """A unit could not be used."""

    code = "unit.unknown"


class UnknownUnitError(UnitError):
    """A unit symbol is not in the registry."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        super().__init__(f"unknown unit {unit!r}; see parkcarbon.core.units.UNITS for the accepted symbols")


class UnitMismatchError(UnitError):
    """Two units of different physical dimension were combined.

    Attributes
    ----------
    from_unit, to_unit : str
        The two unit symbols, as given.
    from_dimension, to_dimension : str
        Their dimensions (``mass``, ``volume``, ``energy`` …).
    """

    code = "unit.mismatch"

    def __init__(self, from_unit: str, to_unit: str, from_dimension: str, to_dimension: str) -> None:
        self.from_unit = from_unit
        self.to_unit = to_unit
        self.from_dimension = from_dimension
        self.to_dimension = to_dimension
        super().__init__(
            f"cannot convert {from_unit!r} ({from_dimension}) to {to_unit!r} ({to_dimension}): "
            "the dimensions differ"
        )


class MissingFactorError(AccountingError, LookupError):
    """No factor in the library matches the selection; nothing is silently substituted.

    Attributes
    ----------
    kind : str
        What was looked for (``grid_ef``, ``ncv``, ``coal_equivalent`` …).
    subject : str
        The carrier, gas, material or region concerned.
    criteria : dict
        The selection criteria (standard, guideline, year, region …).
    remedy : str
        What the caller can do (supply a measured value, choose another option …).
    """

    code = "factor.missing"

    def __init__(
        self, kind: str, subject: str, criteria: dict[str, Any] | None = None, remedy: str = ""
    ) -> None:
        self.kind = kind
        self.subject = subject
        self.criteria = dict(criteria or {})
        self.remedy = remedy
        crit = ", ".join(f"{k}={v}" for k, v in self.criteria.items() if v is not None)
        msg = f"missing factor: no {kind} for {subject!r}"
        if crit:
            msg += f" ({crit})"
        if remedy:
            msg += f"; {remedy}"
        super().__init__(msg)


class AmbiguousFactorError(MissingFactorError):
    """The library holds several disagreeing values and the caller has not chosen one."""

    code = "factor.ambiguous"

    def __init__(self, kind: str, subject: str, choice: str, options: dict[str, str], note: str = "") -> None:
        listed = "; ".join(f"{k}: {v}" for k, v in options.items())
        super().__init__(
            kind,
            subject,
            {},
            (f"{note}; " if note else "")
            + f"the sources disagree, choose one with the option {choice!r} ({listed})",
        )
        self.choice = choice
        self.options = dict(options)


class ActivityValueError(AccountingError, ValueError):
    """An activity value that cannot be physically right (hot water below its reference temperature,
    saturated steam with a superheat temperature …).

    Attributes
    ----------
    field : str
        The activity field to correct (``temperature_c``, ``state`` …).
    code : str
        Stable code from :data:`CALC_ERROR_CODES`.
    """

    code = "input.range"

    def __init__(self, message: str, *, field: str, code: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        if code is not None:
            self.code = code


class NonLinearActivityError(AccountingError, ValueError):
    """A per-unit coefficient does not exist without further activity parameters.

    Raised by :func:`parkcarbon.core.activity_coefficients` for, e.g., steam given in tonnes (the
    energy per tonne depends on pressure and temperature): convert to GJ first with
    :func:`parkcarbon.core.steam_heat_gj` or pass the quantity in an energy unit.
    """


class CalcInputError(ValueError):
    """Invalid input to :func:`parkcarbon.core.calculate`.

    Attributes
    ----------
    errors : list of dict
        One item per problem: ``{"activity": <id or None>, "field": "activities[2].unit",
        "reason": "<human sentence>", "code": "unit.mismatch"}`` (``code`` from
        :data:`CALC_ERROR_CODES`).  All problems of a request are collected.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = list(errors)
        super().__init__(self._summary())

    def _summary(self) -> str:
        if not self.errors:
            return "invalid input"
        parts = []
        for err in self.errors:
            where = err.get("field") or "request"
            act = err.get("activity")
            prefix = f"{where} (activity {act!r})" if act is not None else where
            parts.append(f"{prefix}: {err.get('reason')}")
        head = f"{len(self.errors)} invalid input field(s): " if len(self.errors) > 1 else "invalid input: "
        return head + "; ".join(parts)
