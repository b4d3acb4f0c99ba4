"""A demo enterprise file with a year of meter data, so an inventory takes a few clicks.

Seeds, through the same services a user calls (as ``system``): the profile (credit code with a valid
check character, industry C3130, boundary, contacts), two facilities, a natural-gas meter, daily
register readings of the electricity and gas meters from 1 January of ``year`` to yesterday, diesel
deliveries as activity records, three emission sources, a product, an evidence document, next year's
target and an MRV case for ``year`` (or ``case_year``) with the park's verifier assigned.

The monthly totals of ``year`` are round numbers a verifier can check by hand: electricity
1 200 000 kWh, natural gas 150 000 Nm3, diesel 10 t (four deliveries of 2.5 t).
"""

from __future__ import annotations

import base64
import calendar as _cal
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import select

from parkcarbon.core.codes import credit_code_check_character
from parkcarbon.services.enterprise import documents, mrv, profile
from parkcarbon.services.enterprise.schemas import (
    Boundary,
    CaseAct,
    CaseCreate,
    Contact,
    DocumentUpload,
    FacilityCreate,
    ProductCreate,
    ProfileUpdate,
    SourceCreate,
    TargetSet,
)
from parkcarbon.services.intake import readings as intake
from parkcarbon.services.intake import unmetered_activity
from parkcarbon.services.intake.unmetered_activity import ActivityRecordCreate
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import meters
from parkcarbon.services.registry.schemas import MeterCreate
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import Meter, Park

__all__ = ["DEMO_TOTALS", "ELECTRICITY_KWH", "NATURAL_GAS_NM3", "DemoEnterprise", "seed_enterprise_demo"]

#: Monthly consumption of the demo year (kWh and Nm3).
ELECTRICITY_KWH = (
    96_000,
    88_000,
    98_000,
    100_000,
    104_000,
    108_000,
    112_000,
    110_000,
    102_000,
    98_000,
    92_000,
    92_000,
)
NATURAL_GAS_NM3 = (
    18_000,
    16_000,
    14_000,
    12_000,
    10_000,
    9_000,
    9_000,
    9_000,
    10_000,
    12_000,
    15_000,
    16_000,
)
DIESEL_DELIVERIES_T = (2.5, 2.5, 2.5, 2.5)
DEMO_TOTALS = {
    "electricity_kwh": sum(ELECTRICITY_KWH),
    "natural_gas_nm3": sum(NATURAL_GAS_NM3),
    "diesel_t": 10.0,
}
#: Growth of the year after the demo year and its target (about 5 % below the demo year's ~992 tCO2e):
#: growing consumption against a falling target raises the monitoring alert.
NEXT_YEAR_GROWTH = 1.1
NEXT_YEAR_TARGET_TCO2E = 940.0


@dataclass
class DemoEnterprise:
    enterprise_id: int
    year: int
    electricity_meter_id: int
    gas_meter_id: int
    source_ids: dict[str, int]
    document_id: int
    case_id: int


def demo_credit_code() -> str:
    """A syntactically valid (check character computed) code for the fictitious demo enterprise."""
    first17 = "91320500MA1PKCD8" + "X"
    return first17 + credit_code_check_character(first17)


def _register_rows(
    code: str, monthly: tuple[int, ...], year: int, until: date, tz: ZoneInfo
) -> list[dict[str, object]]:
    """Daily register readings at local midnight from 1 January of ``year`` to ``until`` (inclusive)."""
    rows: list[dict[str, object]] = []
    value = 10_000.0
    day = date(year, 1, 1)
    rows.append({"meter_code": code, "ts": datetime(year, 1, 1, tzinfo=tz).isoformat(), "value": value})
    while day < until:
        scale = NEXT_YEAR_GROWTH if day.year > year else 1.0
        days = _cal.monthrange(day.year, day.month)[1]
        value += monthly[day.month - 1] * scale / days
        day += timedelta(days=1)
        ts = datetime(day.year, day.month, day.day, tzinfo=tz).isoformat()
        rows.append({"meter_code": code, "ts": ts, "value": round(value, 6)})
    return rows


