"""Energy-saving diagnosis (节能诊断): a small rules engine over hourly electricity data.

Each rule is a small object with documented threshold parameters; :func:`diagnose` runs the rules over
one enterprise's hourly series (:class:`DiagnosisInput`) and returns :class:`Finding` objects carrying
their evidence (the numbers behind them), an estimated **annual** saving in kWh, tce, CNY and tCO2e,
and the kind of service that would address them (:data:`SERVICE_KINDS`).

Conventions
-----------
* Series are hourly energies [kWh per local clock hour] = mean power [kW] of the hour; hours without
  readings are ``NaN`` and left out of every mean and sum.
* *Working hours* (生产时段): working days, local hours ``[day_start, day_end)``. *Idle hours*
  (非生产时段): local hours ``[night_start, night_end)`` of every day, and every hour of non-working days.
* A *continuous* operation (三班连续生产): night and non-working-day loads both at least
  ``continuous_ratio`` of the working-hours load. Base-load and idle-equipment rules do not apply to it.
* Thresholds: the power-factor figures follow 水电财字〔1983〕215号; every other threshold is a configurable
  engineering assumption (a rule parameter, reported with each finding). docs/benchmarking-diagnosis.md
  tables where each comes from.
* Savings are annualised: the saving over the observed hours × 8760 / observed hours.
  tce = kWh × the electricity coefficient (GB/T 2589-2020 equivalent value, from the factor library);
  tCO2e = kWh × the provincial grid factor; CNY from the time-of-use reference prices
  (:mod:`parkcarbon.core.tariffs`). Load shifting and power factor save money, not energy (0 kWh).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from parkcarbon.core.tariffs import TouSchedule

__all__ = [
    "SERVICE_KINDS",
    "BaseLoadRule",
    "DiagnosisInput",
    "Finding",
    "IdleEquipmentRule",
    "LoadFactorRule",
    "PeakShareRule",
    "PowerFactorRule",
    "Rule",
    "Saving",
    "SubMeterSeries",
    "default_rules",
    "diagnose",
    "power_factor_adjustment",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
HOURS_PER_YEAR = 8760.0

#: Vocabulary of service kinds a finding can call for (marketplace categories): id → (中文, English).
SERVICE_KINDS: dict[str, tuple[str, str]] = {
    "energy_management": ("能源管理与运行优化", "Energy management and operations"),
    "compressed_air": ("空压系统节能改造", "Compressed-air system retrofit"),
    "hvac_optimisation": ("暖通空调节能优化", "HVAC optimisation"),
    "lighting_controls": ("照明节能与智能控制", "Lighting efficiency and controls"),
    "load_shifting": ("削峰填谷与储能", "Load shifting and energy storage"),
    "reactive_compensation": ("无功补偿与电能质量治理", "Reactive-power compensation"),
    "demand_management": ("需量管理与负荷优化", "Demand management"),
}


@dataclass(frozen=True)
class SubMeterSeries:
    """A sub-meter's hourly active energy [kWh per hour] with its code, name and purpose."""

    code: str
    name: str
    purpose: str
    kwh: F64


