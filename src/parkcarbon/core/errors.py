"""Exception tree of the accounting core (核算引擎异常).

Every error raised by :mod:`parkcarbon.core` derives from :class:`AccountingError`, so callers can
catch one type.  Validation never uses ``assert`` (asserts vanish under ``python -O``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccountingError",
    "AmbiguousFactorError",
    "CalcInputError",
    "MissingFactorError",
    "NonLinearActivityError",
    "UnitError",
    "UnitMismatchError",
    "UnknownUnitError",
]


class AccountingError(Exception):
    """Base class of all errors raised by the accounting core."""


class UnitError(AccountingError, ValueError):
    """A unit could not be used."""


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

    def __init__(self, kind: str, subject: str, choice: str, options: dict[str, str]) -> None:
        listed = "; ".join(f"{k}: {v}" for k, v in options.items())
        super().__init__(
            kind,
            subject,
            {},
            f"the sources disagree, choose one with the option {choice!r} ({listed})",
        )
        self.choice = choice
        self.options = dict(options)


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
        "reason": "<human sentence>"}``.  All problems of a request are collected.
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
