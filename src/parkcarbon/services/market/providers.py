"""Provider onboarding (服务商入驻): application, qualifications with evidence, the park admin's review.

A provider organisation is an organisation of kind ``service_provider`` in the park's registry
(:mod:`parkcarbon.services.registry.organisations`); its members apply with the organisation's unified
social credit code (checked per GB 32100-2015, :func:`parkcarbon.core.codes.credit_code_error`,
and stored on the organisation) and document their qualifications; the park admin approves, asks for
more, rejects or suspends with a reason. Only approved providers list services and bid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parkcarbon.core.codes import credit_code_error
from parkcarbon.services import access, audit
from parkcarbon.services.clock import park_today
from parkcarbon.services.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from parkcarbon.services.files import checked_content_type, safe_file_name
from parkcarbon.services.market.schemas import (
    Decision,
    ProviderApplication,
    ProviderPublic,
    ProviderStatus,
    QualificationCreate,
    QualificationPublic,
    ReviewDecision,
)
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    MarketDocument,
    Organisation,
    OrgKind,
    Park,
    ProviderProfile,
    ProviderQualification,
    ProviderRating,
)

MAX_EVIDENCE_BYTES = 2 * 1024 * 1024

#: decision → (states it applies to, resulting state)
_TRANSITIONS: dict[Decision, tuple[frozenset[ProviderStatus], ProviderStatus]] = {
    Decision.APPROVE: (
        frozenset({ProviderStatus.APPLIED, ProviderStatus.NEEDS_INFO, ProviderStatus.SUSPENDED}),
        ProviderStatus.APPROVED,
    ),
    Decision.NEEDS_INFO: (frozenset({ProviderStatus.APPLIED}), ProviderStatus.NEEDS_INFO),
    Decision.REJECT: (
        frozenset({ProviderStatus.APPLIED, ProviderStatus.NEEDS_INFO}),
        ProviderStatus.REJECTED,
    ),
    Decision.SUSPEND: (frozenset({ProviderStatus.APPROVED}), ProviderStatus.SUSPENDED),
}


def provider_org(s: Session, p: Principal, provider_id: int) -> Organisation:
    """The provider organisation, if visible to ``p`` (else NotFound)."""
    access.require_user(p)
    org = s.get(Organisation, provider_id)
    if org is None or org.kind != OrgKind.SERVICE_PROVIDER or org.archived_at is not None:
        raise NotFound("provider not found")
    access.require_park_visible(p, org.park_id, "provider")
    return org


def approved_provider_ids(s: Session, park_id: int) -> frozenset[int]:
    rows = s.scalars(
        select(ProviderProfile.organisation_id).where(
            ProviderProfile.park_id == park_id, ProviderProfile.status == ProviderStatus.APPROVED
        )
    )
    return frozenset(rows)


def rating_stats(s: Session, provider_ids: list[int]) -> dict[int, tuple[float | None, int]]:
    rows: Sequence[Any] = s.execute(
        select(ProviderRating.provider_id, func.avg(ProviderRating.stars), func.count())
        .where(ProviderRating.provider_id.in_(provider_ids or [-1]))
        .group_by(ProviderRating.provider_id)
    ).all()
    found = {pid: (float(avg) if avg is not None else None, int(n)) for pid, avg, n in rows}
    return {pid: found.get(pid, (None, 0)) for pid in provider_ids}


def _public(s: Session, p: Principal, org: Organisation, prof: ProviderProfile | None) -> ProviderPublic:
    avg, n = rating_stats(s, [org.id])[org.id]
    private = access.can_read_provider_private(p, org.park_id, org.id)
    shown = prof if prof is not None and (private or prof.status == ProviderStatus.APPROVED) else None
    return ProviderPublic(
        id=org.id,
        park_id=org.park_id,
        name=org.name,
        name_en=org.name_en,
        credit_code=org.credit_code,
        status=ProviderStatus(shown.status) if shown else None,
        description=shown.description if shown else None,
        contact=shown.contact if shown else None,
        applied_at=shown.applied_at if shown else None,
        decided_at=shown.decided_at if shown else None,
        decision_reason=shown.decision_reason if shown and private else None,
        rating_average=avg,
        rating_count=n,
    )


def _profile(s: Session, provider_id: int) -> ProviderProfile | None:
    return s.scalar(select(ProviderProfile).where(ProviderProfile.organisation_id == provider_id))


def list_providers(
    db: Database,
    p: Principal,
    page: PageParams,
    *,
    park_id: int | None = None,
    status: ProviderStatus | None = None,
) -> Page[ProviderPublic]:
    """Provider organisations of the caller's parks; others see approved ones only, the park admin and
    each provider its own application whatever its state."""
    visible = access.visible_park_ids(p)
    query = (
        select(Organisation, ProviderProfile)
        .outerjoin(ProviderProfile, ProviderProfile.organisation_id == Organisation.id)
        .where(Organisation.kind == OrgKind.SERVICE_PROVIDER, Organisation.archived_at.is_(None))
        .order_by(Organisation.id)
    )
    if visible is not None:
        query = query.where(Organisation.park_id.in_(visible or {-1}))
    if park_id is not None:
        query = query.where(Organisation.park_id == park_id)
    if not p.is_platform_admin:
        reviewer_parks = [pk for pk in p.park_ids if access.can_review_market(p, pk)]
        own = access.provider_orgs(p)
        query = query.where(
            (ProviderProfile.status == ProviderStatus.APPROVED)
            | Organisation.park_id.in_(reviewer_parks or [-1])
            | Organisation.id.in_(own or {-1})
        )
    if status is not None:
        query = query.where(ProviderProfile.status == status)
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        rows = s.execute(query.limit(page.limit).offset(page.offset)).all()
        return Page(data=[_public(s, p, o, pr) for o, pr in rows], count=total, **page.model_dump())


def get_provider(db: Database, p: Principal, provider_id: int) -> ProviderPublic:
    with db.read() as s:
        org = provider_org(s, p, provider_id)
        return _public(s, p, org, _profile(s, org.id))


def apply(
    db: Database, p: Principal, provider_id: int, data: ProviderApplication, *, now: datetime | None = None
) -> ProviderPublic:
    """Submit (or, after a request for more or a rejection, resubmit) the provider's application."""
    now = now or datetime.now(UTC)
    with db.transaction() as s:
        org = provider_org(s, p, provider_id)
        access.require_provider_actor(p, org.park_id, org.id)
        reason = credit_code_error(data.credit_code)
        if reason is not None:
            raise InvalidInput.field("credit_code", reason, code="market.credit_code")
        prof = _profile(s, org.id)
        if prof is not None and prof.status in {
            ProviderStatus.APPROVED,
            ProviderStatus.APPLIED,
            ProviderStatus.SUSPENDED,
        }:
            raise Conflict(
                f"the application is {prof.status}; resubmit only after a request for more or a rejection",
                errors=[{"field": "status", "reason": f"is {prof.status}", "code": "state.not_allowed"}],
            )
        before = audit.snapshot(prof)
        if prof is None:
            prof = ProviderProfile(
                park_id=org.park_id,
                organisation_id=org.id,
                status=ProviderStatus.APPLIED,
                description=data.description,
                contact=data.contact,
                applied_at=now,
            )
            s.add(prof)
        else:
            prof.status, prof.description, prof.contact, prof.applied_at = (
                ProviderStatus.APPLIED,
                data.description,
                data.contact,
                now,
            )
            prof.decided_at = prof.decided_by = prof.decision_reason = None
        org.credit_code = data.credit_code
        s.flush()
        audit.record(
            s,
            p,
            "market.provider.apply",
            entity="market_provider",
            entity_id=org.id,
            park_id=org.park_id,
            before=before,
            after=audit.snapshot(prof),
        )
        return _public(s, p, org, prof)


