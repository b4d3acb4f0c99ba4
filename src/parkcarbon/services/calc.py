"""Stateless accounting (``POST /api/v1/calc``, ``parkcarbon calc``): the engine's JSON contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parkcarbon import core
from parkcarbon.services.errors import InvalidInput


def calculate(payload: Any) -> dict[str, Any]:
    """Answer a calculation request; invalid input raises InvalidInput naming each activity and field."""
    if not isinstance(payload, Mapping):
        raise InvalidInput.field("request", "must be a JSON object with 'activities'")
    try:
        return core.calculate(payload)
    except core.CalcInputError as exc:
        raise InvalidInput(str(exc), errors=exc.errors) from exc
