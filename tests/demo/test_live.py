"""The live feed: new readings of the demo park arrive through the readings intake (the batch API's
service, with an ingest key of the park) and update the rollups, meter and gateway status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from parkcarbon.demo.catalogue import build_catalogue
from parkcarbon.demo.live import LIVE_GATEWAY, LiveFeed, find_demo
from parkcarbon.services.metering import quality
from parkcarbon.services.principal import SYSTEM
from parkcarbon.store.models import ApiKey, IngestBatch, MeterDay, Reading
from tests.demo.conftest import NOW, Built, build

SEED = 3


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Built:
    path = tmp_path_factory.mktemp("live") / "live.db"
    return build(path, seed=SEED, days=3, enterprises=5, enterprise_demo=False)


def consumption(built: Built, code: str) -> float:
    with built.db.read() as s:
        return float(
            s.scalar(
                select(func.sum(MeterDay.consumption)).where(MeterDay.meter_id == built.park.meter_ids[code])
            )
            or 0.0
        )


def readings_after(built: Built, code: str, ts: int) -> list[tuple[int, float, float]]:
    with built.db.read() as s:
        rows = s.execute(
            select(Reading.ts, Reading.value, Reading.delta)
            .where(Reading.meter_id == built.park.meter_ids[code], Reading.ts > ts)
            .order_by(Reading.ts)
        ).all()
    return [(int(t), float(v), float(d or 0.0)) for t, v, d in rows]


def test_live_feed_posts_through_the_intake(small: Built) -> None:
    params = find_demo(small.db)
    assert params is not None and params.seed == SEED and params.enterprises == 5
    end = int(small.park.end.timestamp())
    now = int((NOW + timedelta(hours=1)).timestamp())
    feed = LiveFeed(small.db, small.settings, params, clock=lambda: float(now))
    before = consumption(small, "E01-EL-MAIN")

    result = feed.step()
    assert result is not None and result.rejected == []
    # every 15-minute meter gets the ticks that ended since the history (02:15 … 03:00 UTC), the hourly
    # water meters 03:00, each live power meter one value; the offline meter stays silent
    specs = [m for e in build_catalogue(SEED, 5) for m in e.meters if m.code != params.offline_meter]
    new_ticks = (now // 900 * 900 - end) // 900
    assert new_ticks == 4
    expected = sum(
        1 if m.kind == "instant" else new_ticks if m.interval_s == 900 else (now // 3600 * 3600 - end) // 3600
        for m in specs
    )
    assert result.accepted == expected
    assert readings_after(small, params.offline_meter or "", end) == []

    # the rollups grew by exactly the new intervals' consumption
    new = readings_after(small, "E01-EL-MAIN", end)
    assert [t for t, _v, _d in new] == [end + 900 * k for k in range(1, 5)]
    assert consumption(small, "E01-EL-MAIN") == pytest.approx(before + sum(d for _t, _v, d in new), rel=1e-9)
    assert all(d > 0 for _t, _v, d in new)

    # it came through the intake with the feed's ingest key, as a gateway would send it
    with small.db.read() as s:
        batch = s.scalars(select(IngestBatch).order_by(IngestBatch.id.desc())).first()
        assert batch is not None and batch.source == "api" and batch.gateway == LIVE_GATEWAY
        assert batch.accepted == expected and batch.actor_label.startswith("api-key:")
        assert s.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))) == 2
    status = {m.code: m for m in quality.meter_status(small.db, SYSTEM, params.park_id, now=now)}
    assert status["E01-EL-MAIN"].online and not status[params.offline_meter or ""].online
    gateways = quality.gateway_status(
        small.db, SYSTEM, params.park_id, now=small.park.end + timedelta(hours=1)
    )
    assert [g.gateway for g in gateways] == [LIVE_GATEWAY] and gateways[0].online

    # the same instant again: nothing new
    again = feed.step()
    assert again is None or again.accepted == 0

    # after a day's pause the feed catches up tick by tick; the register continues from its last value
    later = now + 86_400
    caught = feed.step(later)
    assert caught is not None and caught.rejected == []
    more = readings_after(small, "E01-EL-MAIN", end + 3600)
    assert len(more) == (later // 900 * 900 - (end + 3600)) // 900 == 96
    assert more[0][1] >= new[-1][1]  # a register only grows (no wrap on this meter)

    feed.stop()
    with small.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))) == 1
