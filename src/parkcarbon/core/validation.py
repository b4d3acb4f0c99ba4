"""Input validation of the core's contracts with pydantic (输入校验): shared constrained types.

The request models (:mod:`parkcarbon.core.calc_request`, :class:`parkcarbon.core.AccountingOptions`)
declare their constraints with pydantic and the types here; :func:`parkcarbon.pydantic_errors.problems`
turns a :class:`pydantic.ValidationError` into the contract's problems (dotted field path, reason,
stable code of :data:`parkcarbon.core.errors.CALC_ERROR_CODES`).  Checks pydantic cannot express (a unit
symbol, a carrier-dependent ``use``) raise :func:`refuse` errors, whose type *is* the stable code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, Strict
from pydantic.types import AllowInfNan
from pydantic_core import PydanticCustomError

from parkcarbon import pydantic_errors
from parkcarbon.core.errors import CALC_ERROR_CODES
from parkcarbon.pydantic_errors import Problem, problems

__all__ = ["Number", "Problem", "StrictText", "one_of", "problems", "refuse"]

#: A finite JSON number (an integer is accepted; a string or a boolean is not).
Number = Annotated[float, Strict(), AllowInfNan(False)]
#: A JSON string, never coerced from a number.
StrictText = Annotated[str, Strict()]


def refuse(code: str, reason: str) -> PydanticCustomError:
    """A validation error with a registered stable ``code`` and a literal ``reason``."""
    if code not in CALC_ERROR_CODES:  # pragma: no cover - programming error
        raise ValueError(f"unregistered error code {code!r}")
    return pydantic_errors.refuse(code, reason)


def one_of(allowed: Iterable[str], *, label: str = "") -> AfterValidator:
    """An after-validator accepting only ``allowed`` (reason ``must be one of …; got …``)."""
    choices = tuple(allowed)
    prefix = f"{label} " if label else ""

    def check(value: str) -> str:
        if value not in choices:
            raise refuse("input.choice", f"{prefix}must be one of {', '.join(choices)}; got {value!r}")
        return value

    return AfterValidator(check)
