"""HTTPS forwarding: a real local HTTP server plays the platform's batch API.

It answers 503 for a while, disappears (connection refused), comes back; it rejects rows with a
per-row report; it refuses a wrong API key. Rows leave the gateway's queue only when the
platform accepted them or gave a reason.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parkcarbon.edge.clock import ManualClock, align_tick
from parkcarbon.edge.config import HttpConfig, parse_config
from parkcarbon.edge.forward.http import HttpTransport, parse_rejections
from parkcarbon.edge.gateway import Gateway
from parkcarbon.edge.readings import Reading
from parkcarbon.edge.simulate import Dlt645Simulator, Sdm630Simulator


class FakePlatform:
    """``POST /api/v1/readings`` with switchable failure modes; stores accepted rows."""

    def __init__(self) -> None:
        self.api_key = "good-key"
        self.fail_next = 0
        self.reject_meters: set[str] = set()
        self.accepted: list[dict[str, Any]] = []
        self.requests: list[tuple[int, str, int]] = []  # (status, batch_id, rows)
        self.lock = threading.Lock()
        self.app = Starlette(routes=[Route("/api/v1/readings", self.readings, methods=["POST"])])
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self.port = 0

    async def readings(self, request: Request) -> Response:
        body = await request.json()
        batch_id, rows = body["batch_id"], body["readings"]
        assert request.headers["idempotency-key"] == batch_id
        with self.lock:
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                self.requests.append((401, batch_id, len(rows)))
                return JSONResponse({"title": "invalid API key"}, status_code=401)
            if self.fail_next > 0:
                self.fail_next -= 1
                self.requests.append((503, batch_id, len(rows)))
                return JSONResponse(
                    {"title": "database unavailable"}, status_code=503, headers={"Retry-After": "0"}
                )
            rejected = [
                {"index": i, "field": "meter_code", "reason": f"unknown meter_code {r['meter_code']!r}"}
                for i, r in enumerate(rows)
                if r["meter_code"] in self.reject_meters
            ]
            bad = {e["index"] for e in rejected}
            self.accepted.extend(r for i, r in enumerate(rows) if i not in bad)
            status = 422 if rejected else 200
            self.requests.append((status, batch_id, len(rows)))
            return JSONResponse({"accepted": len(rows) - len(bad), "rejected": rejected}, status_code=status)

    def start(self, port: int = 0) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline_wait(lambda: self.server is not None and self.server.started, 10, "HTTP server start")
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(10)
            self.server = self.thread = None

    def statuses(self) -> list[int]:
        with self.lock:
            return [s for s, _, _ in self.requests]


def deadline_wait(pred: Callable[[], bool], timeout: float, what: str) -> None:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    p = FakePlatform()
    p.start()
    yield p
    p.stop()


def gateway_config(tmp_path: Path, port: int, sdm_port: int, dlt_port: int, api_key: str = "good-key") -> Any:
    return parse_config(
        {
            "gateway": {
                "id": "gw-http",
                "park_code": "H",
                "poll_interval_s": 60,
                "heartbeat_interval_s": 3600,
                "queue_path": str(tmp_path / "q.sqlite3"),
                "batch_size": 4,
            },
            "forward": {
                "transport": "http",
                "http": {"base_url": f"http://127.0.0.1:{port}", "api_key": api_key, "timeout_s": 2},
            },
            "retry": {"initial_s": 0.02, "max_s": 0.2},
            "devices": [
                {
                    "name": "incomer",
                    "protocol": "modbus_tcp",
                    "host": "127.0.0.1",
                    "port": sdm_port,
                    "unit_id": 7,
                    "profile": "eastron_sdm630",
                    "timeout_s": 1,
                    "points": {"import_active_energy": "E-INC", "total_system_power": "P-INC"},
                },
                {
                    "name": "ws2",
                    "protocol": "dlt645_tcp",
                    "host": "127.0.0.1",
                    "port": dlt_port,
                    "address": "202611230001",
                    "profile": "dlt645_2007_energy",
                    "timeout_s": 1,
                    "points": {"forward_active_energy": "E-WS2"},
                },
            ],
        }
    )


class Ticker:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.tick = align_tick(clock.now(), 60)
        self.polled: list[Reading] = []

    def poll(self, gw: Gateway, n: int) -> None:
        for _ in range(n):
            self.tick += 60
            self.clock.set(self.tick)
            result = gw.poll_once(self.tick)
            assert result.errors == {}
            self.polled.extend(result.readings)


def test_503_then_platform_down_then_back_nothing_lost(
    tmp_path: Path,
    platform: FakePlatform,
    sdm630: Sdm630Simulator,
    dlt645: Dlt645Simulator,
    sim_clock: ManualClock,
    wait: Callable[..., None],
) -> None:
    cfg = gateway_config(tmp_path, platform.port, sdm630.port, dlt645.port)
    ticks = Ticker(sim_clock)
    platform.fail_next = 5
    with Gateway(cfg, clock=sim_clock) as gw:
        ticks.poll(gw, 3)
        wait(lambda: platform.statuses().count(503) == 5, 10, "five 503 answers")
        wait(lambda: gw.queue.depth() == 0, 10, "queue drained after 503s")
        first_batch = platform.requests[0][1]
        assert [b for s, b, _ in platform.requests if s == 503][:2] == [first_batch, first_batch]
        assert any(s == 200 and b == first_batch for s, b, _ in platform.requests)  # same id accepted

        port = platform.port
        platform.stop()  # the platform disappears: connection refused
        ticks.poll(gw, 2)
        wait(lambda: "ConnectError" in (gw.forwarder.last_error or ""), 10, "connection refused noticed")
        assert gw.queue.depth() == 2 * 3
        platform.start(port)
        wait(lambda: gw.queue.depth() == 0, 10, "queue drained after the platform came back")

    keys = [(r["meter_code"], r["ts"]) for r in platform.accepted]
    assert sorted(keys) == sorted(r.key for r in ticks.polled)  # each exactly once
    for r, row in zip(
        sorted(ticks.polled, key=lambda r: r.key),
        sorted(platform.accepted, key=lambda r: (r["meter_code"], r["ts"])),
        strict=True,
    ):
        assert row["value"] == r.value


def test_rejected_rows_go_to_dead_letter_and_bad_key_is_retried(
    tmp_path: Path,
    platform: FakePlatform,
    sdm630: Sdm630Simulator,
    dlt645: Dlt645Simulator,
    sim_clock: ManualClock,
    wait: Callable[..., None],
) -> None:
    platform.reject_meters = {"E-WS2"}
    platform.api_key = "rotated-key"  # the gateway still has the old one
    cfg = gateway_config(tmp_path, platform.port, sdm630.port, dlt645.port)
    ticks = Ticker(sim_clock)
    gw = Gateway(cfg, clock=sim_clock)
    with gw:
        ticks.poll(gw, 4)
        wait(lambda: platform.statuses().count(401) >= 2, 10, "401 answers")
        assert gw.queue.depth() == 12  # an authentication failure never drops or dead-letters rows
        assert gw.queue.stats().dead_letters == 0
        assert "HTTP 401 — check api_key" in (gw.forwarder.last_error or "")
        platform.api_key = "good-key"  # …until the key on the platform matches again
        wait(lambda: gw.queue.depth() == 0, 10, "queue drained")
        letters = gw.queue.dead_letters()
        status = gw.status_payload()

    assert sorted(d.reading.key for d in letters) == sorted(
        r.key for r in ticks.polled if r.meter_code == "E-WS2"
    )
    assert all(d.http_status == 422 for d in letters)
    assert all(d.reason == "unknown meter_code 'E-WS2'" for d in letters)
    accepted = sorted((r["meter_code"], r["ts"]) for r in platform.accepted)
    assert accepted == sorted(r.key for r in ticks.polled if r.meter_code != "E-WS2")
    assert status["dead_letters"] == 4


# ---------------------------------------------------------------------------- verdict mapping (no network)


def _transport(handler: Callable[[httpx.Request], httpx.Response]) -> HttpTransport:
    return HttpTransport(
        HttpConfig(base_url="https://p.example", api_key="k"), transport=httpx.MockTransport(handler)
    )


@pytest.mark.parametrize(
    ("status", "body", "outcome", "rejected"),
    [
        (200, {"accepted": 3}, "delivered", {}),
        (201, None, "delivered", {}),
        (207, {"rejected": [{"index": 1, "reason": "dup"}]}, "rejected", {1: "dup"}),
        (
            422,
            {
                "type": "about:blank",
                "errors": [{"loc": ["body", "readings", 2, "value"], "msg": "not finite"}],
            },
            "rejected",
            {2: "not finite"},
        ),
        (
            422,
            {"title": "bad batch"},
            "rejected",
            {
                0: 'HTTP 422: batch refused: {"title":"bad batch"}',
                1: 'HTTP 422: batch refused: {"title":"bad batch"}',
                2: 'HTTP 422: batch refused: {"title":"bad batch"}',
            },
        ),
        (413, None, "split", {}),
        (401, {"title": "no"}, "retry", {}),
        (429, None, "retry", {}),
        (500, None, "retry", {}),
        (404, None, "retry", {}),
    ],
)
def test_verdicts(status: int, body: Any, outcome: str, rejected: dict[int, str]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            status, content=b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        )

    t = _transport(handler)
    d = t.deliver("b-1", b'{"gateway":"g","batch_id":"b-1","readings":[]}', 3)
    assert d.outcome == outcome
    assert d.rejected == rejected
    assert seen[0].url == "https://p.example/api/v1/readings"
    assert seen[0].headers["authorization"] == "Bearer k"
    assert seen[0].headers["idempotency-key"] == "b-1"


def test_network_error_and_retry_after() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    d = _transport(refuse).deliver("b", b"{}", 1)
    assert d.outcome == "retry"
    assert "ConnectError" in d.reason
    d = _transport(lambda r: httpx.Response(503, headers={"Retry-After": "7"})).deliver("b", b"{}", 1)
    assert (d.outcome, d.retry_after_s) == ("retry", 7.0)


def test_parse_rejections_ignores_unidentifiable_rows() -> None:
    body = {
        "errors": [
            {"index": 9, "reason": "out of range"},
            {"reason": "no index"},
            "junk",
            {"row": 0, "detail": "a"},
            {"index": 0, "detail": "b"},
        ]
    }
    assert parse_rejections(body, 3) == {0: "a; b"}
    assert parse_rejections({"detail": "x"}, 3) is None
    assert parse_rejections([1, 2], 3) is None
