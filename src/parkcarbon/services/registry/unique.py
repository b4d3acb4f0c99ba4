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
    """409 ``value.duplicate`` when a live object of the park holds ``value``; 409 ``archive.code_taken``
    when an *archived* one does (its code or name stays taken: evidence refers to it), so the caller knows
    to have the platform admin restore that object instead of creating a second one."""
    model = column.class_
    archived_at = getattr(model, "archived_at", None)
    query = select(model.id, archived_at if archived_at is not None else model.id).where(
        model.park_id == park_id, column == value
    )
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    found = s.execute(query.limit(1)).first()
    if found is None:
        return
    if archived_at is not None and found[1] is not None:
        raise Conflict(
            f"{what} {value!r} belongs to an archived object of this park (id {found[0]}); "
            "the platform admin can restore it",
            errors=[
                {"field": field, "reason": "belongs to an archived object", "code": "archive.code_taken"}
            ],
        )
    raise Conflict(
        f"{what} {value!r} exists in this park",
        errors=[{"field": field, "reason": "already used in this park", "code": "value.duplicate"}],
    )
