"""Areas of a park (片区、厂区、楼宇): visible to park members, managed by park admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.errors import InvalidInput, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.schemas import AreaCreate, AreaPublic, AreaUpdate
from parkcarbon.services.registry.unique import ensure_unique_in_park
from parkcarbon.store.db import Database
from parkcarbon.store.models import Area, Role


def list_areas(
    db: Database, p: Principal, page: PageParams, *, park_id: int | None = None
) -> Page[AreaPublic]:
    visible = access.visible_park_ids(p)
    query = select(Area).order_by(Area.id)
    if visible is not None:
        query = query.where(Area.park_id.in_(visible or {-1}))
    if park_id is not None:
        query = query.where(Area.park_id == park_id)
    with db.read() as s:
        rows, total = paginate(s, query, page)
        return Page(data=[AreaPublic.model_validate(r) for r in rows], count=total, **page.model_dump())


def _get(s: Session, p: Principal, area_id: int) -> Area:
    area = s.get(Area, area_id)
    if area is None:
        raise NotFound("area not found")
    access.require_park_visible(p, area.park_id, "area")
    return area


def _check_parent(s: Session, park_id: int, parent_id: int | None, self_id: int | None = None) -> None:
    seen = {self_id} if self_id is not None else set()
    while parent_id is not None:
        parent = s.get(Area, parent_id)
        if parent is None or parent.park_id != park_id:
            raise InvalidInput.field("parent_id", "is not an area of this park")
        if parent.id in seen:
            raise InvalidInput.field("parent_id", "would make the area its own ancestor")
        seen.add(parent.id)
        parent_id = parent.parent_id


def get_area(db: Database, p: Principal, area_id: int) -> AreaPublic:
    with db.read() as s:
        return AreaPublic.model_validate(_get(s, p, area_id))


def create_area(db: Database, p: Principal, data: AreaCreate) -> AreaPublic:
    access.require_park_role(p, data.park_id, Role.PARK_ADMIN)
    with db.transaction() as s:
        _check_parent(s, data.park_id, data.parent_id)
        ensure_unique_in_park(s, Area.name, data.park_id, data.name, field="name", what="area")
        area = Area(**data.model_dump())
        s.add(area)
        s.flush()
        audit.record(
            s,
            p,
            "area.create",
            entity="area",
            entity_id=area.id,
            park_id=area.park_id,
            after=audit.snapshot(area),
        )
        return AreaPublic.model_validate(area)


def update_area(db: Database, p: Principal, area_id: int, data: AreaUpdate) -> AreaPublic:
    with db.transaction() as s:
        area = _get(s, p, area_id)
        access.require_park_role(p, area.park_id, Role.PARK_ADMIN)
        changes = data.model_dump(exclude_unset=True)
        if "parent_id" in changes:
            _check_parent(s, area.park_id, changes["parent_id"], area.id)
        if "name" in changes:
            ensure_unique_in_park(
                s, Area.name, area.park_id, changes["name"], exclude_id=area.id, field="name", what="area"
            )
        before = audit.snapshot(area)
        for key, value in changes.items():
            setattr(area, key, value)
        s.flush()
        audit.record(
            s,
            p,
            "area.update",
            entity="area",
            entity_id=area.id,
            park_id=area.park_id,
            before=before,
            after=audit.snapshot(area),
        )
        return AreaPublic.model_validate(area)


def delete_area(db: Database, p: Principal, area_id: int) -> None:
    with db.transaction() as s:
        area = _get(s, p, area_id)
        access.require_park_role(p, area.park_id, Role.PARK_ADMIN)
        audit.record(
            s,
            p,
            "area.delete",
            entity="area",
            entity_id=area.id,
            park_id=area.park_id,
            before=audit.snapshot(area),
        )
        s.delete(area)