@dataclass(frozen=True)
class DiagnosisInput:
    """One enterprise's hourly electricity data on park-local clock hours.

    Attributes
    ----------
    hour, month : int arrays
        Local clock hour (0–23) and month (1–12) of each hour.
    working : bool array
        Working day (official calendar: weekends and public holidays off, 调休 weekends on).
    active_kwh : float array
        Active energy of the main incomers [kWh per hour] (``NaN`` = no data).
    reactive_kvarh : float array, optional
        Reactive energy of the incomers that have a kvarh register, and ``active_kwh_with_reactive``
        the active energy of the same incomers (the power factor compares like with like).
    submeters
        Sub-meters for the idle-equipment rule.
    tariff
        TOU schedule of the park's province (``None``: peak share and CNY not computed).
    tce_per_kwh, tco2e_per_kwh
        Electricity coefficients from the accounting engine (with their lineage kept by the caller).
    """

    hour: I64
    month: I64
    working: B
    active_kwh: F64
    tce_per_kwh: float
    tco2e_per_kwh: float
    reactive_kvarh: F64 | None = None
    active_kwh_with_reactive: F64 | None = None
    submeters: tuple[SubMeterSeries, ...] = ()
    tariff: TouSchedule | None = None

    @property
    def observed_hours(self) -> int:
        return int(np.sum(~np.isnan(self.active_kwh)))

    def annualise(self) -> float:
        n = self.observed_hours
        return HOURS_PER_YEAR / n if n else 0.0

    def mean_price(self) -> float | None:
        """Consumption-weighted reference price [CNY/kWh] over the observed hours, if prices are held."""
        if self.tariff is None or not self.tariff.prices:
            return None
        prices = self._hour_prices()
        ok = ~np.isnan(self.active_kwh) & ~np.isnan(prices)
        total = float(np.sum(self.active_kwh[ok]))
        return float(np.sum(self.active_kwh[ok] * prices[ok]) / total) if total > 0 else None

    def _hour_prices(self) -> F64:
        assert self.tariff is not None
        table = np.full((12, 24), np.nan)
        for m in range(12):
            for h in range(24):
                p = self.tariff.price(self.tariff.grid[m][h])
                table[m, h] = np.nan if p is None else p
        return np.asarray(table[self.month - 1, self.hour], dtype=np.float64)


@dataclass(frozen=True)
class Saving:
    """Estimated annual saving; ``cny`` is ``None`` when no price is held. ``basis`` says how."""

    kwh: float
    tce: float
    tco2e: float
    cny: float | None
    basis: str
    basis_zh: str = ""  # the same basis in Chinese (测算方法), shown on zh-CN pages


@dataclass(frozen=True)
class Finding:
    """One diagnosis finding with its evidence, saving, service kind and the rule's parameters."""

    rule: str
    subject: str
    title_zh: str
    title_en: str
    evidence: dict[str, float | str | None]
    saving: Saving
    service_kind: str
    parameters: dict[str, Any] = field(default_factory=dict)


class Rule(Protocol):
    """A diagnosis rule: ``id`` and ``evaluate(data) → findings``."""

    @property
    def id(self) -> str: ...

    def evaluate(self, data: DiagnosisInput) -> list[Finding]: ...


def _mean(x: F64, mask: B) -> float | None:
    sel = x[mask & ~np.isnan(x)]
    return float(sel.mean()) if sel.size else None


def _saving_kwh(
    data: DiagnosisInput, kwh_observed: float, price: float | None, basis: str, basis_zh: str = ""
) -> Saving:
    kwh = kwh_observed * data.annualise()
    return Saving(
        kwh=kwh,
        tce=kwh * data.tce_per_kwh,
        tco2e=kwh * data.tco2e_per_kwh,
        cny=None if price is None else kwh * price,
        basis=basis,
        basis_zh=basis_zh,
    )


def _money_only(cny: float | None, basis: str, basis_zh: str = "") -> Saving:
    return Saving(kwh=0.0, tce=0.0, tco2e=0.0, cny=cny, basis=basis, basis_zh=basis_zh)


