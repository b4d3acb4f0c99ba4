"""Archiving (归档): evidence is hidden, never deleted; a platform admin restores it (issue 12 §3).

A ``DELETE`` of an organisation, a meter or a document sets ``archived_at`` / ``archived_by``; the row
and everything that refers to it (readings, activity data, inventories, MRV cases) stay, and the
foreign keys that would cascade them away are ``RESTRICT`` (migration ``0410_archive``). Lists and gets
leave archived rows out; calculations over past periods (inventories, supervision totals) still read
the readings of archived meters, so a frozen inventory recomputes to the same figures.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.errors import Conflict
from parkcarbon.services.principal import Principal
from parkcarbon.store.base import ArchivedMixin, utcnow


def archive(
    s: Session,
    p: Principal,
    row: ArchivedMixin,
    *,
    entity: str,
    entity_id: int,
    park_id: int | None,
    enterprise_id: int | None,
    before: dict[str, Any] | None,
) -> None:
    """Mark ``row`` archived by ``p`` and record ``<entity>.archive`` in the audit log."""
    row.archived_at = utcnow()
    row.archived_by = p.label
    s.flush()
    audit.record(
        s,
        p,
        f"{entity}.archive",
        entity=entity,
        entity_id=entity_id,
        park_id=park_id,
        enterprise_id=enterprise_id,
        before=before,
        after={"archived_at": row.archived_at.isoformat(), "archived_by": row.archived_by},
    )


def restore(
    s: Session,
    p: Principal,
    row: ArchivedMixin,
    *,
    entity: str,
    entity_id: int,
    park_id: int | None,
    enterprise_id: int | None,
) -> None:
    """Un-archive ``row`` (platform admin only); 409 if it is not archived."""
    access.require_platform_admin(p)
    if row.archived_at is None:
        raise Conflict(
            f"{entity} {entity_id} is not archived",
            errors=[{"field": f"{entity}_id", "reason": "is not archived", "code": "state.not_allowed"}],
        )
    before = {"archived_at": row.archived_at.isoformat(), "archived_by": row.archived_by}
    row.archived_at = None
    row.archived_by = None
    s.flush()
    audit.record(
        s,
        p,
        f"{entity}.restore",
        entity=entity,
        entity_id=entity_id,
        park_id=park_id,
        enterprise_id=enterprise_id,
        before=before,
        after={"archived_at": None},
    )
