"""Parks (园区): created by the platform admin, described by their park admins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon import core
from parkcarbon.services import access, audit
from parkcarbon.services.errors import Conflict, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.schemas import ParkCreate, ParkPublic, ParkUpdate
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    ActivityRecord,
    EnterpriseDocument,
    Inventory,
    Meter,
    MrvCase,
    Park,
    Role,
)


def list_parks(db: Database, p: Principal, page: PageParams) -> Page[ParkPublic]:
    visible = access.visible_park_ids(p)
    query = select(Park).order_by(Park.id)
    if visible is not None:
        query = query.where(Park.id.in_(visible or {-1}))
    with db.read() as s:
        rows, total = paginate(s, query, page)
        return Page(data=[ParkPublic.model_validate(r) for r in rows], count=total, **page.model_dump())


def get_park(db: Database, p: Principal, park_id: int) -> ParkPublic:
    access.require_park_visible(p, park_id)
    with db.read() as s:
        park = s.get(Park, park_id)
        if park is None:
            raise NotFound("park not found")
        return ParkPublic.model_validate(park)


def get_park_by_code(db: Database, p: Principal, code: str) -> ParkPublic:
    with db.read() as s:
        park = s.scalar(select(Park).where(Park.code == code))
        if park is None:
            raise NotFound("park not found")
        access.require_park_visible(p, park.id)
        return ParkPublic.model_validate(park)


def create_park(db: Database, p: Principal, data: ParkCreate) -> ParkPublic:
    access.require_platform_admin(p)
    with db.transaction() as s:
        if s.scalar(select(Park.id).where(Park.code == data.code)) is not None:
            raise Conflict(
                "a park with this code exists",
                errors=[{"field": "code", "reason": "already used", "code": "value.duplicate"}],
            )
        park = Park(**data.model_dump())
        s.add(park)
        s.flush()
        audit.record(
            s, p, "park.create", entity="park", entity_id=park.id, park_id=park.id, after=audit.snapshot(park)
        )
        return ParkPublic.model_validate(park)


def update_park(db: Database, p: Principal, park_id: int, data: ParkUpdate) -> ParkPublic:
    access.require_park_role(p, park_id, Role.PARK_ADMIN)
    with db.transaction() as s:
        park = s.get(Park, park_id)
        if park is None:
            raise NotFound("park not found")
        before = audit.snapshot(park)
        for key, value in data.model_dump(exclude_unset=True).items():
            setattr(park, key, value)
        s.flush()
        audit.record(
            s,
            p,
            "park.update",
            entity="park",
            entity_id=park.id,
            park_id=park.id,
            before=before,
            after=audit.snapshot(park),
        )
        return ParkPublic.model_validate(park)


#: evidence tables whose rows keep a park from being deleted (their foreign keys are RESTRICT)
_EVIDENCE: tuple[tuple[str, Any], ...] = (
    ("meters", Meter.park_id),
    ("activity records", ActivityRecord.park_id),
    ("documents", EnterpriseDocument.park_id),
    ("inventories", Inventory.park_id),
    ("MRV cases", MrvCase.park_id),
)


def _refuse_if_evidence(s: Session, park_id: int) -> None:
    """409 ``archive.has_evidence`` naming what the park still holds (never cascaded away)."""
    held = [what for what, column in _EVIDENCE if s.scalar(select(column).where(column == park_id).limit(1))]
    if held:
        raise Conflict(
            f"the park still holds evidence ({', '.join(held)}); archive its organisations instead",
            code="archive.has_evidence",
            errors=[
                {"field": "park_id", "reason": f"holds {what}", "code": "archive.has_evidence"}
                for what in held
            ],
        )


def delete_park(db: Database, p: Principal, park_id: int) -> None:
    access.require_park_visible(p, park_id)
    access.require_platform_admin(p)
    with db.transaction() as s:
        park = s.get(Park, park_id)
        if park is None:
            raise NotFound("park not found")
        _refuse_if_evidence(s, park.id)
        audit.record(
            s,
            p,
            "park.delete",
            entity="park",
            entity_id=park.id,
            park_id=park.id,
            before=audit.snapshot(park),
        )
        s.delete(park)


def accounting_options(s: Session, park_id: int, **overrides: Any) -> core.AccountingOptions:
    """The park's accounting profile as engine options (``overrides`` win, e.g. a report's standard)."""
    park = s.get(Park, park_id)
    if park is None:
        raise NotFound("park not found")
    return core.AccountingOptions(**{**(park.accounting_options or {}), **overrides})
