"""Cited factor library (因子库): versioned CSV files packaged under ``factors/data``.

Every row carries id, names (zh, en), value, unit, source (document number), clause (table / clause),
edition, region, data year, validity, confidence (H/M/L) and notes.  The library is read once with
:mod:`importlib.resources` and indexed; lookups are dictionary hits.

Selection rules (which standard, guideline, year, region) are explicit code in the calculation
modules; this package only finds rows and raises :class:`MissingFactorError` when none match.
"""

from parkcarbon.core.factors.library import (
    Factor,
    FactorLibrary,
    FactorSet,
    library,
)

__all__ = ["Factor", "FactorLibrary", "FactorSet", "library"]
