"""Evidence is archived, never cascaded away (issue 12 §3): meters, enterprises and documents leave lists
and gets on delete, their data stays, frozen inventories still recompute, a platform admin restores them,
and a park that still holds evidence cannot be deleted."""

from __future__ import annotations

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parkcarbon.services import access
from parkcarbon.services.enterprise import documents, inventory
from parkcarbon.services.enterprise.demo import DemoEnterprise
from parkcarbon.services.enterprise.schemas import InventoryCreate
from parkcarbon.services.errors import Conflict, Forbidden, NotFound
from parkcarbon.services.intake import readings
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import meters, organisations
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import ActivityRecord, AuditEvent, Meter, Organisation, Reading
from tests.conftest import World, bearer
from tests.enterprise.conftest import YEAR, Who


def _readings(db: Database, meter_id: int) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Reading).where(Reading.meter_id == meter_id)) or 0


def _electricity(detail: inventory.InventoryDetail) -> float:
    return next(ln.quantity for ln in detail.lines if ln.source_name == "外购电力")


def test_deleting_a_meter_behind_a_submitted_inventory_archives_it(
    db: Database, demo: DemoEnterprise, who: Who
) -> None:
    admin = who("enterprise_admin")
    draft = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    frozen = inventory.submit_inventory(db, admin, draft.id)
    held = _readings(db, demo.electricity_meter_id)
    assert held > 300  # a year of daily readings

    meters.delete_meter(db, who("park_admin"), demo.electricity_meter_id)

    with pytest.raises(NotFound):
        meters.get_meter(db, admin, demo.electricity_meter_id)
    listed = meters.list_meters(db, admin, PageParams(limit=500), enterprise_id=demo.enterprise_id)
    assert demo.electricity_meter_id not in {m.id for m in listed.data}
    assert _readings(db, demo.electricity_meter_id) == held  # the readings are still there
    with db.read() as s:
        meter = s.get(Meter, demo.electricity_meter_id)
        assert meter is not None and meter.archived_at is not None and meter.archived_by
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(meter.id))).all()
        assert "meter.archive" in actions
    # the frozen inventory is unchanged and a revision recomputes the same electricity from the readings
    assert inventory.get_inventory(db, admin, draft.id).snapshot_sha256 == frozen.snapshot_sha256
    revised = inventory.create_revision(db, admin, draft.id)
    assert _electricity(revised) == pytest.approx(_electricity(frozen))

    # only the platform admin restores; then the meter is back
    for role in ("park_admin", "enterprise_admin"):
        with pytest.raises(Forbidden):
            meters.restore_meter(db, who(role), demo.electricity_meter_id)
    restored = meters.restore_meter(db, who("-:platform_admin"), demo.electricity_meter_id)
    assert restored.id == demo.electricity_meter_id
    assert meters.get_meter(db, admin, demo.electricity_meter_id).id == demo.electricity_meter_id
    with pytest.raises(Conflict):
        meters.restore_meter(db, who("-:platform_admin"), demo.electricity_meter_id)


def test_deleting_an_enterprise_with_data_archives_it(db: Database, demo: DemoEnterprise, who: Who) -> None:
    with db.read() as s:
        held_meters = s.scalar(select(func.count()).where(Meter.enterprise_id == demo.enterprise_id))
        held_activity = s.scalar(
            select(func.count())
            .select_from(ActivityRecord)
            .where(ActivityRecord.enterprise_id == demo.enterprise_id)
        )
    organisations.delete_organisation(db, who("park_admin"), demo.enterprise_id)

    for role in ("park_admin", "enterprise_admin", "-:platform_admin"):
        with pytest.raises(NotFound):
            organisations.get_organisation(db, who(role), demo.enterprise_id)
        with db.read() as s, pytest.raises(NotFound):
            access.enterprise_of(s, who(role), demo.enterprise_id)
    page = organisations.list_organisations(db, who("park_admin"), PageParams(limit=500))
    assert demo.enterprise_id not in {o.id for o in page.data}
    with db.read() as s:
        org = s.get(Organisation, demo.enterprise_id)
        assert org is not None and org.archived_at is not None
        assert s.scalar(select(func.count()).where(Meter.enterprise_id == demo.enterprise_id)) == held_meters
        assert (
            s.scalar(
                select(func.count())
                .select_from(ActivityRecord)
                .where(ActivityRecord.enterprise_id == demo.enterprise_id)
            )
            == held_activity
        )
    with pytest.raises(Forbidden):
        organisations.restore_organisation(db, who("park_admin"), demo.enterprise_id)
    organisations.restore_organisation(db, who("-:platform_admin"), demo.enterprise_id)
    assert (
        organisations.get_organisation(db, who("enterprise_admin"), demo.enterprise_id).id
        == demo.enterprise_id
    )


