"""Pydantic validation errors as field problems (校验错误): a dotted path, a human reason, a stable code.

Shared by every contract validated with pydantic models whose error shape is "field path + reason"
(the calc contract in :mod:`parkcarbon.core`, the edge gateway's ``gateway.toml``).  Depends on pydantic
only, so the standalone edge gateway can use it without loading the platform.

* :func:`refuse` raises a check pydantic cannot express itself; its error type *is* the stable code.
* :func:`translate` words one pydantic error (``must be ≥ 0; got -1``) and gives its code.
* :func:`problems` does this for every error of a :class:`pydantic.ValidationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

__all__ = ["Problem", "field_path", "problems", "refuse", "translate"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One rejected field: dotted path, human reason, stable code."""

    field: str
    reason: str
    code: str


def refuse(code: str, reason: str, **context: Any) -> PydanticCustomError:
    """A validation error whose type is the stable ``code`` and whose message is ``reason`` verbatim.

    Extra ``context`` travels in the error's ``ctx`` (e.g. a sub-key the caller appends to the path).
    """
    return PydanticCustomError(code, "{reason}", {"reason": reason, **context})


def field_path(loc: Iterable[int | str], prefix: str = "") -> str:
    """Dotted path of a pydantic location: ``("mass_balance", "purchased")`` under ``activities[2]``
    → ``activities[2].mass_balance.purchased``; list indices in brackets."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


#: What a value of the wrong type should have been, by pydantic error type.
EXPECTED: Mapping[str, str] = {
    "float_type": "a number",
    "finite_number": "a finite number",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "string_type": "a string",
    "bool_type": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
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


def translate(
    err: ErrorDetails,
    key: str = "",
    *,
    hints: Callable[[str], str] = lambda key: "",
    expected: Mapping[str, str] = EXPECTED,
    got: str = "; got ",
) -> tuple[str, str]:
    """``(reason, code)`` of one pydantic error.

    Parameters
    ----------
    err
        One item of ``ValidationError.errors()``.
    key
        Field name the reason starts with (``"quantity must be ≥ 0; got -1"``); ``""`` for
        reasons printed after ``key:`` by the caller.
    hints
        Extra text after ``is required`` for a field name.
    expected
        Wording of the expected type by error type (a TOML file says "a table", JSON "an object").
    got
        What joins the rule and the rejected value (``"; got "``, or ``", got "``).
    """
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    lead = f"{key} " if key else ""
    if "reason" in ctx and err["msg"] == str(ctx["reason"]):  # raised by refuse()
        return str(ctx["reason"]), kind
    if kind == "missing":
        return f"{lead}is required{hints(key)}", "input.required"
    if kind == "extra_forbidden":
        return f"{lead}is an unknown key", "input.unknown_key"
    if kind in expected:
        return f"{lead}must be {expected[kind]}{got}{value!r}", "input.type"
    if kind in _BOUNDS:
        name, sign = _BOUNDS[kind]
        return f"{lead}must be {sign} {_number_text(ctx.get(name))}{got}{_number_text(value)}", "input.range"
    if kind == "literal_error":
        return f"{lead}must be one of {ctx.get('expected')}{got}{value!r}", "input.choice"
    if kind in ("string_too_short", "string_too_long", "string_pattern_mismatch"):
        return f"{lead}{err['msg'].lower()}{got}{value!r}", "input.format"
    return f"{lead}{err['msg']}", "input.invalid"


def problems(
    exc: ValidationError,
    *,
    prefix: str = "",
    key_in_reason: bool = True,
    hints: Callable[[str], str] = lambda key: "",
) -> list[Problem]:
    """The problems of a validation error, one per rejected field, in the order pydantic found them.

    Parameters
    ----------
    exc
        The error raised by a model.
    prefix
        Path of the validated object in the request (``"activities[2]"``).
    key_in_reason
        Start each reason with the field name (the calc contract's style); ``False`` for lists
        that print ``name: reason`` themselves.
    hints
        Extra text after ``is required`` for a field name.
    """
    out: list[Problem] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        names = [p for p in loc if isinstance(p, str)]
        key = names[-1] if names and key_in_reason else ""
        reason, code = translate(err, key, hints=hints)
        out.append(Problem(field_path(loc, prefix), reason, code))
    return out
