"""Enterprise objects committed once per database and park, for tests that need existing ids
(the tenancy matrix's positive control and cross-tenant requests)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from parkcarbon.demo.seed import SeededPark
from parkcarbon.services.accounts.auth import digest, new_secret
from parkcarbon.services.enterprise import documents, inventory, mrv, profile
from parkcarbon.services.enterprise.schemas import (
    CaseCreate,
    CommentCreate,
    DocumentUpload,
    FacilityCreate,
    InventoryCreate,
    ProductCreate,
    SourceCreate,
)
from parkcarbon.services.principal import SYSTEM
from parkcarbon.store.db import Database
from parkcarbon.store.models import Invitation

_CACHE: dict[tuple[str, int], dict[str, int]] = {}


def enterprise_objects(engine: Engine, park: SeededPark) -> dict[str, int]:
    """Ids of a facility, source, product, document, a draft 2024 inventory with its first line, and a
    2024 MRV case (planning, the park's verifier assigned) with an open remark, a 2023 case whose verifier
    is only proposed, and a pending invitation, all of the park's first enterprise. Created (and
    committed) on first use for this database."""
    key = (str(engine.url), park.park_id)
    if key in _CACHE:
        return _CACHE[key]
    db = Database(engine)
    ent = park.enterprise_ids[0]
    fac = profile.create_facility(db, SYSTEM, ent, FacilityCreate(name="matrix facility"))
    src = profile.create_source(
        db,
        SYSTEM,
        ent,
        SourceCreate(
            name="matrix electricity", carrier="electricity", unit="kWh", meter_ids=[park.meter_ids[0]]
        ),
    )
    prod = profile.create_product(db, SYSTEM, ent, ProductCreate(name="matrix product", unit="t"))
    doc = documents.upload_document(
        db,
        SYSTEM,
        ent,
        DocumentUpload(filename="matrix.csv", content_base64=base64.b64encode(b"a,b\n1,2\n").decode()),
    )
    inv = inventory.create_inventory(db, SYSTEM, ent, InventoryCreate(year=2024))
    case = mrv.create_case_unchecked(
        db,
        SYSTEM,
        CaseCreate(enterprise_id=ent, year=2024, verifier_organisation_id=park.verifier_id),
        verifier_accepted=True,
    )
    comment = mrv.add_comment(db, SYSTEM, case.id, CommentCreate(text="matrix remark"))
    # a 2023 case whose verifier the park only proposed, and a pending invitation into the enterprise
    proposed = mrv.create_case_unchecked(
        db,
        SYSTEM,
        CaseCreate(enterprise_id=ent, year=2023, verifier_organisation_id=park.verifier_id),
        verifier_accepted=False,
    )
    # (the invitation row directly: its code goes by mail, which test_invitations.py exercises)
    with db.transaction() as s:
        invitation = Invitation(
            park_id=park.park_id, enterprise_id=ent, email="matrix.invitee@example.cn",
            role="enterprise_member", code_hash=digest(new_secret("pci_")), status="pending",
            expires_at=datetime.now(UTC) + timedelta(days=7), invited_by="matrix seeding",
        )  # fmt: skip
        s.add(invitation)
        s.flush()
        invitation_id = invitation.id
    ids: dict[str, Any] = {
        "facility_id": fac.id,
        "source_id": src.id,
        "product_id": prod.id,
        "document_id": doc.id,
        "evidence_document_id": doc.id,
        "inventory_id": inv.id,
        "line_id": inv.lines[0].id,
        "case_id": case.id,
        "comment_id": comment.id,
        "proposed_case_id": proposed.id,
        "invitation_id": invitation_id,
        "verifier_organisation_id": park.verifier_id,
    }
    _CACHE[key] = ids
    return ids
