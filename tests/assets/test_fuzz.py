"""Schemathesis over the carbon-asset routes as the enterprise's own admin (the suite-wide run signs in as
the park admin, who is refused before any asset code runs): no 5xx, responses conform to the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from parkcarbon.api.app import create_app
from parkcarbon.services.runtime import Runtime
from tests.conftest import World, bearer

APP = create_app(runtime=Runtime(settings=None, db=None))  # type: ignore[arg-type]
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP).include(path_regex="/assets/")


@pytest.fixture(autouse=True)
def _point_app_at_test_database(runtime: Runtime) -> Iterator[None]:
    APP.state.runtime = runtime
    yield
    APP.state.runtime = None


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_asset_routes_never_fail(case: Any, world: World) -> None:
    if case.path_parameters and "enterprise_id" in case.path_parameters:
        case.path_parameters["enterprise_id"] = world.a.enterprise_ids[0]
    # schema-valid requests the ledger refuses (409/422) and path edits that make a mutated request valid
    case.call_and_validate(
        headers=bearer(world.token("a", "enterprise_admin")),
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
