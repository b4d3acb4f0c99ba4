"""Targets and economic data (目标与经济数据) — the denominators and yardsticks of dual control.

* **Targets** (能耗双控、碳排放双控目标): per park (no enterprise) or per enterprise and year — energy
  total [tce], energy intensity [tce/万元], carbon total [tCO2e], carbon intensity [tCO2e/万元]. The
  intensity basis is the park's choice (:class:`SupervisionSettings.intensity_basis`): gross output
  value (单位产值综合能耗) or value added (单位工业增加值综合能耗), GB/T 2589-2020 §3. A target set by
  the park is an allocation (``allocated_by_park``) the enterprise cannot change; an enterprise may set
  its own carbon target where the park allocated none (the enterprise end's carbon monitoring reads it).
* **Economic data** (经济数据): monthly gross output value and value added of each enterprise [万元],
  ``actual`` or ``plan`` (production plan, used by the year-end projection).
* **Product output** (产品产量): monthly output per product of the enterprise file
  (``enterprise_products``, one product table for the whole platform), in the product's unit.

Every change is audited; bulk variants report every row (created, updated or refused with a reason)
and keep the accepted ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.clock import park_today
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.principal import Principal
from parkcarbon.services.supervision.schemas import (
    BulkReport,
    EconomicsPublic,
    EconomicsRecord,
    EconomicsRow,
    ProductOutputPublic,
    ProductOutputRecord,
    RowProblem,
    SettingsPublic,
    SettingsUpdate,
    TargetPublic,
    TargetSet,
)
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    EconomicMonth,
    EnterpriseProduct,
    Organisation,
    OrgKind,
    Park,
    ProductOutput,
    SupervisionSettings,
    SupervisionTarget,
)

__all__ = [
    "carbon_target",
    "delete_target",
    "get_settings",
    "list_economics",
    "list_product_outputs",
    "list_targets",
    "record_economics",
    "record_economics_bulk",
    "record_product_output",
    "record_product_output_bulk",
    "set_enterprise_carbon_target",
    "set_target",
    "set_targets",
    "settings_of",
    "update_settings",
]

_TARGET_FIGURES = ("energy_tce", "energy_intensity", "carbon_tco2e", "carbon_intensity")


# ---------------------------------------------------------------------------------------- settings


def _park_year(s: Session, park_id: int) -> int:
    """This year on the park's clock (the default ``year`` of the listings; reveals nothing of the park)."""
    park = s.get(Park, park_id)
    return park_today(park.timezone if park else None).year


def settings_of(s: Session, park: Park) -> SupervisionSettings:
    """The park's stored settings, or the defaults (an unsaved row) when none were stored."""
    row = s.get(SupervisionSettings, park.id)
    if row is None:
        row = SupervisionSettings(
            park_id=park.id, intensity_basis="output_value", key_unit_tce=10_000.0, ets_tco2e=26_000.0,
            orange_ratio=0.95, reraise_growth=0.05, intensity_rise_ratio=0.05, completeness_min_pct=90.0,
            tariff_region=None, webhook_url=None, webhook_secret=None,
        )  # fmt: skip
    return row


def _settings_public(row: SupervisionSettings, park: Park) -> SettingsPublic:
    return SettingsPublic(
        park_id=row.park_id,
        intensity_basis=row.intensity_basis,
        key_unit_tce=row.key_unit_tce,
        ets_tco2e=row.ets_tco2e,
        orange_ratio=row.orange_ratio,
        reraise_growth=row.reraise_growth,
        intensity_rise_ratio=row.intensity_rise_ratio,
        completeness_min_pct=row.completeness_min_pct,
        tariff_region=row.tariff_region or park.province,
        webhook_url=row.webhook_url,
        webhook_secret_set=bool(row.webhook_secret),
    )


def get_settings(db: Database, p: Principal, park_id: int) -> SettingsPublic:
    """The park's supervision settings (park supervision roles)."""
    with db.read() as s:
        park = access.require_supervisor(s, p, park_id)
        return _settings_public(settings_of(s, park), park)


def _settings_snapshot(row: SupervisionSettings) -> dict[str, Any]:
    snap = audit.snapshot(row) or {}
    snap["webhook_secret"] = "***" if snap.get("webhook_secret") else None
    return snap


