"""Checking a park-scoped unique name before writing, so a clash is a clear 409 naming the field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from parkcarbon.services.errors import Conflict


def ensure_unique_in_park(
    s: Session,
    column: InstrumentedAttribute[Any],
    park_id: int,
    value: Any,
    *,
    exclude_id: int | None = None,
    field: str,
    what: str,
) -> None:
    model = column.class_
    query = select(model.id).where(model.park_id == park_id, column == value)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if s.scalar(query.limit(1)) is not None:
        raise Conflict(
            f"{what} {value!r} exists in this park",
            errors=[{"field": field, "reason": "already used in this park", "code": "value.duplicate"}],
        )
