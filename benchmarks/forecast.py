"""Forecast accuracy and cost on the demo park's loads (issue 16 §8), side by side in one run.

    python benchmarks/forecast.py                 # 40-enterprise demo catalogue, seed 42
    python benchmarks/forecast.py --enterprises 10 --gbm-sample 3

Data: the demo park's generated hourly consumption (``services/demo``: shifts, weekends, Chinese public
holidays and 调休, weather-driven HVAC, pvlib PV, noise) from 1 January 2025 to 1 December 2026, and
the hourly air temperature it was generated from (observed weather: the backtest uses the weather that
happened, not a forecast of it). No database: the series come straight from the demo's generator, the
same functions that fill the demo's meters.

Split: rolling origin, 4 folds of 168 hours each ending 1 December 2026 00:00 local; each fold is
fitted on everything before its origin (TOWT on the last 365 days, GBM on the last 730).

Accuracy: every model on the main electricity incomer of every enterprise (and the park's facilities):
median and worst CV(RMSE), NMBE, share meeting ASHRAE G14 hourly criteria, P10–P90 coverage. OpenDSM's
hourly model is run beside them when the ``opendsm`` package is importable (it is not a dependency).

Cost: TOWT fitted on every energy meter of the catalogue (365 days of hourly data each), timed against
fitting the seasonal-naive baseline on the same series in the same run (the reference); GBM fitted on
a sample, its per-meter time extrapolated.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from parkcarbon.core.forecast import (
    BacktestSpec,
    HourlySeries,
    Weather,
    WorkCalendar,
    model_by_name,
    rolling_origin,
)
from parkcarbon.demo.catalogue import build_catalogue
from parkcarbon.demo.model import growth_start, meter_consumption
from parkcarbon.demo.profiles import TICK_S, build_calendar

TZ = "Asia/Shanghai"


def demo_series(seed: int, enterprises: int):
    tz = ZoneInfo(TZ)
    first = int(datetime(2025, 1, 1, tzinfo=tz).timestamp()) // TICK_S + 1
    last = int(datetime(2026, 12, 1, tzinfo=tz).timestamp()) // TICK_S
    cal = build_calendar(first, last, seed=seed, timezone=TZ)
    hour_of = (cal.ts - 1) // 3600 * 3600
    hours, inv = np.unique(hour_of, return_inverse=True)
    counts = np.bincount(inv)
    weather = Weather(hours, np.bincount(inv, weights=cal.temp_c) / counts)
    series: dict[str, tuple[HourlySeries, bool]] = {}
    catalogue = build_catalogue(seed, enterprises)
    growth = growth_start(2026, TZ)
    for ent in catalogue:
        cons = meter_consumption(ent, cal, seed=seed, growth_from=growth)
        for m in ent.meters:
            if m.code not in cons or m.reactive_of or m.power_of or m.kind == "instant" or m.unit == "kvarh":
                continue
            hourly = np.bincount(inv, weights=cons[m.code])
            if hourly.sum() <= 0:
                continue
            is_main = m.main and m.carrier == "electricity"
            series[m.code] = (HourlySeries(hours, hourly, m.unit), is_main)
    return series, weather


def opendsm_backtest(h: HourlySeries, w: Weather, spec: BacktestSpec):  # pragma: no cover - optional peer
    import pandas as pd
    from opendsm import eemeter

    end = int(h.hour_starts[-1]) + 3600
    preds, meas = [], []
    for k in reversed(range(spec.folds)):
        origin = end - (k + 1) * spec.horizon_hours * 3600
        idx = pd.to_datetime(h.hour_starts, unit="s", utc=True)
        df = pd.DataFrame({"observed": h.values, "temperature": w.at(h.hour_starts) * 1.8 + 32}, index=idx)
        base = df[
            (df.index >= pd.Timestamp(origin - 365 * 86400, unit="s", tz="UTC"))
            & (df.index < pd.Timestamp(origin, unit="s", tz="UTC"))
        ]
        rep = df[
            (df.index >= pd.Timestamp(origin, unit="s", tz="UTC"))
            & (df.index < pd.Timestamp(origin + spec.horizon_hours * 3600, unit="s", tz="UTC"))
        ]
        bd = eemeter.HourlyBaselineData(base, is_electricity_data=True)
        rd = eemeter.HourlyReportingData(rep, is_electricity_data=True)
        model = eemeter.HourlyModel().fit(bd, ignore_disqualification=True)
        out = model.predict(rd, ignore_disqualification=True)
        preds.append(out["predicted"].to_numpy())
        meas.append(rep["observed"].to_numpy())
    return np.concatenate(meas), np.concatenate(preds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--enterprises", type=int, default=40)
    ap.add_argument("--gbm-sample", type=int, default=5)
    ap.add_argument(
        "--models",
        default="persistence,seasonal_naive,towt,gbm,opendsm",
        help="comma-separated models of the accuracy table",
    )
    ap.add_argument("--no-cost", action="store_true", help="skip the fitting-cost section")
    args = ap.parse_args()
    t = time.perf_counter()
    series, weather = demo_series(args.seed, args.enterprises)
    print(
        f"demo series: {len(series)} energy meters, {weather.hour_starts.size} hours "
        f"({time.perf_counter() - t:.1f} s to generate)"
    )
    cal = WorkCalendar(timezone=TZ)
    spec = BacktestSpec(folds=4, horizon_hours=168, step_hours=168)
    mains = [code for code, (_, main) in series.items() if main]
    print(f"\naccuracy: {len(mains)} main electricity incomers, rolling origin 4 × 168 h ending 2026-12-01")
    print(
        f"{'model':<16}{'median CV(RMSE) %':>19}{'worst':>8}{'median NMBE %':>15}{'G14 hourly':>12}"
        f"{'P10–P90 cov.':>14}"
    )
    from parkcarbon.core.forecast import accuracy, qualify

    medians = {}
    for name in args.models.split(","):
        cvs, nmbes, ok, cov = [], [], 0, []
        for code in mains:
            h, _ = series[code]
            try:
                if name == "opendsm":
                    y, yhat = opendsm_backtest(h, weather, spec)
                    acc = accuracy(y, yhat, parameters=0)
                else:
                    acc = rolling_origin(name, h, weather, cal, spec).accuracy
            except Exception as exc:  # the optional peer: not installed, or failing to import/fit
                if name != "opendsm":
                    raise
                print(f"{name:<16}  (not run: {type(exc).__name__}: {str(exc)[:80]})")
                break
            cvs.append(acc.cv_rmse_pct)
            nmbes.append(acc.nmbe_pct)
            ok += qualify(acc, resolution="hourly").qualified
            if acc.coverage_p10_p90 is not None:
                cov.append(acc.coverage_p10_p90)
        if not cvs:
            continue
        medians[name] = statistics.median(cvs)
        print(
            f"{name:<16}{statistics.median(cvs):>19.1f}{max(cvs):>8.1f}{statistics.median(nmbes):>15.2f}"
            f"{ok:>8}/{len(cvs):<3}{(statistics.median(cov) if cov else float('nan')):>14.2f}"
        )
    if "opendsm" in medians:
        for name in [n for n in ("towt", "gbm") if n in medians]:
            print(f"  {name} CV(RMSE) vs OpenDSM: {medians[name] / medians['opendsm']:.2f} × (goal ≤ 0.90)")

    if args.no_cost:
        return
    print(f"\ncost: fitting every energy meter ({len(series)}) on 365 days")
    end = int(weather.hour_starts[-1]) + 3600
    fit_hist = {c: h.between(end - 365 * 86400, end) for c, (h, _) in series.items()}
    t = time.perf_counter()
    for h in fit_hist.values():
        model_by_name("seasonal_naive").fit(h, weather, cal)
    ref = time.perf_counter() - t
    t = time.perf_counter()
    for h in fit_hist.values():
        model_by_name("towt").fit(h, weather, cal)
    towt_s = time.perf_counter() - t
    sample = list(fit_hist.values())[: args.gbm_sample]
    t = time.perf_counter()
    for h in sample:
        model_by_name("gbm").fit(h, weather, cal)
    gbm_each = (time.perf_counter() - t) / max(len(sample), 1)
    print(
        f"  seasonal naive (reference): {ref:.2f} s;  TOWT: {towt_s:.1f} s "
        f"({towt_s / max(ref, 1e-9):.0f} × the reference; target ≤ 60 s)"
    )
    print(
        f"  GBM: {gbm_each:.1f} s per meter (sample of {len(sample)}) → "
        f"{gbm_each * len(series):.0f} s for all"
    )


if __name__ == "__main__":
    main()
