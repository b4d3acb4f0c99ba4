"""Time-of-use electricity tariffs (工商业分时电价): periods by province, month and hour; reference prices.

Held as cited data in ``factors/data/tou_tariffs.csv`` (periods: document number, issue date, validity,
months, hours, confidence) and ``factors/data/tou_prices.csv`` (reference CNY/kWh per period, low
confidence: real bills follow the month's agency purchase price). Hours not listed for a month are flat
(平段), as the notices define them ("其余时段为平段").

Example: Jiangsu, 苏发改价格发〔2025〕426号 (from 2025-06-01) — summer and winter (Jun–Aug, Dec–Feb)
peak 14:00–22:00, valley 00:00–06:00 and 11:00–13:00; spring and autumn peak 15:00–22:00, valley
02:00–06:00 and 10:00–14:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from parkcarbon.core.factors.library import read_data_csv

__all__ = ["PERIODS", "TouPrice", "TouRow", "TouSchedule", "tou_regions", "tou_schedule"]

#: Period ids, most expensive first.
PERIODS = ("tip", "peak", "flat", "valley")


@dataclass(frozen=True, slots=True)
class TouRow:
    """One row of ``tou_tariffs.csv``: a period's hours in some months under one document."""

    region: str
    document: str
    title: str
    issued: str
    valid_from: str
    valid_to: str
    months: tuple[int, ...]
    period: str
    hours: tuple[tuple[int, int], ...]
    confidence: str
    source: str
    notes: str


@dataclass(frozen=True, slots=True)
class TouPrice:
    """A reference price of one period [CNY/kWh] (``tou_prices.csv``)."""

    region: str
    document: str
    period: str
    price_cny_per_kwh: float
    customer: str
    confidence: str
    source: str


def _hours(spec: str) -> tuple[tuple[int, int], ...]:
    out = []
    for part in spec.split(","):
        a, b = (int(x) for x in part.split("-"))
        if not (0 <= a <= 24 and 0 <= b <= 24) or a == b:
            raise ValueError(f"bad hour range {part!r} in tou_tariffs.csv")
        out.append((a, b))
    return tuple(out)


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[TouRow, ...], tuple[TouPrice, ...]]:
    rows = tuple(
        TouRow(
            region=r["region"],
            document=r["document"],
            title=r["title"],
            issued=r["issued"],
            valid_from=r["valid_from"],
            valid_to=r["valid_to"],
            months=tuple(int(m) for m in r["months"].split(",")),
            period=r["period"],
            hours=_hours(r["hours"]),
            confidence=r["confidence"],
            source=r["source"],
            notes=r["notes"],
        )
        for r in read_data_csv("tou_tariffs.csv")
    )
    for r in rows:
        if r.period not in PERIODS:
            raise ValueError(f"unknown TOU period {r.period!r} in tou_tariffs.csv")
    prices = tuple(
        TouPrice(
            region=r["region"],
            document=r["document"],
            period=r["period"],
            price_cny_per_kwh=float(r["price_cny_per_kwh"]),
            customer=r["customer"],
            confidence=r["confidence"],
            source=r["source"],
        )
        for r in read_data_csv("tou_prices.csv")
    )
    return rows, prices


@dataclass(frozen=True)
class TouSchedule:
    """The TOU periods of one province under one document.

    Attributes
    ----------
    region, document, title, valid_from, valid_to
        Province (ISO 3166-2:CN) and the notice the periods come from.
    grid
        ``grid[month - 1][hour]`` = period id for local clock hour ``hour`` (0–23) of ``month``.
    prices
        Reference prices [CNY/kWh] by period (empty when none are held for the document).
    confidence
        Lowest confidence of the rows used.
    sources
        Where the rows were read.
    """

    region: str
    document: str
    title: str
    valid_from: str
    valid_to: str
    grid: tuple[tuple[str, ...], ...]
    prices: dict[str, float]
    price_confidence: str
    confidence: str
    sources: tuple[str, ...]

    def period(self, month: int, hour: int) -> str:
        """Period of local ``hour`` (0–23) in ``month`` (1–12)."""
        return self.grid[month - 1][hour]

    def hours_of(self, month: int, period: str) -> list[int]:
        """Local hours of ``month`` that fall in ``period``."""
        return [h for h, p in enumerate(self.grid[month - 1]) if p == period]

    def price(self, period: str) -> float | None:
        """Reference price of ``period`` [CNY/kWh], if held."""
        return self.prices.get(period)


def tou_regions() -> list[str]:
    """Provinces with TOU periods in the library."""
    return sorted({r.region for r in _rows()[0]})


def _valid(row: TouRow, on: date) -> bool:
    return (not row.valid_from or date.fromisoformat(row.valid_from) <= on) and (
        not row.valid_to or on <= date.fromisoformat(row.valid_to)
    )


def tou_schedule(region: str, on: date) -> TouSchedule | None:
    """The TOU schedule of ``region`` in force on ``on``; ``None`` when the library holds none.

    When no document of the region is in force on ``on`` (e.g. a date before the earliest held), the
    earliest document valid after ``on`` is not substituted: the answer is ``None``.
    """
    rows, prices = _rows()
    docs = [r for r in rows if r.region == region and _valid(r, on)]
    if not docs:
        return None
    document = max(docs, key=lambda r: r.valid_from).document
    used = [r for r in docs if r.document == document]
    grid = [["flat"] * 24 for _ in range(12)]
    # less expensive periods first, so a tip inside a peak wins
    for r in sorted(used, key=lambda r: -PERIODS.index(r.period)):
        for m in r.months:
            for a, b in r.hours:
                span = range(a, b) if a < b else [*range(a, 24), *range(b)]
                for h in span:
                    grid[m - 1][h] = r.period
    price_rows = [p for p in prices if p.region == region and p.document == document]
    order = "HML"
    return TouSchedule(
        region=region,
        document=document,
        title=used[0].title,
        valid_from=used[0].valid_from,
        valid_to=used[0].valid_to,
        grid=tuple(tuple(m) for m in grid),
        prices={p.period: p.price_cny_per_kwh for p in price_rows},
        price_confidence=max((p.confidence for p in price_rows), key=order.index, default=""),
        confidence=max((r.confidence for r in used), key=order.index),
        sources=tuple(dict.fromkeys(r.source for r in used)),
    )