def test_deleting_a_document_archives_it(db: Database, demo: DemoEnterprise, who: Who) -> None:
    admin = who("enterprise_admin")
    content = documents.read_content(db, admin, demo.document_id)
    documents.delete_document(db, admin, demo.document_id)
    with pytest.raises(NotFound):
        documents.get_document(db, admin, demo.document_id)
    listed = documents.list_documents(db, admin, demo.enterprise_id, PageParams(limit=500))
    assert demo.document_id not in {d.id for d in listed.data}
    documents.restore_document(db, who("-:platform_admin"), demo.document_id)
    assert documents.read_content(db, admin, demo.document_id).sha256 == content.sha256


def test_a_park_holding_evidence_cannot_be_deleted(
    client: TestClient, world: World, demo: DemoEnterprise
) -> None:
    answer = client.delete(
        f"/api/v1/parks/{world.a.park_id}", headers=bearer(world.token("-", "platform_admin"))
    )
    assert answer.status_code == 409, answer.text
    problem = answer.json()
    assert problem["code"] == "archive.has_evidence"
    assert "holds meters" in {e["reason"] for e in problem["errors"]}
    assert (
        client.get(
            f"/api/v1/parks/{world.a.park_id}", headers=bearer(world.token("-", "platform_admin"))
        ).status_code
        == 200
    )


def test_restore_routes_answer_platform_admin_only(
    client: TestClient, world: World, demo: DemoEnterprise
) -> None:
    park_admin = bearer(world.token("a", "park_admin"))
    root = bearer(world.token("-", "platform_admin"))
    assert client.delete(f"/api/v1/meters/{demo.gas_meter_id}", headers=park_admin).status_code == 204
    assert client.get(f"/api/v1/meters/{demo.gas_meter_id}", headers=park_admin).status_code == 404
    assert client.post(f"/api/v1/meters/{demo.gas_meter_id}/restore", headers=park_admin).status_code == 403
    answer = client.post(f"/api/v1/meters/{demo.gas_meter_id}/restore", headers=root)
    assert answer.status_code == 200 and answer.json()["id"] == demo.gas_meter_id
    assert client.get(f"/api/v1/meters/{demo.gas_meter_id}", headers=park_admin).status_code == 200
    again = client.post(f"/api/v1/meters/{demo.gas_meter_id}/restore", headers=root)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "state.not_allowed"
    assert client.delete(f"/api/v1/organisations/{demo.enterprise_id}", headers=park_admin).status_code == 204
    assert client.post(f"/api/v1/organisations/{demo.enterprise_id}/restore", headers=root).status_code == 200


def test_intake_refuses_rows_of_an_archived_meter_and_keeps_the_others(
    db: Database, demo: DemoEnterprise, who: Who, settings: Settings
) -> None:
    """A reading of an archived meter is refused row by row (code ``meter.archived``), every other row
    of the batch is stored; once restored the meter records again (fails on the old code: accepted)."""
    with db.read() as s:
        el = s.get(Meter, demo.electricity_meter_id)
        gas = s.get(Meter, demo.gas_meter_id)
        assert el is not None and gas is not None
        el_code, gas_code, park = el.code, gas.code, el.park_id
    meters.delete_meter(db, who("park_admin"), demo.electricity_meter_id)
    held_el, held_gas = _readings(db, demo.electricity_meter_id), _readings(db, demo.gas_meter_id)

    def batch(*codes: str, minute: int) -> bytes:
        ts = f"{YEAR + 1}-01-02T00:{minute:02d}:17+08:00"
        return orjson.dumps({"readings": [{"meter_code": c, "ts": ts, "value": 1e7} for c in codes]})

    result = readings.submit_readings(
        db,
        settings,
        SYSTEM,
        batch(el_code, gas_code, minute=0),
        content_type="application/json",
        park_id=park,
    )
    assert result.rows == 2 and result.accepted == 1
    assert [(r.row, r.field, r.code) for r in result.rejected] == [(0, "meter_code", "meter.archived")]
    assert "restore" in result.rejected[0].reason
    assert _readings(db, demo.electricity_meter_id) == held_el
    assert _readings(db, demo.gas_meter_id) == held_gas + 1

    # a batch of only the archived meter is refused whole (422) with the same per-row code
    with pytest.raises(readings.BatchRejected) as refused:
        readings.submit_readings(
            db, settings, SYSTEM, batch(el_code, minute=1), content_type="application/json", park_id=park
        )
    assert [e.get("code") for e in refused.value.errors] == ["meter.archived"]

    meters.restore_meter(db, who("-:platform_admin"), demo.electricity_meter_id)
    again = readings.submit_readings(
        db, settings, SYSTEM, batch(el_code, minute=2), content_type="application/json", park_id=park
    )
    assert again.accepted == 1 and not again.rejected
