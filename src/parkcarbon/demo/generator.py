"""The demo park generator (演示园区生成器): a realistic mixed industrial park in Jiangsu with 15-minute
meter history from 1 January of the previous year, activity data, economics, targets and one user for
every role.

:func:`build_demo_park` creates, in the given database:

* the park 江苏绿色低碳示范产业园 (``demo``, CN-JS, Asia/Shanghai) with its accounting profile
  (:data:`ACCOUNTING_PROFILE`), five areas, the operator, a regulator, a service provider, a
  verifier, a financier and ``enterprises`` enterprises of six sectors (:mod:`.catalogue`), one user
  per role (password printed by the CLI), a park-wide ingest key and a data grant;
* about ten meters per enterprise (main incomers with current and voltage transformers, sub-meters by
  process, HVAC, lighting, EV charging and rooftop PV, reactive-energy registers, natural gas, steam
  heat meters for purchased steam, hourly water meters) and the park's own (street lighting, sewage works, the
  administration building with PV, a public charging station);
* 15-minute history from 1 January of the previous year (or ``days`` days) up to the last full
  15-minute tick — every period at 15-minute resolution, no coarser backfill — shaped by shifts,
  weekends, Chinese public holidays, weather-driven HVAC and pvlib PV (:mod:`.profiles`,
  :mod:`.model`), loaded in bulk with the intake's own arithmetic (:mod:`parkcarbon.ingest.history`);
* monthly diesel deliveries (steel, chemicals, food, logistics) and coal deliveries with a measured
  net calorific value (the chemical plant ``E04``'s coal-fired thermal-oil heater) as activity records
  through the activity-data upload service;
* the enterprise file of ``E01`` (:func:`parkcarbon.services.enterprise.demo.seed_enterprise_demo`):
  its meters carry history from 1 January of the previous year so that its inventory and MRV case of
  that year are complete;
* monthly output value and value added, product outputs and energy/carbon targets
  (:func:`supervision_numbers`), written through the supervision services by
  :func:`write_supervision_data`.

Everything is deterministic for a given ``seed`` and end time.

Planted anomalies (the :class:`DemoPark` manifest names them)
--------------------------------------------------------------
* **Base load** — ``E03`` (electronics, day shift): compressors run at 88 % of peak and the office
  HVAC and lighting stay on at night, at weekends and on holidays; its night/weekend base load is far
  above its day-shift peers'.
* **Target overshoot** — ``E04`` (chemicals, a key energy-consuming unit): a second-phase unit
  commissioned on 1 December of the previous year raises production loads by 25 % (output value only
  by 8 %); its current-year energy and carbon targets are 15 % below its run rate, so the year-end
  projection exceeds them (and its intensity rises).
* **Power factor** — ``E01``'s capacitor bank is out of service: PF ≈ 0.82 on its 10 kV incomer
  (``E01-EL-MAIN-Q``, kvarh); the other reactive-energy meters show 0.94–0.97.
* **Data gaps** — a six-hour gateway outage of ``E02`` (every meter, 02:00–08:00 about 40 days before
  the end), a two-day gap of ``E03-WT-MAIN`` about 20 days before the end; the meters resume with the
  register's accumulated value (the first interval after the gap is flagged ``spans``).
* **Offline meter** — ``E05-EL-EV`` (a logistics charging station's meter) stops three days before
  the end and the live feed does not revive it.
* **Register wrap** — ``E01-WT-MAIN`` is a six-digit register (``register_max`` 999 999.9) that wraps
  during the history; the intake arithmetic books the wrap correctly (flag ``wrapped``).

Planted warnings (:attr:`DemoPark.planted_warnings`)
----------------------------------------------------
Evaluated at the end of the history, the early-warning rules raise exactly these, and nothing else:

* ``E04`` ``energy_total`` red and ``carbon_total`` red (the target overshoot);
* ``E04`` ``intensity_rise`` orange (energy +25 %, output value +8 %; above its intensity target) —
  from February on: the rule compares complete months with actual economics;
* ``E05`` ``offline_meter`` yellow (its EV-charging meter). Its missing readings are that warning,
  not also a ``data_gap`` (services/supervision/warnings.py).

The data gaps and the register wrap are data-quality findings (flags ``spans`` / ``wrapped``, meter
status), the base load and the power factor diagnosis findings (services/supervision/diagnosis.py);
none is a dual-control warning. Every other enterprise's targets leave 15–25 % headroom over its run
rate and the park's 15 %, so the park and the others stay below the orange line (95 %).
Known limit: in January the seasonal projection uses last year's January, and when the Spring Festival
moved from January to February (2025 → 2026) a holiday-sensitive enterprise can read 96 % of its target
on the last days of January (seen for E02 on 31 January 2026).
"""

from __future__ import annotations

import calendar as _cal
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from parkcarbon import core, sheets
from parkcarbon.core import benchmarking as core_benchmarking
from parkcarbon.demo.assets import DemoAssets, seed_assets_demo
from parkcarbon.demo.catalogue import AREAS, EnterpriseSpec, MeterSpec, build_catalogue
from parkcarbon.demo.market import DemoMarket, seed_market_demo
from parkcarbon.demo.model import growth_start, is_pv_meter, meter_consumption
from parkcarbon.demo.profiles import TICK_S, Calendar, build_calendar
from parkcarbon.demo.seed import SeededPark, create_platform_admin, seed_park
from parkcarbon.ingest.history import HistoryLoader
from parkcarbon.ingest.model import MeterInfo
from parkcarbon.services.enterprise import profile
from parkcarbon.services.enterprise.calendar import DEFAULT_CALENDARS
from parkcarbon.services.enterprise.demo import DemoEnterprise, seed_enterprise_demo
from parkcarbon.services.enterprise.schemas import ProductCreate
from parkcarbon.services.intake import unmetered_activity
from parkcarbon.services.intake.readings import MeterScope, load_meters
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import meters as meter_service
from parkcarbon.services.registry.schemas import MeterCreate
from parkcarbon.services.supervision import benchmarking as supervision_benchmarking
from parkcarbon.services.supervision import targets as supervision_targets
from parkcarbon.services.supervision.schemas import (
    EconomicsRow,
    ProductBenchmarkSet,
    ProductOutputRecord,
    SettingsUpdate,
    TargetSet,
)
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database