def decide(
    db: Database, p: Principal, provider_id: int, data: ReviewDecision, *, now: datetime | None = None
) -> ProviderPublic:
    """The park admin's decision on an application (or suspension of an approved provider)."""
    now = now or datetime.now(UTC)
    with db.transaction() as s:
        org = provider_org(s, p, provider_id)
        access.require_market_reviewer(p, org.park_id)
        prof = _profile(s, org.id)
        if prof is None:
            raise Conflict(
                "the provider has not applied",
                errors=[{"field": "status", "reason": "no application", "code": "state.not_allowed"}],
            )
        allowed, target = _TRANSITIONS[data.decision]
        if prof.status not in allowed:
            raise Conflict(
                f"cannot {data.decision} an application that is {prof.status}",
                errors=[
                    {"field": "decision", "reason": f"not from {prof.status}", "code": "state.not_allowed"}
                ],
            )
        if data.decision != Decision.APPROVE and not data.reason:
            raise InvalidInput.field("reason", "a reason is required", code="market.reason_required")
        before = audit.snapshot(prof)
        prof.status, prof.decided_at, prof.decided_by, prof.decision_reason = (
            target,
            now,
            p.label,
            data.reason,
        )
        s.flush()
        audit.record(
            s,
            p,
            f"market.provider.{data.decision}",
            entity="market_provider",
            entity_id=org.id,
            park_id=org.park_id,
            before=before,
            after=audit.snapshot(prof),
        )
        return _public(s, p, org, prof)


