"""Parks (园区): created by the platform admin, described by their park admins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parkcarbon import core
from parkcarbon.services import access, audit
from parkcarbon.services.errors import Conflict, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.meters import visible_meters
from parkcarbon.services.registry.schemas import ParkCounts, ParkCreate, ParkPublic, ParkUpdate
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    ActivityRecord,
    Area,
    EnterpriseDocument,
    Inventory,
    Meter,
    MrvCase,
    Organisation,
    OrgKind,
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


def overview_counts(db: Database, p: Principal, park_id: int) -> ParkCounts:
    """The park overview's figures for any member of the park, each a count query.

    The directory, the areas and the meter registry (metadata) are readable by every member of the park
    (docs/access.md, "park directory, areas, meter metadata"), so those counts are the park's; the count
    of meters whose *data* the caller reads follows the meter-data rule (staff: every meter; enterprise
    users: their own; grantees: granted enterprises').
    """
    access.require_user(p)
    access.require_park_visible(p, park_id)
    with db.read() as s:
        if s.get(Park, park_id) is None:
            raise NotFound("park not found")

        def count(model: Any, *conds: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model).where(*conds)) or 0)

        live_org = (Organisation.park_id == park_id, Organisation.archived_at.is_(None))
        readable = visible_meters(s, p).where(Meter.park_id == park_id).subquery()
        return ParkCounts(
            park_id=park_id,
            enterprises=count(Organisation, *live_org, Organisation.kind == OrgKind.ENTERPRISE),
            service_organisations=count(
                Organisation,
                *live_org,
                Organisation.kind.in_((OrgKind.SERVICE_PROVIDER, OrgKind.VERIFIER, OrgKind.FINANCIER)),
            ),
            areas=count(Area, Area.park_id == park_id),
            meters=count(Meter, Meter.park_id == park_id, Meter.archived_at.is_(None)),
            meters_with_data=int(s.scalar(select(func.count()).select_from(readable)) or 0),
        )


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
