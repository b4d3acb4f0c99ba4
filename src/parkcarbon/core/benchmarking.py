"""Energy benchmarking (能耗对标): unit-product energy against national quota grades and park peers.

* **Unit-product comprehensive energy consumption** (单位产品综合能耗, GB/T 2589-2020 §3):
  ``e = E / P`` [kgce per unit] with ``E`` the comprehensive energy attributed to the product [kgce]
  and ``P`` the output of qualified product in the same period.
* **Quota grades** (能耗限额等级) of the national standards (``factors/data/energy_quotas.csv``):
  each gives ≤ thresholds for grade 1 (best), 2 and 3 (the limit, 限定值). ``e ≤ level_1`` → grade 1;
  ``≤ level_2`` → 2; ``≤ level_3`` → 3; above → beyond the limit (不达标). A standard without a grade-2
  value skips it.
* **Peers** (园区同类对标): rank (1 = lowest energy per unit) and quartiles of a group of values
  (numpy's default linear interpolation, Hyndman & Fan type 7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

import numpy as np

from parkcarbon.core.factors.library import read_data_csv

__all__ = [
    "EnergyQuota",
    "GradeResult",
    "PeerStats",
    "energy_quota",
    "energy_quotas",
    "grade",
    "peer_stats",
    "unit_product_energy_kgce",
]

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class EnergyQuota:
    """One quota of ``energy_quotas.csv``: a product's grade thresholds in one standard."""

    quota_key: str
    standard: str
    title: str
    edition: str
    effective: str
    clause: str
    product_zh: str
    product_en: str
    indicator: str
    unit: str
    level_1: float | None
    level_2: float | None
    level_3: float
    industry_codes: tuple[str, ...]
    confidence: str
    source: str
    notes: str

    @property
    def citation(self) -> str:
        return f"{self.standard} {self.title}, {self.clause}"


@lru_cache(maxsize=1)
def _quotas() -> dict[str, EnergyQuota]:
    rows = read_data_csv("energy_quotas.csv")
    out: dict[str, EnergyQuota] = {}
    for r in rows:
        q = EnergyQuota(
            quota_key=r["quota_key"],
            standard=r["standard"],
            title=r["title"],
            edition=r["edition"],
            effective=r["effective"],
            clause=r["clause"],
            product_zh=r["product_zh"],
            product_en=r["product_en"],
            indicator=r["indicator"],
            unit=r["unit"],
            level_1=float(r["level_1"]) if r["level_1"] else None,
            level_2=float(r["level_2"]) if r["level_2"] else None,
            level_3=float(r["level_3"]),
            industry_codes=tuple(c for c in r["industry_codes"].split(";") if c),
            confidence=r["confidence"],
            source=r["source"],
            notes=r["notes"],
        )
        levels = [v for v in (q.level_1, q.level_2, q.level_3) if v is not None]
        if levels != sorted(levels) or q.quota_key in out:
            raise ValueError(f"energy_quotas.csv: {q.quota_key} has non-monotonic levels or is repeated")
        out[q.quota_key] = q
    return out


def energy_quotas() -> list[EnergyQuota]:
    """Every quota held, in file order."""
    return list(_quotas().values())


def energy_quota(quota_key: str) -> EnergyQuota | None:
    """The quota ``quota_key``, or ``None``."""
    return _quotas().get(quota_key)


def unit_product_energy_kgce(energy_tce: float, output: float) -> float | None:
    """Unit-product comprehensive energy consumption [kgce per unit]: ``1000 × E[tce] / P``.

    ``None`` when the output is zero (no product, no ratio). GB/T 2589-2020 §3 (单位产品综合能耗).
    """
    if output <= 0:
        return None
    return 1000.0 * energy_tce / output


@dataclass(frozen=True, slots=True)
class GradeResult:
    """Where a value sits against a quota.

    ``grade`` 1, 2, 3, or ``None`` beyond the grade-3 limit (``exceeds_limit``). ``next_level`` is the
    threshold of the next better grade (``None`` at grade 1) and ``gap_to_next`` the reduction needed
    to reach it [quota unit].
    """

    grade: int | None
    exceeds_limit: bool
    next_level: float | None
    gap_to_next: float | None


def grade(value: float, quota: EnergyQuota) -> GradeResult:
    """Grade of ``value`` (in the quota's unit) against ``quota`` (≤ thresholds; boundaries inclusive)."""
    levels = [(1, quota.level_1), (2, quota.level_2), (3, quota.level_3)]
    held = [(g, v) for g, v in levels if v is not None]
    reached: int | None = None
    for g, v in held:
        if value <= v:
            reached = g
            break
    if reached is None:
        nxt = quota.level_3
        return GradeResult(None, True, nxt, value - nxt)
    better = [v for g, v in held if g < reached]
    nxt_better = better[-1] if better else None
    return GradeResult(reached, False, nxt_better, None if nxt_better is None else value - nxt_better)


@dataclass(frozen=True)
class PeerStats(Generic[K]):
    """Rank (1 = lowest) and quartiles of a group; ``quartile[k]`` 1 (best quarter) … 4."""

    count: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float
    rank: dict[K, int]
    quartile: dict[K, int]


def peer_stats(values: Mapping[K, float]) -> PeerStats[K] | None:
    """Ranks and quartiles of ``values`` (lower is better); ``None`` for an empty group.

    Ties share the better rank ("competition" ranking: 1, 2, 2, 4). Quartile of a value: 1 if ≤ Q1,
    2 if ≤ median, 3 if ≤ Q3, else 4.
    """
    if not values:
        return None
    keys = list(values)
    arr = np.asarray([values[k] for k in keys], dtype=np.float64)
    q1, med, q3 = (float(x) for x in np.percentile(arr, [25, 50, 75]))
    rank = {k: int(np.sum(arr < values[k])) + 1 for k in keys}
    quart = {
        k: 1 if values[k] <= q1 else 2 if values[k] <= med else 3 if values[k] <= q3 else 4 for k in keys
    }
    return PeerStats(len(keys), float(arr.min()), q1, med, q3, float(arr.max()), rank, quart)
