"""Writing to the append-only audit log. Every state change a service makes records one event."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from parkcarbon.services.principal import Principal
from parkcarbon.store.base import Base
from parkcarbon.store.models import AuditEvent

#: Columns never copied into the audit log.
SECRET_COLUMNS = frozenset({"password_hash", "key_hash", "token_hash"})


def snapshot(obj: Base | None) -> dict[str, Any] | None:
    """The column values of a row, JSON-ready (dates ISO 8601, decimals as exact strings), without secrets."""
    if obj is None:
        return None
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in SECRET_COLUMNS:
            continue
        value = getattr(obj, attr.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)  # exact amounts (Numeric columns), not a binary float
        out[attr.key] = value
    return out


def record(
    s: Session,
    actor: Principal,
    action: str,
    *,
    entity: str,
    entity_id: int | str | None = None,
    park_id: int | None = None,
    enterprise_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    s.add(
        AuditEvent(
            actor_user_id=actor.user_id,
            actor_api_key_id=actor.api_key.api_key_id if actor.api_key else None,
            actor_label=actor.label,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            park_id=park_id,
            enterprise_id=enterprise_id,
            before=before,
            after=after,
        )
    )
