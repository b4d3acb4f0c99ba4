"""Carbon assets (碳资产): the enterprise's instrument ledger (CEA, CCER, GEC, green power, energy-use
rights, retail contracts), balances at any date, the compliance position and the least-cost strategy,
and the rules with their sources. Enterprise-only unless the enterprise granted ``assets``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.assets import ledger, statements
from parkcarbon.services.assets.schemas import (
    AssetTransactionCreate,
    AssetTransactionPublic,
    BalancesPublic,
    Instrument,
    PositionPublic,
    ReconciliationPublic,
    RulesPublic,
    StatementUpload,
    StrategyPublic,
    StrategyRequest,
)
from parkcarbon.services.pagination import Page

router = APIRouter(tags=["assets"])
AtQuery = Annotated[date | None, Query(description="end of this day (default: the park's today)")]


@router.get("/assets/rules", response_model=RulesPublic)
def list_asset_rules(principal: PrincipalDep) -> RulesPublic:
    """Every version of every instrument rule, with document, article, dates and confidence."""
    return ledger.list_rules(principal)


@router.get("/enterprises/{enterprise_id}/assets/transactions", response_model=Page[AssetTransactionPublic])
def list_asset_transactions(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    enterprise_id: IdPath,
    instrument: Annotated[Instrument | None, Query()] = None,
) -> Page[AssetTransactionPublic]:
    return ledger.list_transactions(runtime.db, principal, enterprise_id, page, instrument=instrument)


@router.post(
    "/enterprises/{enterprise_id}/assets/transactions",
    response_model=AssetTransactionPublic,
    status_code=status.HTTP_201_CREATED,
)
def record_asset_transaction(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: AssetTransactionCreate
) -> AssetTransactionPublic:
    """Record a transaction (the enterprise's admin): checked against the rules in force on its date."""
    return ledger.record_transaction(runtime.db, principal, enterprise_id, body)


@router.get("/enterprises/{enterprise_id}/assets/balances", response_model=BalancesPublic)
def read_asset_balances(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, at: AtQuery = None
) -> BalancesPublic:
    return ledger.balances(runtime.db, principal, enterprise_id, at=at)


@router.get("/enterprises/{enterprise_id}/assets/position", response_model=PositionPublic)
def read_asset_position(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    enterprise_id: IdPath,
    year: Annotated[int, Query(ge=2000, le=2100)],
    at: AtQuery = None,
) -> PositionPublic:
    """Obligation (verified emissions of the national-ETS MRV case), holdings, shortfall or surplus."""
    return ledger.get_position(runtime.db, principal, enterprise_id, year=year, at=at)


@router.post("/enterprises/{enterprise_id}/assets/strategy", response_model=StrategyPublic)
def plan_asset_strategy(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: StrategyRequest
) -> StrategyPublic:
    """The least-cost plan at the given prices: CCER up to the cap, then CEA; held before bought."""
    return ledger.strategy(runtime.db, principal, enterprise_id, body)


@router.post("/enterprises/{enterprise_id}/assets/reconciliation", response_model=ReconciliationPublic)
def reconcile_asset_statement(
    runtime: RuntimeDep, principal: PrincipalDep, enterprise_id: IdPath, body: StatementUpload
) -> ReconciliationPublic:
    """Compare a registry statement (CSV/XLSX) with the ledger at its date: every difference, every
    unreadable line. Nothing is recorded."""
    return statements.reconcile_statement(runtime.db, principal, enterprise_id, body)
