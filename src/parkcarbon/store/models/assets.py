"""Carbon-asset transactions (碳资产交易记录): the enterprise's journal of CEA, CCER, GEC, green-power,
energy-use-right and retail-contract movements.

A row is one transaction of one lot as the enterprise recorded it (the ledger's double entries follow
from its kind, :mod:`parkcarbon.core.assets.ledger`); CCER and GEC rows carry their serial ranges. The
rules a transaction was checked against are stored with it (``rules_used``). Rows are evidence: never
deleted (``RESTRICT`` from the park and the enterprise); a mistaken transaction is answered by its
opposite.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parkcarbon.store.base import Base, CreatedAtMixin, JSONType

QUANTITY = Numeric(24, 6)


class AssetTransaction(CreatedAtMixin, Base):
    __tablename__ = "asset_transactions"
    __table_args__ = (
        Index(None, "park_id", "enterprise_id", "value_date"),
        Index(None, "park_id", "instrument"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(24))
    instrument: Mapped[str] = mapped_column(String(16))
    value_date: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    # the lot's attributes (which apply depends on the instrument)
    vintage: Mapped[int | None] = mapped_column(Integer)
    project: Mapped[str | None] = mapped_column(String(64))
    methodology: Mapped[str | None] = mapped_column(String(64))
    technology: Mapped[str | None] = mapped_column(String(32))
    production_month: Mapped[date | None] = mapped_column(Date)
    tradable: Mapped[bool | None] = mapped_column(Boolean)
    contract: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[str | None] = mapped_column(String(7))
    region: Mapped[str | None] = mapped_column(String(8))
    compliance_year: Mapped[int | None] = mapped_column(Integer)
    #: unit price [CNY per unit]: a cost field (access.COST_FIELDS)
    price_cny: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    counterparty: Mapped[str | None] = mapped_column(String(254))
    reference: Mapped[str | None] = mapped_column(String(254))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise_documents.id", ondelete="SET NULL")
    )
    rules_used: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_by: Mapped[str] = mapped_column(String(254))

    serials: Mapped[list[AssetSerialRange]] = relationship(
        back_populates="transaction", cascade="all, delete-orphan", order_by="AssetSerialRange.id"
    )


class AssetSerialRange(Base):
    """Serials ``serial_start``..``serial_end`` (inclusive) of a registry block, moved by a transaction."""

    __tablename__ = "asset_serial_ranges"
    __table_args__ = (Index(None, "park_id", "block", "serial_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("asset_transactions.id", ondelete="CASCADE"), index=True
    )
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"))
    block: Mapped[str] = mapped_column(String(64))
    serial_start: Mapped[int] = mapped_column(BigInteger)
    serial_end: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[AssetTransaction] = relationship(back_populates="serials")
