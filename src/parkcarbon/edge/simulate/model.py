"""A plausible, deterministic three-phase load for simulated meters (模拟负荷).

The state advances in fixed 1 s steps from ``start_time``; every random draw happens inside
:meth:`ThreePhaseLoad._step` in a fixed order, so the state at time *t* depends only on the
seed, the start time and *t* — not on how often or when the meter is read.

Per step (dt = 1 s):

* total active power P follows a mean-reverting random walk,
  ``P += θ (P̄ − P) dt + σ √dt N(0,1)``, clipped to ``[P_min, P_max]`` [kW];
* the three phases share P with a slowly wandering imbalance;
* power factor wanders within 0.85 … 0.99 (inductive);
* phase voltages are nominal ± Gaussian noise (σ = 0.6 % of nominal); frequency 50 Hz ± 0.02;
* I = P_phase / (U × PF), Q = P tan(arccos PF), S = P / PF;
* import energy integrates P, import reactive energy integrates Q:
  ``E += P dt / 3600`` [kWh], so energy never decreases and follows power.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass

__all__ = ["MeterState", "ThreePhaseLoad"]

_STEP_S = 1.0


@dataclass(frozen=True)
class MeterState:
    """Snapshot of a simulated meter (SI-ish units as a meter displays them)."""

    t: float
    voltage_v: tuple[float, float, float]
    current_a: tuple[float, float, float]
    power_w: tuple[float, float, float]
    power_factor: float
    frequency_hz: float
    import_kwh: float
    export_kwh: float
    import_kvarh: float
    export_kvarh: float

    @property
    def total_power_w(self) -> float:
        """Sum of the phase powers [W]."""
        return sum(self.power_w)

    @property
    def total_var(self) -> float:
        """Total reactive power [var] (inductive, positive)."""
        return self.total_power_w * math.tan(math.acos(self.power_factor))

    @property
    def total_va(self) -> float:
        """Total apparent power [VA]."""
        return self.total_power_w / self.power_factor


class ThreePhaseLoad:
    """Deterministic load model shared by the SDM630 and DL/T 645 simulators.

    Parameters
    ----------
    seed
        Random seed; same seed and start time → same trajectory.
    start_time
        Simulation start [s since epoch]; the state is defined for t ≥ start_time.
    nominal_voltage_v
        Phase-to-neutral nominal voltage (230 V IEC, 220 V in China).
    mean_power_kw, min_power_kw, max_power_kw
        Mean-reversion target and clipping range of total active power.
    initial_import_kwh, initial_import_kvarh
        Register values at ``start_time``.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        start_time: float = 0.0,
        nominal_voltage_v: float = 230.0,
        mean_power_kw: float = 25.0,
        min_power_kw: float = 2.0,
        max_power_kw: float = 60.0,
        initial_import_kwh: float = 12_345.67,
        initial_import_kvarh: float = 3_456.78,
    ) -> None:
        if not min_power_kw < mean_power_kw < max_power_kw:
            raise ValueError("need min_power_kw < mean_power_kw < max_power_kw")
        self.seed = seed
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.nominal_voltage_v = nominal_voltage_v
        self.mean_power_kw = mean_power_kw
        self.min_power_kw = min_power_kw
        self.max_power_kw = max_power_kw
        self._t = float(start_time)
        self._p_kw = mean_power_kw
        self._share = [1 / 3, 1 / 3, 1 / 3]
        self._pf = 0.93
        self._u = [nominal_voltage_v] * 3
        self._f = 50.0
        self._e_imp = float(initial_import_kwh)
        self._q_imp = float(initial_import_kvarh)

    def _step(self) -> None:
        rng = self._rng
        dt = _STEP_S
        theta, sigma = 0.01, 0.4  # 1/s, kW/√s: drifts over minutes, visible change per poll
        self._p_kw += theta * (self.mean_power_kw - self._p_kw) * dt + sigma * math.sqrt(dt) * rng.gauss(0, 1)
        self._p_kw = min(self.max_power_kw, max(self.min_power_kw, self._p_kw))
        shares = [max(0.2, s + 0.002 * rng.gauss(0, 1)) for s in self._share]
        total = sum(shares)
        self._share = [s / total for s in shares]
        self._pf = min(0.99, max(0.85, self._pf + 0.002 * rng.gauss(0, 1)))
        self._u = [self.nominal_voltage_v * (1 + 0.006 * rng.gauss(0, 1)) for _ in range(3)]
        self._f = 50.0 + 0.02 * rng.gauss(0, 1)
        self._e_imp += self._p_kw * dt / 3600.0
        self._q_imp += self._p_kw * math.tan(math.acos(self._pf)) * dt / 3600.0
        self._t += dt

    def advance_to(self, t: float) -> MeterState:
        """Step the model up to time ``t`` (never backwards) and return the state."""
        with self._lock:
            while self._t + _STEP_S <= t:
                self._step()
            return self._snapshot()

    def state(self) -> MeterState:
        """Current state without advancing."""
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> MeterState:
        p_w = tuple(self._p_kw * 1000.0 * s for s in self._share)
        i_a = tuple(p / (u * self._pf) for p, u in zip(p_w, self._u, strict=True))
        return MeterState(
            t=self._t,
            voltage_v=(self._u[0], self._u[1], self._u[2]),
            current_a=(i_a[0], i_a[1], i_a[2]),
            power_w=(p_w[0], p_w[1], p_w[2]),
            power_factor=self._pf,
            frequency_hz=self._f,
            import_kwh=self._e_imp,
            export_kwh=0.0,
            import_kvarh=self._q_imp,
            export_kvarh=0.0,
        )
