"""The enterprise's carbon-asset ledger (碳资产台账): recording transactions, balances at any date, the
compliance position from the MRV case's verified emissions and the least-cost strategy.

Each recording owns its database transaction: the park's journal is loaded into the pure ledger
(:class:`parkcarbon.core.assets.Ledger`, so serial numbers are checked across every enterprise of the
park: the same GEC claimed by two enterprises is refused), the new transaction is checked against the
rules in force on its date, then stored with the rule versions it used and an audit event carrying the
enterprise's id. Access: :mod:`parkcarbon.services.access.assets`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from parkcarbon.core.assets import (
    AccountRole,
    AppliedTransaction,
    AssetError,
    Balance,
    InstrumentKind,
    Ledger,
    Lot,
    RuleUse,
    SerialRange,
    Transaction,
    TxKind,
    default_rules,
    gec_valid_until,
    least_cost_plan,
    position,
)
from parkcarbon.core.assets.errors import InvalidLotError, InvalidTransactionError, OutOfOrderError
from parkcarbon.services import access, audit
from parkcarbon.services.assets.schemas import (
    AssetTransactionCreate,
    AssetTransactionPublic,
    BalancePublic,
    BalancesPublic,
    LotPublic,
    PlanLinePublic,
    PositionPublic,
    RulePublic,
    RulesPublic,
    RuleUsePublic,
    SerialRangePublic,
    StrategyPublic,
    StrategyRequest,
)
from parkcarbon.services.clock import park_today
from parkcarbon.services.errors import Conflict, InvalidInput, ServiceError
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    AssetSerialRange,
    AssetTransaction,
    EnterpriseDocument,
    MrvCase,
    Organisation,
    Park,
)

__all__ = [
    "balances",
    "get_position",
    "list_rules",
    "list_transactions",
    "load_ledger",
    "record_transaction",
    "record_unchecked",
    "strategy",
]

#: the ETS market of MRV cases whose verified figure is the surrender obligation
ETS_MARKET = "national_ets"
VERIFIED_STATUSES = ("verified", "archived")
#: a held GEC this close to the end of its validity is flagged ``expiring`` in the balances
EXPIRY_WARNING_DAYS = 90
_INVALID = frozenset({"assets.invalid_lot", "assets.invalid_transaction"})


def _problem(err: AssetError) -> ServiceError:
    """A ledger refusal as a service error with the same code (422 for malformed, 409 for state)."""
    errors = [{"field": err.field or "transaction", "reason": err.message, "code": err.code}]
    if err.code in _INVALID:
        return InvalidInput(err.message, errors=errors, code=err.code)
    return Conflict(err.message, errors=errors, code=err.code)


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value))


def _month(text_value: str | None) -> date | None:
    return None if text_value is None else date.fromisoformat(text_value + "-01")


# --------------------------------------------------------------------------------- rows ↔ ledger


def _lot_of(row: AssetTransaction | AssetTransactionCreate, instrument: str) -> Lot:
    production = row.production_month
    return Lot(
        InstrumentKind(instrument),
        vintage=row.vintage,
        project=row.project,
        methodology=row.methodology,
        technology=row.technology,
        production_month=_month(production) if isinstance(production, str) else production,
        tradable=row.tradable,
        contract=row.contract,
        period=row.period,
        region=row.region,
    )


def _tx_of(row: AssetTransaction) -> Transaction:
    return Transaction(
        TxKind(row.kind),
        row.enterprise_id,
        row.value_date,
        _lot_of(row, row.instrument),
        Decimal(row.quantity),
        tuple(SerialRange(r.block, r.serial_start, r.serial_end) for r in row.serials),
        compliance_year=row.compliance_year,
    )


def _obligations(s: Session, park_id: int) -> dict[tuple[int, int], tuple[Decimal, int]]:
    """(enterprise, year) → (verified tCO2e, case id) of the park's verified national-ETS MRV cases."""
    rows = s.execute(
        select(MrvCase.enterprise_id, MrvCase.year, MrvCase.verified_tco2e, MrvCase.id).where(
            MrvCase.park_id == park_id,
            MrvCase.market == ETS_MARKET,
            MrvCase.status.in_(VERIFIED_STATUSES),
            MrvCase.verified_tco2e.is_not(None),
        )
    )
    return {(ent, year): (Decimal(repr(tco2e)), case_id) for ent, year, tco2e, case_id in rows}


def _journal(s: Session, park_id: int) -> list[AssetTransaction]:
    return list(
        s.scalars(
            select(AssetTransaction)
            .where(AssetTransaction.park_id == park_id)
            .order_by(AssetTransaction.value_date, AssetTransaction.id)
            .options(selectinload(AssetTransaction.serials))
        )
    )