__all__ = [
    "ACCOUNTING_PROFILE",
    "GATEWAY",
    "GENERATOR",
    "DemoPark",
    "EconomicsMonth",
    "ProductMonth",
    "TargetRow",
    "build_demo_park",
    "supervision_numbers",
    "write_supervision_data",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Name recorded in the intake log of the history load (the live feed finds its parameters there).
#: The value predates the move of the demo out of ``services/`` and stays, so that databases built
#: before the move are still found by :func:`parkcarbon.demo.live.find_demo`.
GENERATOR = "parkcarbon.demo"
#: The gateway the demo's meters report through (history and live feed alike).
GATEWAY = "demo-gateway"
PARK_CODE = "demo"
PARK_NAME = "江苏绿色低碳示范产业园"
PARK_NAME_EN = "Jiangsu Green Low-Carbon Demonstration Industrial Park"
EMAIL_DOMAIN = "demo.parkcarbon.cn"

#: The park's accounting profile (docs/demo.md explains each choice; all are recorded in lineage).
ACCOUNTING_PROFILE: dict[str, Any] = {
    # GB/T 32150-2025 (the edition for reporting years from 2026) has no transcribed fuel table in the
    # library: the sector table of GB/T 32151.22-2024 gives diesel, coal and gas parameters for every year
    "guideline": "GB/T 32151.22-2024",
    # fresh water (耗能工质): GB/T 2589-2020 gives no coefficient; 0.2571 kgce/t is the one cited source,
    # GB/T 2589-2008 Annex A (confidence L); 0.0857 has no published source
    "water_coefficient": "0.2571",
    # a Jiangsu park accounts its electricity with the provincial grid factor (MEE/NBS 2023: 0.5827)
    "electricity_factor": "provincial_average",
    # pipeline gas in Jiangsu is gas-field gas (West–East pipeline): 1.2143 kgce/m3
    "natural_gas_source": "gas_field",
}

Progress = Callable[[str, float, float], None]

#: Share of an enterprise's energy its production takes (the rest: offices, lighting, transport); the
#: product output is derived from it and benchmarking divides the same share by the output.
PRODUCTION_SHARE = 0.85


@dataclass(frozen=True)
class TargetRow:
    """An annual target of the park (``enterprise`` ``None``) or of an enterprise."""

    enterprise: str | None
    year: int
    energy_tce: float
    energy_intensity: float
    carbon_tco2e: float
    carbon_intensity: float
    intensity_basis: str
    note: str


@dataclass(frozen=True)
class EconomicsMonth:
    """Monthly output value and value added [10k CNY] of an enterprise (``kind`` actual or plan)."""

    enterprise: str
    year: int
    month: int
    kind: str
    output_value_10k_cny: float
    value_added_10k_cny: float


@dataclass(frozen=True)
class ProductMonth:
    """Monthly output of a product (``kind`` actual or plan)."""

    enterprise: str
    product_code: str
    year: int
    month: int
    kind: str
    quantity: float


@dataclass
class DemoPark:
    """The manifest of a generated demo park: identities, planted anomalies, numbers and timings.

    Attributes
    ----------
    base_load_enterprise, overshoot_enterprise, low_power_factor_enterprise
        Enterprise codes (``E03``, ``E04``, ``E01``) of the planted anomalies; ``*_id`` their ids.
    reactive_meters
        kvarh meters (code → the active-energy meter they accompany).
    low_power_factor_meter
        The kvarh meter of the low-power-factor incomer.
    gaps
        Meter code → windows ``(start, end)`` (UTC, readings with ``start < ts <= end`` are missing).
    offline_meter
        The meter that stopped reporting (and its last reading time in ``offline_since``).
    wrapped_meter
        The register that wraps during the history.
    key_energy_units
        Enterprises above 10 000 tce/a (重点用能单位) by their generated history.
    planted_warnings
        ``(enterprise code, rule, level)`` of the warnings the planted anomalies raise at the end of the
        history — exactly these (module docstring, "Planted warnings").
    """

    park_id: int
    park_code: str
    seed: int
    days: int
    start: datetime
    end: datetime
    seeded: SeededPark
    enterprise_ids: dict[str, int] = field(default_factory=dict)
    enterprise_names: dict[str, str] = field(default_factory=dict)
    meter_ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    base_load_enterprise: str | None = None
    base_load_enterprise_id: int | None = None
    overshoot_enterprise: str | None = None
    overshoot_enterprise_id: int | None = None
    low_power_factor_enterprise: str | None = None
    low_power_factor_enterprise_id: int | None = None
    low_power_factor_meter: str | None = None
    reactive_meters: dict[str, str] = field(default_factory=dict)
    gaps: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    offline_meter: str | None = None
    offline_since: datetime | None = None
    wrapped_meter: str | None = None
    key_energy_units: list[str] = field(default_factory=list)
    readings: int = 0
    annual_tce: dict[str, float] = field(default_factory=dict)
    annual_tco2e: dict[str, float] = field(default_factory=dict)
    targets: list[TargetRow] = field(default_factory=list)
    economics: list[EconomicsMonth] = field(default_factory=list)
    product_outputs: list[ProductMonth] = field(default_factory=list)
    supervision_written: bool = False
    #: weather rows stored (observations and day-ahead forecast issues; issue 16)
    weather_rows: int = 0
    enterprise_demo: DemoEnterprise | None = None
    market: DemoMarket | None = None
    assets_demo: DemoAssets | None = None
    history_batch_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    planted_warnings: set[tuple[str, str, str]] = field(default_factory=set)


# ------------------------------------------------------------------------------------------ planting


@dataclass(frozen=True)
class _Gap:
    meter_prefix: str  # a meter code or an enterprise code prefix ("E02-")
    start_ts: int
    end_ts: int


def _planted_gaps(end_tick: int, days: int, timezone: str) -> tuple[list[_Gap], int]:
    """The planted data gaps and the offline meter's last timestamp (module docstring)."""
    tz = ZoneInfo(timezone)
    end = datetime.fromtimestamp(end_tick * TICK_S, tz)
    gaps: list[_Gap] = []
    if days >= 7:
        outage_day = (end - timedelta(days=min(40.0, days * 0.45))).date()
        o0 = datetime(outage_day.year, outage_day.month, outage_day.day, 2, tzinfo=tz)
        gaps.append(_Gap("E02-", int(o0.timestamp()), int((o0 + timedelta(hours=6)).timestamp())))
        water_day = (end - timedelta(days=min(20.0, days * 0.3))).date()
        w0 = datetime(water_day.year, water_day.month, water_day.day, tzinfo=tz)
        length = timedelta(days=2 if days >= 14 else 1)
        gaps.append(_Gap("E03-WT-MAIN", int(w0.timestamp()), int((w0 + length).timestamp())))
    offline_from = end_tick * TICK_S - int(min(3.0, max(days * 0.3, 0.25)) * 86_400)
    return gaps, offline_from // TICK_S * TICK_S


# ------------------------------------------------------------------------------------------ readings


def _meter_readings(
    m: MeterSpec,
    cons: F64,
    cal: Calendar,
    *,
    gaps: list[_Gap],
    offline_meter: str,
    offline_from: int,
) -> tuple[I64, F64, float]:
    """Timestamps and raw values of one meter's history from its per-tick consumption; also the
    register's final raw value (the live feed continues from the stored reading, not from this)."""
    ts = cal.ts
    if m.interval_s == 3600:
        sel = ts % 3600 == 0
        cum = np.cumsum(cons)[sel]
        ts = ts[sel]
        per_reading = np.diff(np.r_[0.0, cum])
    else:
        cum = np.cumsum(cons)
        per_reading = cons
    if m.kind == "interval":
        values = np.round(per_reading / m.multiplier, 3)
    else:
        start = m.register_start
        if m.register_max is not None and cum.size:
            # place the wrap at 60 % of the history
            start = m.register_max - 0.6 * float(cum[-1]) / m.multiplier
        raw = start + cum / m.multiplier
        if m.register_max is not None:
            raw = np.mod(raw, m.register_max)
        values = np.round(raw, 2)
    keep = np.ones(ts.shape[0], dtype=bool)
    for g in gaps:
        if m.code.startswith(g.meter_prefix):
            keep &= ~((ts > g.start_ts) & (ts <= g.end_ts))
    if m.code == offline_meter:
        keep &= ts <= offline_from
    return ts[keep], values[keep], float(values[-1]) if values.size else 0.0


# ------------------------------------------------------------------------------------------ the build


def _noop(step: str, done: float, total: float) -> None:
    return None


def build_demo_park(
    db: Database,
    settings: Settings,
    *,
    seed: int = 42,
    days: int | None = None,
    enterprises: int = 40,
    password: str,
    now: datetime | None = None,
    progress: Progress | None = None,
    enterprise_demo: bool = True,
) -> DemoPark:
    """Create the demo park (module docstring) and return its manifest.

    Parameters
    ----------
    seed
        Seed of every random draw (sizes, options, weather, noise).
    days
        Days of 15-minute history before ``now``; ``None`` (the default, what ``parkcarbon demo``
        builds): every enterprise from 1 January of the previous year (park-local), so last year is
        complete and year on year, the seasonal profile and the projection compare real years. A
        shorter history (tests, ``--days``) still gives ``E01`` history from 1 January of the previous
        year for its enterprise file.
    enterprises
        Number of enterprises (5 to 40; meters scale with it).
    password
        Password of every demo user.
    now
        End of the history (default: the current time); the history ends at the last full 15-minute
        tick before it.
    progress
        Called as ``progress(step, done, total)``; steps ``park``, ``meters``, ``history``,
        ``activity``, ``enterprise``, ``supervision``.
    enterprise_demo
        Fill ``E01``'s enterprise file (inventory sources, MRV case) as well.
    """
    report = progress or _noop
    t_all = time.perf_counter()
    timings: dict[str, float] = {}
    if not 5 <= enterprises <= 40:
        raise ValueError(f"the demo park has 5 to 40 enterprises; got {enterprises}")
    if days is not None and days < 1:
        raise ValueError(f"days must be at least 1; got {days}")
    pv_import = threading.Thread(target=_import_pvlib, daemon=True)  # 2 s of imports, overlapped
    pv_import.start()
    now = now or datetime.now(UTC)
    catalogue = build_catalogue(seed, enterprises)
    tz_name = settings.timezone
    tz = ZoneInfo(tz_name)

    # ---- park, organisations, users ------------------------------------------------------------
    t = time.perf_counter()
    report("park", 0, 1)
    seeded = seed_park(
        db,
        code=PARK_CODE,
        name=PARK_NAME,
        name_en=PARK_NAME_EN,
        province="CN-JS",
        password=password,
        email_domain=EMAIL_DOMAIN,
        enterprises=[(e.name, e.name_en, e.industry_code) for e in catalogue[1:]],
        area_names=list(AREAS),
        main_meters=False,
        accounting_options=ACCOUNTING_PROFILE,
    )
    create_platform_admin(db, email=f"admin@{EMAIL_DOMAIN}", password=password)
    timings["park_and_users"] = time.perf_counter() - t
    report("park", 1, 1)
    ent_ids = {e.code: seeded.enterprise_ids[e.index - 1] for e in catalogue[1:]}
    park = DemoPark(
        park_id=seeded.park_id,
        park_code=PARK_CODE,
        seed=seed,
        days=0,  # set with the history below
        start=now,
        end=now,
        seeded=seeded,
        enterprise_ids=ent_ids,
        enterprise_names={e.code: e.name for e in catalogue[1:]},
        users={"platform_admin": f"admin@{EMAIL_DOMAIN}", **seeded.users},
    )

    # ---- meters ------------------------------------------------------------------------------------------
    t = time.perf_counter()
    total_meters = sum(len(e.meters) for e in catalogue)
    done = 0
    for ent in catalogue:
        for m in ent.meters:
            body = MeterCreate(
                park_id=seeded.park_id,
                code=m.code,
                name=m.name,
                carrier=m.carrier,
                unit=m.unit,
                kind=m.kind,
                enterprise_id=None if ent.is_park else ent_ids[ent.code],
                area_id=seeded.area_ids[ent.area],
                parent_id=park.meter_ids[m.parent] if m.parent else None,
                purpose=m.purpose,
                multiplier=m.multiplier,
                rated_capacity_per_hour=m.rated_capacity_per_hour,
                register_max=m.register_max,
            )
            park.meter_ids[m.code] = meter_service.create_meter(db, SYSTEM, body).id
            done += 1
            if done % 25 == 0:
                report("meters", done, total_meters)
    report("meters", total_meters, total_meters)
    timings["meters"] = time.perf_counter() - t

    # ---- history ----------------------------------------------------------------------------------
    end_tick = int(now.timestamp()) // TICK_S
    demo_year = datetime.fromtimestamp(end_tick * TICK_S, tz).year - 1
    e01_first = int(datetime(demo_year, 1, 1, tzinfo=tz).timestamp()) // TICK_S
    first_tick = e01_first if days is None else end_tick - days * 96
    days = (end_tick - first_tick) // 96
    park.days = days
    cal_first = min(first_tick, e01_first) if enterprise_demo else first_tick
    gaps, offline_from = _planted_gaps(end_tick, days, tz_name)
    offline_meter = "E05-EL-EV"
    t = time.perf_counter()
    pv_import.join()
    cal = build_calendar(cal_first, end_tick, seed=seed, timezone=tz_name)
    timings["calendar"] = time.perf_counter() - t
    growth_from = growth_start(datetime.fromtimestamp(end_tick * TICK_S, tz).year, tz_name)
    with db.read() as s:
        by_code, _, _ = load_meters(s, MeterScope(park_id=seeded.park_id), list(park.meter_ids), [])
    infos: dict[int, MeterInfo] = {m.id: m for m in by_code.values()}
    loader = HistoryLoader(infos, gateway=GATEWAY)
    t_history = time.perf_counter()
    monthly: dict[str, dict[tuple[str, int, int], float]] = defaultdict(lambda: defaultdict(float))
    expected = _expected_readings(
        catalogue, first_tick, e01_first if enterprise_demo else first_tick, end_tick
    )
    generated = [0.0]

    def chunks() -> Iterator[tuple[I64, I64, F64]]:
        """Readings of a few enterprises at a time (drawn in the loader's worker thread)."""
        for batch in _batches(catalogue, size=2):
            g0 = time.perf_counter()
            cols: list[tuple[int, I64, F64]] = []
            for ent in batch:
                ent_first = e01_first if (enterprise_demo and ent.index == 1) else first_tick
                part = cal.slice(ent_first - cal_first, len(cal))
                cons = meter_consumption(ent, part, seed=seed, growth_from=growth_from)
                _accumulate_months(ent, cons, part, monthly[ent.code], end_tick - 365 * 96)
                for m in ent.meters:
                    if m.live_only:
                        continue
                    ts, values, _ = _meter_readings(
                        m,
                        cons[m.code],
                        part,
                        gaps=gaps,
                        offline_meter=offline_meter,
                        offline_from=offline_from,
                    )
                    cols.append((park.meter_ids[m.code], ts, values))
            cols.sort(key=lambda c: c[0])
            mid = np.concatenate([np.full(c[1].shape[0], c[0], dtype=np.int64) for c in cols])
            ts_all = np.concatenate([c[1] for c in cols])
            val_all = np.concatenate([c[2] for c in cols])
            generated[0] += time.perf_counter() - g0
            yield mid, ts_all, val_all

    for written in loader.load(db, chunks()):
        report("history", written, expected)
    report("history", loader.report.readings, loader.report.readings)  # less the planted gaps
    park.readings = loader.report.readings
    with db.transaction() as s:
        note = {
            "generator": GENERATOR,
            "seed": seed,
            "days": days,
            "enterprises": enterprises,
            "end_tick": end_tick,
            "first_tick": first_tick,
            "anchor_year": demo_year + 1,
            "offline_meter": offline_meter,
            "enterprise_demo": enterprise_demo,
        }
        rep = loader.finish(
            s.connection(),
            actor_label="system",
            now=int(now.timestamp()),
            park_id=seeded.park_id,
            batch_id=f"demo-history-seed-{seed}",
            note=note,
        )
    park.history_batch_id = rep.batch_log_id
    timings["history"] = time.perf_counter() - t_history
    timings["history_generate"] = generated[0]
    timings["history_compute"] = rep.timings["compute"]
    timings["history_insert"] = rep.timings["readings"]
    timings["history_rollups"] = rep.timings["rollups"]
    park.start = datetime.fromtimestamp(first_tick * TICK_S, UTC)
    park.end = datetime.fromtimestamp(end_tick * TICK_S, UTC)

    # ---- manifest of the planted anomalies --------------------------------------------------------------
    codes = {e.code for e in catalogue}
    for code, attr in (("E03", "base_load"), ("E04", "overshoot"), ("E01", "low_power_factor")):
        if code in codes:
            setattr(park, f"{attr}_enterprise", code)
            setattr(park, f"{attr}_enterprise_id", ent_ids[code])
    park.low_power_factor_meter = "E01-EL-MAIN-Q"
    park.reactive_meters = {m.code: m.reactive_of for e in catalogue for m in e.meters if m.reactive_of}
    for g in gaps:
        for code in park.meter_ids:
            spec = _spec(catalogue, code)
            if code.startswith(g.meter_prefix) and spec is not None and not spec.live_only:
                park.gaps.setdefault(code, []).append(
                    (datetime.fromtimestamp(g.start_ts, UTC), datetime.fromtimestamp(g.end_ts, UTC))
                )
    park.offline_meter = offline_meter
    park.offline_since = datetime.fromtimestamp(offline_from, UTC)
    park.wrapped_meter = "E01-WT-MAIN"
    park.planted_warnings = _planted_warnings(codes, datetime.fromtimestamp(end_tick * TICK_S, tz).month)

    # ---- activity data: diesel and coal deliveries ------------------------------------------------------
    t = time.perf_counter()
    today = datetime.fromtimestamp(end_tick * TICK_S, tz).date()
    history_start = datetime.fromtimestamp(first_tick * TICK_S, tz).date()
    for i, ent in enumerate(catalogue[1:], start=1):
        csv_body = _activity_csv(
            ent, history_start, today, seed=seed, skip_year=demo_year if ent.index == 1 else None
        )
        if csv_body:
            unmetered_activity.upload(
                db,
                SYSTEM,
                ent_ids[ent.code],
                csv_body,
                filename=f"{ent.code}-deliveries.csv",
                content_type="text/csv",
                today=today,
            )
        report("activity", i, len(catalogue) - 1)
    timings["activity"] = time.perf_counter() - t

    # ---- the enterprise file of E01 ---------------------------------------------------------------------
    t = time.perf_counter()
    if enterprise_demo:
        # once the demo year's report deadline has passed, a case still in planning for it would read
        # "编制监测计划 · 逾期 N 天" to a park director: the demo then opens the running year's case, its
        # plan approved (监测中), working towards next spring's deadline
        report_month_day = DEFAULT_CALENDARS["national_ets"][0]
        report_due = date.fromisoformat(f"{demo_year + 1}-{report_month_day}")
        running_year = today > report_due
        park.enterprise_demo = seed_enterprise_demo(
            db,
            settings,
            park_id=seeded.park_id,
            enterprise_id=ent_ids["E01"],
            verifier_id=seeded.verifier_id,
            year=demo_year,
            today=today,
            gas_meter_id=park.meter_ids["E01-NG-MAIN"],
            readings=False,
            target_tco2e=None,
            case_year=demo_year + 1 if running_year else demo_year,
            plan_approved=running_year,
        )
        # carbon assets of E01 (issue 18): allowances, CCER, green power with its GECs, a claim
        park.assets_demo = seed_assets_demo(db, enterprise_id=ent_ids["E01"], year=demo_year, today=today)
    report("enterprise", 1, 1)
    timings["enterprise_file"] = time.perf_counter() - t

    # ---- the marketplace: providers, both shelves, one completed purchase, one sealed request ----------
    t = time.perf_counter()
    park.market = seed_market_demo(db, seeded, now=now)
    report("market", 1, 1)
    timings["market"] = time.perf_counter() - t

    # ---- economics, products, targets ---------------------------------------------------------------
    t = time.perf_counter()
    products = _create_products(db, catalogue, ent_ids)
    numbers = supervision_numbers(
        catalogue,
        monthly,
        seed=seed,
        first_tick=first_tick,
        end_tick=end_tick,
        timezone=tz_name,
        e01_first=e01_first if enterprise_demo else first_tick,
    )
    park.annual_tce, park.annual_tco2e = numbers.annual_tce, numbers.annual_tco2e
    park.targets, park.economics, park.product_outputs = numbers.targets, numbers.economics, numbers.products
    park.key_energy_units = sorted(c for c, v in numbers.annual_tce.items() if v >= 10_000 and c != "PK")
    park.supervision_written = write_supervision_data(db, park, products)
    report("supervision", 1, 1)
    timings["supervision"] = time.perf_counter() - t

    # ---- weather (issue 16): the temperature the loads were generated from, and day-ahead forecasts --
    t = time.perf_counter()
    from parkcarbon.demo.weather import store_demo_weather

    park.weather_rows = store_demo_weather(db, seeded.park_id, seed=seed, timezone=tz_name, calendar=cal)
    timings["weather"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t_all
    park.timings = timings
    return park


def _planted_warnings(codes: set[str], month: int) -> set[tuple[str, str, str]]:
    """(enterprise code, rule, level) of the warnings the planted anomalies raise (module docstring)."""
    out: set[tuple[str, str, str]] = set()
    if "E04" in codes:
        out |= {("E04", "energy_total", "red"), ("E04", "carbon_total", "red")}
        if month >= 2:
            out.add(("E04", "intensity_rise", "orange"))
    if "E05" in codes:
        out.add(("E05", "offline_meter", "yellow"))
    return out


def _import_pvlib() -> None:
    import pvlib  # noqa: F401


def _batches(items: list[EnterpriseSpec], *, size: int) -> Iterator[list[EnterpriseSpec]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _spec(catalogue: list[EnterpriseSpec], code: str) -> MeterSpec | None:
    for e in catalogue:
        for m in e.meters:
            if m.code == code:
                return m
    return None


def _expected_readings(catalogue: list[EnterpriseSpec], first: int, e01_first: int, end: int) -> int:
    n = 0
    for e in catalogue:
        span = end - (e01_first if e.index == 1 else first) + 1
        for m in e.meters:
            if not m.live_only:
                n += span if m.interval_s == TICK_S else span // 4
    return n


def _accumulate_months(
    ent: EnterpriseSpec,
    cons: dict[str, F64],
    cal: Calendar,
    out: dict[tuple[str, int, int], float],
    recent_from: int,
) -> None:
    """Monthly consumption per carrier of the top-level, non-PV meters (what the cockpit totals),
    keyed ``(carrier, year, month)``; ``(carrier, 0, 0)`` holds the total after tick ``recent_from``."""
    key = cal.year * 12 + cal.month - 1
    uniq, inv = np.unique(key, return_inverse=True)
    recent = cal.tick > recent_from
    for m in ent.meters:
        if m.parent is not None or m.live_only or is_pv_meter(ent, m):
            continue
        sums = np.bincount(inv, weights=cons[m.code], minlength=uniq.size)
        for k, v in zip(uniq.tolist(), sums.tolist(), strict=True):
            out[(m.carrier, k // 12, k % 12 + 1)] += v
        out[(m.carrier, 0, 0)] += float(cons[m.code][recent].sum())


def _activity_csv(
    ent: EnterpriseSpec, start: date, today: date, *, seed: int, skip_year: int | None
) -> bytes | None:
    """Monthly diesel deliveries and (E04) coal deliveries with the lab's NCV, for the months that ended
    inside the history, and the running month's consumption to yesterday (the month-to-date stock count,
    月中盘点, ``document_ref`` ``…-MTD``: the same daily rate, so month on month compares like with like
    instead of a month with its fuel against one without). E01's deliveries of the enterprise-file year
    come from the enterprise demo."""
    from parkcarbon.demo.profiles import stream_key, uniform

    rows: list[list[str]] = []
    month = date(start.year, start.month, 1)
    while True:
        last = date(month.year, month.month, _cal.monthrange(month.year, month.month)[1])
        running = last >= today
        if running:
            last = today - timedelta(days=1)  # through yesterday
            if last < month:
                break  # the 1st: nothing counted yet this month
        share = ((last - month).days + 1) / _cal.monthrange(month.year, month.month)[1]
        suffix = "-MTD" if running else ""
        n = np.asarray([month.year * 12 + month.month], dtype=np.int64)
        draw = float(uniform(stream_key(seed, ent.code, "deliveries"), n)[0])
        if ent.diesel_t_per_month > 0 and month.year != skip_year:
            qty = round(ent.diesel_t_per_month * (0.8 + 0.4 * draw) * share, 2)
            rows.append(
                [
                    "diesel",
                    f"{qty}",
                    "t",
                    month.isoformat(),
                    last.isoformat(),
                    "combustion",
                    "",
                    "",
                    f"{qty * 7600:.0f}",
                    "园区中石化加油站",
                    f"{ent.code}-DSL-{month:%Y%m}{suffix}",
                ]
            )
        if ent.coal_t_per_month > 0:
            qty = round(ent.coal_t_per_month * (0.85 + 0.3 * draw) * share, 1)
            ncv = round(ent.coal_ncv_gj_per_t * (0.97 + 0.06 * draw), 2)
            rows.append(
                [
                    "bituminous_coal",
                    f"{qty}",
                    "t",
                    month.isoformat(),
                    last.isoformat(),
                    "combustion",
                    f"{ncv}",
                    "GJ/t",
                    f"{qty * 850:.0f}",
                    "徐州煤炭贸易有限公司",
                    f"{ent.code}-COAL-{month:%Y%m}{suffix}",
                ]
            )
        if running:
            break
        month = last + timedelta(days=1)
    rows = [r for r in rows if float(r[1]) > 0]  # a running month's share too small to round
    if not rows:
        return None
    header = [
        "carrier",
        "quantity",
        "unit",
        "period_start",
        "period_end",
        "use",
        "ncv",
        "ncv_unit",
        "cost_cny",
        "supplier",
        "document_ref",
    ]
    return sheets.write_csv([header, *rows], bom=False)


def _create_products(
    db: Database, catalogue: list[EnterpriseSpec], ent_ids: dict[str, int]
) -> dict[str, int]:
    """The enterprises' products (enterprise file), by product code, with their benchmarking settings:
    the share of the enterprise's energy the product takes (0.85, the production share
    :func:`supervision_numbers` derives the output from) and, where a national quota standard covers
    it, the quota it is graded against (:data:`.catalogue._QUOTA_PRODUCTS`)."""
    out: dict[str, int] = {}
    for ent in catalogue[1:]:
        for prod in ent.products:
            created = profile.create_product(
                db,
                SYSTEM,
                ent_ids[ent.code],
                ProductCreate(name=prod.name, product_code=prod.code, unit=prod.unit),
            )
            out[prod.code] = created.id
            quota = core_benchmarking.energy_quota(prod.quota_key) if prod.quota_key else None
            note = (
                f"{quota.standard} {quota.clause}（{quota.product_zh}），置信度 {quota.confidence}"
                if quota is not None
                else "无国家单位产品能耗限额标准：仅与同类企业对标"
            )
            supervision_benchmarking.set_product_benchmark(
                db,
                SYSTEM,
                ent_ids[ent.code],
                created.id,
                ProductBenchmarkSet(quota_key=prod.quota_key, energy_share=PRODUCTION_SHARE, note=note),
            )
    return out


# ------------------------------------------------------------------------------ economics and targets


@dataclass
class SupervisionNumbers:
    annual_tce: dict[str, float]
    annual_tco2e: dict[str, float]
    targets: list[TargetRow]
    economics: list[EconomicsMonth]
    products: list[ProductMonth]


def _coefficients(year: int) -> dict[str, tuple[float, float]]:
    """(tce, tCO2e) per unit of each metered carrier in the park's profile."""
    options = core.AccountingOptions(**ACCOUNTING_PROFILE)
    units = {"electricity": "kWh", "natural_gas": "Nm3", "heat": "GJ", "water": "t"}
    out = {}
    for carrier, unit in units.items():
        c = core.activity_coefficients(carrier, unit, year=year, region="CN-JS", options=options)
        out[carrier] = (c.tce_per_unit, c.tco2e_per_unit)
    return out


def _fuel_coefficients(year: int, carrier: str, ncv: float | None) -> tuple[float, float]:
    """(tce, tCO2e) per tonne of an unmetered fuel (coal with its measured NCV)."""
    act: dict[str, Any] = {"id": "x", "carrier": carrier, "quantity": 1.0, "unit": "t"}
    if ncv:
        act.update(ncv=ncv, ncv_unit="GJ/t")
    answer = core.calculate({"year": year, "region": "CN-JS", **ACCOUNTING_PROFILE, "activities": [act]})
    r = answer["results"][0]
    return float(r["tce"]), float(r["tco2e"])


def supervision_numbers(
    catalogue: list[EnterpriseSpec],
    monthly: dict[str, dict[tuple[str, int, int], float]],
    *,
    seed: int,
    first_tick: int,
    end_tick: int,
    timezone: str,
    e01_first: int,
) -> SupervisionNumbers:
    """Monthly economics and product outputs, and the current year's targets, from the generated energy.

    * Energy of a month = metered carriers (top-level meters, profile coefficients) + diesel and coal
      deliveries.
    * Output value = the month's energy ÷ the sector's intensity (tce per 10k CNY, drawn per enterprise);
      for the overshooting enterprise the 25 % energy growth brings only 8 % more output. Value added =
      output × the sector's value-added share. Months that ended inside the history are ``actual``;
      the current month to December are ``plan`` (the mean of this year's actual months).
    * Product output = 85 % of the month's energy ÷ the product's specific energy use.
    * Targets of the current year: the run rate of the last (up to) 365 days × 1.15–1.25 (a 1.04
      target put a well-run enterprise's projection at 96 % of it, above the 95 % orange line); the
      overshooting enterprise × 0.85. Intensities: the target ÷ the year's planned value added × 0.97
      (the park's intensity basis is value added, 单位工业增加值). The park target = the park's run
      rate × 1.15, at least the enterprises' targets + the park's own facilities × 1.05.
    """
    from parkcarbon.demo.profiles import stream_key, uniform

    tz = ZoneInfo(timezone)
    end_local = datetime.fromtimestamp(end_tick * TICK_S, tz)
    year = end_local.year
    coef = {y: _coefficients(y) for y in range(year - 2, year + 1)}
    annual_tce: dict[str, float] = {}
    annual_tco2e: dict[str, float] = {}
    targets: list[TargetRow] = []
    economics: list[EconomicsMonth] = []
    products: list[ProductMonth] = []
    park_tce = park_tco2e = 0.0
    va_of: dict[str, float] = {}
    diesel = _fuel_coefficients(year, "diesel", None)
    for ent in catalogue:
        coal = (
            _fuel_coefficients(year, "bituminous_coal", ent.coal_ncv_gj_per_t)
            if ent.coal_t_per_month
            else None
        )
        months: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
        for (carrier, y, mo), q in monthly[ent.code].items():
            if y == 0:
                continue  # the last-365-days total (below)
            a, b = coef[min(max(y, year - 2), year)][carrier]
            months[(y, mo)][0] += q * a
            months[(y, mo)][1] += q * b
        for key in months:
            months[key][0] += ent.diesel_t_per_month * diesel[0]
            months[key][1] += ent.diesel_t_per_month * diesel[1]
            if coal is not None:
                months[key][0] += ent.coal_t_per_month * coal[0]
                months[key][1] += ent.coal_t_per_month * coal[1]
        # run rate over the last (up to) 365 days of history, scaled to a year
        span_days = min((end_tick - (e01_first if ent.index == 1 else first_tick)) / 96.0, 365.0)
        recent = monthly[ent.code]
        rate = 365.0 / max(span_days, 1.0 / 96.0)
        tce_year = sum(q * coef[year][c][0] for (c, y, _), q in recent.items() if y == 0) * rate
        co2_year = sum(q * coef[year][c][1] for (c, y, _), q in recent.items() if y == 0) * rate
        tce_year += 12 * (
            ent.diesel_t_per_month * diesel[0] + (ent.coal_t_per_month * coal[0] if coal else 0.0)
        )
        co2_year += 12 * (
            ent.diesel_t_per_month * diesel[1] + (ent.coal_t_per_month * coal[1] if coal else 0.0)
        )
        annual_tce[ent.code], annual_tco2e[ent.code] = tce_year, co2_year
        if ent.is_park:
            park_tce, park_tco2e = tce_year, co2_year
            continue
        # economics of the months that ended inside the history
        ent_start = datetime.fromtimestamp((e01_first if ent.index == 1 else first_tick) * TICK_S, tz)
        actual_months = [
            (y, mo)
            for (y, mo) in sorted(months)
            if (y, mo) < (year, end_local.month) and datetime(y, mo, 1, tzinfo=tz) >= ent_start
        ]
        growth = "overshoot" in ent.planted
        out_of: dict[tuple[int, int], float] = {}
        for y, mo in actual_months:
            tce_m = months[(y, mo)][0]
            n = np.asarray([y * 12 + mo], dtype=np.int64)
            noise = 0.97 + 0.06 * float(uniform(stream_key(seed, ent.code, "output"), n)[0])
            output = tce_m / ent.intensity_tce_per_10k_cny * noise
            if growth and (y, mo) >= (year - 1, 12):
                output = output / 1.25 * 1.08
            out_of[(y, mo)] = output
            economics.append(
                EconomicsMonth(
                    ent.code, y, mo, "actual", round(output, 1), round(output * ent.value_added_share, 1)
                )
            )
            for prod in ent.products:
                qty = PRODUCTION_SHARE * tce_m / prod.tce_per_unit * noise
                products.append(ProductMonth(ent.code, prod.code, y, mo, "actual", round(qty, 1)))
        # the production plan: the run rate's output (the overshooting unit's extra energy brings 8 %)
        plan = tce_year / 12.0 / ent.intensity_tce_per_10k_cny * (1.08 / 1.25 if growth else 1.0)
        plan_months = [(year, mo) for mo in range(end_local.month, 13)]
        for y, mo in plan_months:
            economics.append(
                EconomicsMonth(
                    ent.code, y, mo, "plan", round(plan, 1), round(plan * ent.value_added_share, 1)
                )
            )
            for prod in ent.products:
                qty = PRODUCTION_SHARE * plan * ent.intensity_tce_per_10k_cny / prod.tce_per_unit
                products.append(ProductMonth(ent.code, prod.code, y, mo, "plan", round(qty, 1)))
        va_year = ent.value_added_share * sum(out_of.get((year, mo), plan) for mo in range(1, 13))
        va_of[ent.code] = va_year
        draw = float(uniform(stream_key(seed, ent.code, "target"), np.asarray([year], dtype=np.int64))[0])
        # headroom of 15–25 % over the run rate: the projection stays below the orange line (95 % of
        # the target) with the year's weather and noise, also in January when the Spring Festival moves
        # between January and February (last year's seasonal profile then reads ~6 % high); only the
        # planted overshoot is 15 % short
        factor = 0.85 if growth else 1.15 + 0.10 * draw
        e_t, c_t = annual_tce[ent.code] * factor, annual_tco2e[ent.code] * factor
        targets.append(
            TargetRow(
                ent.code,
                year,
                round(e_t, 1),
                round(e_t / max(va_year, 1.0) * 0.97, 4),
                round(c_t, 1),
                round(c_t / max(va_year, 1.0) * 0.97, 4),
                "value_added",
                "园区分解下达的年度能耗和碳排放双控目标" + ("（含二期装置，目标从严）" if growth else ""),
            )
        )
    # the province's target for the park: the park's run rate (every enterprise and its own facilities)
    # with 15 % headroom, and never below the sum of what the park handed down to its enterprises; the
    # planted overshoot of one enterprise stays inside it (the park's figures stay green, E04's red)
    ent_targets = [r for r in targets if r.enterprise is not None]
    p_e = max(sum(annual_tce.values()) * 1.15, sum(r.energy_tce for r in ent_targets) + park_tce * 1.05)
    p_c = max(sum(annual_tco2e.values()) * 1.15, sum(r.carbon_tco2e for r in ent_targets) + park_tco2e * 1.05)
    va_park = sum(va_of.values())
    targets.append(
        TargetRow(
            None,
            year,
            round(p_e, 1),
            round(p_e / max(va_park, 1.0) * 0.97, 4),
            round(p_c, 1),
            round(p_c / max(va_park, 1.0) * 0.97, 4),
            "value_added",
            "园区年度能耗和碳排放双控目标（省下达）",
        )
    )
    return SupervisionNumbers(annual_tce, annual_tco2e, targets, economics, products)


def _days_in(year: int, month: int) -> int:
    return _cal.monthrange(year, month)[1]


def write_supervision_data(db: Database, park: DemoPark, products: dict[str, int]) -> bool:
    """Write the park's intensity basis (value added), targets, economics and product outputs through the
    supervision services (as ``system``, audited like a park admin's entries, ``source`` ``demo``).

    Returns ``True`` when every row was stored; a refused row raises :class:`RuntimeError` (the generator's
    numbers must satisfy the services' own validation).
    """
    park_id = park.park_id
    supervision_targets.update_settings(db, SYSTEM, park_id, SettingsUpdate(intensity_basis="value_added"))
    target_rows = [
        TargetSet(
            enterprise_id=None if r.enterprise is None else park.enterprise_ids[r.enterprise],
            year=r.year,
            energy_tce=r.energy_tce,
            energy_intensity=r.energy_intensity,
            carbon_tco2e=r.carbon_tco2e,
            carbon_intensity=r.carbon_intensity,
            intensity_basis="value_added",
            note=r.note,
        )
        for r in park.targets
        if r.energy_tce > 0 and r.carbon_tco2e > 0 and r.energy_intensity > 0 and r.carbon_intensity > 0
    ]
    reports = [supervision_targets.set_targets(db, SYSTEM, park_id, target_rows)]
    economics = [
        EconomicsRow(
            enterprise_id=park.enterprise_ids[e.enterprise],
            year=e.year,
            month=e.month,
            kind=e.kind,  # type: ignore[arg-type]
            output_value_10k_cny=e.output_value_10k_cny,
            value_added_10k_cny=e.value_added_10k_cny,
        )
        for e in park.economics
    ]
    if economics:
        reports.append(
            supervision_targets.record_economics_bulk(db, SYSTEM, park_id, economics, source="demo")
        )
    outputs = [
        ProductOutputRecord(
            product_id=products[o.product_code],
            year=o.year,
            month=o.month,
            kind=o.kind,  # type: ignore[arg-type]
            quantity=o.quantity,
        )
        for o in park.product_outputs
        if o.product_code in products
    ]
    if outputs:
        reports.append(
            supervision_targets.record_product_output_bulk(db, SYSTEM, park_id, outputs, source="demo")
        )
    refused = [r for rep in reports for r in rep.rejected]
    if refused:
        raise RuntimeError(f"the supervision services refused demo rows: {refused[:5]}")
    return True
