"""Carbon assets (碳资产): the enterprise's instrument ledger, position and compliance strategy.

See :mod:`parkcarbon.services.assets.ledger` and ``docs/assets.md``.
"""