def _qual_public(s: Session, p: Principal, q: ProviderQualification, today: date) -> QualificationPublic:
    doc = s.get(MarketDocument, q.document_id)
    private = access.can_read_provider_private(p, q.park_id, q.provider_id)
    return QualificationPublic(
        id=q.id,
        park_id=q.park_id,
        provider_id=q.provider_id,
        kind=q.kind,
        number=q.number,
        issuer=q.issuer,
        valid_until=q.valid_until,
        expired=q.valid_until < today,
        document_id=q.document_id,
        document_sha256=doc.sha256 if doc is not None and private else None,
    )


def add_qualification(
    db: Database, p: Principal, provider_id: int, data: QualificationCreate
) -> QualificationPublic:
    """A qualification with its evidence document (at most 2 MiB; PDF, image, spreadsheet or text)."""
    with db.transaction() as s:
        org = provider_org(s, p, provider_id)
        access.require_provider_actor(p, org.park_id, org.id)
        park = s.get(Park, org.park_id)
        today = park_today(park.timezone if park else None)
        if data.valid_until < today:
            raise InvalidInput.field(
                "valid_until", "the qualification has expired", code="market.qualification_expired"
            )
        try:
            content = base64.b64decode(data.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput.field("content_base64", "is not valid base64") from None
        if not content:
            raise InvalidInput.field("content_base64", "the file is empty")
        if len(content) > MAX_EVIDENCE_BYTES:
            raise PayloadTooLarge(f"the evidence has {len(content)} bytes; the limit is {MAX_EVIDENCE_BYTES}")
        name = safe_file_name(data.filename)
        doc = MarketDocument(
            park_id=org.park_id,
            organisation_id=org.id,
            filename=name,
            content_type=checked_content_type(name, data.content_type, content),
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        s.add(doc)
        s.flush()
        q = ProviderQualification(
            park_id=org.park_id,
            provider_id=org.id,
            kind=data.kind,
            number=data.number,
            issuer=data.issuer,
            valid_until=data.valid_until,
            document_id=doc.id,
        )
        s.add(q)
        s.flush()
        audit.record(
            s,
            p,
            "market.qualification.add",
            entity="market_qualification",
            entity_id=q.id,
            park_id=org.park_id,
            after={**(audit.snapshot(q) or {}), "sha256": doc.sha256},
        )
        return _qual_public(s, p, q, today)


def list_qualifications(
    db: Database, p: Principal, provider_id: int, page: PageParams
) -> Page[QualificationPublic]:
    with db.read() as s:
        org = provider_org(s, p, provider_id)
        prof = _profile(s, org.id)
        if not access.can_read_provider_private(p, org.park_id, org.id) and (
            prof is None or prof.status != ProviderStatus.APPROVED
        ):
            raise NotFound("provider not found")
        park = s.get(Park, org.park_id)
        today = park_today(park.timezone if park else None)
        query = (
            select(ProviderQualification)
            .where(ProviderQualification.provider_id == org.id)
            .order_by(ProviderQualification.id)
        )
        rows, total = paginate(s, query, page)
        return Page(data=[_qual_public(s, p, q, today) for q in rows], count=total, **page.model_dump())
