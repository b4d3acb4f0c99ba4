"""Meters (计量器具).

Meter metadata is visible to the owning enterprise, to park staff (supervision needs to know what is
metered and whether it reports) and to organisations the enterprise granted ``meter_data``. Park
admins manage every meter of the park; enterprise admins the meters of their own enterprise.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session

from parkcarbon import core
from parkcarbon.services import access, audit
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import archive
from parkcarbon.services.registry.schemas import MeterCreate, MeterPublic, MeterUpdate
from parkcarbon.services.registry.unique import ensure_unique_in_park
from parkcarbon.store.db import Database
from parkcarbon.store.models import AccessGrant, Area, GrantScope, Meter, Organisation, OrgKind


def check_carrier_unit(carrier_id: str, unit: str) -> list[dict[str, Any]]:
    """Field errors if the carrier is unknown or the unit cannot measure it (core vocabulary)."""
    try:
        core.measures_consumption(carrier_id, unit)
    except KeyError as exc:
        return [{"field": "carrier", "reason": str(exc.args[0])}]
    except core.UnitError as exc:
        return [{"field": "unit", "reason": str(exc)}]
    return []


def visible_meters(s: Session, p: Principal) -> Select[Meter]:
    """A query of the meters ``p`` may see."""
    access.require_user(p)
    query = select(Meter).where(Meter.archived_at.is_(None)).order_by(Meter.id)
    if p.is_platform_admin:
        return query
    staff_parks = access.staff_parks(p)
    enterprises = {m.organisation_id for m in p.memberships if m.org_kind == OrgKind.ENTERPRISE}
    orgs = {m.organisation_id for m in p.memberships}
    granted = select(AccessGrant.enterprise_id).where(
        AccessGrant.grantee_organisation_id.in_(orgs or {-1}),
        AccessGrant.scope == GrantScope.METER_DATA,
        AccessGrant.revoked_at.is_(None),
        AccessGrant.expires_at.is_(None) | (AccessGrant.expires_at > datetime.now(UTC)),
    )
    cond: ColumnElement[bool] = false()
    if staff_parks:
        cond = cond | Meter.park_id.in_(staff_parks)
    if enterprises:
        cond = cond | Meter.enterprise_id.in_(enterprises)
    cond = cond | (Meter.enterprise_id.in_(granted) & Meter.park_id.in_(p.park_ids or {-1}))
    return query.where(cond)


def list_meters(
    db: Database,
    p: Principal,
    page: PageParams,
    *,
    park_id: int | None = None,
    enterprise_id: int | None = None,
    area_id: int | None = None,
    carrier: str | None = None,
) -> Page[MeterPublic]:
    with db.read() as s:
        query = visible_meters(s, p)
        for column, value in (
            (Meter.park_id, park_id),
            (Meter.enterprise_id, enterprise_id),
            (Meter.area_id, area_id),
            (Meter.carrier, carrier),
        ):
            if value is not None:
                query = query.where(column == value)
        rows, total = paginate(s, query, page)
        return Page(data=[MeterPublic.model_validate(r) for r in rows], count=total, **page.model_dump())


def _get(s: Session, p: Principal, meter_id: int) -> Meter:
    meter = s.scalar(visible_meters(s, p).where(Meter.id == meter_id))
    if meter is None:
        raise NotFound("meter not found")
    return meter


def get_meter(db: Database, p: Principal, meter_id: int) -> MeterPublic:
    with db.read() as s:
        return MeterPublic.model_validate(_get(s, p, meter_id))


def _check_refs(s: Session, park_id: int, values: dict[str, Any], self_id: int | None = None) -> None:
    errors: list[dict[str, Any]] = []
    if values.get("enterprise_id") is not None:
        ent = s.get(Organisation, values["enterprise_id"])
        if ent is None or ent.park_id != park_id or ent.kind != OrgKind.ENTERPRISE:
            errors.append({"field": "enterprise_id", "reason": "is not an enterprise of this park"})
    if values.get("area_id") is not None:
        area = s.get(Area, values["area_id"])
        if area is None or area.park_id != park_id:
            errors.append({"field": "area_id", "reason": "is not an area of this park"})
    parent_id = values.get("parent_id")
    seen = {self_id} if self_id is not None else set()
    while parent_id is not None:
        parent = s.get(Meter, parent_id)
        if parent is None or parent.park_id != park_id:
            errors.append({"field": "parent_id", "reason": "is not a meter of this park"})
            break
        if parent.id in seen:
            errors.append({"field": "parent_id", "reason": "would make the meter its own ancestor"})
            break
        seen.add(parent.id)
        parent_id = parent.parent_id
    if errors:
        raise InvalidInput("; ".join(f"{e['field']} {e['reason']}" for e in errors), errors=errors)


def create_meter(db: Database, p: Principal, data: MeterCreate) -> MeterPublic:
    access.require_park_visible(p, data.park_id)
    if not access.can_manage_enterprise(p, data.park_id, data.enterprise_id):
        raise Forbidden("adding meters needs park_admin, or enterprise_admin for the enterprise's own meters")
    errors = check_carrier_unit(data.carrier, data.unit)
    if errors:
        raise InvalidInput("; ".join(f"{e['field']} {e['reason']}" for e in errors), errors=errors)
    with db.transaction() as s:
        values = data.model_dump()
        _check_refs(s, data.park_id, values)
        ensure_unique_in_park(s, Meter.code, data.park_id, data.code, field="code", what="meter code")
        meter = Meter(**values, active=True)
        s.add(meter)
        s.flush()
        audit.record(
            s,
            p,
            "meter.create",
            entity="meter",
            entity_id=meter.id,
            park_id=meter.park_id,
            enterprise_id=meter.enterprise_id,
            after=audit.snapshot(meter),
        )
        return MeterPublic.model_validate(meter)


def update_meter(db: Database, p: Principal, meter_id: int, data: MeterUpdate) -> MeterPublic:
    with db.transaction() as s:
        meter = _get(s, p, meter_id)
        if not access.can_manage_enterprise(p, meter.park_id, meter.enterprise_id):
            raise Forbidden("editing meters needs park_admin, or enterprise_admin of the owning enterprise")
        changes = data.model_dump(exclude_unset=True)
        _check_refs(s, meter.park_id, changes, meter.id)
        before = audit.snapshot(meter)
        for key, value in changes.items():
            setattr(meter, key, value)
        s.flush()
        audit.record(
            s,
            p,
            "meter.update",
            entity="meter",
            entity_id=meter.id,
            park_id=meter.park_id,
            enterprise_id=meter.enterprise_id,
            before=before,
            after=audit.snapshot(meter),
        )
        return MeterPublic.model_validate(meter)


def delete_meter(db: Database, p: Principal, meter_id: int) -> None:
    """Archive the meter: it leaves lists and gets; its readings stay (evidence of past inventories)."""
    with db.transaction() as s:
        meter = _get(s, p, meter_id)
        if not access.can_manage_enterprise(p, meter.park_id, meter.enterprise_id):
            raise Forbidden("removing meters needs park_admin, or enterprise_admin of the owning enterprise")
        archive.archive(
            s,
            p,
            meter,
            entity="meter",
            entity_id=meter.id,
            park_id=meter.park_id,
            enterprise_id=meter.enterprise_id,
            before=audit.snapshot(meter),
        )


def restore_meter(db: Database, p: Principal, meter_id: int) -> MeterPublic:
    """Bring an archived meter back (platform admin)."""
    with db.transaction() as s:
        meter = s.get(Meter, meter_id)
        access.require_platform_admin(p)
        if meter is None:
            raise NotFound("meter not found")
        archive.restore(
            s,
            p,
            meter,
            entity="meter",
            entity_id=meter_id,
            park_id=meter.park_id,
            enterprise_id=meter.enterprise_id,
        )
        return MeterPublic.model_validate(meter)
