"""Forecasts of a meter, an enterprise or the park from stored hourly consumption (能源预测服务).

:func:`run_forecast` reads the hourly consumption (:mod:`parkcarbon.services.metering.consumption`) and
the park's weather (:mod:`.weather`), backtests the preferred model and falls
back until one meets ASHRAE Guideline 14 (:func:`parkcarbon.core.forecast.select_model`), forecasts the
next ``horizon_hours`` with P10/P50/P90 and stores the run with its model card. :func:`latest_forecast`
reads the stored run — reading never trains a model.

Authorisation (:func:`parkcarbon.services.access.can_read_forecast`): an enterprise's forecasts and its
meters' only to the enterprise itself and ``meter_data`` grantees; the park total and park-owned meters
to park staff, the park's regulators and the platform admin. Outside the principal's parks: not found.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select

from parkcarbon.core.forecast import (
    BacktestSpec,
    ForecastInputError,
    HourlySeries,
    ModelCard,
    WorkCalendar,
    select_model,
)
from parkcarbon.services import access
from parkcarbon.services.errors import Forbidden, InvalidInput, NotFound
from parkcarbon.services.forecast.schemas import (
    AccuracyOut,
    CriterionOut,
    ForecastOut,
    ModelCardOut,
    Scope,
)
from parkcarbon.services.forecast.weather import load_weather
from parkcarbon.services.metering.consumption import consumption, meter_consumption
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import ForecastRun, Meter, Organisation, OrgKind, Park

__all__ = ["card_out", "history_of", "latest_forecast", "resolve_scope", "run_forecast"]

MAX_HORIZON_HOURS = 24 * 31


def _jsonable(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY))


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


def card_out(card: ModelCard | dict[str, Any]) -> ModelCardOut:
    """A model card (core dataclass or its stored JSON) in API form."""
    c = _jsonable(dataclasses.asdict(card)) if isinstance(card, ModelCard) else card
    q = c.get("qualification") or {"criteria": []}
    spec = c.get("backtest_spec") or {}
    return ModelCardOut(
        model=c["model"],
        unit=c["unit"],
        data_first_hour=_dt(c["data_first_hour"]),
        data_last_hour=_dt(c["data_last_hour"]),
        hours=c["hours"],
        features=list(c["features"]),
        parameters=c["parameters"],
        in_sample=AccuracyOut(**c["in_sample"]) if c.get("in_sample") else None,
        backtest=AccuracyOut(**c["backtest"]) if c.get("backtest") else None,
        backtest_folds=spec.get("folds"),
        backtest_horizon_hours=spec.get("horizon_hours"),
        qualified=c["qualified"],
        criteria=[
            CriterionOut(
                metric=r["threshold"]["metric"],
                limit_pct=r["threshold"]["limit_pct"],
                value_pct=r["value_pct"],
                passed=r["passed"],
                source=r["threshold"]["source"],
                clause=r["threshold"]["clause"],
                edition=r["threshold"]["edition"],
            )
            for r in q["criteria"]
        ],
        reasons=list(c["reasons"]),
        warnings=list(c["warnings"]),
    )


def resolve_scope(
    db: Database, p: Principal, park_id: int, scope: Scope, scope_id: int
) -> tuple[int | None, str]:
    """The enterprise a scope belongs to (``None``: the park) and the park's timezone; checks access."""
    access.require_park_visible(p, park_id)
    with db.read() as s:
        park = s.get(Park, park_id)
        if park is None:
            raise NotFound("park not found")
        if scope == "meter":
            meter = s.get(Meter, scope_id)
            if meter is None or meter.park_id != park_id or meter.archived_at is not None:
                raise NotFound("meter not found")
            enterprise_id = meter.enterprise_id
        elif scope == "enterprise":
            org = s.get(Organisation, scope_id)
            if org is None or org.park_id != park_id or org.kind != OrgKind.ENTERPRISE:
                raise NotFound("enterprise not found")
            enterprise_id = org.id
        elif scope == "park":
            if scope_id != park_id:
                raise NotFound("park not found")
            enterprise_id = None
        else:
            raise InvalidInput.field("scope", "use meter, enterprise or park")
        if not access.can_read_forecast(s, p, park_id, enterprise_id):
            raise Forbidden(
                "the enterprise has not shared its meter data with you"
                if enterprise_id is not None
                else "the park's forecasts are for park staff and regulators"
            )
        return enterprise_id, park.timezone