def update_settings(db: Database, p: Principal, park_id: int, data: SettingsUpdate) -> SettingsPublic:
    """Change the settings (park_admin); the webhook secret is stored but never shown or audited."""
    with db.transaction() as s:
        park = access.require_park_admin(s, p, park_id)
        row = settings_of(s, park)
        before = _settings_snapshot(row) if row in s else None
        if row not in s:
            s.add(row)
        for key, value in data.model_dump(exclude_unset=True).items():
            setattr(row, key, None if value is None else (str(value) if key == "webhook_url" else value))
        s.flush()
        audit.record(
            s, p, "supervision_settings.update", entity="park", entity_id=park.id, park_id=park.id,
            before=before, after=_settings_snapshot(row),
        )  # fmt: skip
        return _settings_public(row, park)


# ----------------------------------------------------------------------------------------- targets


def list_targets(
    db: Database, p: Principal, park_id: int, *, year: int | None = None, enterprise_id: int | None = None
) -> list[TargetPublic]:
    """Targets of the park and its enterprises (park supervision roles; an enterprise's members see
    their own enterprise's targets)."""
    with db.read() as s:
        access.require_park(s, p, park_id)
        query = select(SupervisionTarget).where(SupervisionTarget.park_id == park_id)
        if not access.is_supervisor(p, park_id):
            own = {m.organisation_id for m in p.memberships if m.park_id == park_id}
            if enterprise_id is None or enterprise_id not in own:
                raise Forbidden("park targets are for park_admin, park_analyst and regulator")
        if enterprise_id is not None:
            query = query.where(SupervisionTarget.enterprise_id == enterprise_id)
        if year is not None:
            query = query.where(SupervisionTarget.year == year)
        rows = s.scalars(query.order_by(SupervisionTarget.year, SupervisionTarget.scope_key))
        return [TargetPublic.model_validate(r) for r in rows]


def _check_enterprise(s: Session, park_id: int, enterprise_id: int | None) -> None:
    if enterprise_id is None:
        return
    org = s.get(Organisation, enterprise_id)
    if org is None or org.kind != OrgKind.ENTERPRISE or org.park_id != park_id:
        raise InvalidInput.field("enterprise_id", "no such enterprise in this park")


def _upsert_target(
    s: Session,
    p: Principal,
    park: Park,
    data: TargetSet,
    basis: str,
    existing: dict[tuple[int, int], SupervisionTarget] | None = None,
) -> tuple[SupervisionTarget, bool, dict[str, Any] | None]:
    """Create or update the year's target of the park or an enterprise (validated before any change)."""
    scope = data.enterprise_id or 0
    if existing is not None:
        obj = existing.get((scope, data.year))
    else:
        obj = s.scalar(
            select(SupervisionTarget).where(
                SupervisionTarget.park_id == park.id,
                SupervisionTarget.scope_key == scope,
                SupervisionTarget.year == data.year,
            )
        )
    given = data.model_dump(include=data.model_fields_set)
    figures = {k: given[k] if k in given else (getattr(obj, k) if obj else None) for k in _TARGET_FIGURES}
    if all(v is None for v in figures.values()):
        raise InvalidInput.field("energy_tce", "a target needs at least one figure")
    created = obj is None
    before = None if obj is None else audit.snapshot(obj)
    if obj is None:
        obj = SupervisionTarget(
            park_id=park.id, enterprise_id=data.enterprise_id, scope_key=scope, year=data.year,
            intensity_basis=basis, set_by=p.label,
        )  # fmt: skip
        s.add(obj)
        if existing is not None:
            existing[(scope, data.year)] = obj
    for key, value in figures.items():
        setattr(obj, key, value)
    if "note" in given:
        obj.note = given["note"]
    if given.get("intensity_basis") is not None:
        obj.intensity_basis = given["intensity_basis"]
    obj.allocated_by_park = True
    obj.set_by = p.label
    return obj, created, before


