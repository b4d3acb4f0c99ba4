"""The MQTT worker's acknowledgement rule, with a fake client: ack only after the handler returned."""

from __future__ import annotations

from typing import Any

from parkcarbon.ingest.mqtt import MqttWorker, WorkerConfig, _Msg, parse_topic


class FakeClient:
    def __init__(self) -> None:
        self.acks: list[tuple[int, int]] = []

    def ack(self, mid: int, qos: int) -> None:
        self.acks.append((mid, qos))


def make(handler: Any) -> tuple[MqttWorker, FakeClient]:
    worker = MqttWorker(
        WorkerConfig(retry_min_s=0.01, retry_max_s=0.02), handle_readings=handler, handle_status=handler
    )
    fake = FakeClient()
    worker.client = fake  # type: ignore[assignment]
    worker._generation = 1
    return worker, fake


def test_a_failing_store_is_retried_and_acknowledged_only_after_success() -> None:
    calls: list[bytes] = []

    def handler(park: str, gateway: str, payload: bytes) -> None:
        calls.append(payload)
        if len(calls) < 3:
            raise ConnectionError("database restarting")
        assert not fake.acks  # nothing was acknowledged while the store failed

    worker, fake = make(handler)
    worker._process(_Msg(mid=7, qos=1, topic="parkcarbon/park-a/gw-1/readings", payload=b"{}", generation=1))
    assert len(calls) == 3
    assert fake.acks == [(7, 1)]
    assert worker.failures == 2


def test_messages_of_an_earlier_connection_are_not_acknowledged() -> None:
    worker, fake = make(lambda *a: None)
    worker._process(_Msg(mid=3, qos=1, topic="parkcarbon/park-a/gw-1/readings", payload=b"{}", generation=0))
    assert fake.acks == []  # the broker redelivers it; the duplicate is harmless


def test_stop_leaves_an_unstored_message_unacknowledged() -> None:
    def handler(park: str, gateway: str, payload: bytes) -> None:
        worker._stop.set()
        raise ConnectionError("down")

    worker, fake = make(handler)
    worker._process(_Msg(mid=9, qos=1, topic="parkcarbon/park-a/gw-1/readings", payload=b"{}", generation=1))
    assert fake.acks == []


def test_topics() -> None:
    assert parse_topic("parkcarbon/park-a/gw-1/readings") == ("park-a", "gw-1", "readings")
    assert parse_topic("parkcarbon/park-a/gw-1/status") == ("park-a", "gw-1", "status")
    assert parse_topic("parkcarbon/park-a/readings") is None
    assert parse_topic("other/park-a/gw-1/readings") is None
