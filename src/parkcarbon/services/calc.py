"""Stateless accounting (``POST /api/v1/calc``, ``parkcarbon calc``): the engine's JSON contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parkcarbon import core
from parkcarbon.services.errors import InvalidInput


def calculate(payload: Any) -> dict[str, Any]:
    """Answer a calculation request; invalid input raises InvalidInput naming each activity, field and
    code (parkcarbon.core.errors.CALC_ERROR_CODES)."""
    if not isinstance(payload, Mapping):
        reason = "must be a JSON object with 'activities'"
        raise InvalidInput(
            f"request: {reason}", errors=[{"field": "request", "reason": reason, "code": "input.request"}]
        )
    try:
        return core.calculate(payload)
    except core.CalcInputError as exc:
        raise InvalidInput(str(exc), errors=exc.errors) from exc
