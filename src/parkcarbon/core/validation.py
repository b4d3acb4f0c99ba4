"""Input validation of the core's contracts with pydantic (输入校验): types, ranges, allowed values.

The request models (:mod:`parkcarbon.core.calc_request`, :class:`parkcarbon.core.AccountingOptions`)
declare their constraints with pydantic; this module holds the constrained types they share and turns
a :class:`pydantic.ValidationError` into the contract's problems: a dotted field path
(``activities[2].mass_balance.purchased``), a human reason and a stable code
(:data:`parkcarbon.core.errors.CALC_ERROR_CODES`).  Checks pydantic cannot express (a unit symbol,
a carrier-dependent ``use``) raise :func:`refuse` errors, whose type *is* the stable code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, Strict, ValidationError
from pydantic.types import AllowInfNan
from pydantic_core import ErrorDetails, PydanticCustomError

from parkcarbon.core.errors import CALC_ERROR_CODES

__all__ = ["Number", "Problem", "StrictText", "field_path", "one_of", "problems", "refuse"]

#: A finite JSON number (an integer is accepted; a string or a boolean is not).
Number = Annotated[float, Strict(), AllowInfNan(False)]
#: A JSON string, never coerced from a number.
StrictText = Annotated[str, Strict()]


@dataclass(frozen=True, slots=True)
class Problem:
    """One rejected field: dotted path, human reason, stable code."""

    field: str
    reason: str
    code: str


def refuse(code: str, reason: str) -> PydanticCustomError:
    """A validation error with a stable ``code`` (its pydantic error type) and a literal ``reason``."""
    if code not in CALC_ERROR_CODES:  # pragma: no cover - programming error
        raise ValueError(f"unregistered error code {code!r}")
    return PydanticCustomError(code, "{reason}", {"reason": reason})


def one_of(allowed: Iterable[str], *, label: str = "") -> AfterValidator:
    """An after-validator accepting only ``allowed`` (reason ``must be one of …; got …``)."""
    choices = tuple(allowed)
    prefix = f"{label} " if label else ""

    def check(value: str) -> str:
        if value not in choices:
            raise refuse("input.choice", f"{prefix}must be one of {', '.join(choices)}; got {value!r}")
        return value

    return AfterValidator(check)


def field_path(loc: Iterable[int | str], prefix: str = "") -> str:
    """Dotted path: ``("mass_balance", "purchased")`` under ``activities[2]`` →
    ``activities[2].mass_balance.purchased``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_EXPECTED = {
    "float_type": "a finite number",
    "finite_number": "a finite number",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "string_type": "a string",
    "bool_type": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "dataclass_type": "an object",
    "list_type": "a list",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "≥"),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "≤"),
    "less_than": ("lt", "<"),
}


def _number_text(x: Any) -> str:
    return f"{x:g}" if isinstance(x, int | float) and not isinstance(x, bool) else repr(x)


def _translate(err: ErrorDetails, key: str, hints: Callable[[str], str]) -> tuple[str, str]:
    kind, got, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    lead = f"{key} " if key else ""
    if kind in CALC_ERROR_CODES:  # raised by refuse(): the message is the reason
        return str(ctx.get("reason", err["msg"])), kind
    if kind == "missing":
        return f"{lead}is required{hints(key)}", "input.required"
    if kind in _EXPECTED:
        return f"{lead}must be {_EXPECTED[kind]}; got {got!r}", "input.type"
    if kind in _BOUNDS:
        name, sign = _BOUNDS[kind]
        return f"{lead}must be {sign} {_number_text(ctx.get(name))}; got {_number_text(got)}", "input.range"
    if kind == "literal_error":
        return f"{lead}must be one of {ctx.get('expected')}; got {got!r}", "input.choice"
    if kind in ("string_too_short", "string_too_long", "string_pattern_mismatch"):
        return f"{lead}{err['msg'].lower()}; got {got!r}", "input.format"
    return f"{lead}{err['msg']}", "input.invalid"


def problems(
    exc: ValidationError,
    *,
    prefix: str = "",
    key_in_reason: bool = True,
    hints: Callable[[str], str] = lambda key: "",
) -> list[Problem]:
    """The contract's problems of a pydantic validation error, one per rejected field.

    Parameters
    ----------
    exc
        The error raised by a model of this package.
    prefix
        Path of the validated object in the request (``"activities[2]"``).
    key_in_reason
        Start each reason with the field name (``"quantity must be ≥ 0; got -1"``) — the calc
        contract's style; ``False`` for option lists that print ``name: reason`` themselves.
    hints
        Extra text after ``is required`` for a field name (e.g. which units are meant).
    """
    out: list[Problem] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        names = [p for p in loc if isinstance(p, str)]
        key = names[-1] if names and key_in_reason else ""
        reason, code = _translate(err, key, hints)
        out.append(Problem(field_path(loc, prefix), reason, code))
    return out
