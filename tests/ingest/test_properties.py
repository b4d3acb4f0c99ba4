"""Properties of intake (hypothesis): idempotent re-ingest, rollups = Σ interval consumption,
independence from batch order and size, register arithmetic."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from parkcarbon.ingest import flags as qf
from parkcarbon.ingest.parse import RawBatch
from parkcarbon.ingest.pipeline import Actor
from parkcarbon.ingest.series import MeterParams, interval_deltas
from parkcarbon.services.intake.readings import MeterScope, ingest_raw
from parkcarbon.store.db import Database
from tests.conftest import World
from tests.ingest.conftest import T0, MakeMeter, iso

NOW = int((T0 + timedelta(days=400)).timestamp())
ACTOR = Actor(label="property-test")
SETTINGS = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: A register series: (gap in quarter hours ≥ 1, increment ≥ 0 or a small negative glitch).
series = st.lists(
    st.tuples(st.integers(1, 8), st.one_of(st.floats(0, 50, allow_nan=False), st.floats(-5, -0.01))),
    min_size=2,
    max_size=40,
)


def build(steps: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """(quarter-hour index, register value) pairs."""
    out, q, v = [], 0, 1000.0
    for gap, inc in steps:
        q += gap
        v = round(v + inc, 3)
        out.append((q, v))
    return out


def raw(meter_id: int, points: list[tuple[int, float]]) -> RawBatch:
    n = len(points)
    return RawBatch(
        meter_code=[None] * n,
        meter_id=[meter_id] * n,
        ts=[iso(T0 + timedelta(minutes=15 * q)) for q, _ in points],
        value=[v for _, v in points],
        unit=[None] * n,
        kind=[None] * n,
        flags=[None] * n,
    )


def ingest(db: Database, world: World, meter_id: int, points: list[tuple[int, float]]) -> Any:
    return ingest_raw(db, raw(meter_id, points), scope=MeterScope(park_id=world.a.park_id), actor=ACTOR,
                      source="test", now=NOW)  # fmt: skip


def state(db: Database, meter_id: int) -> tuple[list[Any], list[Any], list[Any]]:
    with db.read() as s:
        readings = s.execute(
            text("SELECT ts, value, delta, flags FROM readings WHERE meter_id = :m ORDER BY ts"),
            {"m": meter_id},
        ).all()
        days = s.execute(
            text(
                "SELECT d.day, consumption, estimated, flagged_sum, readings, intervals, flagged, h.hours "
                "FROM meter_days d JOIN meter_hours h ON h.meter_id = d.meter_id AND h.day = d.day "
                "WHERE d.meter_id = :m ORDER BY d.day"
            ),
            {"m": meter_id},
        ).all()
        months = s.execute(
            text(
                "SELECT bucket, consumption, readings, flagged FROM meter_rollups WHERE meter_id = :m "
                "AND grain = 3 ORDER BY bucket"
            ),
            {"m": meter_id},
        ).all()
    return [tuple(r) for r in readings], [tuple(r) for r in days], [tuple(r) for r in months]


def check_rollups(db: Database, meter_id: int) -> None:
    readings, days, months = state(db, meter_id)
    included = [
        d for _, _, d, f in readings if d is not None and not (f & qf.EXCLUDED)
    ]  # fmt: skip
    total = float(sum(included))
    assert np.isclose(sum(d[1] for d in days), total, atol=1e-6)
    assert np.isclose(sum(m[1] for m in months), total, atol=1e-6)
    assert sum(d[4] for d in days) == len(readings) == sum(m[2] for m in months)
    assert sum(d[6] for d in days) == sum(1 for _, _, d, f in readings if d is not None and f & qf.EXCLUDED)
    for d in days:
        vec = np.frombuffer(d[7], dtype="<f8").reshape(4, 25)
        assert np.isclose(vec[0].sum(), d[1], atol=1e-6)
        assert round(vec[2].sum()) == d[4]


@SETTINGS
@given(steps=series)
def test_reingest_is_idempotent(db: Database, world: World, make_meter: MakeMeter, steps: list[Any]) -> None:
    m = make_meter()
    points = build(steps)
    first = ingest(db, world, m.id, points)
    before = state(db, m.id)
    second = ingest(db, world, m.id, points)
    assert (second.accepted, second.duplicates, second.corrections) == (0, len(points), 0)
    assert first.accepted == len(points)
    assert state(db, m.id) == before


@SETTINGS
@given(steps=series, data=st.data())
def test_rollups_equal_interval_sums_and_order_does_not_matter(
    db: Database, world: World, make_meter: MakeMeter, steps: list[Any], data: st.DataObject
) -> None:
    in_order, shuffled = make_meter(), make_meter()
    points = build(steps)
    ingest(db, world, in_order.id, points)
    # the same readings in random batches, in random order (late data, back-fills)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(points) - 1)), max_size=5)))
    batches = [points[a:b] for a, b in zip([0, *cuts], [*cuts, len(points)], strict=True) if points[a:b]]
    random.Random(data.draw(st.integers(0, 2**32 - 1))).shuffle(batches)
    for batch in batches:
        ingest(db, world, shuffled.id, batch)
    check_rollups(db, in_order.id)
    check_rollups(db, shuffled.id)
    a, b = state(db, in_order.id), state(db, shuffled.id)
    strip = ~(qf.LATE | qf.SPIKE)  # "late" and "spike" depend on what had arrived before
    assert [(t, v, d, f & strip) for t, v, d, f in a[0]] == [(t, v, d, f & strip) for t, v, d, f in b[0]]
    assert [x[:7] for x in a[1]] == [x[:7] for x in b[1]]
    assert a[2] == b[2]


@SETTINGS
@given(steps=series, fix=st.data())
def test_corrections_keep_rollups_consistent(
    db: Database, world: World, make_meter: MakeMeter, steps: list[Any], fix: st.DataObject
) -> None:
    m = make_meter(rated_capacity_per_hour=150.0)
    points = build(steps)
    ingest(db, world, m.id, points)
    i = fix.draw(st.integers(0, len(points) - 1))
    q, v = points[i]
    change = fix.draw(st.floats(0.01, 20)) * fix.draw(st.sampled_from([-1.0, 1.0]))
    report = ingest(db, world, m.id, [(q, v + change)])
    assert report.corrections == 1
    check_rollups(db, m.id)


@given(
    values=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=100),
    multiplier=st.floats(0.1, 1000),
)
def test_monotone_register_deltas_sum_to_the_register_rise(values: list[float], multiplier: float) -> None:
    v = np.cumsum(np.asarray(values))
    n = v.shape[0]
    params = MeterParams(
        kind=np.zeros(1, dtype=np.int64), multiplier=np.asarray([multiplier]), capacity=np.asarray([np.nan]),
        register_max=np.asarray([np.nan]), typical_rate=np.asarray([np.nan]),
    )  # fmt: skip
    delta, dflags = interval_deltas(
        np.zeros(n, dtype=np.int64),
        1_767_225_600 + 900 * np.arange(n),
        v,
        np.zeros(n, dtype=np.int64),
        params,
    )
    assert np.isnan(delta[0])
    assert np.isclose(np.nansum(delta), (v[-1] - v[0]) * multiplier, rtol=1e-9, atol=1e-6)
    assert not (dflags & qf.EXCLUDED).any()