@dataclass(frozen=True)
class _Hours:
    """Working / idle masks and the continuous-operation test shared by the base-load rules."""

    night_start: int = 0
    night_end: int = 6
    day_start: int = 8
    day_end: int = 18
    continuous_ratio: float = 0.85

    def working_mask(self, d: DiagnosisInput) -> B:
        return np.asarray(d.working & (d.hour >= self.day_start) & (d.hour < self.day_end))

    def night_mask(self, d: DiagnosisInput) -> B:
        return np.asarray((d.hour >= self.night_start) & (d.hour < self.night_end))

    def idle_mask(self, d: DiagnosisInput) -> B:
        return np.asarray(self.night_mask(d) | ~d.working)

    def ratios(self, d: DiagnosisInput) -> tuple[float | None, float | None, float | None]:
        """(working-hours mean kW, night ratio, non-working-day ratio)."""
        day = _mean(d.active_kwh, self.working_mask(d))
        if not day or day <= 0:
            return day, None, None
        night = _mean(d.active_kwh, self.night_mask(d))
        off = _mean(d.active_kwh, ~d.working)
        return day, None if night is None else night / day, None if off is None else off / day

    def continuous(self, d: DiagnosisInput) -> bool:
        _, night, off = self.ratios(d)
        return (night is not None and night >= self.continuous_ratio) and (
            off is None or off >= self.continuous_ratio
        )


@dataclass(frozen=True)
class BaseLoadRule:
    """Night and weekend base load (夜间及周末基础负荷).

    ratio_night = mean load of night hours / mean load of working hours; ratio_off likewise for
    non-working days. A finding when either exceeds ``max_ratio`` (and the operation is not
    continuous). Saving: the energy of idle hours above ``target_ratio`` × working-hours load.

    Parameters
    ----------
    max_ratio : 0.5 — above it the base load is flagged (a single- or two-shift plant idles far lower).
    target_ratio : 0.35 — the base load good practice reaches (standby, safety, always-on services).
    hours : night 00–06, working 08–18 on working days, continuous ≥ 0.85.
    """

    max_ratio: float = 0.5
    target_ratio: float = 0.35
    hours: _Hours = _Hours()
    id: str = "base_load"

    def evaluate(self, data: DiagnosisInput) -> list[Finding]:
        day, night, off = self.hours.ratios(data)
        if day is None or day <= 0 or self.hours.continuous(data):
            return []
        worst = max((r for r in (night, off) if r is not None), default=None)
        if worst is None or worst <= self.max_ratio:
            return []
        idle = self.hours.idle_mask(data) & ~np.isnan(data.active_kwh)
        excess = float(np.sum(np.maximum(data.active_kwh[idle] - self.target_ratio * day, 0.0)))
        idle_price = self._idle_price(data, idle)
        saving = _saving_kwh(
            data,
            excess,
            idle_price,
            f"idle-hour energy above {self.target_ratio:.2f} × working-hours load, annualised",
            f"非生产时段超出生产时段负荷 {self.target_ratio:.2f} 倍的电量，折算全年",
        )
        return [
            Finding(
                rule=self.id,
                subject="enterprise",
                title_zh=f"非生产时段基础负荷偏高（夜间 {night or 0:.2f}，休息日 {off or 0:.2f}）",
                title_en=f"High base load outside production (night {night or 0:.2f}, "
                f"days off {off or 0:.2f} of working-hours load)",
                evidence={
                    "working_hours_mean_kw": day,
                    "night_mean_kw": None if night is None else night * day,
                    "days_off_mean_kw": None if off is None else off * day,
                    "night_ratio": night,
                    "days_off_ratio": off,
                    "idle_excess_kwh_observed": excess,
                    "observed_hours": float(data.observed_hours),
                },
                saving=saving,
                service_kind="energy_management",
                parameters={
                    "max_ratio": self.max_ratio,
                    "target_ratio": self.target_ratio,
                    **asdict(self.hours),
                },
            )
        ]

    @staticmethod
    def _idle_price(data: DiagnosisInput, idle: B) -> float | None:
        if data.tariff is None or not data.tariff.prices:
            return None
        prices = data._hour_prices()[idle]
        weights = data.active_kwh[idle]
        ok = ~np.isnan(prices)
        return (
            float(np.sum(prices[ok] * weights[ok]) / np.sum(weights[ok])) if np.sum(weights[ok]) > 0 else None
        )


