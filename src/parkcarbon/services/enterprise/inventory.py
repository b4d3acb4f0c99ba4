"""Carbon inventory (碳盘查): assemble a year's activity data, calculate with the engine, freeze, revise.

* Activity data comes from the enterprise's emission sources (:mod:`.activity_assembly`): meter rollups and
  uploaded activity records; a manual override needs a reason and an evidence document.
* The exact request given to :func:`parkcarbon.core.calculate` and its answer (results with factors,
  sources, formula, clause) are stored beside the lines; nothing is recomputed when it is read.
* Submitting freezes a version (status ``submitted``, SHA-256 of the snapshot). Later data or factor
  changes never alter it: a revision is a new version, assembled and calculated afresh, with a diff
  against the version it revises (:func:`parkcarbon.core.diff_results`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parkcarbon import core
from parkcarbon.core import AccountingOptions
from parkcarbon.services import access, audit
from parkcarbon.services.enterprise.activity_assembly import DraftLine, assemble
from parkcarbon.services.enterprise.schemas import (
    InventoryCreate,
    InventoryDetail,
    InventoryLinePublic,
    InventoryPublic,
    LineOverride,
)
from parkcarbon.services.errors import Conflict, InvalidInput, NotFound
from parkcarbon.services.metering.consumption import ProfileDifference, profile_differences, profile_used
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    EnterpriseDocument,
    EnterpriseProduct,
    EnterpriseProfile,
    GrantScope,
    Inventory,
    InventoryLine,
    Organisation,
    Park,
)

__all__ = [
    "create_inventory",
    "create_revision",
    "default_method",
    "detail",
    "get_inventory",
    "inventory_for_read",
    "list_inventories",
    "override_line",
    "recalculate",
    "submit_inventory",
]

#: Options the method decides; a request may not set them through ``options``.
_METHOD_OPTIONS = frozenset({"standard", "guideline"})


def default_method(year: int) -> str:
    """The GB/T 32150 edition in force on 31 December of ``year`` (core.applicable_standard)."""
    return core.applicable_standard(year)


def method_options(method: str, year: int, guideline: str | None, options: dict[str, Any]) -> dict[str, Any]:
    """Engine options of an inventory method.

    ``GB/T 32150-2015`` and ``GB/T 32150-2025`` fix the standard (with the sector part's default fuel
    parameters when ``guideline`` is given). ``ISO 14064-1:2018`` and ``GHG Protocol`` are reporting
    frameworks: the Chinese defaults of the year's edition quantify the activities, and the report is
    organised by ISO 14064-1 category or GHG Protocol scope (location- and market-based Scope 2).
    """
    errors = [
        {"field": f"options.{k}", "reason": "is set by the method and sector_guideline"}
        for k in sorted(_METHOD_OPTIONS & set(options))
    ]
    known = set(AccountingOptions.field_names())
    errors += [
        {"field": f"options.{k}", "reason": "is not an accounting option"}
        for k in sorted(set(options) - known)
    ]
    errors += [
        {"field": f"options.{k}", "reason": reason}
        for k, reason in AccountingOptions.validate({k: v for k, v in options.items() if k in known})
    ]
    if errors:
        raise InvalidInput("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)
    standard = method if method.startswith("GB/T 32150") else core.applicable_standard(year)
    out = {**options, "standard": standard}
    if guideline:
        out["guideline"] = guideline
    return out


# --------------------------------------------------------------------------------------- internals


def _activity(line: InventoryLine) -> dict[str, Any]:
    act: dict[str, Any] = {"id": line.activity_id, **(line.calc_params or {})}
    act.update({"quantity": line.quantity, "unit": line.unit, "source": line.source_name})
    if line.carrier:
        act["carrier"] = line.carrier
    if line.use:
        act["use"] = line.use
    return act


def _lines(s: Session, inv: Inventory) -> list[InventoryLine]:
    return list(
        s.scalars(
            select(InventoryLine).where(InventoryLine.inventory_id == inv.id).order_by(InventoryLine.position)
        )
    )


def _calculate(s: Session, inv: Inventory) -> None:
    """Calculate every line with the engine and store request, answer and per-line results."""
    lines = _lines(s, inv)
    request = {
        "year": inv.year,
        "region": inv.region,
        **method_options(inv.method, inv.year, inv.sector_guideline, inv.options or {}),
        "activities": [_activity(line) for line in lines],
    }
    inv.request = request
    inv.calculated_at = datetime.now(UTC)
    try:
        answer = core.calculate(request)
    except core.CalcInputError as exc:
        by_id = {line.activity_id: line for line in lines}
        inv.errors = [
            {
                **e,
                "line_id": by_id[e["activity"]].id if e.get("activity") in by_id else None,
                "source": by_id[e["activity"]].source_name if e.get("activity") in by_id else None,
            }
            for e in exc.errors
        ]
        inv.answer = None
        inv.total_tco2e = inv.total_tce = None
        inv.factor_library_version = None
        for line in lines:
            line.result, line.tce, line.tco2e = None, None, None
        return
    results = {r["id"]: r for r in answer["results"]}
    for line in lines:
        r = results[line.activity_id]
        line.result = r
        line.tce = r.get("tce")
        line.tco2e = r.get("tco2e")
    inv.answer = answer
    inv.errors = []
    # A total is None when a line's figure has no default factor (the line's result says why).
    totals = answer["totals"]
    inv.total_tco2e = None if totals["tco2e"] is None else float(totals["tco2e"])
    inv.total_tce = None if totals["tce"] is None else float(totals["tce"])
    inv.factor_library_version = answer.get("factor_library_version")


def _add_lines(s: Session, inv: Inventory, drafts: list[DraftLine]) -> None:
    for i, d in enumerate(drafts, start=1):
        s.add(
            InventoryLine(
                inventory_id=inv.id,
                park_id=inv.park_id,
                enterprise_id=inv.enterprise_id,
                position=i,
                activity_id=d.activity_id,
                source_id=d.source_id,
                source_name=d.source_name,
                category=d.category,
                carrier=d.carrier,
                unit=d.unit,
                use=d.use,
                calc_params=d.calc_params,
                origin=d.origin,
                auto_quantity=d.quantity,
                quantity=d.quantity,
                data_lineage=d.data_lineage,
                quality=d.quality,
            )
        )
    s.flush()


def _carry_overrides(s: Session, inv: Inventory, previous: Sequence[Any]) -> None:
    """Keep the overrides of a previous version on the lines with the same activity id."""
    old = {line.activity_id: line for line in previous if line.override_reason}
    for line in _lines(s, inv):
        prev = old.get(line.activity_id)
        if prev is None:
            continue
        line.quantity = prev.quantity
        line.override_reason = prev.override_reason
        line.evidence_document_id = prev.evidence_document_id
        line.overridden_by = prev.overridden_by
        line.origin = "manual" if prev.origin == "manual" else line.origin
        line.quality = {**(line.quality or {}), "override_carried_from_inventory": prev.inventory_id}


def _warnings(inv: Inventory, lines: list[InventoryLine]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in lines:
        for w in (line.result or {}).get("warnings", []):
            out.append({"activity_id": line.activity_id, "source": line.source_name, **w})
        for m in (line.result or {}).get("missing", []):  # tce or tCO2e without a default factor
            out.append(
                {
                    "activity_id": line.activity_id,
                    "source": line.source_name,
                    "code": m["code"],
                    "message": f"{m['figure']} not computed: {m['reason']}",
                }
            )
        q = line.quality or {}
        if q.get("no_data") and line.override_reason is None:
            out.append(
                {
                    "activity_id": line.activity_id,
                    "source": line.source_name,
                    "code": "data.missing",
                    "message": q.get("note") or "no activity data for the year",
                }
            )
        elif q.get("missing_months"):
            out.append(
                {
                    "activity_id": line.activity_id,
                    "source": line.source_name,
                    "code": "data.missing_months",
                    "message": "months without meter data: " + ", ".join(q["missing_months"]),
                }
            )
        if q.get("estimated_share"):
            out.append(
                {
                    "activity_id": line.activity_id,
                    "source": line.source_name,
                    "code": "data.estimated",
                    "message": f"{q['estimated_share']:.1%} of the quantity is estimated",
                }
            )
    return out


def detail(s: Session, inv: Inventory, p: Principal) -> InventoryDetail:
    """The inventory as ``p`` may read it: cost fields (``supplier`` in an activity record's lineage,
    at any depth of lineage, request and diff) are blank unless ``access.can_read_costs``."""
    lines = _lines(s, inv)
    used, park = _profiles(s, inv)
    full = InventoryDetail(
        **InventoryPublic.model_validate(inv).model_dump(),
        options=inv.options or {},
        accounting_profile=profile_used(used, "park" if not park else "inventory"),
        profile_differences=park,
        supplementary=inv.supplementary,
        request=inv.request,
        totals=(inv.answer or {}).get("totals"),
        warnings=_warnings(inv, lines),
        errors=inv.errors or [],
        diff=inv.diff,
        snapshot_sha256=inv.snapshot_sha256,
        lines=[InventoryLinePublic.model_validate(line) for line in lines],
    )
    return access.redact_costs_deep(full, access.can_read_costs(s, p, inv.park_id, inv.enterprise_id))


def _profiles(s: Session, inv: Inventory) -> tuple[AccountingOptions, list[ProfileDifference]]:
    """The inventory's engine options and where they differ from the park's profile (issue 13 §4)."""
    used = AccountingOptions(**method_options(inv.method, inv.year, inv.sector_guideline, inv.options or {}))
    park = s.get(Park, inv.park_id)
    park_opts = AccountingOptions(**((park.accounting_options if park else None) or {}))
    return used, profile_differences(used, park_opts, inv.year)


def inventory_for_read(s: Session, p: Principal, inventory_id: int) -> tuple[Inventory, Organisation]:
    inv = s.get(Inventory, inventory_id)
    if inv is None:
        raise NotFound("inventory not found")
    org = access.enterprise_of(s, p, inv.enterprise_id)
    access.require_enterprise_read(s, p, org, GrantScope.INVENTORY)
    return inv, org


def _for_write(s: Session, p: Principal, inventory_id: int) -> tuple[Inventory, Organisation]:
    inv = s.get(Inventory, inventory_id)
    if inv is None:
        raise NotFound("inventory not found")
    org = access.enterprise_of(s, p, inv.enterprise_id)
    access.require_enterprise_write(p, org)
    return inv, org


def _require_draft(inv: Inventory) -> None:
    if inv.status != "draft":
        raise Conflict(
            f"inventory {inv.id} (version {inv.version}) is submitted and frozen; revise it to change it",
            errors=[{"field": "inventory_id", "reason": "is submitted and frozen"}],
        )


def _region(s: Session, org: Organisation) -> tuple[str, str]:
    park = s.get(Park, org.park_id)
    if park is None:  # pragma: no cover - the enterprise's park exists (foreign key)
        raise NotFound("park not found")
    prof = s.get(EnterpriseProfile, org.id)
    return (prof.province if prof and prof.province else park.province), park.timezone


def _supplementary(s: Session, org: Organisation, data: InventoryCreate) -> dict[str, Any] | None:
    outputs = []
    for i, out in enumerate(data.product_outputs):
        product = s.get(EnterpriseProduct, out.product_id)
        if product is None or product.enterprise_id != org.id:
            raise InvalidInput.field(f"product_outputs.{i}.product_id", "is not a product of this enterprise")
        outputs.append(
            {"product_id": product.id, "name": product.name, "unit": product.unit, "quantity": out.quantity}
        )
    if not outputs and data.output_value_10k_cny is None:
        return None
    return {"product_outputs": outputs, "output_value_10k_cny": data.output_value_10k_cny}


def _audit(s: Session, p: Principal, action: str, inv: Inventory) -> None:
    audit.record(
        s,
        p,
        action,
        entity="inventory",
        entity_id=inv.id,
        park_id=inv.park_id,
        enterprise_id=inv.enterprise_id,
        after={
            "year": inv.year,
            "version": inv.version,
            "method": inv.method,
            "status": inv.status,
            "total_tco2e": inv.total_tco2e,
            "snapshot_sha256": inv.snapshot_sha256,
        },
    )


def _park_options(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in profile.items() if k not in _METHOD_OPTIONS}


def _next_version(s: Session, enterprise_id: int, year: int) -> int:
    current = s.scalar(
        select(func.max(Inventory.version)).where(
            Inventory.enterprise_id == enterprise_id, Inventory.year == year
        )
    )
    return int(current or 0) + 1


# ----------------------------------------------------------------------------------------- the API


def create_inventory(
    db: Database, p: Principal, enterprise_id: int, data: InventoryCreate
) -> InventoryDetail:
    """Assemble the year's activity data from meters and uploads and calculate it (a draft version)."""
    with db.transaction() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_write(p, org)
        # a new inventory defaults to the park's accounting profile, as the park's monitoring does
        profile = dict(s.get(Park, org.park_id).accounting_options or {})  # type: ignore[union-attr]
        method = data.method or profile.pop("standard", None) or default_method(data.year)
        guideline = data.sector_guideline or profile.pop("guideline", None)
        options = data.options if data.options is not None else _park_options(profile)
        method_options(method, data.year, guideline, options)
        region, timezone = _region(s, org)
        drafts = assemble(s, org.id, data.year, timezone)
        if not drafts:
            raise InvalidInput.field(
                "enterprise_id", "the enterprise has no active emission sources; add them to its file first"
            )
        inv = Inventory(
            park_id=org.park_id,
            enterprise_id=org.id,
            year=data.year,
            version=_next_version(s, org.id, data.year),
            method=method,
            sector_guideline=guideline,
            options=options,
            status="draft",
            region=region,
            supplementary=_supplementary(s, org, data),
            created_by=p.label,
        )
        s.add(inv)
        s.flush()
        _add_lines(s, inv, drafts)
        _calculate(s, inv)
        s.flush()
        _audit(s, p, "inventory.create", inv)
        return detail(s, inv, p)


