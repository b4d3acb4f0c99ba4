"""One enterprise, one file (一企一档): profile, boundary, facilities, emission sources, products, targets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from parkcarbon import core
from parkcarbon.core.codes import INDUSTRY_DIVISIONS_EN, industry_division
from parkcarbon.services import access, audit
from parkcarbon.services.enterprise.schemas import (
    Boundary,
    Contact,
    EnterpriseFile,
    FacilityCreate,
    FacilityPublic,
    FacilityUpdate,
    FileCounts,
    ProductCreate,
    ProductPublic,
    ProductUpdate,
    ProfileUpdate,
    SourceCreate,
    SourcePublic,
    SourceUpdate,
    TargetPublic,
    TargetSet,
)
from parkcarbon.services.errors import Conflict, InvalidInput, NotFound
from parkcarbon.services.principal import Principal
from parkcarbon.services.supervision import targets as unified_targets
from parkcarbon.store.base import Base
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    Area,
    EmissionSource,
    EmissionSourceMeter,
    EnterpriseDocument,
    EnterpriseFacility,
    EnterpriseProduct,
    EnterpriseProfile,
    GrantScope,
    Inventory,
    Meter,
    Organisation,
    Park,
    SupervisionTarget,
)

__all__ = [
    "create_facility",
    "create_product",
    "create_source",
    "delete_facility",
    "delete_product",
    "delete_source",
    "file_of",
    "get_file",
    "list_facilities",
    "list_products",
    "list_sources",
    "list_targets",
    "set_target",
    "source_public",
    "update_facility",
    "update_file",
    "update_product",
    "update_source",
]

_CATEGORY_BY_KIND = {
    "fuel": "fuel_combustion",
    "electricity": "purchased_electricity",
    "heat": "purchased_heat",
}


# ------------------------------------------------------------------------------------------ profile


def _profile(s: Session, org: Organisation) -> EnterpriseProfile | None:
    return s.get(EnterpriseProfile, org.id)


def file_of(s: Session, org: Organisation) -> EnterpriseFile:
    prof = _profile(s, org)

    def count(model: type[Base]) -> int:
        column = model.enterprise_id  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(model).where(column == org.id)) or 0)

    division = industry_division(org.industry_code)
    province = (prof.province if prof else None) or s.scalar(
        select(Park.province).where(Park.id == org.park_id)
    )
    return EnterpriseFile(
        enterprise_id=org.id,
        park_id=org.park_id,
        name=org.name,
        name_en=org.name_en,
        credit_code=org.credit_code,
        industry_code=org.industry_code,
        industry=division[2] if division else None,
        industry_en=INDUSTRY_DIVISIONS_EN.get(division[1]) if division else None,
        province=province,
        address=prof.address if prof else None,
        legal_representative=prof.legal_representative if prof else None,
        established=prof.established if prof else None,
        employees=prof.employees if prof else None,
        contacts=[Contact.model_validate(c) for c in (prof.contacts if prof else [])],
        boundary=Boundary.model_validate(prof.boundary) if prof and prof.boundary else None,
        counts=FileCounts(
            facilities=count(EnterpriseFacility),
            sources=count(EmissionSource),
            products=count(EnterpriseProduct),
            documents=count(EnterpriseDocument),
            inventories=count(Inventory),
        ),
        updated_at=prof.updated_at if prof else None,
    )


def get_file(db: Database, p: Principal, enterprise_id: int) -> EnterpriseFile:
    """The enterprise file (members, ``inventory`` grantees and assigned verifiers)."""
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.INVENTORY)
        return file_of(s, org)


def update_file(db: Database, p: Principal, enterprise_id: int, data: ProfileUpdate) -> EnterpriseFile:
    """Change the profile; the credit code's check character and the industry division are verified."""
    with db.transaction() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_write(p, org)
        changes = data.model_dump(exclude_unset=True, mode="json")
        prof = _profile(s, org)
        if prof is None:
            prof = EnterpriseProfile(enterprise_id=org.id, park_id=org.park_id, contacts=[])
            s.add(prof)
        before = {"credit_code": org.credit_code, "industry_code": org.industry_code, **_prof_audit(prof)}
        for key in ("credit_code", "industry_code"):
            if key in changes:
                setattr(org, key, changes.pop(key))
        if "established" in changes:
            prof.established = data.established
            changes.pop("established")
        for key, value in changes.items():
            setattr(prof, key, value)
        s.flush()
        audit.record(
            s,
            p,
            "enterprise_file.update",
            entity="enterprise_profile",
            entity_id=org.id,
            park_id=org.park_id,
            enterprise_id=org.id,
            before=before,
            after={"credit_code": org.credit_code, "industry_code": org.industry_code, **_prof_audit(prof)},
        )
        return file_of(s, org)


