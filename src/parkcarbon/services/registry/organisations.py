"""Organisations of a park: the operator, enterprises, providers, verifiers, financiers, regulators.

The directory (name, kind, industry) is visible to every member of the park; park admins create and
remove organisations; an enterprise admin may edit their own enterprise's profile.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from parkcarbon.core.codes import industry_codes_matching
from parkcarbon.services import access, audit
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import archive
from parkcarbon.services.registry.schemas import OrganisationCreate, OrganisationPublic, OrganisationUpdate
from parkcarbon.services.registry.unique import ensure_unique_in_park
from parkcarbon.store.db import Database
from parkcarbon.store.models import Organisation, OrgKind, Park, Role


def list_organisations(
    db: Database,
    p: Principal,
    page: PageParams,
    *,
    park_id: int | None = None,
    kind: OrgKind | None = None,
    q: str | None = None,
) -> Page[OrganisationPublic]:
    """Organisations of the parks the caller sees; ``q`` finds a text in the name, the English name,
    the credit code, the industry code or the industry's Chinese or English name (GB/T 4754-2017)."""
    visible = access.visible_park_ids(p)
    query = select(Organisation).where(Organisation.archived_at.is_(None)).order_by(Organisation.id)
    if visible is not None:
        query = query.where(Organisation.park_id.in_(visible or {-1}))
    if park_id is not None:
        query = query.where(Organisation.park_id == park_id)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    if q and q.strip():
        query = query.where(_matches(q.strip()))
    with db.read() as s:
        rows, total = paginate(s, query, page)
        return Page(
            data=[OrganisationPublic.model_validate(r) for r in rows], count=total, **page.model_dump()
        )


def _matches(text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    cond: ColumnElement[bool] = or_(
        Organisation.name.ilike(like, escape="\\"),
        Organisation.name_en.ilike(like, escape="\\"),
        Organisation.credit_code.ilike(like, escape="\\"),
        Organisation.industry_code.ilike(like, escape="\\"),
    )
    for prefix in industry_codes_matching(text):  # C31… and 31… alike
        cond = cond | Organisation.industry_code.like(f"{prefix}%")
    return cond


def _get(s: Session, p: Principal, org_id: int) -> Organisation:
    org = s.get(Organisation, org_id)
    if org is None or org.archived_at is not None:
        raise NotFound("organisation not found")
    access.require_park_visible(p, org.park_id, "organisation")
    return org


def get_organisation(db: Database, p: Principal, org_id: int) -> OrganisationPublic:
    with db.read() as s:
        return OrganisationPublic.model_validate(_get(s, p, org_id))


def create_organisation(db: Database, p: Principal, data: OrganisationCreate) -> OrganisationPublic:
    access.require_park_role(p, data.park_id, Role.PARK_ADMIN)
    with db.transaction() as s:
        if s.get(Park, data.park_id) is None:
            raise InvalidInput.field("park_id", "no such park")
        ensure_unique_in_park(
            s, Organisation.name, data.park_id, data.name, field="name", what="organisation"
        )
        org = Organisation(**data.model_dump())
        s.add(org)
        s.flush()
        audit.record(
            s,
            p,
            "organisation.create",
            entity="organisation",
            entity_id=org.id,
            park_id=org.park_id,
            after=audit.snapshot(org),
        )
        return OrganisationPublic.model_validate(org)


def update_organisation(
    db: Database, p: Principal, org_id: int, data: OrganisationUpdate
) -> OrganisationPublic:
    with db.transaction() as s:
        org = _get(s, p, org_id)
        if not access.can_edit_organisation(
            p, org.park_id, org.id, is_enterprise=org.kind == OrgKind.ENTERPRISE
        ):
            raise Forbidden("editing needs park_admin, or enterprise_admin of this enterprise")
        changes = data.model_dump(exclude_unset=True)
        if "name" in changes:
            ensure_unique_in_park(
                s,
                Organisation.name,
                org.park_id,
                changes["name"],
                exclude_id=org.id,
                field="name",
                what="organisation",
            )
        before = audit.snapshot(org)
        for key, value in changes.items():
            setattr(org, key, value)
        s.flush()
        audit.record(
            s,
            p,
            "organisation.update",
            entity="organisation",
            entity_id=org.id,
            park_id=org.park_id,
            enterprise_id=org.id if org.kind == OrgKind.ENTERPRISE else None,
            before=before,
            after=audit.snapshot(org),
        )
        return OrganisationPublic.model_validate(org)


def delete_organisation(db: Database, p: Principal, org_id: int) -> None:
    """Archive the organisation (never a hard delete): an enterprise's meters, readings, activity data,
    documents, inventories and MRV cases stay, hidden with it, until a platform admin restores it."""
    with db.transaction() as s:
        org = _get(s, p, org_id)
        access.require_park_role(p, org.park_id, Role.PARK_ADMIN)
        if org.kind == OrgKind.PARK_OPERATOR and org.id in {m.organisation_id for m in p.memberships}:
            raise InvalidInput.field("org_id", "you cannot delete the operator organisation you belong to")
        archive.archive(
            s,
            p,
            org,
            entity="organisation",
            entity_id=org.id,
            park_id=org.park_id,
            enterprise_id=org.id if org.kind == OrgKind.ENTERPRISE else None,
            before=audit.snapshot(org),
        )


def restore_organisation(db: Database, p: Principal, org_id: int) -> OrganisationPublic:
    """Bring an archived organisation back with everything it held (platform admin)."""
    with db.transaction() as s:
        org = s.get(Organisation, org_id)
        access.require_platform_admin(p)
        if org is None:
            raise NotFound("organisation not found")
        archive.restore(
            s,
            p,
            org,
            entity="organisation",
            entity_id=org_id,
            park_id=org.park_id,
            enterprise_id=org.id if org.kind == OrgKind.ENTERPRISE else None,
        )
        return OrganisationPublic.model_validate(org)
