"""Field-level confidentiality (issue 12 §4): cost fields reach only the enterprise and ``costs``
grantees, in inventory lineage, report exports and the audit log; the audit log hides events a reader
could not read directly."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from parkcarbon.services.accounts import audit_log
from parkcarbon.services.enterprise import inventory, report
from parkcarbon.services.enterprise.demo import DemoEnterprise
from parkcarbon.services.enterprise.schemas import InventoryCreate
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import grants
from parkcarbon.services.registry.schemas import GrantCreate
from parkcarbon.store.db import Database
from parkcarbon.vocab import GrantScope
from tests.conftest import World
from tests.enterprise.conftest import YEAR, Who

SUPPLIER = "园区加油站"  # the demo's diesel supplier (a cost field, access.COST_FIELDS)


def _walk(value: Any) -> list[Any]:
    """Every value stored under a ``supplier`` key, at any depth."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "supplier"] + [
            x for v in value.values() for x in _walk(v)
        ]
    if isinstance(value, list):
        return [x for v in value for x in _walk(v)]
    return []


def _grant(db: Database, demo: DemoEnterprise, world: World, scope: GrantScope) -> None:
    grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(
            enterprise_id=demo.enterprise_id, grantee_organisation_id=world.a.financier_id, scope=scope
        ),
    )


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )


def test_inventory_lineage_and_export_hide_costs_from_non_cost_readers(
    db: Database, demo: DemoEnterprise, who: Who, world: World
) -> None:
    inv = inventory.create_inventory(
        db, who("enterprise_admin"), demo.enterprise_id, InventoryCreate(year=YEAR)
    )
    assert SUPPLIER in _walk(inv.model_dump())  # the enterprise sees its supplier
    _grant(db, demo, world, GrantScope.INVENTORY)
    for role in ("financier", "verifier", "-:platform_admin"):
        seen = inventory.get_inventory(db, who(role), inv.id).model_dump()
        suppliers = _walk(seen)
        assert suppliers and set(suppliers) == {None}, role
        assert seen["total_tco2e"] == inv.total_tco2e  # the figures themselves stay
    grantee_xlsx = report.build_report(db, who("financier"), inv.id, fmt_="xlsx").content
    assert SUPPLIER not in _xlsx_text(grantee_xlsx)
    # a costs grant unlocks them
    _grant(db, demo, world, GrantScope.COSTS)
    assert SUPPLIER in _walk(inventory.get_inventory(db, who("financier"), inv.id).model_dump())


def test_audit_log_strips_costs_and_hides_what_the_reader_could_not_read(
    db: Database, demo: DemoEnterprise, who: Who
) -> None:
    inventory.create_inventory(db, who("enterprise_admin"), demo.enterprise_id, InventoryCreate(year=YEAR))
    page = PageParams(limit=500)
    own = audit_log.list_audit_events(db, who("enterprise_admin"), page, entity="activity_record").data
    own = [e for e in own if e.enterprise_id == demo.enterprise_id]
    assert own and SUPPLIER in _walk([e.after for e in own])
    park = audit_log.list_audit_events(db, who("park_admin"), page, entity="activity_record").data
    park = [e for e in park if e.enterprise_id == demo.enterprise_id]
    assert {e.id for e in park} == {e.id for e in own}  # activity quantities are park-readable ...
    assert set(_walk([e.after for e in park])) == {None}  # ... their cost fields are not
    # the enterprise's inventory and document events are the enterprise's own
    for entity in ("inventory", "document"):
        mine = audit_log.list_audit_events(db, who("enterprise_admin"), page, entity=entity).data
        assert [e for e in mine if e.enterprise_id == demo.enterprise_id], entity
        theirs = audit_log.list_audit_events(db, who("park_admin"), page, entity=entity).data
        assert not [e for e in theirs if e.enterprise_id == demo.enterprise_id], entity