@dataclass(frozen=True)
class LoadFactorRule:
    """Load factor (负荷率) = mean hourly load / highest hourly load.

    A finding below ``min_load_factor`` (0.35): a peaky load pays for capacity it rarely uses (demand
    charges, transformer sizing). No energy saving is claimed; CNY is not estimated (no cited
    demand-charge price is held).
    """

    min_load_factor: float = 0.35
    id: str = "load_factor"

    def evaluate(self, data: DiagnosisInput) -> list[Finding]:
        x = data.active_kwh[~np.isnan(data.active_kwh)]
        if x.size == 0 or float(x.max()) <= 0:
            return []
        mean, peak = float(x.mean()), float(x.max())
        lf = mean / peak
        if lf >= self.min_load_factor:
            return []
        return [
            Finding(
                rule=self.id,
                subject="enterprise",
                title_zh=f"负荷率偏低（{lf:.2f}），最大需量利用不足",
                title_en=f"Low load factor ({lf:.2f})",
                evidence={
                    "load_factor": lf,
                    "mean_kw": mean,
                    "max_kw": peak,
                    "observed_hours": float(x.size),
                },
                saving=_money_only(
                    None,
                    "demand-charge saving not estimated: no cited demand price held",
                    "未估算需量电费节省：未收录有出处的需量电价",
                ),
                service_kind="demand_management",
                parameters={"min_load_factor": self.min_load_factor},
            )
        ]


@dataclass(frozen=True)
class PeakShareRule:
    """Share of consumption in the tariff's peak and tip periods (峰段用电占比).

    A finding above ``max_peak_share`` (0.40; a flat load under Jiangsu's 8 peak hours has 8/24 = 0.33).
    Saving: shifting ``shiftable_share`` (0.10) of the peak energy to the valley saves
    (peak price − valley price) per kWh; no energy saved.
    """

    max_peak_share: float = 0.40
    shiftable_share: float = 0.10
    id: str = "peak_share"

    def evaluate(self, data: DiagnosisInput) -> list[Finding]:
        if data.tariff is None:
            return []
        grid = np.asarray(data.tariff.grid)
        period = grid[data.month - 1, data.hour]
        ok = ~np.isnan(data.active_kwh)
        total = float(np.sum(data.active_kwh[ok]))
        if total <= 0:
            return []
        peak_mask = ok & np.isin(period, ("peak", "tip"))
        peak_kwh = float(np.sum(data.active_kwh[peak_mask]))
        share = peak_kwh / total
        if share <= self.max_peak_share:
            return []
        p_peak, p_valley = data.tariff.price("peak"), data.tariff.price("valley")
        shifted = self.shiftable_share * peak_kwh * data.annualise()
        cny = None if p_peak is None or p_valley is None else shifted * (p_peak - p_valley)
        return [
            Finding(
                rule=self.id,
                subject="enterprise",
                title_zh=f"峰段用电占比偏高（{share:.0%}），可转移至谷段",
                title_en=f"High share of peak-period use ({share:.0%})",
                evidence={
                    "peak_share": share,
                    "peak_kwh_observed": peak_kwh,
                    "total_kwh_observed": total,
                    "tariff_document": data.tariff.document,
                    "shiftable_kwh_per_year": shifted,
                    "peak_price": p_peak,
                    "valley_price": p_valley,
                },
                saving=_money_only(
                    cny,
                    f"{self.shiftable_share:.0%} of peak energy moved to the valley",
                    f"峰时电量的 {self.shiftable_share:.0%} 移至谷时",
                ),
                service_kind="load_shifting",
                parameters={"max_peak_share": self.max_peak_share, "shiftable_share": self.shiftable_share},
            )
        ]