def set_target(db: Database, p: Principal, park_id: int, data: TargetSet) -> tuple[TargetPublic, bool]:
    """Set the year's targets of the park or of an enterprise (park_admin); ``(target, created)``.

    Figures omitted from ``data`` keep their stored value; a figure given as ``null`` is cleared.
    """
    with db.transaction() as s:
        park = access.require_park_admin(s, p, park_id)
        _check_enterprise(s, park_id, data.enterprise_id)
        basis = settings_of(s, park).intensity_basis
        obj, created, before = _upsert_target(s, p, park, data, basis)
        s.flush()
        audit.record(
            s, p, "supervision_target.set", entity="supervision_target", entity_id=obj.id, park_id=park.id,
            enterprise_id=obj.enterprise_id, before=before, after=audit.snapshot(obj),
        )  # fmt: skip
        return TargetPublic.model_validate(obj), created


def set_targets(db: Database, p: Principal, park_id: int, rows: Sequence[TargetSet]) -> BulkReport:
    """Set many targets at once (park_admin); every row is stored or refused with its reason."""
    created = updated = 0
    rejected: list[RowProblem] = []
    with db.transaction() as s:
        park = access.require_park_admin(s, p, park_id)
        basis = settings_of(s, park).intensity_basis
        enterprises = set(
            s.scalars(
                select(Organisation.id).where(
                    Organisation.park_id == park_id, Organisation.kind == OrgKind.ENTERPRISE
                )
            )
        )
        existing = {
            (t.scope_key, t.year): t
            for t in s.scalars(select(SupervisionTarget).where(SupervisionTarget.park_id == park_id))
        }
        for i, data in enumerate(rows, start=1):
            if data.enterprise_id is not None and data.enterprise_id not in enterprises:
                rejected.append(
                    RowProblem(row=i, field="enterprise_id", reason="no such enterprise in this park")
                )
                continue
            try:
                _obj, new, _before = _upsert_target(s, p, park, data, basis, existing)
            except InvalidInput as exc:
                err = exc.errors[0] if exc.errors else {"field": "row", "reason": exc.detail}
                rejected.append(RowProblem(row=i, field=err["field"], reason=err["reason"]))
                continue
            created += new
            updated += not new
        if created or updated:
            audit.record(
                s, p, "supervision_target.bulk_set", entity="park", entity_id=park.id, park_id=park.id,
                after={"rows": len(rows), "created": created, "updated": updated, "rejected": len(rejected)},
            )  # fmt: skip
    return BulkReport(rows=len(rows), created=created, updated=updated, rejected=rejected)


def delete_target(db: Database, p: Principal, park_id: int, target_id: int) -> None:
    """Delete a target (park_admin)."""
    with db.transaction() as s:
        access.require_park_admin(s, p, park_id)
        obj = s.get(SupervisionTarget, target_id)
        if obj is None or obj.park_id != park_id:
            raise NotFound("target not found")
        audit.record(
            s, p, "supervision_target.delete", entity="supervision_target", entity_id=obj.id,
            park_id=park_id, enterprise_id=obj.enterprise_id, before=audit.snapshot(obj),
        )  # fmt: skip
        s.delete(obj)


def set_enterprise_carbon_target(
    db: Database, p: Principal, enterprise_id: int, *, year: int, carbon_tco2e: float, note: str | None
) -> tuple[SupervisionTarget, bool]:
    """An enterprise sets its own annual carbon target (企业自设碳排放目标); ``(row, created)``.

    Needs membership of the enterprise (or the platform admin). Refused when the park has allocated the
    year's targets to the enterprise: the allocation is the park's.
    """
    with db.transaction() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        if not (p.is_platform_admin or access.is_enterprise_member(p, org.id)):
            raise Forbidden("only the enterprise's own members can change its file")
        obj = s.scalar(
            select(SupervisionTarget).where(
                SupervisionTarget.park_id == org.park_id,
                SupervisionTarget.scope_key == org.id,
                SupervisionTarget.year == year,
            )
        )
        if obj is not None and obj.allocated_by_park and not p.is_platform_admin:
            raise Forbidden(f"the park has allocated the {year} targets of this enterprise; ask the park")
        created = obj is None
        before = None if obj is None else audit.snapshot(obj)
        if obj is None:
            park = s.get(Park, org.park_id)
            basis = settings_of(s, park).intensity_basis if park else "output_value"
            obj = SupervisionTarget(
                park_id=org.park_id, enterprise_id=org.id, scope_key=org.id, year=year,
                intensity_basis=basis, allocated_by_park=False, set_by=p.label,
            )  # fmt: skip
            s.add(obj)
        obj.carbon_tco2e, obj.note, obj.set_by = carbon_tco2e, note, p.label
        s.flush()
        audit.record(
            s, p, "target.set", entity="supervision_target", entity_id=obj.id, park_id=org.park_id,
            enterprise_id=org.id, before=before, after=audit.snapshot(obj),
        )  # fmt: skip
        s.expunge(obj)
        return obj, created


