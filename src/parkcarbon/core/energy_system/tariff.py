"""Step tariffs for dispatch (分时电价 per 15-min step), basic charge (基本电费) and the bill.

The periods come from the cited TOU library (:mod:`parkcarbon.core.tariffs`, ``tou_tariffs.csv``:
document, effective date, hours by month); the energy price of each period from that library's
reference prices (confidence L, Nanjing general industrial & commercial) or, better, from the caller
(the month's agency purchase price 代理购电价格 + T&D + funds as printed on the bill).

Periods: ``tip`` 尖峰, ``peak`` 高峰, ``flat`` 平段, ``valley`` 低谷, ``deep_valley`` 深谷. The library
holds no 深谷 hours and no holiday rules yet (known gap, :func:`tariff_coverage`); a caller may pass
its own period list with ``deep_valley`` steps.

Basic charge of two-part tariffs (两部制电价基本电费): by capacity (按容量, CNY/kVA·month × transformer
capacity, independent of operation) or by maximum demand (按需量, CNY/kW·month × the month's largest
15-min average demand). The user chooses the basis and may change it monthly
(发改办价格〔2016〕1583号《关于完善两部制电价用户基本电价执行方式的通知》 — basis choice by the user,
changed at a stated interval; the monthly change and the 40 % floor are quoted from memory,
confidence L). No provincial basic-charge prices are held: the caller supplies them from the
provincial T&D price notice (第三监管周期, 发改价格〔2023〕526号 and the provincial implementing notices)
— an explicit gap, listed by :func:`tariff_coverage`.

Day-ahead demand cost: only the *increase* of the month's peak is charged to the day,
``price × max(0, D_day − D_month_so_far)``, the usual convention of receding-horizon demand-charge
management (REopt's MPC takes the same month-to-date peak as an input).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from parkcarbon.core.energy_system.assets import check_profile
from parkcarbon.core.energy_system.errors import EnergyInputError, EnergySystemError
from parkcarbon.core.tariffs import tou_regions, tou_schedule

__all__ = [
    "PERIODS_5",
    "BasicCharge",
    "Bill",
    "StepTariff",
    "TariffCoverage",
    "bill",
    "step_tariff",
    "tariff_coverage",
]

#: Five TOU periods, most expensive first.
PERIODS_5 = ("tip", "peak", "flat", "valley", "deep_valley")

#: The 31 provincial-level regions of mainland China (ISO 3166-2:CN), for the coverage list.
PROVINCES = (
    "CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH", "CN-JS", "CN-ZJ",
    "CN-AH", "CN-FJ", "CN-JX", "CN-SD", "CN-HA", "CN-HB", "CN-HN", "CN-GD", "CN-GX", "CN-HI", "CN-CQ",
    "CN-SC", "CN-GZ", "CN-YN", "CN-XZ", "CN-SN", "CN-GS", "CN-QH", "CN-NX", "CN-XJ",
)  # fmt: skip

BASIC_CHARGE_CITATION = (
    "发改办价格〔2016〕1583号 关于完善两部制电价用户基本电价执行方式的通知 (basis by capacity or by "
    "maximum demand, chosen by the user; confidence L on the change interval); prices from the "
    "provincial T&D notice under 发改价格〔2023〕526号"
)


@dataclass(frozen=True, slots=True)
class BasicCharge:
    """The basic charge (基本电费) of a two-part tariff.

    Attributes
    ----------
    basis : ``"capacity"`` (按容量) or ``"demand"`` (按需量)
    price_cny_per_kw_month : float
        CNY/kVA·month when ``basis == "capacity"``, CNY/kW·month when ``"demand"``.
    capacity_kva : float or None
        Transformer capacity (required for the capacity basis).
    month_peak_so_far_kw : float
        Largest 15-min demand already recorded this month [kW] (demand basis).
    document : str
        Where the price comes from (the caller's bill or provincial notice).
    """

    basis: Literal["capacity", "demand"]
    price_cny_per_kw_month: float
    capacity_kva: float | None = None
    month_peak_so_far_kw: float = 0.0
    document: str = ""

    def __post_init__(self) -> None:
        if self.basis not in ("capacity", "demand"):
            raise EnergyInputError(
                "basic charge basis must be 'capacity' or 'demand'", field="basic_charge.basis"
            )
        for name in ("price_cny_per_kw_month", "month_peak_so_far_kw"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise EnergyInputError(
                    f"basic_charge.{name} must be a number ≥ 0", field=f"basic_charge.{name}"
                )
        if self.basis == "capacity" and (self.capacity_kva is None or not self.capacity_kva > 0):
            raise EnergyInputError(
                "the capacity basis (按容量) needs capacity_kva > 0", field="basic_charge.capacity_kva"
            )

    def monthly_capacity_cny(self) -> float:
        """Fixed monthly charge of the capacity basis [CNY/month] (0 for the demand basis)."""
        return self.price_cny_per_kw_month * (self.capacity_kva or 0.0) if self.basis == "capacity" else 0.0


@dataclass(frozen=True)
class StepTariff:
    """Prices per step for one horizon.

    Attributes
    ----------
    step_hours : float
        Step length [h] (0.25 for 96 steps a day).
    periods : tuple of str
        Period id per step (:data:`PERIODS_5`).
    import_cny_per_kwh, export_cny_per_kwh : tuple of float
        Energy price of import and feed-in price (上网电价) of export per step [CNY/kWh].
    basic_charge : BasicCharge or None
    carbon_cny_per_tco2 : float
        Internal carbon price [CNY/tCO2] (0 = not priced).
    grid_factor_tco2_per_mwh : tuple of float or float
        Grid emission factor per step or constant [tCO2/MWh] (e.g. 0.5306, MEE/NBS 2023 national
        average, standards-facts 3.9).
    region, document, confidence
        Provenance of the periods and prices.
    """

    step_hours: float
    periods: tuple[str, ...]
    import_cny_per_kwh: tuple[float, ...]
    export_cny_per_kwh: tuple[float, ...]
    basic_charge: BasicCharge | None = None
    carbon_cny_per_tco2: float = 0.0
    grid_factor_tco2_per_mwh: float | tuple[float, ...] = 0.0
    region: str = ""
    document: str = ""
    confidence: str = ""
    sources: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = len(self.periods)
        if n == 0:
            raise EnergyInputError("a tariff needs at least one step", field="tariff.periods")
        if not (
            isinstance(self.step_hours, (int, float))
            and self.step_hours > 0
            and math.isfinite(self.step_hours)
        ):
            raise EnergyInputError("step_hours must be > 0", field="tariff.step_hours")
        for p in self.periods:
            if p not in PERIODS_5:
                raise EnergyInputError(
                    f"unknown TOU period {p!r}; use one of {PERIODS_5}", field="tariff.periods"
                )
        # prices may be negative (spot markets); the LP then may be inexact, see dispatch
        check_profile("tariff.import_cny_per_kwh", self.import_cny_per_kwh, n, lo=None)
        check_profile("tariff.export_cny_per_kwh", self.export_cny_per_kwh, n, lo=None)
        if isinstance(self.grid_factor_tco2_per_mwh, tuple):
            check_profile("tariff.grid_factor_tco2_per_mwh", self.grid_factor_tco2_per_mwh, n)
        elif not (math.isfinite(self.grid_factor_tco2_per_mwh) and self.grid_factor_tco2_per_mwh >= 0):
            raise EnergyInputError("grid factor must be ≥ 0", field="tariff.grid_factor_tco2_per_mwh")
        if not (math.isfinite(self.carbon_cny_per_tco2) and self.carbon_cny_per_tco2 >= 0):
            raise EnergyInputError("carbon price must be ≥ 0", field="tariff.carbon_cny_per_tco2")

    @property
    def steps(self) -> int:
        return len(self.periods)

    def grid_factor(self, t: int) -> float:
        g = self.grid_factor_tco2_per_mwh
        return g[t] if isinstance(g, tuple) else g

    def effective_import_cny_per_kwh(self, t: int) -> float:
        """Energy price + carbon price × grid factor of step ``t`` [CNY/kWh]."""
        return self.import_cny_per_kwh[t] + self.carbon_cny_per_tco2 * self.grid_factor(t) / 1000.0


def step_tariff(
    region: str,
    day: date,
    *,
    steps: int = 96,
    prices_cny_per_kwh: dict[str, float] | None = None,
    export_cny_per_kwh: float = 0.0,
    basic_charge: BasicCharge | None = None,
    carbon_cny_per_tco2: float = 0.0,
    grid_factor_tco2_per_mwh: float = 0.0,
) -> StepTariff:
    """The step tariff of ``region`` on local date ``day`` from the cited TOU library.

    Parameters
    ----------
    prices_cny_per_kwh : dict, optional
        Price of each period present on the day; default the library's reference prices
        (confidence L). A period of the day without a price is refused.
    export_cny_per_kwh : float
        Feed-in price of exported PV (e.g. the provincial coal benchmark price for 余电上网); the
        caller's contract value.

    Raises
    ------
    EnergySystemError
        ``energy.tariff_missing``: no periods held for the region on that day, or a price missing.
    """
    if 24 * 60 % steps or steps <= 0:
        raise EnergyInputError("steps must divide a day into whole minutes", field="steps")
    sched = tou_schedule(region, day)
    if sched is None:
        raise EnergySystemError(
            f"no TOU periods held for {region} on {day.isoformat()} (held: {', '.join(tou_regions())}); "
            "supply the tariff explicitly",
            field="region",
            code="energy.tariff_missing",
        )
    per_hour = steps // 24 if steps % 24 == 0 else None
    if per_hour is None:
        raise EnergyInputError("steps must be a multiple of 24", field="steps")
    periods = tuple(sched.period(day.month, t // per_hour) for t in range(steps))
    prices = dict(sched.prices) if prices_cny_per_kwh is None else dict(prices_cny_per_kwh)
    missing = sorted({p for p in periods if p not in prices})
    if missing:
        raise EnergySystemError(
            f"no price for period(s) {', '.join(missing)} of {sched.document}; supply prices_cny_per_kwh",
            field="prices_cny_per_kwh",
            code="energy.tariff_missing",
        )
    conf = (
        sched.confidence
        if prices_cny_per_kwh is not None
        else min((sched.confidence, sched.price_confidence or "L"), key="LMH".index)
    )
    return StepTariff(
        step_hours=24.0 / steps,
        periods=periods,
        import_cny_per_kwh=tuple(prices[p] for p in periods),
        export_cny_per_kwh=(export_cny_per_kwh,) * steps,
        basic_charge=basic_charge,
        carbon_cny_per_tco2=carbon_cny_per_tco2,
        grid_factor_tco2_per_mwh=grid_factor_tco2_per_mwh,
        region=region,
        document=sched.document,
        confidence=conf,
        sources=sched.sources,
    )


@dataclass(frozen=True, slots=True)
class TariffCoverage:
    region: str
    tou_periods: bool
    tou_prices: bool
    deep_valley: bool
    holidays: bool
    basic_charge_prices: bool
    document: str


def tariff_coverage(on: date) -> tuple[TariffCoverage, ...]:
    """What the library holds for each of the 31 provinces on ``on`` — the explicit gap list."""
    out = []
    for r in PROVINCES:
        s = tou_schedule(r, on)
        out.append(
            TariffCoverage(
                region=r,
                tou_periods=s is not None,
                tou_prices=bool(s and s.prices),
                deep_valley=False,
                holidays=False,
                basic_charge_prices=False,
                document=s.document if s else "",
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Bill:
    """Cost of a schedule over the horizon [CNY].

    ``demand_cny`` is the increase of the month's demand charge caused by the horizon's peak;
    ``capacity_cny_month`` is the capacity-basis charge of the month (fixed, shown, not optimised).
    """

    energy_cny: float
    export_revenue_cny: float
    demand_cny: float
    carbon_cny: float
    degradation_cny: float
    total_cny: float
    peak_import_kw: float
    energy_by_period_kwh: dict[str, float]
    capacity_cny_month: float
    emissions_tco2: float


def bill(
    tariff: StepTariff,
    import_kw: Sequence[float],
    export_kw: Sequence[float] | None = None,
    *,
    degradation_cny: float = 0.0,
) -> Bill:
    """The bill of a grid-exchange schedule (hand-checkable; also the counterfactual's cost).

    energy = Σ_t price_t × import_t × Δt; export revenue = Σ_t feed-in_t × export_t × Δt;
    demand = price × max(0, max_t import_t − month peak so far) (按需量); carbon = Σ_t c × EF_t ×
    import_t × Δt / 1000.
    """
    n = tariff.steps
    imp = check_profile("import_kw", import_kw, n)
    exp = check_profile("export_kw", export_kw if export_kw is not None else [0.0] * n, n)
    dt = tariff.step_hours
    energy = sum(tariff.import_cny_per_kwh[t] * imp[t] * dt for t in range(n))
    revenue = sum(tariff.export_cny_per_kwh[t] * exp[t] * dt for t in range(n))
    emissions = sum(tariff.grid_factor(t) * imp[t] * dt / 1000.0 for t in range(n))
    carbon = tariff.carbon_cny_per_tco2 * emissions
    peak = max(imp)
    demand = 0.0
    cap = 0.0
    bc = tariff.basic_charge
    if bc is not None and bc.basis == "demand":
        demand = bc.price_cny_per_kw_month * max(0.0, peak - bc.month_peak_so_far_kw)
    elif bc is not None:
        cap = bc.monthly_capacity_cny()
    by_period: dict[str, float] = {}
    for t in range(n):
        by_period[tariff.periods[t]] = by_period.get(tariff.periods[t], 0.0) + imp[t] * dt
    return Bill(
        energy_cny=energy,
        export_revenue_cny=revenue,
        demand_cny=demand,
        carbon_cny=carbon,
        degradation_cny=degradation_cny,
        total_cny=energy - revenue + demand + carbon + degradation_cny,
        peak_import_kw=peak,
        energy_by_period_kwh=by_period,
        capacity_cny_month=cap,
        emissions_tco2=emissions,
    )
