"""parkcarbon.core.assets — carbon and energy-attribute instruments
(碳资产：配额、CCER、绿证、绿电、用能权、售电).

Pure: rules as versioned data with their sources (:mod:`.rules`), a double-entry ledger with the
serial, validity, trade-once, claim-once and CCER-cap checks (:mod:`.ledger`), the compliance
position and the least-cost strategy (:mod:`.compliance`). See ``docs/assets.md``.
"""

from parkcarbon.core.assets.compliance import CompliancePlan, PlanLine, Position, least_cost_plan, position
from parkcarbon.core.assets.errors import ASSET_ERROR_CODES, AssetError
from parkcarbon.core.assets.ledger import (
    SERIAL_KINDS,
    UNITS,
    Account,
    AccountRole,
    AppliedTransaction,
    Balance,
    InstrumentKind,
    Ledger,
    Lot,
    Movement,
    RangeSet,
    SerialRange,
    Transaction,
    TxKind,
    gec_valid_until,
)
from parkcarbon.core.assets.reconcile import Difference, Reconciliation, StatementLine, reconcile
from parkcarbon.core.assets.rules import Rule, RuleError, RuleSet, RuleUse, default_rules

__all__ = [
    "ASSET_ERROR_CODES",
    "SERIAL_KINDS",
    "UNITS",
    "Account",
    "AccountRole",
    "AppliedTransaction",
    "AssetError",
    "Balance",
    "CompliancePlan",
    "Difference",
    "InstrumentKind",
    "Ledger",
    "Lot",
    "Movement",
    "PlanLine",
    "Position",
    "RangeSet",
    "Reconciliation",
    "Rule",
    "RuleError",
    "RuleSet",
    "RuleUse",
    "SerialRange",
    "StatementLine",
    "Transaction",
    "TxKind",
    "default_rules",
    "gec_valid_until",
    "least_cost_plan",
    "position",
    "reconcile",
]