def _stored_uses(row: AssetTransaction) -> tuple[RuleUse, ...]:
    return tuple(RuleUse(u["id"], u["version"]) for u in row.rules_used or [])


def load_ledger(s: Session, park_id: int) -> Ledger:
    """The park's journal replayed into a pure ledger, with the verified obligations set (internal: callers
    check access first and never return other enterprises' balances)."""
    ledger = _empty_ledger(s, park_id)
    for row in _journal(s, park_id):
        ledger.replay(_tx_of(row), _stored_uses(row))
    return ledger


def _empty_ledger(s: Session, park_id: int) -> Ledger:
    ledger = Ledger(default_rules())
    for (ent, year), (tco2e, _case) in _obligations(s, park_id).items():
        ledger.set_obligation(ent, year, tco2e)
    return ledger


def _apply_in_order(s: Session, park_id: int, tx: Transaction) -> AppliedTransaction:
    """Check ``tx`` at its place in the park's journal: the transactions up to its date are replayed, ``tx``
    is checked, and every later one is checked again after it (a back-dated sale of serials that a later
    transaction moves is refused)."""
    ledger = _empty_ledger(s, park_id)
    rows = _journal(s, park_id)
    earlier = [r for r in rows if r.value_date <= tx.value_date]
    later = [r for r in rows if r.value_date > tx.value_date]
    for row in earlier:
        ledger.replay(_tx_of(row), _stored_uses(row))
    applied = ledger.apply(tx)
    for row in later:
        try:
            ledger.apply(_tx_of(row))
        except AssetError as exc:
            raise OutOfOrderError(
                f"recorded on {tx.value_date.isoformat()}, it would make a later recorded transaction "
                f"(of {row.value_date.isoformat()}) impossible: {exc.message}",
                field="value_date",
            ) from None
    return applied


def lot_public(lot: Lot) -> LotPublic:
    return LotPublic(
        instrument=lot.kind.value,
        unit=lot.unit,
        vintage=lot.vintage,
        project=lot.project,
        methodology=lot.methodology,
        technology=lot.technology,
        production_month=f"{lot.production_month:%Y-%m}" if lot.production_month else None,
        tradable=lot.tradable,
        contract=lot.contract,
        period=lot.period,
        region=lot.region,
    )


def serials_public(ranges: Iterable[tuple[str, int, int]]) -> list[SerialRangePublic]:
    return [SerialRangePublic(block=b, start=s, end=e, count=e - s + 1) for b, s, e in ranges]


def _public(row: AssetTransaction, *, costs_visible: bool) -> AssetTransactionPublic:
    item = AssetTransactionPublic(
        id=row.id,
        park_id=row.park_id,
        enterprise_id=row.enterprise_id,
        kind=row.kind,
        value_date=row.value_date,
        lot=lot_public(_lot_of(row, row.instrument)),
        quantity=float(row.quantity),
        serials=serials_public((r.block, r.serial_start, r.serial_end) for r in row.serials),
        compliance_year=row.compliance_year,
        price_cny=None if row.price_cny is None else float(row.price_cny),
        counterparty=row.counterparty,
        reference=row.reference,
        document_id=row.document_id,
        rules_used=[RuleUsePublic(**u) for u in row.rules_used or []],
        created_by=row.created_by,
        created_at=row.created_at,
    )
    return access.redact_costs(item, costs_visible)


def _uses(uses: Iterable[RuleUse]) -> list[RuleUsePublic]:
    return [RuleUsePublic(id=u.id, version=u.version) for u in uses]


# --------------------------------------------------------------------------------- recording


