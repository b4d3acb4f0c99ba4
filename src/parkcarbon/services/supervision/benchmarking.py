"""Energy benchmarking (能耗对标) of the park's products: quota grades and peer ranking.

For every product with ``actual`` output in a year: the enterprise's comprehensive energy of the months
with recorded output (metered carriers from the monthly rollups through the accounting engine, plus
activity data — diesel, coal deliveries — whose period starts in those months) × the product's
``energy_share`` (``supervision_product_benchmarks``, default 1) ÷ the output = unit-product energy
[kgce/unit] (:func:`parkcarbon.core.benchmarking.unit_product_energy_kgce`). It is graded against the
quota assigned to the product (``quota_key``) when the units agree, and ranked among its peers: the
products with the same quota, or else the same industry class (GB/T 4754, 4 digits) and unit.

The park's supervision roles see every enterprise; an enterprise's members see their own rows (with
their rank and the group's quartiles, never a peer's figures).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from parkcarbon import core
from parkcarbon.core import benchmarking as bm
from parkcarbon.core.energy.comprehensive_energy import coal_equivalent_coefficient
from parkcarbon.services import access, audit
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.metering import consumption as cons
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.parks import accounting_options
from parkcarbon.services.supervision.analysis_schemas import (
    BenchmarkReport,
    BenchmarkRow,
    EnergyQuotaPublic,
    PeerGroup,
    QuotaGrade,
)
from parkcarbon.services.supervision.schemas import ProductBenchmarkPublic, ProductBenchmarkSet
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    ActivityRecord,
    EnterpriseProduct,
    Organisation,
    OrgKind,
    ProductBenchmark,
    ProductOutput,
)

__all__ = ["benchmarking", "list_quotas", "set_product_benchmark"]


def list_quotas() -> list[EnergyQuotaPublic]:
    """The quota catalogue (cited reference data)."""
    return [
        EnergyQuotaPublic(
            quota_key=q.quota_key,
            standard=q.standard,
            title=q.title,
            edition=q.edition,
            effective=q.effective,
            clause=q.clause,
            product_zh=q.product_zh,
            product_en=q.product_en,
            indicator=q.indicator,
            unit=q.unit,
            level_1=q.level_1,
            level_2=q.level_2,
            level_3=q.level_3,
            industry_codes=list(q.industry_codes),
            confidence=q.confidence,
            source=q.source,
            notes=q.notes,
        )
        for q in bm.energy_quotas()
    ]


def set_product_benchmark(
    db: Database, p: Principal, enterprise_id: int, product_id: int, data: ProductBenchmarkSet
) -> ProductBenchmarkPublic:
    """Assign the quota a product is graded against and its share of the enterprise's energy
    (park_admin, or the enterprise's admin)."""
    if data.quota_key is not None and bm.energy_quota(data.quota_key) is None:
        raise InvalidInput.field("quota_key", "no such quota; see GET /energy-quotas")
    with db.transaction() as s:
        org = access.require_write_enterprise(s, p, enterprise_id)
        prod = s.get(EnterpriseProduct, product_id)
        if prod is None or prod.enterprise_id != org.id:
            raise NotFound("product not found")
        row = s.get(ProductBenchmark, product_id)
        before = None if row is None else audit.snapshot(row)
        if row is None:
            row = ProductBenchmark(product_id=prod.id, park_id=org.park_id, enterprise_id=org.id)
            s.add(row)
        row.quota_key, row.energy_share, row.note = data.quota_key, data.energy_share, data.note
        s.flush()
        audit.record(
            s,
            p,
            "product_benchmark.set",
            entity="enterprise_product",
            entity_id=prod.id,
            park_id=org.park_id,
            enterprise_id=org.id,
            before=before,
            after=audit.snapshot(row),
        )
        return ProductBenchmarkPublic.model_validate(row)


def _visible(p: Principal, park_id: int, enterprise_id: int | None) -> set[int] | None:
    """Enterprises whose rows ``p`` may see (``None`` = all of the park)."""
    if access.is_supervisor(p, park_id):
        return None if enterprise_id is None else {enterprise_id}
    own = {
        m.organisation_id
        for m in p.memberships
        if m.park_id == park_id and access.is_enterprise_member(p, m.organisation_id)
    }
    if enterprise_id is not None:
        if enterprise_id not in own:
            raise Forbidden("benchmarking of an enterprise is for the park and the enterprise itself")
        return {enterprise_id}
    if not own:
        raise Forbidden(
            "benchmarking needs park_admin, park_analyst, regulator or membership of an enterprise"
        )
    return own


def benchmarking(
    db: Database, p: Principal, park_id: int, *, year: int, enterprise_id: int | None = None
) -> BenchmarkReport:
    """Unit-product energy of the park's products in ``year``: quota grades, ranks and quartiles."""
    warnings: list[str] = []
    with db.read() as s:
        park = access.require_park(s, p, park_id)
        if enterprise_id is not None:
            org = s.get(Organisation, enterprise_id)
            if org is None or org.park_id != park_id or org.kind != OrgKind.ENTERPRISE:
                raise NotFound("enterprise not found")
        visible = _visible(p, park_id, enterprise_id)
        options = accounting_options(s, park_id)
        tz = ZoneInfo(park.timezone)
        orgs = {
            o.id: (o.name, o.industry_code, o.name_en)
            for o in s.scalars(
                select(Organisation).where(
                    Organisation.park_id == park_id, Organisation.kind == OrgKind.ENTERPRISE
                )
            )
        }
        outputs = s.execute(
            select(ProductOutput.product_id, ProductOutput.month, ProductOutput.quantity).where(
                ProductOutput.park_id == park_id, ProductOutput.year == year, ProductOutput.kind == "actual"
            )
        ).all()
        products = {
            pr.id: (pr.enterprise_id, pr.name, pr.unit)
            for pr in s.scalars(select(EnterpriseProduct).where(EnterpriseProduct.park_id == park_id))
        }
        settings = {
            b.product_id: (b.quota_key, b.energy_share)
            for b in s.scalars(select(ProductBenchmark).where(ProductBenchmark.park_id == park_id))
        }
        activity = s.execute(
            select(
                ActivityRecord.enterprise_id,
                ActivityRecord.carrier,
                ActivityRecord.quantity,
                ActivityRecord.unit,
                ActivityRecord.period_start,
                ActivityRecord.ncv,
                ActivityRecord.ncv_unit,
            ).where(
                ActivityRecord.park_id == park_id,
                ActivityRecord.period_start >= f"{year}-01-01",
                ActivityRecord.period_start <= f"{year}-12-31",
            )
        ).all()
        province = park.province
    # metered energy per enterprise and month (the accounting engine's coefficients, with lineage)
    metered = cons.consumption_unchecked(
        db,
        park_id,
        grain="month",
        start=datetime(year, 1, 1, tzinfo=tz),
        end=datetime(year + 1, 1, 1, tzinfo=tz),
        group_by=("enterprise",),
        options=options,
    )
    warnings.extend(metered.warnings)
    month_tce: dict[tuple[int, int], float] = defaultdict(float)
    for row in metered.data:
        if row.enterprise_id is not None and row.tce is not None:
            month_tce[(row.enterprise_id, row.bucket.astimezone(tz).month)] += row.tce
    lineage: dict[str, object] = {"metered": [c.model_dump() for c in metered.coefficients], "activity": []}
    coef_cache: dict[tuple[str, str, float | None], float | None] = {}
    for ent, carrier, qty, unit, start, ncv, ncv_unit in activity:
        # a measured net calorific value takes precedence (GB/T 2589-2020 §3: k = NCV / 29.3076 GJ/tce)
        measured = ncv if ncv is not None and ncv_unit == f"GJ/{unit}" else None
        key = (carrier, unit, measured)
        if key not in coef_cache:
            try:
                if measured is not None:
                    k_m, lin = coal_equivalent_coefficient(
                        carrier, unit, year=year, options=options, ncv_gj_per_unit=measured
                    )
                    coef_cache[key], lin_dict = k_m, lin.as_dict()
                else:  # only the energy side matters here: a missing emission factor does not drop it
                    c = core.partial_coefficients(carrier, unit, year=year, region=province, options=options)
                    if c.tce_per_unit is None:
                        raise ValueError("; ".join(m.reason for m in c.missing if m.figure == "tce"))
                    coef_cache[key], lin_dict = c.tce_per_unit, c.lineage.as_dict()
                lineage["activity"].append(  # type: ignore[attr-defined]
                    {"carrier": carrier, "unit": unit, "tce_per_unit": coef_cache[key], "lineage": lin_dict}
                )
            except (core.AccountingError, KeyError, ValueError) as exc:
                coef_cache[key] = None
                warnings.append(f"activity data {carrier} in {unit} left out: {exc}")
        k = coef_cache[key]
        if k is not None:
            month_tce[(ent, int(start[5:7]))] += qty * k
    # product rows
    per_product: dict[int, dict[int, float]] = defaultdict(dict)
    for pid, month, qty in outputs:
        per_product[pid][month] = per_product[pid].get(month, 0.0) + qty
    rows: list[BenchmarkRow] = []
    values_by_group: dict[str, dict[int, float]] = defaultdict(dict)
    unit_of_group: dict[str, str] = {}
    for pid, months in sorted(per_product.items()):
        if pid not in products or products[pid][0] not in orgs:
            continue
        ent_id, prod_name, prod_unit = products[pid]
        ent_name, industry, ent_name_en = orgs[ent_id]
        quota_key, share = settings.get(pid, (None, 1.0))
        output = sum(months.values())
        energy = share * sum(month_tce.get((ent_id, m), 0.0) for m in months)
        unit_energy = bm.unit_product_energy_kgce(energy, output)
        quota = bm.energy_quota(quota_key) if quota_key else None
        quota_grade = _grade(unit_energy, prod_unit, quota) if quota is not None else None
        group = quota.quota_key if quota else f"{_industry_class(industry)}/{prod_unit}"
        unit_of_group[group] = f"kgce/{prod_unit}"
        if unit_energy is not None:
            values_by_group[group][pid] = unit_energy
        rows.append(
            BenchmarkRow(
                enterprise_id=ent_id,
                enterprise_name=ent_name,
                enterprise_name_en=ent_name_en,
                industry_code=industry,
                product_id=pid,
                product_name=prod_name,
                unit=prod_unit,
                group=group,
                months=sorted(months),
                output=output,
                energy_tce=energy,
                energy_share=share,
                unit_energy_kgce=unit_energy,
                quota=quota_grade,
                rank=None,
                peers=0,
                quartile=None,
            )
        )
    groups: list[PeerGroup] = []
    stats = {g: bm.peer_stats(v) for g, v in values_by_group.items()}
    for g, st in sorted(stats.items()):
        if st is None:
            continue
        groups.append(
            PeerGroup(
                group=g,
                unit=unit_of_group[g],
                count=st.count,
                minimum=st.minimum,
                q1=st.q1,
                median=st.median,
                q3=st.q3,
                maximum=st.maximum,
            )
        )
    for r in rows:
        st = stats.get(r.group)
        if st is not None and r.product_id in st.rank:
            r.rank, r.peers, r.quartile = st.rank[r.product_id], st.count, st.quartile[r.product_id]
    if visible is not None:
        rows = [r for r in rows if r.enterprise_id in visible]
    rows.sort(key=lambda r: (r.group, r.rank or 10**9, r.enterprise_id))
    return BenchmarkReport(
        park_id=park_id,
        year=year,
        rows=rows,
        groups=groups,
        lineage=lineage,
        warnings=warnings,
        accounting_profile=cons.profile_used(options, "park"),
    )


def _industry_class(code: str | None) -> str:
    """GB/T 4754 class (4 digits) of an industry code given with or without its section letter."""
    return (code or "-").lstrip("ABCDEFGHIJKLMNOPQRST")[:4] or "-"


def _grade(unit_energy: float | None, product_unit: str, quota: bm.EnergyQuota) -> QuotaGrade:
    base = {
        "quota_key": quota.quota_key,
        "standard": quota.standard,
        "clause": quota.clause,
        "unit": quota.unit,
        "level_1": quota.level_1,
        "level_2": quota.level_2,
        "level_3": quota.level_3,
        "confidence": quota.confidence,
    }
    value = unit_energy
    warning = None
    quota_den = quota.unit.split("/", 1)[1] if "/" in quota.unit else ""
    if value is not None and quota_den != product_unit:
        try:
            # kgce per product unit → kgce per quota unit: multiply by (product units per quota unit)
            value = value * core.convert(1.0, quota_den, product_unit)
        except core.AccountingError:
            value, warning = (
                None,
                f"product unit {product_unit!r} is not convertible to the quota's {quota_den!r}",
            )
    if value is None:
        return QuotaGrade(
            **base,
            grade=None,
            exceeds_limit=False,
            gap_to_next=None,
            warning=warning or "no output, no unit-product energy",
        )
    g = bm.grade(value, quota)
    return QuotaGrade(
        **base, grade=g.grade, exceeds_limit=g.exceeds_limit, gap_to_next=g.gap_to_next, warning=warning
    )
