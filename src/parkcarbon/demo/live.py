"""The demo park's live feed (实时数据): new readings for "now" through the real intake path.

While ``parkcarbon demo`` serves the console, a :class:`LiveFeed` thread wakes every ``step_s``
seconds (15 s by default) and submits one batch — exactly what ``POST /api/v1/readings`` does with
the park's ingest key: :func:`parkcarbon.services.intake.readings.submit_readings` with the principal
of an API key issued for the feed (revoked when it stops). A batch holds

* the register and interval readings of every 15-minute tick (hourly for water meters) that has ended
  since each meter's last stored reading — so the meters keep their 15-minute cadence, stay online
  and the hourly and daily rollups grow as a real gateway would make them grow; after a pause the
  feed catches up (at most :data:`CATCH_UP_S` of ticks; the first reading after a longer pause carries
  the register's accumulated value, as a meter that kept counting does);
* the live active power [kW] of each enterprise's main incomer and of the park's 110 kV substation at
  the current 15-second instant (instant meters ``…-EL-MAIN-KW``, ``PK-SUB-KW``): the moving power
  curve of the current, still incomplete tick. Instant readings are not consumption and never enter
  totals.

Values come from the same load model as the history (:mod:`.model`), keyed by absolute time, so the
live data continues the history seamlessly. The planted offline meter stays silent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import select

from parkcarbon.demo.catalogue import PARK_CODE_PREFIX, EnterpriseSpec, MeterSpec, build_catalogue
from parkcarbon.demo.generator import GATEWAY, GENERATOR
from parkcarbon.demo.model import HOURS_PER_TICK, growth_start, is_pv_meter, meter_consumption
from parkcarbon.demo.profiles import TICK_S, build_calendar, normal, stream_key
from parkcarbon.services.accounts import apikeys, auth
from parkcarbon.services.accounts.schemas import ApiKeyCreate
from parkcarbon.services.intake import readings as intake
from parkcarbon.services.intake.schemas import ReadingsResult
from parkcarbon.services.principal import SYSTEM, Principal
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import IngestBatch, Meter, MeterStatus, Park, Reading

__all__ = ["CATCH_UP_S", "LIVE_GATEWAY", "LiveFeed", "LiveParams", "find_demo"]

F64 = npt.NDArray[np.float64]
log = logging.getLogger(__name__)

#: Gateway name of the live batches (shown in the gateway status and the intake log).
LIVE_GATEWAY = GATEWAY
#: Ticks older than this are not sent one by one after a pause (the register still carries them) [s].
CATCH_UP_S = 2 * 86_400
#: Interval of the live active-power readings [s].
POWER_STEP_S = 15
#: Longest pause whose consumption the feed still computes (beyond it the register resumes flat) [s].
MAX_GAP_S = 400 * 86_400


@dataclass(frozen=True)
class LiveParams:
    """What the feed needs to know about a generated demo park (recorded with its history load)."""

    park_id: int
    park_code: str
    timezone: str
    seed: int
    enterprises: int
    anchor_year: int
    offline_meter: str | None


def find_demo(db: Database, park_code: str = "demo") -> LiveParams | None:
    """The generator's parameters of ``park_code`` from the intake log of its history load, or ``None``
    when the park does not exist or was not made by the generator."""
    with db.read() as s:
        park = s.scalar(select(Park).where(Park.code == park_code))
        if park is None:
            return None
        rows = s.scalars(
            select(IngestBatch)
            .where(IngestBatch.park_id == park.id, IngestBatch.source == "history")
            .order_by(IngestBatch.id.desc())
        ).all()
        for row in rows:
            note: dict[str, Any] = (row.report or {}).get("history") or {}
            if note.get("generator") == GENERATOR:
                return LiveParams(
                    park_id=park.id,
                    park_code=park.code,
                    timezone=park.timezone,
                    seed=int(note["seed"]),
                    enterprises=int(note["enterprises"]),
                    anchor_year=int(note["anchor_year"]),
                    offline_meter=note.get("offline_meter"),
                )
    return None


@dataclass
class _MeterState:
    spec: MeterSpec
    ent: EnterpriseSpec
    meter_id: int
    last_ts: int | None
    last_value: float | None


class LiveFeed:
    """Submits new readings of the demo park through the readings intake (module docstring).

    Parameters
    ----------
    db, settings
        The platform's database and settings.
    params
        From :func:`find_demo`.
    step_s
        Seconds between batches.
    clock
        Current time [epoch s] (tests pass a fake clock).
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        params: LiveParams,
        *,
        step_s: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db, self.settings, self.params = db, settings, params
        self.step_s = step_s
        self.clock = clock
        self.catalogue = build_catalogue(params.seed, params.enterprises)
        self.growth_from = growth_start(params.anchor_year, params.timezone)
        self.batches = 0
        self.readings = 0
        self.last_result: ReadingsResult | None = None
        self._states: dict[str, _MeterState] | None = None
        self._principal: Principal | None = None
        self._key_id: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Run :meth:`step` every ``step_s`` seconds in a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="demo-live-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread (the batch being written completes) and revoke the feed's API key."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._key_id is not None:
            apikeys.revoke_api_key(self.db, SYSTEM, self._key_id)
            self._key_id, self._principal = None, None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # keep feeding: one failed batch must not stop the demo
                log.exception("demo live feed: a batch failed")
            self._stop.wait(self.step_s)

    # ---- one batch ---------------------------------------------------------------------------------

    def principal(self) -> Principal:
        """The feed's principal: an ingest key of the park, authenticated as a request would be."""
        if self._principal is None:
            issued = apikeys.create_api_key(
                self.db,
                SYSTEM,
                ApiKeyCreate(
                    park_id=self.params.park_id,
                    name="演示实时数据 demo live feed",
                    expires_at=datetime.now(UTC) + timedelta(days=30),
                ),
            )
            self._key_id = issued.id
            self._principal = auth.authenticate(self.db, issued.key)
        return self._principal

    def _load_states(self) -> dict[str, _MeterState]:
        specs = {m.code: (m, e) for e in self.catalogue for m in e.meters}
        with self.db.read() as s:
            rows = s.execute(
                select(Meter.id, Meter.code, MeterStatus.last_ts)
                .outerjoin(MeterStatus, MeterStatus.meter_id == Meter.id)
                .where(Meter.park_id == self.params.park_id)
            ).all()
            states: dict[str, _MeterState] = {}
            for mid, code, last_ts in rows:
                if code not in specs or code == self.params.offline_meter:
                    continue
                spec, ent = specs[code]
                value = None
                if last_ts is not None and spec.kind == "register":
                    value = s.scalar(
                        select(Reading.value).where(Reading.meter_id == mid, Reading.ts == last_ts)
                    )
                states[code] = _MeterState(spec, ent, mid, last_ts, value)
        return states

    def step(self, now: float | None = None) -> ReadingsResult | None:
        """Submit the readings due at ``now`` (default: the clock) in one batch; ``None`` if none."""
        now_s = int(self.clock() if now is None else now)
        if self._states is None:
            self._states = self._load_states()
        states = self._states
        tick_now = now_s // TICK_S  # the last tick that has ended
        due = [st.last_ts for st in states.values() if not st.spec.live_only and st.last_ts is not None]
        first = max(min(due, default=tick_now * TICK_S) // TICK_S + 1, tick_now - MAX_GAP_S // TICK_S)
        first = min(first, tick_now + 1)
        cal = build_calendar(first, tick_now + 1, seed=self.params.seed, timezone=self.params.timezone)
        rows: list[dict[str, Any]] = []
        power_ts = now_s // POWER_STEP_S * POWER_STEP_S
        stamp = datetime.fromtimestamp(power_ts, UTC).isoformat()
        substation = 0.0
        updates: list[tuple[_MeterState, int, float | None]] = []
        for ent in self.catalogue:
            cons = meter_consumption(ent, cal, seed=self.params.seed, growth_from=self.growth_from)
            for m in ent.meters:
                if m.live_only:
                    continue
                if (
                    m.carrier == "electricity"
                    and m.unit == "kWh"
                    and m.parent is None
                    and not is_pv_meter(ent, m)
                ):
                    substation += float(cons[m.code][-1]) / HOURS_PER_TICK
                st = states.get(m.code)
                if st is None:
                    continue
                new = self._register_rows(st, cons[m.code][:-1], cal.ts[:-1], now_s)
                for ts, value in new:
                    rows.append(
                        {
                            "meter_code": m.code,
                            "ts": datetime.fromtimestamp(ts, UTC).isoformat(),
                            "value": value,
                            "unit": m.unit,
                            "kind": m.kind,
                        }
                    )
                if new:
                    updates.append((st, new[-1][0], new[-1][1] if m.kind == "register" else None))
            for m in ent.meters:
                if m.live_only and m.power_of and m.power_of != "*" and m.code in states:
                    jitter = 1.0 + 0.015 * float(
                        normal(
                            stream_key(self.params.seed, m.code, "kw"), np.asarray([power_ts // POWER_STEP_S])
                        )[0]
                    )
                    kw = float(cons[m.power_of][-1]) / HOURS_PER_TICK * jitter
                    rows.append(
                        {
                            "meter_code": m.code,
                            "ts": stamp,
                            "value": round(kw, 1),
                            "unit": "kW",
                            "kind": "instant",
                        }
                    )
        sub = f"{PARK_CODE_PREFIX}-SUB-KW"
        if sub in states:
            rows.append(
                {
                    "meter_code": sub,
                    "ts": stamp,
                    "value": round(substation * 1.012, 1),
                    "unit": "kW",
                    "kind": "instant",
                }
            )
        if not rows:
            return None
        body = orjson.dumps({"gateway": LIVE_GATEWAY, "batch_id": f"live-{power_ts}", "readings": rows})
        result = intake.submit_readings(
            self.db, self.settings, self.principal(), body, content_type="application/json", now=now_s
        )
        for st, last_ts, last_value in updates:
            st.last_ts, st.last_value = last_ts, last_value
        self.batches += 1
        self.readings += result.accepted
        self.last_result = result
        if result.rejected:
            log.warning("demo live feed: %d row(s) rejected: %s", len(result.rejected), result.rejected[:3])
        return result

    @staticmethod
    def _register_rows(
        st: _MeterState, cons: F64, ticks_ts: npt.NDArray[np.int64], now_s: int
    ) -> list[tuple[int, float]]:
        """Readings ``(ts, value)`` of one meter for the ticks after its last reading: a register
        continues from its stored value; an interval reading carries its own interval's consumption."""
        m = st.spec
        if not ticks_ts.size:
            return []
        last = st.last_ts if st.last_ts is not None else int(ticks_ts[-1]) - m.interval_s
        after = ticks_ts > last
        due = np.flatnonzero(after & (ticks_ts % m.interval_s == 0) & (ticks_ts >= now_s - CATCH_UP_S))
        if not due.size:
            return []
        if m.kind == "interval":
            cum_all = np.cumsum(cons)
            k = m.interval_s // TICK_S
            return [
                (
                    int(ticks_ts[i]),
                    round(float(cum_all[i] - (cum_all[i - k] if i >= k else 0.0)) / m.multiplier, 3),
                )
                for i in due.tolist()
            ]
        cum = np.cumsum(np.where(after, cons, 0.0))
        base = st.last_value if st.last_value is not None else m.register_start
        out: list[tuple[int, float]] = []
        for i in due.tolist():
            raw = base + float(cum[i]) / m.multiplier
            if m.register_max is not None:
                raw = raw % m.register_max
            out.append((int(ticks_ts[i]), round(raw, 2)))
        return out