def _lock_park(s: Session, park_id: int) -> None:
    """Serialise recordings of one park (SQLite already holds the write lock: ``BEGIN IMMEDIATE``)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": 18_000_000 + park_id})


def _jsonable(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in snapshot.items()}


def record_transaction(
    db: Database, p: Principal, enterprise_id: int, data: AssetTransactionCreate
) -> AssetTransactionPublic:
    """Record one transaction of the enterprise (its admin), checked by the rules in force on its date."""
    with db.transaction() as s:
        org = access.require_assets_write(s, p, enterprise_id)
        if data.value_date > park_day(s, org.park_id, None):
            raise InvalidInput.field(
                "value_date",
                "is after the park's today; record a transaction once it happened",
                code="input.range",
            )
        return _record(s, p, org, data)


def record_unchecked(
    s: Session, p: Principal, org: Organisation, data: AssetTransactionCreate
) -> AssetTransactionPublic:
    """Record without the access check (the demo seeding; callers inside a transaction). The ledger's rules
    are checked as always."""
    return _record(s, p, org, data)


def _record(
    s: Session, p: Principal, org: Organisation, data: AssetTransactionCreate
) -> AssetTransactionPublic:
    if data.document_id is not None:
        doc = s.get(EnterpriseDocument, data.document_id)
        if doc is None or doc.enterprise_id != org.id or doc.archived_at is not None:
            raise InvalidInput.field(
                "document_id", "is not a document of this enterprise", code="value.unknown_reference"
            )
    try:
        lot = _lot_of(data, data.instrument)
        serials = tuple(SerialRange(r.block, r.start, r.end) for r in data.serials)
        tx = Transaction(
            TxKind(data.kind),
            org.id,
            data.value_date,
            lot,
            Decimal(repr(data.quantity)),
            serials,
            compliance_year=data.compliance_year,
        )
    except (InvalidLotError, InvalidTransactionError) as exc:
        raise _problem(exc) from None
    _lock_park(s, org.park_id)
    try:
        applied = _apply_in_order(s, org.park_id, tx)
    except AssetError as exc:
        raise _problem(exc) from None
    row = AssetTransaction(
        park_id=org.park_id,
        enterprise_id=org.id,
        kind=data.kind,
        instrument=data.instrument,
        value_date=data.value_date,
        quantity=tx.quantity,
        vintage=data.vintage,
        project=data.project,
        methodology=data.methodology,
        technology=data.technology,
        production_month=lot.production_month,
        tradable=data.tradable,
        contract=data.contract,
        period=data.period,
        region=data.region,
        compliance_year=data.compliance_year,
        price_cny=_dec(data.price_cny),
        counterparty=data.counterparty,
        reference=data.reference,
        document_id=data.document_id,
        rules_used=[{"id": u.id, "version": u.version} for u in applied.rules_used],
        created_by=p.label,
        serials=[
            AssetSerialRange(park_id=org.park_id, block=r.block, serial_start=r.start, serial_end=r.end)
            for r in serials
        ],
    )
    s.add(row)
    s.flush()
    after = _jsonable(audit.snapshot(row))
    if after is not None:
        after["serials"] = [str(r) for r in serials]
    audit.record(
        s,
        p,
        "asset_transaction.create",
        entity="asset_transaction",
        entity_id=row.id,
        park_id=org.park_id,
        enterprise_id=org.id,
        after=after,
    )
    return _public(row, costs_visible=access.can_read_costs(s, p, org.park_id, org.id))


# --------------------------------------------------------------------------------- reading


def list_transactions(
    db: Database, p: Principal, enterprise_id: int, page: PageParams, *, instrument: str | None = None
) -> Page[AssetTransactionPublic]:
    with db.read() as s:
        org = access.require_assets_read(s, p, enterprise_id)
        query = (
            select(AssetTransaction)
            .where(AssetTransaction.enterprise_id == org.id, AssetTransaction.park_id == org.park_id)
            .order_by(AssetTransaction.value_date, AssetTransaction.id)
            .options(selectinload(AssetTransaction.serials))
        )
        if instrument is not None:
            query = query.where(AssetTransaction.instrument == instrument)
        rows, total = paginate(s, query, page)
        visible = access.can_read_costs(s, p, org.park_id, org.id)
        return Page(data=[_public(r, costs_visible=visible) for r in rows], count=total, **page.model_dump())


def park_day(s: Session, park_id: int, at: date | None) -> date:
    if at is not None:
        return at
    park = s.get(Park, park_id)
    return park_today(park.timezone if park else None)


def _balance_public(b: Balance, at: date) -> BalancePublic:
    until = None
    if b.lot.kind is InstrumentKind.GEC and b.lot.production_month is not None:
        until, _ = gec_valid_until(b.lot.production_month, default_rules(), at)
    days_left = None if until is None else (until - at).days
    return BalancePublic(
        account=b.account.role.value,
        lot=lot_public(b.lot),
        quantity=float(b.quantity),
        serials=serials_public((r.block, r.start, r.end) for r in b.serials),
        valid_until=until,
        days_left=days_left,
        expiring=b.account.role is AccountRole.HOLDING
        and days_left is not None
        and days_left <= EXPIRY_WARNING_DAYS,
    )


def balances(db: Database, p: Principal, enterprise_id: int, *, at: date | None = None) -> BalancesPublic:
    """The enterprise's non-zero balances (holdings and retirement accounts) at the end of ``at``."""
    with db.read() as s:
        org = access.require_assets_read(s, p, enterprise_id)
        day = park_day(s, org.park_id, at)
        ledger = load_ledger(s, org.park_id)
        rows = sorted(
            ledger.balances(day, owner=org.id),
            key=lambda b: (b.account.role is not AccountRole.HOLDING, b.account.role.value, b.lot.kind.value),
        )
        data = [_balance_public(b, day) for b in rows]
        return BalancesPublic(enterprise_id=org.id, at=day, data=data, count=len(data))