def carbon_target(s: Session, enterprise_id: int, year: int) -> float | None:
    """The enterprise's carbon target of ``year`` [tCO2e], if any (read inside the caller's session)."""
    return s.scalar(
        select(SupervisionTarget.carbon_tco2e).where(
            SupervisionTarget.enterprise_id == enterprise_id, SupervisionTarget.year == year
        )
    )


# ---------------------------------------------------------------------------------- economic data


def _merge_economics(obj: EconomicMonth, data: EconomicsRecord) -> None:
    if data.output_value_10k_cny is not None:
        obj.output_value_10k_cny = data.output_value_10k_cny
    if data.value_added_10k_cny is not None:
        obj.value_added_10k_cny = data.value_added_10k_cny


def record_economics(
    db: Database, p: Principal, enterprise_id: int, data: EconomicsRecord, *, source: str = "api"
) -> tuple[EconomicsPublic, bool]:
    """Record one month of economic data (park_admin or the enterprise's admin); ``(row, created)``.

    A figure left out keeps its stored value (value added may follow the output value later).
    """
    with db.transaction() as s:
        org = access.require_write_enterprise(s, p, enterprise_id)
        obj = s.scalar(
            select(EconomicMonth).where(
                EconomicMonth.enterprise_id == org.id,
                EconomicMonth.year == data.year,
                EconomicMonth.month == data.month,
                EconomicMonth.kind == data.kind,
            )
        )
        created = obj is None
        before = None if obj is None else audit.snapshot(obj)
        if obj is None:
            obj = EconomicMonth(
                park_id=org.park_id, enterprise_id=org.id, year=data.year, month=data.month, kind=data.kind,
                updated_by=p.label,
            )  # fmt: skip
            s.add(obj)
        _merge_economics(obj, data)
        obj.source, obj.updated_by = source, p.label
        s.flush()
        audit.record(
            s, p, "economics.record", entity="economic_month", entity_id=obj.id, park_id=org.park_id,
            enterprise_id=org.id, before=before, after=audit.snapshot(obj),
        )  # fmt: skip
        return EconomicsPublic.model_validate(obj), created


def _writable_enterprises(s: Session, p: Principal, park_id: int) -> dict[int, bool]:
    """Enterprises of the park → whether ``p`` may record their data."""
    ents = s.scalars(
        select(Organisation.id).where(
            Organisation.park_id == park_id, Organisation.kind == OrgKind.ENTERPRISE
        )
    ).all()
    return {e: access.can_manage_enterprise(p, park_id, e) for e in ents}


def _row_access(writable: dict[int, bool], enterprise_id: int) -> str | None:
    if enterprise_id not in writable:
        return "no such enterprise in this park"
    if not writable[enterprise_id]:
        return "recording needs park_admin, or enterprise_admin of the enterprise"
    return None