def _prof_audit(prof: EnterpriseProfile) -> dict[str, Any]:
    """What the audit log keeps of a profile (contacts' personal data are left out)."""
    return {"province": prof.province, "boundary": prof.boundary, "contacts": len(prof.contacts or [])}


# -------------------------------------------------------------------------------- generic children


def _child(s: Session, p: Principal, model: type[Any], obj_id: int, what: str) -> tuple[Any, Organisation]:
    obj = s.get(model, obj_id)
    if obj is None:
        raise NotFound(f"{what} not found")
    org = access.enterprise_of(s, p, obj.enterprise_id)
    return obj, org


def _unique_name(
    s: Session, model: type[Any], org_id: int, name: str, exclude: int | None, what: str
) -> None:
    query = select(model.id).where(model.enterprise_id == org_id, model.name == name)
    if exclude is not None:
        query = query.where(model.id != exclude)
    if s.scalar(query.limit(1)) is not None:
        raise Conflict(
            f"{what} {name!r} exists",
            errors=[{"field": "name", "reason": "already used", "code": "value.duplicate"}],
        )


_ENTITY = {
    "enterprise_facilities": "facility",
    "emission_sources": "emission_source",
    "enterprise_products": "product",
    "enterprise_targets": "target",
}


def _record(s: Session, p: Principal, action: str, obj: Any, before: Any = None, after: Any = None) -> None:
    audit.record(
        s,
        p,
        action,
        entity=_ENTITY[obj.__tablename__],
        entity_id=obj.id,
        park_id=obj.park_id,
        enterprise_id=obj.enterprise_id,
        before=before,
        after=after,
    )


# --------------------------------------------------------------------------------------- facilities


def list_facilities(db: Database, p: Principal, enterprise_id: int) -> list[FacilityPublic]:
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.INVENTORY)
        rows = s.scalars(
            select(EnterpriseFacility)
            .where(EnterpriseFacility.enterprise_id == org.id)
            .order_by(EnterpriseFacility.id)
        )
        return [FacilityPublic.model_validate(r) for r in rows]


def _check_area(s: Session, park_id: int, area_id: int | None) -> None:
    if area_id is not None:
        area = s.get(Area, area_id)
        if area is None or area.park_id != park_id:
            raise InvalidInput.field("area_id", "is not an area of this park")


def create_facility(db: Database, p: Principal, enterprise_id: int, data: FacilityCreate) -> FacilityPublic:
    with db.transaction() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_write(p, org)
        _check_area(s, org.park_id, data.area_id)
        _unique_name(s, EnterpriseFacility, org.id, data.name, None, "facility")
        obj = EnterpriseFacility(park_id=org.park_id, enterprise_id=org.id, **data.model_dump())
        s.add(obj)
        s.flush()
        _record(s, p, "facility.create", obj, after=audit.snapshot(obj))
        return FacilityPublic.model_validate(obj)


