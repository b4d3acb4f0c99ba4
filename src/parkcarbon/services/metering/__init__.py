"""Meter-data queries (计量数据查询): consumption by grain, carrier and subject; data quality, gaps, status.

Reads what :mod:`parkcarbon.services.intake` stored (rollups, statuses, batches); writes only gap
estimates. The ends (enterprise, supervision …) read meter data through this package.
"""