def record_economics_bulk(
    db: Database,
    p: Principal,
    park_id: int,
    rows: Sequence[tuple[int, EconomicsRow]] | Sequence[EconomicsRow],
    *,
    source: str = "api",
    dry_run: bool = False,
    rejected: list[RowProblem] | None = None,
    filename: str | None = None,
    total_rows: int | None = None,
) -> BulkReport:
    """Record many months of economic data (the demo and uploads use this); every row is stored or
    refused with its reason. ``rows`` may carry their own row numbers (``(row, data)`` pairs)."""
    numbered = [r if isinstance(r, tuple) else (i, r) for i, r in enumerate(rows, start=1)]
    problems = list(rejected or [])
    created = updated = 0
    with db.transaction() as s:
        access.require_park(s, p, park_id)
        writable = _writable_enterprises(s, p, park_id)
        if not any(writable.values()):
            raise Forbidden("recording economic data needs park_admin, or enterprise_admin of an enterprise")
        years = {d.year for _n, d in numbered}
        stored = {
            (o.enterprise_id, o.year, o.month, o.kind): o
            for o in s.scalars(
                select(EconomicMonth).where(EconomicMonth.park_id == park_id, EconomicMonth.year.in_(years))
            )
        }
        for n, d in numbered:
            reason = _row_access(writable, d.enterprise_id)
            if reason:
                problems.append(RowProblem(row=n, field="enterprise_id", reason=reason))
                continue
            key = (d.enterprise_id, d.year, d.month, d.kind)
            obj = stored.get(key)
            if obj is None:
                created += 1
                obj = EconomicMonth(
                    park_id=park_id, enterprise_id=d.enterprise_id, year=d.year, month=d.month, kind=d.kind,
                    updated_by=p.label, source=source,
                )  # fmt: skip
                stored[key] = obj
                if not dry_run:
                    s.add(obj)
            else:
                updated += 1
            if not dry_run:
                _merge_economics(obj, d)
                obj.source, obj.updated_by = source, p.label
        if not dry_run and (created or updated):
            audit.record(
                s, p, "economics.bulk_record", entity="park", entity_id=park_id, park_id=park_id,
                after={"source": source, "filename": filename, "rows": total_rows or len(numbered),
                       "created": created, "updated": updated, "rejected": len(problems)},
            )  # fmt: skip
    problems.sort(key=lambda r: (r.row, r.field))
    return BulkReport(
        rows=total_rows or len(numbered), created=created, updated=updated, rejected=problems,
        dry_run=dry_run, filename=filename,
    )  # fmt: skip


def list_economics(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    year: int | None = None,
    enterprise_id: int | None = None,
    kind: str | None = None,
) -> list[EconomicsPublic]:
    """Monthly economic data of the park's enterprises (supervision roles) or of one's own enterprise
    (``year`` default: this year)."""
    with db.read() as s:
        year = year or _park_year(s, park_id)
        query = select(EconomicMonth).where(EconomicMonth.park_id == park_id, EconomicMonth.year == year)
        if enterprise_id is not None:
            org = access.require_read_enterprise(s, p, enterprise_id)
            if org.park_id != park_id:
                raise NotFound("enterprise not found")
            query = query.where(EconomicMonth.enterprise_id == enterprise_id)
        else:
            access.require_supervisor(s, p, park_id)
        if kind is not None:
            query = query.where(EconomicMonth.kind == kind)
        rows = s.scalars(query.order_by(EconomicMonth.enterprise_id, EconomicMonth.kind, EconomicMonth.month))
        return [EconomicsPublic.model_validate(r) for r in rows]


# --------------------------------------------------------------------------------- product output


def record_product_output(
    db: Database, p: Principal, enterprise_id: int, data: ProductOutputRecord, *, source: str = "api"
) -> tuple[ProductOutputPublic, bool]:
    """Record one month's output of a product (park_admin or the enterprise's admin)."""
    with db.transaction() as s:
        org = access.require_write_enterprise(s, p, enterprise_id)
        product = s.get(EnterpriseProduct, data.product_id)
        if product is None or product.enterprise_id != org.id:
            raise InvalidInput.field("product_id", "no such product in the enterprise's file")
        obj = s.scalar(
            select(ProductOutput).where(
                ProductOutput.product_id == product.id,
                ProductOutput.year == data.year,
                ProductOutput.month == data.month,
                ProductOutput.kind == data.kind,
            )
        )
        created = obj is None
        before = None if obj is None else audit.snapshot(obj)
        if obj is None:
            obj = ProductOutput(
                park_id=org.park_id, enterprise_id=org.id, product_id=product.id, year=data.year,
                month=data.month, kind=data.kind, quantity=0.0, updated_by=p.label,
            )  # fmt: skip
            s.add(obj)
        obj.quantity, obj.source, obj.updated_by = data.quantity, source, p.label
        s.flush()
        audit.record(
            s, p, "product_output.record", entity="product_output", entity_id=obj.id, park_id=org.park_id,
            enterprise_id=org.id, before=before, after=audit.snapshot(obj),
        )  # fmt: skip
        return ProductOutputPublic.model_validate(obj), created


