"""OCDS 1.1 releases of purchase requests validate against the official release schema (OCDS 1.1.5,
``tests/market/ocds/release-schema.json``, JSON Schema draft 4, formats checked)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from parkcarbon.services.errors import Forbidden
from parkcarbon.services.market import ocds, orders
from parkcarbon.store.db import Database
from tests.conftest import World
from tests.market.seeding import MarketWorld, as_enterprise_admin, as_provider

SCHEMA_PATH = Path(__file__).parent / "ocds" / "release-schema.json"
SCHEMA_SHA256 = "fac192e1ccfb061f5164bdb2d64c29e517c0f81661996b97de40cebc55a2c1bc"  # SOURCE.md


@pytest.fixture(scope="module")
def validator() -> Any:
    raw = SCHEMA_PATH.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256  # the vendored file is the official one
    return jsonschema_rs.Draft4Validator(json.loads(raw), validate_formats=True)


def _errors(validator: Any, release: dict[str, Any]) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(release)]


def test_the_validator_rejects_an_invalid_release(validator: Any) -> None:
    """The check can fail: a release without its tag and with a malformed date is refused."""
    assert _errors(
        validator, {"ocid": "ocds-x-1", "id": "1", "date": "not a date", "initiationType": "tender"}
    )


def test_awarded_request_release_validates(
    validator: Any, db: Database, world: World, mkt: MarketWorld
) -> None:
    buyer = as_enterprise_admin(world.b)
    closed_order_request = orders.get_order(db, buyer, mkt.ids["closed_order_id"]).request_id
    release = ocds.release(db, buyer, closed_order_request)
    assert _errors(validator, release) == []
    assert release["tag"] == ["award", "contract"]
    assert release["tender"]["numberOfTenderers"] == 3 and len(release["bids"]["details"]) == 3
    assert release["awards"][0]["value"] == {"amount": 80_002.0, "currency": "CNY"}
    assert release["contracts"][0]["status"] == "terminated"  # accepted and closed
    roles = {p["id"]: set(p["roles"]) for p in release["parties"]}
    assert {"buyer", "procuringEntity"} <= roles[f"org-{world.b.enterprise_ids[0]}"]
    assert sum("supplier" in r for r in roles.values()) == 1


def test_sealed_request_release_has_no_bids(
    validator: Any, db: Database, world: World, mkt: MarketWorld
) -> None:
    buyer = as_enterprise_admin(world.b)
    release = ocds.release(db, buyer, mkt.ids["open_request_id"])
    assert _errors(validator, release) == []
    assert release["tag"] == ["tender"] and release["tender"]["status"] == "active"
    assert "bids" not in release and "numberOfTenderers" not in release["tender"]
    with pytest.raises(Forbidden):  # a bidder does not publish the buyer's release
        ocds.release(db, as_provider(world.b, world.b.provider_id), mkt.ids["open_request_id"])
