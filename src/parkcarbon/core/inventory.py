"""Aggregation of activity results (排放清单汇总).

By GHG Protocol scope (1, 2 location-based, 2 market-based, 3), ISO 14064-1:2018 category (1–6),
GB/T 32150 emission category, carrier and source.  Pure sums of the per-activity figures, so the
totals of a union of activity lists equal the sum of their totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["ISO14064_CATEGORIES", "SCOPE3_TO_ISO14064", "aggregate"]

ISO14064_CATEGORIES: dict[int, str] = {
    1: "direct GHG emissions and removals",
    2: "indirect GHG emissions from imported energy",
    3: "indirect GHG emissions from transportation",
    4: "indirect GHG emissions from products used by the organization",
    5: "indirect GHG emissions associated with the use of products from the organization",
    6: "indirect GHG emissions from other sources",
}

#: GHG Protocol Scope 3 category → ISO 14064-1:2018 category (parkcarbon mapping, not normative):
#: transport and travel → 3; purchased goods, capital goods, fuel- and energy-related, waste,
#: upstream leased assets → 4; processing, use, end-of-life of sold products → 5; others → 6.
SCOPE3_TO_ISO14064: dict[int, int] = {
    1: 4,
    2: 4,
    3: 4,
    4: 3,
    5: 4,
    6: 3,
    7: 3,
    8: 4,
    9: 3,
    10: 5,
    11: 5,
    12: 5,
    13: 6,
    14: 6,
    15: 6,
}


Sums = dict[str, float | None]


def _add(d: Sums, key: Any, v: float | None) -> None:
    """Add ``v`` to ``d[key]``; a ``None`` (a figure without a factor) makes the sum ``None``."""
    if key is None:
        return
    k = str(key)
    if k in d and d[k] is None:
        return
    d[k] = None if v is None else (d.get(k) or 0.0) + v


def _figure(r: Mapping[str, Any], key: str) -> float | None:
    v = r.get(key, 0.0)
    return None if v is None else float(v)


def aggregate(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals of activity results.

    Parameters
    ----------
    results : iterable of mapping
        Items of ``calculate(...)["results"]``.

    Returns
    -------
    dict
        ``tce``, ``tco2``, ``tco2e`` (sums over all results, exported energy and CO2 recovery
        negative) and ``by_scope`` (``"1"``, ``"2_location"``, ``"2_market"``, ``"3"``),
        ``by_iso14064_category``, ``by_gbt32150_category``, ``by_carrier``, ``by_source``
        (tCO2e), ``by_carrier_tce``; ``missing`` lists the ids of the results without a ``tce``
        and without a ``tco2e``.  A sum over a missing figure is ``None``, never a partial sum
        that reads as complete.
    """
    tot: Sums = {"tce": 0.0, "tco2": 0.0, "tco2e": 0.0}
    by_scope: Sums = {"1": 0.0, "2_location": 0.0, "2_market": 0.0, "3": 0.0}
    by_iso: Sums = {}
    by_cat: Sums = {}
    by_carrier: Sums = {}
    by_source: Sums = {}
    by_carrier_tce: Sums = {}
    missing: dict[str, list[Any]] = {"tce": [], "tco2e": []}
    for r in results:
        e, tce = _figure(r, "tco2e"), _figure(r, "tce")
        for name, v in (("tce", tce), ("tco2e", e)):
            if v is None:
                missing[name].append(r.get("id"))
        _add(tot, "tce", tce)
        _add(tot, "tco2", _figure(r, "tco2"))
        _add(tot, "tco2e", e)
        scope = r.get("scope")
        if scope == 1:
            _add(by_scope, "1", e)
        elif scope == 2:
            loc = r.get("tco2e_location", e)
            mkt = r.get("tco2e_market", e)
            _add(by_scope, "2_location", None if loc is None else float(loc))
            _add(by_scope, "2_market", None if mkt is None else float(mkt))
        elif scope == 3:
            _add(by_scope, "3", e)
        _add(by_iso, r.get("iso14064_category"), e)
        _add(by_cat, r.get("gbt32150_category"), e)
        subject = r.get("carrier") or r.get("process") or r.get("gas") or r.get("capture")
        _add(by_carrier, subject, e)
        _add(by_carrier_tce, subject, tce)
        _add(by_source, r.get("source") or r.get("id"), e)
    return {
        **tot,
        "by_scope": by_scope,
        "by_iso14064_category": by_iso,
        "by_gbt32150_category": by_cat,
        "by_carrier": by_carrier,
        "by_carrier_tce": by_carrier_tce,
        "by_source": by_source,
        "missing": missing,
    }