def seed_enterprise_demo(
    db: Database,
    settings: Settings,
    *,
    park_id: int,
    enterprise_id: int,
    verifier_id: int,
    year: int,
    today: date | None = None,
    gas_meter_id: int | None = None,
    readings: bool = True,
    target_tco2e: float | None = NEXT_YEAR_TARGET_TCO2E,
    case_year: int | None = None,
    plan_approved: bool = False,
) -> DemoEnterprise:
    """Fill the enterprise file of ``enterprise_id`` and a year of data (see the module docstring).

    Parameters
    ----------
    gas_meter_id
        An existing natural-gas meter of the enterprise to use instead of creating ``…-NG-BOILER``.
    readings
        Submit the daily register readings of the module docstring; ``False`` when the meters already
        carry their history (the demo park generates 15-minute data for them).
    target_tco2e
        The enterprise's carbon target for ``year + 1``; ``None`` sets none (the park allocates it).
    case_year
        The reporting year of the MRV case (default ``year``); the served demo opens the running year's
        case once ``year``'s report deadline has passed, so no case sits in planning past its deadline.
    plan_approved
        Approve the case's monitoring plan (the case is then 监测中 / monitoring).
    """
    with db.read() as s:
        park = s.get(Park, park_id)
        if park is None:
            raise ValueError(f"park {park_id} not found")
        tz, province = ZoneInfo(park.timezone), park.province
        el_meter = s.scalar(
            select(Meter)
            .where(
                Meter.enterprise_id == enterprise_id,
                Meter.carrier == "electricity",
                Meter.parent_id.is_(None),
            )
            .order_by(Meter.id)
            .limit(1)
        )
        if el_meter is None:
            raise ValueError("the demo enterprise needs its main electricity meter (seed_park creates it)")
        el_id, el_code = el_meter.id, el_meter.code
    until = today or datetime.now(tz).date()
    code_prefix = el_code.split("-")[0]
    profile.update_file(
        db,
        SYSTEM,
        enterprise_id,
        ProfileUpdate(
            credit_code=demo_credit_code(),
            industry_code="C3130",
            province=province,
            address="园区北区工业大道 8 号",
            legal_representative="王建国",
            employees=320,
            contacts=[
                Contact(name="李敏", role="能源管理员", phone="0512-6000 1234", email="energy@example.cn")
            ],
            boundary=Boundary(
                approach="operational_control",
                description="边界为企业在园区内运营控制的全部生产设施，包括轧钢车间、锅炉房及厂内运输。",
                sites=["轧钢车间", "锅炉房", "厂内运输"],
            ),
        ),
    )
    fac_mill = profile.create_facility(
        db, SYSTEM, enterprise_id, FacilityCreate(name="轧钢车间", kind="workshop")
    )
    fac_boiler = profile.create_facility(
        db, SYSTEM, enterprise_id, FacilityCreate(name="锅炉房", kind="boiler")
    )
    if gas_meter_id is None:
        gas_id = meters.create_meter(
            db,
            SYSTEM,
            MeterCreate(
                park_id=park_id,
                code=f"{code_prefix}-NG-BOILER",
                name="锅炉天然气表",
                carrier="natural_gas",
                unit="Nm3",
                enterprise_id=enterprise_id,
                purpose="process",
            ),
        ).id
    else:
        gas_id = meters.get_meter(db, SYSTEM, gas_meter_id).id
    if readings:
        gas_code = meters.get_meter(db, SYSTEM, gas_id).code
        rows = _register_rows(el_code, ELECTRICITY_KWH, year, until, tz)
        rows += _register_rows(gas_code, NATURAL_GAS_NM3, year, until, tz)
        intake.submit_readings(
            db,
            settings,
            SYSTEM,
            orjson.dumps({"gateway": "demo-seed", "readings": rows}),
            content_type="application/json",
            park_id=park_id,
        )
    for i, tonnes in enumerate(DIESEL_DELIVERIES_T, start=1):
        record = ActivityRecordCreate(
            carrier="diesel",
            quantity=tonnes,
            unit="t",
            use="combustion",
            period_start=date(year, 3 * i - 2, 1),
            period_end=date(year, 3 * i, _cal.monthrange(year, 3 * i)[1]),
            supplier="园区加油站",
            document_ref=f"FP-{year}-Q{i}",
        )
        unmetered_activity.create_record(db, SYSTEM, enterprise_id, record, today=until)
    src_el = profile.create_source(
        db,
        SYSTEM,
        enterprise_id,
        SourceCreate(
            name="外购电力",
            carrier="electricity",
            unit="kWh",
            use="purchased",
            facility_id=fac_mill.id,
            data_source="meters",
            meter_ids=[el_id],
            monitoring_method="总进线电能表连续计量",
        ),
    )
    src_gas = profile.create_source(
        db,
        SYSTEM,
        enterprise_id,
        SourceCreate(
            name="锅炉天然气",
            carrier="natural_gas",
            unit="Nm3",
            facility_id=fac_boiler.id,
            data_source="meters",
            meter_ids=[gas_id],
            monitoring_method="天然气流量计连续计量",
        ),
    )
    src_diesel = profile.create_source(
        db,
        SYSTEM,
        enterprise_id,
        SourceCreate(
            name="厂内运输柴油",
            carrier="diesel",
            unit="t",
            data_source="uploads",
            frequency="per_delivery",
            monitoring_method="加油站发票（季度）",
        ),
    )
    profile.create_product(
        db, SYSTEM, enterprise_id, ProductCreate(name="冷轧钢板", product_code="CR-01", unit="t")
    )
    doc = documents.upload_document(
        db,
        SYSTEM,
        enterprise_id,
        DocumentUpload(
            filename=f"diesel-invoices-{year}.csv",
            kind="invoice",
            description=f"{year}年柴油发票汇总",
            content_base64=base64.b64encode(
                "\n".join(
                    ["invoice,period,tonnes", *(f"FP-{year}-Q{i},Q{i},2.5" for i in range(1, 5))]
                ).encode()
            ).decode(),
        ),
    )
    if target_tco2e is not None:
        target = TargetSet(year=year + 1, target_tco2e=target_tco2e, note="较上年下降约5%")
        profile.set_target(db, SYSTEM, enterprise_id, target)
    # the demo stands in for the enterprise's acceptance of its verifier (internal, unchecked path)
    case = mrv.create_case_unchecked(
        db,
        SYSTEM,
        CaseCreate(enterprise_id=enterprise_id, year=case_year or year, verifier_organisation_id=verifier_id),
        verifier_accepted=True,
        today=today,
    )
    if plan_approved:
        case = mrv.act(db, SYSTEM, case.id, CaseAct(action="approve_plan"), today=today)
    return DemoEnterprise(
        enterprise_id=enterprise_id,
        year=year,
        electricity_meter_id=el_id,
        gas_meter_id=gas_id,
        source_ids={"electricity": src_el.id, "natural_gas": src_gas.id, "diesel": src_diesel.id},
        document_id=doc.id,
        case_id=case.id,
    )
