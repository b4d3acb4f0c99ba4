"""Errors of the instrument ledger (碳资产台账异常), each with a stable code.

The service layer turns them into problem+json with the same codes (``assets.*``), which the console
translates (``parkcarbon.web.errors``). Every error says what to do.
"""

from __future__ import annotations

__all__ = [
    "ASSET_ERROR_CODES",
    "AssetError",
    "BankingError",
    "BorrowingError",
    "CcerCapError",
    "DoubleClaimError",
    "DoubleSaleError",
    "DuplicateSerialError",
    "ExpiredError",
    "InsufficientHoldingsError",
    "InvalidLotError",
    "InvalidTransactionError",
    "NoRuleError",
    "NotTradableError",
    "ObligationUnknownError",
    "OutOfOrderError",
    "OverSurrenderError",
    "SerialNotHeldError",
]

#: code → meaning (never renamed; new codes may be added)
ASSET_ERROR_CODES: dict[str, str] = {
    "assets.invalid_lot": "the instrument's attributes are incomplete or inconsistent for its kind",
    "assets.invalid_transaction": "the transaction is not possible as stated (the reason says why)",
    "assets.insufficient": "the account does not hold that quantity of the instrument on that date",
    "assets.serial_not_held": "the serial numbers are not held by the account",
    "assets.serial_duplicate": "the serial numbers are already recorded in this ledger",
    "assets.double_claim": "the serial numbers were already claimed, surrendered or retired",
    "assets.double_sale": "the green certificate has been traded once already and cannot be traded again",
    "assets.not_tradable": "the green certificate is of the non-tradable kind",
    "assets.expired": "the instrument is past its validity on the transaction date",
    "assets.ccer_cap": "CCER would exceed the offset cap of the surrender obligation",
    "assets.borrowing": "allowances of a later vintage cannot be surrendered for an earlier year",
    "assets.banking": "allowances of an earlier vintage cannot be carried into this year",
    "assets.obligation_unknown": "the surrender obligation of the compliance year is not known yet",
    "assets.over_surrender": "the surrender would exceed the obligation of the compliance year",
    "assets.out_of_order": "the transaction is dated before the last one recorded",
    "assets.no_rule": "no version of a rule the check needs is in force on that date",
}


class AssetError(ValueError):
    """Base of every ledger refusal."""

    code = "assets.invalid_transaction"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidLotError(AssetError):
    code = "assets.invalid_lot"


class InvalidTransactionError(AssetError):
    code = "assets.invalid_transaction"


class InsufficientHoldingsError(AssetError):
    code = "assets.insufficient"


class SerialNotHeldError(AssetError):
    code = "assets.serial_not_held"


class DuplicateSerialError(AssetError):
    code = "assets.serial_duplicate"


class DoubleClaimError(AssetError):
    code = "assets.double_claim"


class DoubleSaleError(AssetError):
    code = "assets.double_sale"


class NotTradableError(AssetError):
    code = "assets.not_tradable"


class ExpiredError(AssetError):
    code = "assets.expired"


class CcerCapError(AssetError):
    code = "assets.ccer_cap"


class BorrowingError(AssetError):
    code = "assets.borrowing"


class BankingError(AssetError):
    code = "assets.banking"


class ObligationUnknownError(AssetError):
    code = "assets.obligation_unknown"


class OverSurrenderError(AssetError):
    code = "assets.over_surrender"


class OutOfOrderError(AssetError):
    code = "assets.out_of_order"


class NoRuleError(AssetError):
    """No version of a needed rule is in force on the date (e.g. the CCER cap before 2021-02-01)."""

    code = "assets.no_rule"
