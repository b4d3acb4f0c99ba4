"""The audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parkcarbon.api.deps import PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.accounts import audit_log
from parkcarbon.services.accounts.schemas import AuditEventPublic
from parkcarbon.services.pagination import Page

router = APIRouter(prefix="/audit-events", tags=["audit"])


@router.get("", response_model=Page[AuditEventPublic])
def list_audit_events(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditEventPublic]:
    return audit_log.list_audit_events(
        runtime.db, principal, page, park_id=park_id, entity=entity, entity_id=entity_id
    )
