"""Distributed energy assets as data (分布式能源资产): PV, battery, EV, flexible loads, grid connection.

Powers are average over a step [kW]; energies [kWh]; a day-ahead horizon is 96 steps of 15 min.
Every dataclass validates itself on construction and raises :class:`EnergyInputError` naming the
field, so a bad value is refused before any model is built.

Glossary: 光伏 PV array · 储能 battery energy storage · 荷电状态 state of charge (SoC) ·
充电桩/充电会话 EV charger / charging session · 柔性负荷 flexible (shiftable) load ·
变压器容量 transformer capacity · 防逆流 export limit (anti-backflow; 0 kW when export is forbidden).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from parkcarbon.core.energy_system.errors import EnergyInputError

__all__ = ["Battery", "EvSession", "FlexibleLoad", "GridConnection", "PvArray"]


def _finite(name: str, v: float, *, lo: float | None = 0.0, hi: float | None = None) -> None:
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        raise EnergyInputError(f"{name} must be a finite number, not {v!r}", field=name)
    if lo is not None and v < lo:
        raise EnergyInputError(f"{name} = {v:g} is below {lo:g}", field=name)
    if hi is not None and v > hi:
        raise EnergyInputError(f"{name} = {v:g} is above {hi:g}", field=name)


@dataclass(frozen=True, slots=True)
class PvArray:
    """A PV array (光伏阵列): either a measured/forecast AC profile or kWp × a per-kWp profile.

    Attributes
    ----------
    id : str
    profile_kw : sequence of float
        Available AC output per step [kW] (the forecast or the last comparable day). When
        ``kwp`` is given, ``profile_kw`` is per kWp [kW/kWp] and is scaled by it.
    kwp : float or None
        Peak DC capacity [kWp]; ``None`` means ``profile_kw`` is already absolute.
    curtailable : bool
        The inverter may curtail (needed when an export limit binds).
    """

    id: str
    profile_kw: tuple[float, ...]
    kwp: float | None = None
    curtailable: bool = True

    def __post_init__(self) -> None:
        for i, v in enumerate(self.profile_kw):
            _finite(f"pv.{self.id}.profile_kw[{i}]", v)
        if self.kwp is not None:
            _finite(f"pv.{self.id}.kwp", self.kwp)

    def available_kw(self) -> tuple[float, ...]:
        """Available output per step [kW]."""
        k = 1.0 if self.kwp is None else self.kwp
        return tuple(v * k for v in self.profile_kw)


@dataclass(frozen=True, slots=True)
class Battery:
    """A battery energy storage system (储能系统).

    Attributes
    ----------
    id : str
    energy_kwh : float
        Usable nameplate energy [kWh].
    power_kw : float
        Charge and discharge power limit at the AC side [kW].
    charge_efficiency, discharge_efficiency : float
        Per-direction efficiencies (0, 1]; round-trip = their product.
    soc_min, soc_max : float
        SoC limits as fractions of ``energy_kwh``.
    soc_initial : float
        SoC at the start of the horizon (fraction).
    soc_final_min : float or None
        Least SoC at the end (fraction); ``None`` = ``soc_initial`` (the day leaves the battery as
        it found it, so a day's saving is not borrowed from the next).
    degradation_cny_per_kwh : float
        Wear cost per kWh *discharged* (throughput counted on the output side) [CNY/kWh].
    """

    id: str
    energy_kwh: float
    power_kw: float
    charge_efficiency: float = 0.95
    discharge_efficiency: float = 0.95
    soc_min: float = 0.1
    soc_max: float = 0.9
    soc_initial: float = 0.5
    soc_final_min: float | None = None
    degradation_cny_per_kwh: float = 0.0

    def __post_init__(self) -> None:
        p = f"battery.{self.id}"
        _finite(f"{p}.energy_kwh", self.energy_kwh)
        _finite(f"{p}.power_kw", self.power_kw)
        for name in ("charge_efficiency", "discharge_efficiency"):
            v = getattr(self, name)
            _finite(f"{p}.{name}", v, lo=None, hi=1.0)
            if v <= 0:
                raise EnergyInputError(f"{p}.{name} must be in (0, 1]", field=f"{p}.{name}")
        for name in ("soc_min", "soc_max", "soc_initial"):
            _finite(f"{p}.{name}", getattr(self, name), hi=1.0)
        if self.soc_final_min is not None:
            _finite(f"{p}.soc_final_min", self.soc_final_min, hi=1.0)
        if not self.soc_min <= self.soc_max:
            raise EnergyInputError(f"{p}: soc_min above soc_max", field=f"{p}.soc_min")
        if not self.soc_min <= self.soc_initial <= self.soc_max:
            raise EnergyInputError(f"{p}: soc_initial outside [soc_min, soc_max]", field=f"{p}.soc_initial")
        final = self.final_soc_min
        if final > self.soc_max:
            raise EnergyInputError(f"{p}: soc_final_min above soc_max", field=f"{p}.soc_final_min")
        _finite(f"{p}.degradation_cny_per_kwh", self.degradation_cny_per_kwh)

    @property
    def final_soc_min(self) -> float:
        return self.soc_initial if self.soc_final_min is None else self.soc_final_min


@dataclass(frozen=True, slots=True)
class EvSession:
    """An EV charging session (充电会话): plugged in over steps [arrival, departure).

    Attributes
    ----------
    id : str
    arrival_step, departure_step : int
        Step indices; the vehicle may charge in steps ``arrival_step … departure_step − 1``.
    energy_kwh : float
        Energy to deliver before departure [kWh].
    max_power_kw : float
        Charger/vehicle power limit [kW].
    """

    id: str
    arrival_step: int
    departure_step: int
    energy_kwh: float
    max_power_kw: float

    def __post_init__(self) -> None:
        p = f"ev.{self.id}"
        if not (0 <= self.arrival_step < self.departure_step):
            raise EnergyInputError(
                f"{p}: arrival_step {self.arrival_step} must be ≥ 0 and before departure_step "
                f"{self.departure_step}",
                field=f"{p}.arrival_step",
            )
        _finite(f"{p}.energy_kwh", self.energy_kwh)
        _finite(f"{p}.max_power_kw", self.max_power_kw)

    def window(self, steps: int) -> range:
        return range(self.arrival_step, min(self.departure_step, steps))


@dataclass(frozen=True, slots=True)
class FlexibleLoad:
    """A shiftable load (可转移负荷): ``energy_kwh`` within steps [start, end) at ≤ ``max_power_kw``.

    The unmanaged counterfactual runs it at ``max_power_kw`` from ``start_step`` until done.
    """

    id: str
    start_step: int
    end_step: int
    energy_kwh: float
    max_power_kw: float

    def __post_init__(self) -> None:
        p = f"flex.{self.id}"
        if not (0 <= self.start_step < self.end_step):
            raise EnergyInputError(
                f"{p}: start_step must be ≥ 0 and before end_step", field=f"{p}.start_step"
            )
        _finite(f"{p}.energy_kwh", self.energy_kwh)
        _finite(f"{p}.max_power_kw", self.max_power_kw)

    def window(self, steps: int) -> range:
        return range(self.start_step, min(self.end_step, steps))


@dataclass(frozen=True, slots=True)
class GridConnection:
    """The connection point (并网点): import limit (transformer) and export limit (防逆流).

    Attributes
    ----------
    import_limit_kw : float or None
        Largest import [kW] (transformer kVA × power factor, or the contract); ``None`` = no limit.
    export_limit_kw : float
        Largest export [kW]; 0 = anti-backflow (防逆流), export forbidden.
    """

    import_limit_kw: float | None = None
    export_limit_kw: float = 0.0

    def __post_init__(self) -> None:
        if self.import_limit_kw is not None:
            _finite("grid.import_limit_kw", self.import_limit_kw)
        _finite("grid.export_limit_kw", self.export_limit_kw)


def check_profile(
    name: str, values: Sequence[float], steps: int, *, lo: float | None = 0.0
) -> tuple[float, ...]:
    """Validate a per-step profile of length ``steps`` (finite, ≥ ``lo``; ``lo=None``: any sign)."""
    if len(values) != steps:
        raise EnergyInputError(f"{name} has {len(values)} values, expected {steps}", field=name)
    for i, v in enumerate(values):
        _finite(f"{name}[{i}]", v, lo=lo)
    return tuple(float(v) for v in values)
