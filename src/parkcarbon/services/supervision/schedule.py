"""The server's own warnings schedule (预警定时评估): every park's early-warning rules evaluated when the
server starts and then every ``PARKCARBON_WARNINGS_INTERVAL_SECONDS`` seconds.

The schedule is an APScheduler ``BackgroundScheduler`` (one worker thread; the evaluation is
synchronous database work) with one interval job: first run at start, ``max_instances=1`` and
``coalesce=True`` so a slow evaluation is never run twice at once and missed runs collapse into one.
Each run evaluates every park as the principal the entry point hands over (the app factory passes
the system principal, like the cron command) through :func:`parkcarbon.services.supervision.warnings.
evaluate_warnings` (its own access check, notifications, webhook, retries of failed deliveries); a park
whose evaluation fails is logged and the others are still evaluated. Interval 0 switches the schedule
off (then the cron command ``parkcarbon warnings evaluate`` is the only evaluation).

Several server processes on one database each run the schedule; evaluation is idempotent (a second
run within the interval finds the same conditions and records only ``updated`` values), so this costs
work, not correctness.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from parkcarbon.services.principal import Principal
from parkcarbon.services.supervision import warnings
from parkcarbon.services.supervision.monitoring_schemas import EvaluationResult
from parkcarbon.store.db import Database
from parkcarbon.store.models import Park

__all__ = ["WarningsSchedule", "evaluate_all_parks"]

log = logging.getLogger(__name__)

JOB_ID = "parkcarbon-warnings"


def evaluate_all_parks(
    db: Database, p: Principal, *, now: datetime | None = None
) -> dict[int, EvaluationResult]:
    """Evaluate every park's warnings as ``p``; a failing park (or one ``p`` may not evaluate) is
    logged and skipped."""
    with db.read() as s:
        park_ids = list(s.scalars(select(Park.id).order_by(Park.id)))
    out: dict[int, EvaluationResult] = {}
    for park_id in park_ids:
        try:
            out[park_id] = warnings.evaluate_warnings(db, p, park_id, now=now)
        except Exception:  # one park's failure must not stop the others' evaluation
            log.exception("warnings evaluation of park %s failed", park_id)
    return out


class WarningsSchedule:
    """The periodic evaluation of every park's warnings (module docstring).

    ``runs`` counts completed runs and ``last`` holds the last run's results by park; ``on_run`` (tests,
    monitoring) is called after each run with them.
    """

    def __init__(
        self,
        db: Database,
        principal: Principal,
        interval_s: float,
        *,
        on_run: Callable[[dict[int, EvaluationResult]], None] | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("the warnings schedule needs a positive interval (0 means: do not start one)")
        self.db = db
        self.principal = principal
        self.interval_s = interval_s
        self.on_run = on_run
        self.runs = 0
        self.last: dict[int, EvaluationResult] = {}
        self._lock = threading.Lock()
        self._scheduler = BackgroundScheduler(timezone=UTC)

    def run_once(self) -> dict[int, EvaluationResult]:
        """One evaluation of every park (the job; also callable directly)."""
        results = evaluate_all_parks(self.db, self.principal)
        with self._lock:
            self.runs += 1
            self.last = results
        if self.on_run is not None:
            self.on_run(results)
        return results

    def start(self) -> None:
        """Start the schedule: the first run now, then every ``interval_s`` seconds."""
        self._scheduler.add_job(
            self.run_once,
            IntervalTrigger(seconds=self.interval_s, timezone=UTC),
            id=JOB_ID,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def shutdown(self) -> None:
        """Stop the schedule, waiting for a running evaluation to finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