def list_inventories(
    db: Database, p: Principal, enterprise_id: int, *, year: int | None = None
) -> list[InventoryPublic]:
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.INVENTORY)
        query = select(Inventory).where(Inventory.enterprise_id == org.id)
        if year is not None:
            query = query.where(Inventory.year == year)
        rows = s.scalars(query.order_by(Inventory.year.desc(), Inventory.version.desc()))
        return [InventoryPublic.model_validate(r) for r in rows]


def get_inventory(db: Database, p: Principal, inventory_id: int) -> InventoryDetail:
    with db.read() as s:
        inv, _org = inventory_for_read(s, p, inventory_id)
        return detail(s, inv, p)


def override_line(
    db: Database, p: Principal, inventory_id: int, line_id: int, data: LineOverride
) -> InventoryDetail:
    """Replace a line's activity data by hand: the reason and an evidence document are required."""
    with db.transaction() as s:
        inv, org = _for_write(s, p, inventory_id)
        line = s.get(InventoryLine, line_id)
        if line is None or line.inventory_id != inv.id:
            raise NotFound("inventory line not found")
        _require_draft(inv)
        doc = s.get(EnterpriseDocument, data.evidence_document_id)
        if doc is None or doc.enterprise_id != org.id:
            raise InvalidInput.field("evidence_document_id", "is not a document of this enterprise")
        before = {"activity_id": line.activity_id, "quantity": line.quantity, "reason": line.override_reason}
        line.quantity = data.quantity
        line.override_reason = data.reason
        line.evidence_document_id = doc.id
        line.overridden_by = p.label
        _calculate(s, inv)
        s.flush()
        audit.record(
            s,
            p,
            "inventory.override",
            entity="inventory_line",
            entity_id=line.id,
            park_id=inv.park_id,
            enterprise_id=inv.enterprise_id,
            before=before,
            after={
                "activity_id": line.activity_id,
                "quantity": line.quantity,
                "reason": line.override_reason,
                "evidence_document_id": doc.id,
                "evidence_sha256": doc.sha256,
            },
        )
        return detail(s, inv, p)