def _position(
    s: Session, org_id: int, park_id: int, year: int, at: date | None, stated: float | None
) -> tuple[PositionPublic, Any]:
    day = park_day(s, park_id, at)
    verified = _obligations(s, park_id).get((org_id, year))
    if verified is not None:
        obligation, case_id, basis = verified[0], verified[1], "verified"
    elif stated is not None:
        obligation, case_id, basis = Decimal(repr(stated)), None, "stated"
    else:
        raise Conflict(
            f"no verified national-ETS emissions of {year} yet: verify the MRV case, or give emissions_tco2e "
            "(monitored or forecast) to plan ahead",
            errors=[
                {
                    "field": "year",
                    "reason": "no verified MRV case of the year",
                    "code": "assets.obligation_unknown",
                }
            ],
            code="assets.obligation_unknown",
        )
    ledger = load_ledger(s, park_id)
    surrendered, ccer = ledger.surrendered(org_id, year, day)
    try:
        pos = position(
            year=year,
            obligation_tco2e=obligation,
            holdings=ledger.holdings(org_id, day),
            surrendered_tco2e=surrendered,
            surrendered_ccer_tco2e=ccer,
            basis=basis,
            on=day,
        )
    except AssetError as exc:
        raise _problem(exc) from None
    public = PositionPublic(
        park_id=park_id,
        enterprise_id=org_id,
        year=year,
        at=day,
        basis=basis,
        mrv_case_id=case_id,
        obligation_tco2e=float(pos.obligation_tco2e),
        surrendered_tco2e=float(pos.surrendered_tco2e),
        surrendered_ccer_tco2e=float(pos.surrendered_ccer_tco2e),
        remaining_tco2e=float(pos.remaining_tco2e),
        ccer_cap_tco2e=float(pos.ccer_cap_tco2e),
        ccer_cap_open_tco2e=float(pos.ccer_cap_open_tco2e),
        held_cea_tco2e=float(pos.held_cea_tco2e),
        usable_cea_tco2e=float(pos.usable_cea_tco2e),
        held_ccer_tco2e=float(pos.held_ccer_tco2e),
        usable_ccer_tco2e=float(pos.usable_ccer_tco2e),
        shortfall_tco2e=float(pos.shortfall_tco2e),
        surplus_tco2e=float(pos.surplus_tco2e),
        surrender_due=pos.surrender_due,
        days_to_surrender_due=None if pos.surrender_due is None else (pos.surrender_due - day).days,
        rules_used=_uses(pos.rules_used),
    )
    return public, pos


def get_position(
    db: Database, p: Principal, enterprise_id: int, *, year: int, at: date | None = None
) -> PositionPublic:
    """The position for ``year`` from the verified emissions of the enterprise's national-ETS MRV case."""
    with db.read() as s:
        org = access.require_assets_read(s, p, enterprise_id)
        return _position(s, org.id, org.park_id, year, at, None)[0]


def strategy(db: Database, p: Principal, enterprise_id: int, body: StrategyRequest) -> StrategyPublic:
    """The least-cost way to cover the remaining obligation at the given prices (最优履约策略)."""
    with db.read() as s:
        org = access.require_assets_read(s, p, enterprise_id)
        public, pos = _position(s, org.id, org.park_id, body.year, body.at, body.emissions_tco2e)
        try:
            plan = least_cost_plan(
                pos,
                cea_price_cny_per_t=Decimal(repr(body.cea_price_cny_per_t)),
                ccer_price_cny_per_t=Decimal(repr(body.ccer_price_cny_per_t)),
            )
        except AssetError as exc:
            raise _problem(exc) from None
        return StrategyPublic(
            position=public,
            lines=[
                PlanLinePublic(
                    action=ln.action,
                    instrument=ln.instrument,
                    quantity_tco2e=float(ln.quantity_tco2e),
                    price_cny_per_t=float(ln.price_cny_per_t),
                    cash_cny=float(ln.cash_cny),
                    reason=ln.reason,
                )
                for ln in plan.lines
            ],
            cash_cny=float(plan.cash_cny),
            economic_cost_cny=float(plan.economic_cost_cny),
            all_cea_cash_cny=float(plan.all_cea_cash_cny),
            rules_used=_uses(plan.rules_used),
        )


def _rule_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def list_rules(p: Principal) -> RulesPublic:
    """Every version of every rule, with its source (public reference data; any signed-in user)."""
    access.require_user(p)
    data = [
        RulePublic(
            id=r.id,
            version=r.version,
            value=_rule_text(r.value),
            unit=r.unit,
            document=r.document,
            article=r.article,
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            confidence=r.confidence,
            notes=r.notes,
        )
        for r in default_rules().all()
    ]
    return RulesPublic(data=data, count=len(data))
