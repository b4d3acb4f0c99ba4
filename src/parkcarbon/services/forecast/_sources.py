"""Where the forecasting services read stored consumption — the ONE import of the consumption queries.

The consumption queries are moving from ``services/intake/consumption.py`` to
``services/metering/consumption.py``; when they do, only the import below changes.
"""

from __future__ import annotations

from parkcarbon.services.intake.consumption import consumption, meter_consumption

__all__ = ["consumption", "meter_consumption"]