def recalculate(db: Database, p: Principal, inventory_id: int) -> InventoryDetail:
    """Re-assemble a draft from the current data (overrides kept) and calculate it again."""
    with db.transaction() as s:
        inv, org = _for_write(s, p, inventory_id)
        _require_draft(inv)
        previous = _lines(s, inv)
        snapshot = [
            (
                line.activity_id,
                line.inventory_id,
                line.quantity,
                line.origin,
                line.override_reason,
                line.evidence_document_id,
                line.overridden_by,
            )
            for line in previous
        ]
        for line in previous:
            s.delete(line)
        s.flush()
        _region_now, timezone = _region(s, org)
        _add_lines(s, inv, assemble(s, org.id, inv.year, timezone))
        _carry_overrides(s, inv, [_Old(*row) for row in snapshot])
        _calculate(s, inv)
        s.flush()
        _audit(s, p, "inventory.recalculate", inv)
        return detail(s, inv, p)


class _Old:
    """The override fields of a deleted line, for :func:`_carry_overrides`."""

    def __init__(
        self,
        activity_id: str,
        inventory_id: int,
        quantity: float,
        origin: str,
        override_reason: str | None,
        evidence_document_id: int | None,
        overridden_by: str | None,
    ) -> None:
        self.activity_id, self.inventory_id, self.quantity, self.origin = (
            activity_id,
            inventory_id,
            quantity,
            origin,
        )
        self.override_reason, self.evidence_document_id = override_reason, evidence_document_id
        self.overridden_by = overridden_by


