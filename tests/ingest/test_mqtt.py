"""MQTT intake against a real Mosquitto: no reading is lost when the worker is killed or the broker
restarts mid-stream, and none is stored twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import MQTT_URL
from tests.ingest.mqtt_harness import run

pytestmark = pytest.mark.mqtt


@pytest.fixture
def _broker_available() -> None:
    if not MQTT_URL:
        pytest.skip("MQTT tests need PARKCARBON_TEST_MQTT_URL (set by .ci/run)")
    if shutil.which("mosquitto") is None:
        pytest.fail("PARKCARBON_TEST_MQTT_URL is set but the mosquitto binary is missing")


@pytest.mark.usefixtures("_broker_available")
def test_no_loss_through_worker_kill_and_broker_restart(tmp_path: Path) -> None:
    # timeout_s bounds the wait for the last message (a loaded machine is slow, not lossy); not a speed test
    result = run(tmp_path, n_readings=20_000, per_message=1_000, n_meters=50, timeout_s=300)
    assert len(result.events) == 4, result.events
    assert result.stored == result.published == 20_000, (
        result,
        (tmp_path / "worker.log").read_text()[-3000:],
    )