def update_facility(db: Database, p: Principal, facility_id: int, data: FacilityUpdate) -> FacilityPublic:
    with db.transaction() as s:
        obj, org = _child(s, p, EnterpriseFacility, facility_id, "facility")
        access.require_enterprise_write(p, org)
        changes = data.model_dump(exclude_unset=True)
        if "area_id" in changes:
            _check_area(s, org.park_id, changes["area_id"])
        if "name" in changes:
            _unique_name(s, EnterpriseFacility, org.id, changes["name"], obj.id, "facility")
        before = audit.snapshot(obj)
        for key, value in changes.items():
            setattr(obj, key, value)
        s.flush()
        _record(s, p, "facility.update", obj, before, audit.snapshot(obj))
        return FacilityPublic.model_validate(obj)


def delete_facility(db: Database, p: Principal, facility_id: int) -> None:
    with db.transaction() as s:
        obj, org = _child(s, p, EnterpriseFacility, facility_id, "facility")
        access.require_enterprise_write(p, org)
        _record(s, p, "facility.delete", obj, before=audit.snapshot(obj))
        s.delete(obj)


# ------------------------------------------------------------------------------------------ sources


def source_public(s: Session, src: EmissionSource) -> SourcePublic:
    meter_ids = list(
        s.scalars(
            select(EmissionSourceMeter.meter_id)
            .where(EmissionSourceMeter.source_id == src.id)
            .order_by(EmissionSourceMeter.meter_id)
        )
    )
    return SourcePublic(
        id=src.id,
        park_id=src.park_id,
        enterprise_id=src.enterprise_id,
        facility_id=src.facility_id,
        name=src.name,
        category=src.category,
        carrier=src.carrier,
        unit=src.unit,
        use=src.use,
        data_source=src.data_source,
        meter_ids=meter_ids,
        calc_params=src.calc_params,
        monitoring_method=src.monitoring_method,
        frequency=src.frequency,
        active=src.active,
        created_at=src.created_at,
    )


def list_sources(db: Database, p: Principal, enterprise_id: int) -> list[SourcePublic]:
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.INVENTORY)
        rows = s.scalars(
            select(EmissionSource).where(EmissionSource.enterprise_id == org.id).order_by(EmissionSource.id)
        ).all()
        return [source_public(s, r) for r in rows]


#: Fields of ``calc_params`` the accounting contract accepts on an activity (docs/accounting.md).
CALC_PARAM_KEYS = frozenset(
    {
        "process",
        "gas",
        "capture",
        "purity",
        "calcination_fraction",
        "factor_tco2_per_t",
        "inputs",
        "outputs",
        "ncv",
        "ncv_unit",
        "carbon_content",
        "oxidation_rate",
        "instrument",
        "factor_tco2_per_mwh",
        "pressure_mpa",
        "pressure_kind",
        "temperature_c",
        "state",
        "enthalpy_kj_per_kg",
        "factor_tco2_per_gj",
        "scope3_category",
        "iso14064_category",
    }
)


def _derive_category(carrier_id: str | None, params: dict[str, Any]) -> str:
    if carrier_id is not None:
        return _CATEGORY_BY_KIND.get(core.CARRIERS[carrier_id].kind, "other")
    if "process" in params:
        return "process"
    if "gas" in params:
        return "fugitive"
    return "other"


def _validate_source(values: dict[str, Any], year: int = 2023) -> dict[str, Any]:
    """Field errors of a source definition, checked by a trial calculation of one unit of activity."""
    carrier_id, params = values.get("carrier"), dict(values.get("calc_params") or {})
    unknown = sorted(set(params) - CALC_PARAM_KEYS)
    if unknown:
        raise InvalidInput.field("calc_params", f"unknown field(s) {unknown}; see docs/accounting.md")
    if carrier_id is not None and carrier_id not in core.CARRIERS:
        raise InvalidInput.field("carrier", f"unknown carrier {carrier_id!r}")
    if carrier_id is None and not ({"process", "gas", "capture"} & set(params)):
        raise InvalidInput.field("carrier", "is required unless calc_params names a process, gas or capture")
    activity: dict[str, Any] = {"id": "trial", "quantity": 1.0, "unit": values["unit"], **params}
    if carrier_id is not None:
        activity["carrier"] = carrier_id
    if values.get("use"):
        activity["use"] = values["use"]
    try:
        core.calculate({"year": year, "activities": [activity], "standard": "GB/T 32150-2015"})
    except core.CalcInputError as exc:
        errors = [
            {
                "field": _source_field(str(e.get("field", ""))),
                "reason": str(e.get("reason", "")),
                "code": e.get("code"),
            }
            for e in exc.errors
            if not str(e.get("code", "")).startswith("factor.")  # a missing factor depends on the method
        ]
        if errors:
            raise InvalidInput(
                "; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors
            ) from exc
    category = values.get("category") or _derive_category(carrier_id, params)
    return {**values, "category": category}