def power_factor_adjustment(pf: float, *, standard: float = 0.90) -> float:
    """Power-factor adjustment of the electricity bill (功率因数调整电费) as a fraction of the bill.

    《功率因数调整电费办法》(水电财字〔1983〕215号), table for the 0.90 standard: each 0.01 below 0.90
    adds 0.5 % down to 0.70, 1 % per 0.01 from 0.69 to 0.65, 2 % per 0.01 below 0.65; above 0.90 each
    0.01 takes 0.15 % off, at most 0.75 % (0.95 and above). Positive = surcharge. Confidence M: the table
    is widely reproduced; the primary text was not seen here. Only the 0.90 standard is implemented.
    """
    if standard != 0.90:
        raise ValueError("only the 0.90 power-factor standard is implemented")
    steps = round((standard - pf) * 100, 6)
    if steps <= 0:
        return -min(0.0015 * float(np.floor(-steps + 1e-9)), 0.0075)
    steps_i = int(np.ceil(steps - 1e-9))
    first = min(steps_i, 20) * 0.005
    second = max(0, min(steps_i - 20, 5)) * 0.01
    third = max(0, steps_i - 25) * 0.02
    return float(first + second + third)


@dataclass(frozen=True)
class PowerFactorRule:
    """Power factor from active and reactive energy (功率因数): PF = P / √(P² + Q²).

    A finding below ``min_pf`` (0.90, the standard for industrial users of 160 kVA and above). Saving:
    the bill adjustment at the measured PF minus that at ``target_pf`` (0.95) × the annual bill
    (annual kWh × the consumption-weighted reference price); no energy saving claimed (line and
    transformer losses fall too, not estimated).
    """

    min_pf: float = 0.90
    target_pf: float = 0.95
    id: str = "power_factor"

    def evaluate(self, data: DiagnosisInput) -> list[Finding]:
        if data.reactive_kvarh is None or data.active_kwh_with_reactive is None:
            return []
        ok = ~np.isnan(data.reactive_kvarh) & ~np.isnan(data.active_kwh_with_reactive)
        p = float(np.sum(data.active_kwh_with_reactive[ok]))
        q = float(np.sum(data.reactive_kvarh[ok]))
        if p <= 0:
            return []
        pf = p / float(np.hypot(p, q))
        if pf >= self.min_pf:
            return []
        now, target = power_factor_adjustment(pf), power_factor_adjustment(self.target_pf)
        price = data.mean_price()
        annual_kwh = float(np.nansum(data.active_kwh)) * data.annualise()
        cny = None if price is None else (now - target) * annual_kwh * price
        return [
            Finding(
                rule=self.id,
                subject="enterprise",
                title_zh=f"功率因数偏低（{pf:.3f}），应投运无功补偿",
                title_en=f"Low power factor ({pf:.3f})",
                evidence={
                    "power_factor": pf,
                    "active_kwh_observed": p,
                    "reactive_kvarh_observed": q,
                    "bill_adjustment_now": now,
                    "bill_adjustment_at_target": target,
                    "annual_bill_cny": None if price is None else annual_kwh * price,
                },
                saving=_money_only(
                    cny,
                    f"power-factor adjustment from {now:+.2%} to {target:+.2%} of the bill",
                    f"功率因数调整电费由电费的 {now:+.2%} 降至 {target:+.2%}",
                ),
                service_kind="reactive_compensation",
                parameters={"min_pf": self.min_pf, "target_pf": self.target_pf},
            )
        ]


_SERVICE_BY_PURPOSE = {"hvac": "hvac_optimisation", "lighting": "lighting_controls"}
_COMPRESSED_AIR_WORDS = ("空压", "压缩空气", "compress")


def _service_of(m: SubMeterSeries) -> str:
    if any(w in m.name.lower() for w in _COMPRESSED_AIR_WORDS):
        return "compressed_air"
    return _SERVICE_BY_PURPOSE.get(m.purpose, "energy_management")