def history_of(
    db: Database,
    p: Principal,
    park_id: int,
    scope: Scope,
    scope_id: int,
    *,
    carrier: str,
    start: datetime,
    end: datetime,
) -> HourlySeries:
    """Hourly consumption of the scope in ``[start, end)`` from the stored rollups."""
    if scope == "meter":
        mc = meter_consumption(db, p, scope_id, grain="hour", start=start, end=end)
        hs = [int(pt.bucket.timestamp()) for pt in mc.data]
        vals = [pt.consumption for pt in mc.data]
        unit = mc.unit
    else:
        res = consumption(
            db,
            p,
            park_id,
            grain="hour",
            start=start,
            end=end,
            group_by=("carrier",),
            enterprise_id=scope_id if scope == "enterprise" else None,
            carrier=carrier,
        )
        rows = [r for r in res.data if r.carrier == carrier and r.quantity is not None]
        hs = [int(r.bucket.timestamp()) for r in rows]
        vals = [float(r.quantity or 0.0) for r in rows]
        unit = rows[0].unit if rows and rows[0].unit else ""
    order = np.argsort(hs)
    return HourlySeries(
        np.asarray(hs, dtype=np.int64)[order], np.asarray(vals, dtype=np.float64)[order], unit
    )


def _out(run: ForecastRun) -> ForecastOut:
    series = run.series
    return ForecastOut(
        id=run.id,
        park_id=run.park_id,
        scope=run.scope,
        scope_id=run.scope_id,
        enterprise_id=run.enterprise_id,
        carrier=run.carrier,
        unit=run.unit,
        model=run.model,
        qualified=run.qualified,
        statement=run.statement,
        created_at=run.created_at,
        hours=[_dt(h) for h in series["hours"]],
        point=series["point"],
        p10=series["p10"],
        p50=series["p50"],
        p90=series["p90"],
        weather_forecast_hours=series.get("weather_forecast_hours", 0),
        card=card_out(run.card["chosen"]),
        candidates=[card_out(c) for c in run.card["candidates"]],
    )


def run_forecast(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    scope: Scope,
    scope_id: int,
    carrier: str = "electricity",
    horizon_hours: int = 24,
    preferred: str = "gbm",
    history_days: int = 365,
    now: datetime | None = None,
    spec: BacktestSpec | None = None,
) -> ForecastOut:
    """Fit, backtest, qualify and forecast one scope; store and return the run (module docstring)."""
    if not 1 <= horizon_hours <= MAX_HORIZON_HOURS:
        raise InvalidInput.field("horizon_hours", f"must be 1…{MAX_HORIZON_HOURS}")
    if not 14 <= history_days <= 800:
        raise InvalidInput.field("history_days", "must be 14…800")
    enterprise_id, timezone = resolve_scope(db, p, park_id, scope, scope_id)
    now = now or datetime.now(UTC)
    origin = int(now.timestamp()) // 3600 * 3600
    start = _dt(origin - history_days * 86400)
    history = history_of(db, p, park_id, scope, scope_id, carrier=carrier, start=start, end=_dt(origin))
    if len(history) < 24 * 14:
        raise InvalidInput.field(
            "scope_id", f"needs at least 14 days of hourly {carrier} data ({len(history)} h)"
        )
    weather, from_forecast = load_weather(
        db, park_id, int(history.hour_starts[0]), origin + horizon_hours * 3600, as_of=int(now.timestamp())
    )
    hours = origin + 3600 * np.arange(horizon_hours, dtype=np.int64)
    try:
        sel = select_model(
            history,
            weather,
            WorkCalendar(timezone=timezone),
            preferred=preferred,
            spec=spec or BacktestSpec(),
        )
        f = sel.fitted.predict(hours)
    except ForecastInputError as exc:
        raise InvalidInput.field("scope_id", str(exc)) from exc
    card = {
        "chosen": _jsonable(dataclasses.asdict(sel.card)),
        "candidates": [_jsonable(dataclasses.asdict(c)) for c in sel.candidates],
        "skipped": [list(x) for x in sel.skipped],
    }
    series = {
        "hours": hours.tolist(),
        "point": f.point.round(4).tolist(),
        "p10": f.p10.round(4).tolist(),
        "p50": f.p50.round(4).tolist(),
        "p90": f.p90.round(4).tolist(),
        "weather_forecast_hours": from_forecast,
        "warnings": list(f.warnings),
    }
    with db.transaction() as s:
        run = ForecastRun(
            park_id=park_id,
            enterprise_id=enterprise_id,
            scope=scope,
            scope_id=scope_id,
            carrier=carrier,
            unit=history.unit,
            model=sel.chosen,
            qualified=sel.qualified,
            statement=sel.statement,
            origin=origin,
            horizon_hours=horizon_hours,
            card=card,
            series=series,
        )
        s.add(run)
        s.flush()
        return _out(run)


def latest_forecast(
    db: Database, p: Principal, park_id: int, *, scope: Scope, scope_id: int, carrier: str = "electricity"
) -> ForecastOut:
    """The latest stored forecast of a scope (never trains a model)."""
    resolve_scope(db, p, park_id, scope, scope_id)
    with db.read() as s:
        run = s.scalars(
            select(ForecastRun)
            .where(
                ForecastRun.park_id == park_id,
                ForecastRun.scope == scope,
                ForecastRun.scope_id == scope_id,
                ForecastRun.carrier == carrier,
            )
            .order_by(ForecastRun.id.desc())
            .limit(1)
        ).first()
        if run is None:
            raise NotFound("no forecast has been run for this scope yet")
        return _out(run)