def _source_field(engine_field: str) -> str:
    name = engine_field.split(".")[-1]
    return name if name in {"carrier", "unit", "use"} else f"calc_params.{name}"


def _set_meters(s: Session, src: EmissionSource, meter_ids: list[int]) -> None:
    for meter_id in meter_ids:
        meter = s.get(Meter, meter_id)
        if meter is None or meter.park_id != src.park_id or meter.enterprise_id != src.enterprise_id:
            raise InvalidInput.field("meter_ids", f"meter {meter_id} is not a meter of this enterprise")
        if src.carrier is not None and meter.carrier != src.carrier:
            raise InvalidInput.field(
                "meter_ids", f"meter {meter.code} measures {meter.carrier}, not {src.carrier}"
            )
        try:
            core.convert(1.0, meter.unit, src.unit)
        except core.UnitError:
            raise InvalidInput.field(
                "meter_ids", f"meter {meter.code} measures in {meter.unit}, not convertible to {src.unit}"
            ) from None
    s.execute(delete(EmissionSourceMeter).where(EmissionSourceMeter.source_id == src.id))
    for meter_id in dict.fromkeys(meter_ids):
        s.add(EmissionSourceMeter(source_id=src.id, meter_id=meter_id, park_id=src.park_id))


def _check_facility(s: Session, org: Organisation, facility_id: int | None) -> None:
    if facility_id is not None:
        fac = s.get(EnterpriseFacility, facility_id)
        if fac is None or fac.enterprise_id != org.id:
            raise InvalidInput.field("facility_id", "is not a facility of this enterprise")


def create_source(db: Database, p: Principal, enterprise_id: int, data: SourceCreate) -> SourcePublic:
    """Add an emission source; its carrier, unit and parameters are checked against the engine."""
    with db.transaction() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_write(p, org)
        values = _validate_source(data.model_dump())
        _check_facility(s, org, data.facility_id)
        _unique_name(s, EmissionSource, org.id, data.name, None, "emission source")
        meter_ids = values.pop("meter_ids")
        src = EmissionSource(park_id=org.park_id, enterprise_id=org.id, active=True, **values)
        s.add(src)
        s.flush()
        _set_meters(s, src, meter_ids)
        s.flush()
        out = source_public(s, src)
        _record(s, p, "emission_source.create", src, after=out.model_dump(mode="json"))
        return out


def update_source(db: Database, p: Principal, source_id: int, data: SourceUpdate) -> SourcePublic:
    with db.transaction() as s:
        src, org = _child(s, p, EmissionSource, source_id, "emission source")
        access.require_enterprise_write(p, org)
        before = source_public(s, src).model_dump(mode="json")
        changes = data.model_dump(exclude_unset=True)
        if "name" in changes:
            _unique_name(s, EmissionSource, org.id, changes["name"], src.id, "emission source")
        if "facility_id" in changes:
            _check_facility(s, org, changes["facility_id"])
        if "calc_params" in changes or "use" in changes:
            merged = {
                "carrier": src.carrier,
                "unit": src.unit,
                "category": src.category,
                "use": changes.get("use", src.use),
                "calc_params": changes.get("calc_params", src.calc_params),
            }
            _validate_source(merged)
        meter_ids = changes.pop("meter_ids", None)
        for key, value in changes.items():
            setattr(src, key, value)
        if meter_ids is not None:
            _set_meters(s, src, meter_ids)
        s.flush()
        out = source_public(s, src)
        _record(s, p, "emission_source.update", src, before, out.model_dump(mode="json"))
        return out