@dataclass(frozen=True)
class IdleEquipmentRule:
    """Equipment running while the enterprise is idle (非生产时段设备空转).

    For each sub-meter: idle ratio = mean load of idle hours / mean load of working hours. A finding
    when the ratio is at least ``max_idle_ratio`` (0.6) and the idle load at least ``min_idle_kw``
    (5 kW), unless the enterprise runs continuously or the meter serves an always-on load (its purpose
    in ``always_on_purposes`` — PV, EV charging, export, other — or its name naming a cold store, data
    room, cleanroom or sewage works, ``always_on_words``). Compressor meters (named 空压 …) call for a
    compressed-air service, HVAC and lighting meters for their own.
    Saving: idle-hour energy of the meter above ``target_ratio`` (0.2) × its working-hours load.
    """

    max_idle_ratio: float = 0.6
    min_idle_kw: float = 5.0
    target_ratio: float = 0.2
    always_on_purposes: tuple[str, ...] = ("pv_generation", "ev_charging", "export", "other")
    always_on_words: tuple[str, ...] = (
        "冷库",
        "冷藏",
        "制冷",
        "洁净",
        "机房",
        "数据中心",
        "污水",
        "cold",
        "clean",
        "data room",
    )
    hours: _Hours = _Hours()
    id: str = "idle_equipment"

    def evaluate(self, data: DiagnosisInput) -> list[Finding]:
        if not data.submeters or self.hours.continuous(data):
            return []
        work, idle = self.hours.working_mask(data), self.hours.idle_mask(data)
        out: list[Finding] = []
        for m in data.submeters:
            if m.purpose in self.always_on_purposes or any(w in m.name.lower() for w in self.always_on_words):
                continue
            active = _mean(m.kwh, work)
            idle_kw = _mean(m.kwh, idle)
            if not active or active <= 0 or idle_kw is None:
                continue
            ratio = idle_kw / active
            if ratio < self.max_idle_ratio or idle_kw < self.min_idle_kw:
                continue
            sel = idle & ~np.isnan(m.kwh)
            excess = float(np.sum(np.maximum(m.kwh[sel] - self.target_ratio * active, 0.0)))
            saving = _saving_kwh(
                data,
                excess,
                BaseLoadRule._idle_price(data, idle & ~np.isnan(data.active_kwh)),
                f"idle-hour energy of the meter above {self.target_ratio:.2f} × its working-hours load",
                f"该表非生产时段超出其生产时段负荷 {self.target_ratio:.2f} 倍的电量",
            )
            out.append(
                Finding(
                    rule=self.id,
                    subject=m.code,
                    title_zh=f"{m.name}在非生产时段持续运行（空转负荷为生产时段的 {ratio:.0%}）",
                    title_en=f"{m.code} keeps running while the plant is idle "
                    f"({ratio:.0%} of its working load)",
                    evidence={
                        "meter": m.code,
                        "meter_name": m.name,
                        "purpose": m.purpose,
                        "working_hours_mean_kw": active,
                        "idle_hours_mean_kw": idle_kw,
                        "idle_ratio": ratio,
                        "idle_excess_kwh_observed": excess,
                    },
                    saving=saving,
                    service_kind=_service_of(m),
                    parameters={
                        "max_idle_ratio": self.max_idle_ratio,
                        "min_idle_kw": self.min_idle_kw,
                        "target_ratio": self.target_ratio,
                        **asdict(self.hours),
                    },
                )
            )
        return out


def default_rules() -> tuple[Rule, ...]:
    """The rules with their documented default parameters."""
    return (BaseLoadRule(), LoadFactorRule(), PeakShareRule(), PowerFactorRule(), IdleEquipmentRule())


def diagnose(data: DiagnosisInput, rules: Sequence[Rule] | None = None) -> list[Finding]:
    """Run ``rules`` (default :func:`default_rules`) and return the findings, largest saving first."""
    findings = [f for rule in (rules or default_rules()) for f in rule.evaluate(data)]
    return sorted(findings, key=lambda f: (-(f.saving.cny or 0.0), -f.saving.kwh))
