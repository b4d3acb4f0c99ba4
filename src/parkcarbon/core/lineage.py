"""Lineage (数据溯源): what a result was computed from, so a verifier can redo it by hand.

Every result of the core carries a :class:`Lineage`: the factors used (id, value, unit, source with
clause, confidence), the formula with the numbers substituted, the governing clause, and structured
warnings.  :func:`diff_results` compares two answers of :func:`parkcarbon.core.calculate` (e.g. before
and after a factor-library update) activity by activity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CalcWarning", "FactorUse", "Lineage", "diff_results"]


@dataclass(frozen=True, slots=True)
class FactorUse:
    """One factor as used in a calculation.

    Attributes
    ----------
    id : str
        Factor id in the library, or ``"input:<field>"`` for a measured value supplied by the caller.
    value : float
        Value as used, in ``unit``.
    unit : str
        Unit of ``value``.
    source : str
        Document number and table / clause.
    confidence : str
        ``H``, ``M`` or ``L`` (see docs/accounting.md); ``measured`` for caller-supplied values.
    """

    id: str
    value: float
    unit: str
    source: str
    confidence: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "id": self.id,
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class CalcWarning:
    """A structured warning that travels with a result (not a log line).

    Attributes
    ----------
    code : str
        Stable machine-readable code, e.g. ``"factor.year_fallback"``.
    message : str
        Human sentence.
    """

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready mapping."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Lineage:
    """How a number was obtained.

    Attributes
    ----------
    factors : tuple of FactorUse
        Factors used, in the order of the formula.
    formula : str
        The formula with symbols and, where useful, numbers.
    clause : str
        Governing clause(s) of the standard or guideline.
    warnings : tuple of CalcWarning
        Fallbacks, defaults taken at a choice point, data-quality notes.
    """

    factors: tuple[FactorUse, ...] = ()
    formula: str = ""
    clause: str = ""
    warnings: tuple[CalcWarning, ...] = field(default_factory=tuple)

    def merged(self, other: Lineage, *, joiner: str = "; ") -> Lineage:
        """Lineage of a result combining two calculations."""
        seen = {f.id for f in self.factors}
        facs = self.factors + tuple(f for f in other.factors if f.id not in seen)
        return Lineage(
            factors=facs,
            formula=joiner.join(x for x in (self.formula, other.formula) if x),
            clause=joiner.join(dict.fromkeys(x for x in (self.clause, other.clause) if x)),
            warnings=self.warnings + tuple(w for w in other.warnings if w not in self.warnings),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "factors": [f.as_dict() for f in self.factors],
            "formula": self.formula,
            "clause": self.clause,
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _results_by_id(answer: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    results: Iterable[Mapping[str, Any]] = answer.get("results", [])
    return {str(r.get("id")): r for r in results}


def _num(x: Any) -> float:
    return float(x) if isinstance(x, int | float) else 0.0


def diff_results(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Compare two answers of :func:`parkcarbon.core.calculate`, activity by activity.

    Typical use: recalculate a stored inventory after a factor-library update and show what moved.

    Parameters
    ----------
    old, new : mapping
        Answers of ``calculate`` (or their JSON round-trip).

    Returns
    -------
    list of dict
        One entry per activity whose figures or factors changed, or that exists in only one answer::

            {"id": "a2", "status": "changed" | "added" | "removed",
             "tce": {"old": .., "new": .., "delta": ..},
             "tco2e": {"old": .., "new": .., "delta": ..},
             "factors": [{"id": .., "change": "value" | "added" | "removed",
                          "old": {"value", "unit", "source"} | None, "new": {...} | None}]}

        Unchanged activities are omitted.
    """
    a = _results_by_id(old)
    b = _results_by_id(new)
    out: list[dict[str, Any]] = []
    for act_id in list(a) + [k for k in b if k not in a]:
        ra, rb = a.get(act_id), b.get(act_id)
        if ra is None or rb is None:
            present: Mapping[str, Any] = rb if ra is None else ra  # type: ignore[assignment]
            sign = 1.0 if ra is None else -1.0
            out.append(
                {
                    "id": act_id,
                    "status": "added" if ra is None else "removed",
                    "tce": {
                        "old": None if ra is None else present.get("tce"),
                        "new": None if rb is None else present.get("tce"),
                        "delta": sign * _num(present.get("tce")),
                    },
                    "tco2e": {
                        "old": None if ra is None else present.get("tco2e"),
                        "new": None if rb is None else present.get("tco2e"),
                        "delta": sign * _num(present.get("tco2e")),
                    },
                    "factors": [],
                }
            )
            continue
        fa = {f["id"]: f for f in ra.get("factors", [])}
        fb = {f["id"]: f for f in rb.get("factors", [])}
        changes: list[dict[str, Any]] = []
        for fid in list(fa) + [k for k in fb if k not in fa]:
            x, y = fa.get(fid), fb.get(fid)
            keep = ("value", "unit", "source")
            if x is None or y is None:
                changes.append(
                    {
                        "id": fid,
                        "change": "added" if x is None else "removed",
                        "old": None if x is None else {k: x.get(k) for k in keep},
                        "new": None if y is None else {k: y.get(k) for k in keep},
                    }
                )
            elif (x.get("value"), x.get("unit")) != (y.get("value"), y.get("unit")):
                changes.append(
                    {
                        "id": fid,
                        "change": "value",
                        "old": {k: x.get(k) for k in keep},
                        "new": {k: y.get(k) for k in keep},
                    }
                )
        d_tce = _num(rb.get("tce")) - _num(ra.get("tce"))
        d_co2e = _num(rb.get("tco2e")) - _num(ra.get("tco2e"))
        if changes or d_tce != 0.0 or d_co2e != 0.0:
            out.append(
                {
                    "id": act_id,
                    "status": "changed",
                    "tce": {"old": ra.get("tce"), "new": rb.get("tce"), "delta": d_tce},
                    "tco2e": {"old": ra.get("tco2e"), "new": rb.get("tco2e"), "delta": d_co2e},
                    "factors": changes,
                }
            )
    return out


#: Units meaning actual (not normal) cubic metres: a gas given in them is taken at normal conditions.
ACTUAL_VOLUME_UNITS = frozenset({"m3", "10^4 m3", "10^8 m3", "L"})

GAS_VOLUME_WARNING = CalcWarning(
    "unit.gas_volume",
    "gas volume given in m3 is taken at normal conditions (0 °C, 101.325 kPa, GB/T 32150); convert actual volumes first",  # noqa: E501
)