def snapshot_sha256(inv: Inventory, lines: list[InventoryLine]) -> str:
    """SHA-256 of the frozen content: the engine request and answer and every line's data."""
    body = {
        "request": inv.request,
        "answer": inv.answer,
        "lines": [
            {
                "activity_id": ln.activity_id,
                "quantity": ln.quantity,
                "origin": ln.origin,
                "override_reason": ln.override_reason,
                "evidence_document_id": ln.evidence_document_id,
                "data_lineage": ln.data_lineage,
            }
            for ln in lines
        ],
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submit_inventory(db: Database, p: Principal, inventory_id: int) -> InventoryDetail:
    """Freeze a calculated draft (enterprise admin): later data or factor changes do not alter it."""
    with db.transaction() as s:
        inv, org = _for_write(s, p, inventory_id)
        access.require_enterprise_admin(p, org, "submit an inventory")
        _require_draft(inv)
        if inv.errors or inv.answer is None:
            raise Conflict(
                "the inventory has calculation errors; fix them before submitting",
                errors=[
                    {"field": e.get("field", "inventory"), "reason": e.get("reason", "")}
                    for e in inv.errors or []
                ],
            )
        inv.status = "submitted"
        inv.submitted_at = datetime.now(UTC)
        inv.submitted_by = p.label
        inv.snapshot_sha256 = snapshot_sha256(inv, _lines(s, inv))
        s.flush()
        _audit(s, p, "inventory.submit", inv)
        return detail(s, inv, p)


def create_revision(db: Database, p: Principal, inventory_id: int) -> InventoryDetail:
    """A new version assembled and calculated from the current data and factors, with a diff.

    The revised version is left as it is; overrides are carried over (with their reasons and evidence).
    """
    with db.transaction() as s:
        old, org = _for_write(s, p, inventory_id)
        old_lines = _lines(s, old)
        _region_now, timezone = _region(s, org)
        inv = Inventory(
            park_id=old.park_id,
            enterprise_id=old.enterprise_id,
            year=old.year,
            version=_next_version(s, old.enterprise_id, old.year),
            method=old.method,
            sector_guideline=old.sector_guideline,
            options=old.options or {},
            status="draft",
            based_on_id=old.id,
            region=old.region,
            supplementary=old.supplementary,
            created_by=p.label,
        )
        s.add(inv)
        s.flush()
        _add_lines(s, inv, assemble(s, org.id, old.year, timezone))
        _carry_overrides(s, inv, old_lines)
        _calculate(s, inv)
        inv.diff = _diff(old, old_lines, inv, _lines(s, inv))
        s.flush()
        _audit(s, p, "inventory.revise", inv)
        return detail(s, inv, p)


def _diff(
    old: Inventory, old_lines: list[InventoryLine], new: Inventory, new_lines: list[InventoryLine]
) -> dict[str, Any]:
    a = {ln.activity_id: ln for ln in old_lines}
    b = {ln.activity_id: ln for ln in new_lines}
    activity = [
        {
            "activity_id": k,
            "source": (b.get(k) or a[k]).source_name,
            "old_quantity": a[k].quantity if k in a else None,
            "new_quantity": b[k].quantity if k in b else None,
        }
        for k in list(a) + [k for k in b if k not in a]
        if (a[k].quantity if k in a else None) != (b[k].quantity if k in b else None)
    ]
    results = core.diff_results(old.answer, new.answer) if old.answer and new.answer else []

    def delta(x: float | None, y: float | None) -> dict[str, float | None]:
        return {"old": x, "new": y, "delta": None if x is None or y is None else y - x}

    return {
        "against_inventory_id": old.id,
        "against_version": old.version,
        "factor_library": {"old": old.factor_library_version, "new": new.factor_library_version},
        "totals": {
            "tco2e": delta(old.total_tco2e, new.total_tco2e),
            "tce": delta(old.total_tce, new.total_tce),
        },
        "activity_data": activity,
        "results": results,
    }