def record_product_output_bulk(
    db: Database,
    p: Principal,
    park_id: int,
    rows: Sequence[tuple[int, ProductOutputRecord]] | Sequence[ProductOutputRecord],
    *,
    source: str = "api",
    dry_run: bool = False,
    rejected: list[RowProblem] | None = None,
    filename: str | None = None,
    total_rows: int | None = None,
) -> BulkReport:
    """Record many months of product output; every row is stored or refused with its reason."""
    numbered = [r if isinstance(r, tuple) else (i, r) for i, r in enumerate(rows, start=1)]
    problems = list(rejected or [])
    created = updated = 0
    with db.transaction() as s:
        access.require_park(s, p, park_id)
        writable = _writable_enterprises(s, p, park_id)
        if not any(writable.values()):
            raise Forbidden("recording product output needs park_admin, or enterprise_admin of an enterprise")
        product_rows = s.execute(
            select(EnterpriseProduct.id, EnterpriseProduct.enterprise_id).where(
                EnterpriseProduct.park_id == park_id
            )
        )
        products: dict[int, int] = {row[0]: row[1] for row in product_rows}
        years = {d.year for _n, d in numbered}
        stored = {
            (o.product_id, o.year, o.month, o.kind): o
            for o in s.scalars(
                select(ProductOutput).where(ProductOutput.park_id == park_id, ProductOutput.year.in_(years))
            )
        }
        for n, d in numbered:
            ent = products.get(d.product_id)
            if ent is None:
                problems.append(RowProblem(row=n, field="product_id", reason="no such product in this park"))
                continue
            reason = _row_access(writable, ent)
            if reason:
                problems.append(RowProblem(row=n, field="product_id", reason=reason))
                continue
            key = (d.product_id, d.year, d.month, d.kind)
            obj = stored.get(key)
            if obj is None:
                created += 1
                obj = ProductOutput(
                    park_id=park_id, enterprise_id=ent, product_id=d.product_id, year=d.year, month=d.month,
                    kind=d.kind, quantity=d.quantity, updated_by=p.label, source=source,
                )  # fmt: skip
                stored[key] = obj
                if not dry_run:
                    s.add(obj)
            else:
                updated += 1
            if not dry_run:
                obj.quantity, obj.source, obj.updated_by = d.quantity, source, p.label
        if not dry_run and (created or updated):
            audit.record(
                s, p, "product_output.bulk_record", entity="park", entity_id=park_id, park_id=park_id,
                after={"source": source, "filename": filename, "rows": total_rows or len(numbered),
                       "created": created, "updated": updated, "rejected": len(problems)},
            )  # fmt: skip
    problems.sort(key=lambda r: (r.row, r.field))
    return BulkReport(
        rows=total_rows or len(numbered), created=created, updated=updated, rejected=problems,
        dry_run=dry_run, filename=filename,
    )  # fmt: skip


def list_product_outputs(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    year: int | None = None,
    enterprise_id: int | None = None,
    kind: str | None = None,
) -> list[ProductOutputPublic]:
    """Monthly product output of the park's enterprises (supervision roles) or of one's own enterprise
    (``year`` default: this year)."""
    with db.read() as s:
        year = year or _park_year(s, park_id)
        query = select(ProductOutput).where(ProductOutput.park_id == park_id, ProductOutput.year == year)
        if enterprise_id is not None:
            org = access.require_read_enterprise(s, p, enterprise_id)
            if org.park_id != park_id:
                raise NotFound("enterprise not found")
            query = query.where(ProductOutput.enterprise_id == enterprise_id)
        else:
            access.require_supervisor(s, p, park_id)
        if kind is not None:
            query = query.where(ProductOutput.kind == kind)
        rows = s.scalars(
            query.order_by(ProductOutput.enterprise_id, ProductOutput.product_id, ProductOutput.kind,
                           ProductOutput.month)
        )  # fmt: skip
        return [ProductOutputPublic.model_validate(r) for r in rows]
