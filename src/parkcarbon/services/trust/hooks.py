"""What the services log (one call each, inside the service's own transaction).

Leaf fields are ids, states and SHA-256 digests — never cost data (``access.COST_FIELDS``) or other
figures a reader of the entry could not read anyway. The digests are of RFC 8785 canonical JSON, so
whoever holds the figures can recompute them (docs/trust.md, "Leaves").
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services.trust.log import Appended, LogRecord, append, canonical
from parkcarbon.store.models import AccessGrant, Inventory, InventoryLine, MrvCase

__all__ = ["inventory_figures", "inventory_figures_sha256", "log_grant", "log_mrv_step"]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def log_grant(s: Session, grant: AccessGrant, kind: str) -> Appended:
    """``grant.create`` / ``grant.revoke``: who shares which scope with whom, until when."""
    return append(
        s,
        LogRecord(
            kind=kind, entity="access_grant", entity_id=str(grant.id), park_id=grant.park_id,
            enterprise_id=grant.enterprise_id,
            fields={
                "grant_id": grant.id, "grantee_organisation_id": grant.grantee_organisation_id,
                "scope": str(grant.scope), "expires_at": _iso(grant.expires_at),
                "revoked_at": _iso(grant.revoked_at),
            },
        ),
    )  # fmt: skip


def inventory_figures(s: Session, inventory: Inventory) -> dict[str, Any]:
    """The inventory's figures that the log commits to: totals and per line the activity, quantity,
    energy and emissions (no cost, supplier or tariff)."""
    lines = s.scalars(
        select(InventoryLine)
        .where(InventoryLine.inventory_id == inventory.id)
        .order_by(InventoryLine.position)
    )
    return {
        "inventory_id": inventory.id, "year": inventory.year, "version": inventory.version,
        "total_tco2e": inventory.total_tco2e, "total_tce": inventory.total_tce,
        "lines": [
            {
                "activity_id": ln.activity_id, "category": ln.category, "carrier": ln.carrier,
                "unit": ln.unit, "quantity": ln.quantity, "tce": ln.tce, "tco2e": ln.tco2e,
            }
            for ln in lines
        ],
    }  # fmt: skip


def inventory_figures_sha256(s: Session, inventory: Inventory) -> str:
    """Hex SHA-256 of the RFC 8785 bytes of :func:`inventory_figures`."""
    return hashlib.sha256(canonical(inventory_figures(s, inventory))).hexdigest()


def log_mrv_step(s: Session, case: MrvCase, action: str) -> Appended:
    """``mrv.<action>``: an MRV case's state change, with the digest of its inventory's figures (the
    submitted inventory on submit/resubmit, the verified one on verify) and of the verifier's opinion."""
    inv = s.get(Inventory, case.inventory_id) if case.inventory_id else None
    opinion = case.verification_opinion if action == "verify" else None
    return append(
        s,
        LogRecord(
            kind=f"mrv.{action}", entity="mrv_case", entity_id=str(case.id), park_id=case.park_id,
            enterprise_id=case.enterprise_id,
            fields={
                "case_id": case.id, "year": case.year, "status": case.status,
                "verifier_organisation_id": case.verifier_organisation_id,
                "inventory_id": case.inventory_id,
                "inventory_figures_sha256": None if inv is None else inventory_figures_sha256(s, inv),
                "opinion_sha256": None if opinion is None else hashlib.sha256(opinion.encode()).hexdigest(),
            },
        ),
    )  # fmt: skip