def delete_source(db: Database, p: Principal, source_id: int) -> None:
    """Remove a source; inventory lines keep its name (frozen versions are not affected)."""
    with db.transaction() as s:
        src, org = _child(s, p, EmissionSource, source_id, "emission source")
        access.require_enterprise_write(p, org)
        _record(s, p, "emission_source.delete", src, before=audit.snapshot(src))
        s.delete(src)


# ----------------------------------------------------------------------------------------- products


def list_products(db: Database, p: Principal, enterprise_id: int) -> list[ProductPublic]:
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.INVENTORY)
        rows = s.scalars(
            select(EnterpriseProduct)
            .where(EnterpriseProduct.enterprise_id == org.id)
            .order_by(EnterpriseProduct.id)
        )
        return [ProductPublic.model_validate(r) for r in rows]


def create_product(db: Database, p: Principal, enterprise_id: int, data: ProductCreate) -> ProductPublic:
    with db.transaction() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_write(p, org)
        _unique_name(s, EnterpriseProduct, org.id, data.name, None, "product")
        obj = EnterpriseProduct(park_id=org.park_id, enterprise_id=org.id, **data.model_dump())
        s.add(obj)
        s.flush()
        _record(s, p, "product.create", obj, after=audit.snapshot(obj))
        return ProductPublic.model_validate(obj)


def update_product(db: Database, p: Principal, product_id: int, data: ProductUpdate) -> ProductPublic:
    with db.transaction() as s:
        obj, org = _child(s, p, EnterpriseProduct, product_id, "product")
        access.require_enterprise_write(p, org)
        changes = data.model_dump(exclude_unset=True)
        if "name" in changes:
            _unique_name(s, EnterpriseProduct, org.id, changes["name"], obj.id, "product")
        before = audit.snapshot(obj)
        for key, value in changes.items():
            setattr(obj, key, value)
        s.flush()
        _record(s, p, "product.update", obj, before, audit.snapshot(obj))
        return ProductPublic.model_validate(obj)


def delete_product(db: Database, p: Principal, product_id: int) -> None:
    with db.transaction() as s:
        obj, org = _child(s, p, EnterpriseProduct, product_id, "product")
        access.require_enterprise_write(p, org)
        _record(s, p, "product.delete", obj, before=audit.snapshot(obj))
        s.delete(obj)


# ------------------------------------------------------------------------------------------ targets


def list_targets(db: Database, p: Principal, enterprise_id: int) -> list[TargetPublic]:
    """The enterprise's annual carbon targets: the carbon part of the park's unified targets
    (:mod:`parkcarbon.services.supervision.targets`), whether the park allocated them or the enterprise
    set its own."""
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.INVENTORY)
        rows = s.scalars(
            select(SupervisionTarget)
            .where(SupervisionTarget.enterprise_id == org.id, SupervisionTarget.carbon_tco2e.is_not(None))
            .order_by(SupervisionTarget.year)
        )
        return [_target_public(r) for r in rows]


def _target_public(row: SupervisionTarget) -> TargetPublic:
    return TargetPublic(
        id=row.id, park_id=row.park_id, enterprise_id=row.enterprise_id or 0, year=row.year,
        target_tco2e=row.carbon_tco2e or 0.0, note=row.note, created_at=row.created_at,
    )  # fmt: skip


def set_target(db: Database, p: Principal, enterprise_id: int, data: TargetSet) -> tuple[TargetPublic, bool]:
    """Set the enterprise's own carbon target of a year; ``(target, created)``. Stored in the unified
    targets; refused when the park has allocated the year's targets."""
    row, created = unified_targets.set_enterprise_carbon_target(
        db, p, enterprise_id, year=data.year, carbon_tco2e=data.target_tco2e, note=data.note
    )
    return _target_public(row), created
