"""Stateless accounting: the engine's JSON contract over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from parkcarbon.api.deps import PrincipalDep
from parkcarbon.services import access, calc

router = APIRouter(tags=["accounting"])

EXAMPLE = {
    "standard": "GB/T 32150-2015", "guideline": None, "gwp": "AR5", "year": 2023, "region": "CN-JS",
    "electricity_factor": "national_average",
    "activities": [
        {"id": "a1", "carrier": "diesel", "quantity": 10, "unit": "t"},
        {"id": "a2", "carrier": "electricity", "quantity": 100, "unit": "MWh", "use": "purchased"},
        {"id": "a3", "carrier": "steam", "quantity": 1000, "unit": "t", "pressure_mpa": 1.7,
         "state": "saturated", "use": "purchased"},
        {"id": "a4", "process": "CaCO3", "quantity": 100, "unit": "t", "purity": 0.9},
        {"id": "a5", "gas": "HFC-134a", "quantity": 0.1, "unit": "t", "use": "fugitive"},
    ],
}  # fmt: skip


@router.post("/calc")
def calculate(
    principal: PrincipalDep,
    body: Annotated[
        dict[str, Any], Body(openapi_examples={"issue": {"summary": "five activities", "value": EXAMPLE}})
    ],
) -> dict[str, Any]:
    """Energy (tce) and emissions (tCO2e) of a list of activities, each with its lineage (factors, formula,
    clause). See docs/accounting.md for the contract, standards and factor years."""
    access.require_user(principal)
    return calc.calculate(body)
