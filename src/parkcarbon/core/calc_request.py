"""The request of the calc contract as pydantic models (核算请求).

One model per kind of activity — a carrier (fuel, electricity, heat, medium), a carbonate or a process
method, a fugitive gas by quantity or by mass balance, CO2 capture — and :class:`CalcHeader` for the
top-level fields (the accounting options are :class:`parkcarbon.core.AccountingOptions`).  The models
check what a field can be on its own or beside the fields before it (types, ranges, allowed values,
unit symbols, the ``use`` of a carrier); the physics that needs several fields at once (steam state,
hot-water temperature, unit dimensions) is checked by the engine functions themselves.

Unknown activity keys are kept (``extra="allow"``): they are echoed in ``inputs`` and handed to
registered process methods.  Field paths, reasons and codes of failures come from
:func:`parkcarbon.core.validation.problems`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator

from parkcarbon.core.carriers import CARRIERS
from parkcarbon.core.coefficients import USES
from parkcarbon.core.emissions.fugitive import GAS_ALIASES
from parkcarbon.core.emissions.process import CARBONATE_ALIASES, PROCESS_METHODS
from parkcarbon.core.emissions.purchased_electricity import INSTRUMENTS, PROVINCES
from parkcarbon.core.errors import UnitError
from parkcarbon.core.units import convert, dimension_of, normalize_unit, split_ratio
from parkcarbon.core.validation import Number, Problem, StrictText, one_of, refuse

__all__ = [
    "KINDS",
    "Activity",
    "CalcHeader",
    "CaptureActivity",
    "CarbonBalanceActivity",
    "CarbonateActivity",
    "CarrierActivity",
    "GasActivity",
    "ProcessMethodActivity",
    "activity_id",
    "activity_model",
    "required_hint",
]

#: The keys that say what an activity is; exactly one per activity.
KINDS = ("carrier", "process", "gas", "capture")

NonNegative = Annotated[Number, Field(ge=0)]
Positive = Annotated[Number, Field(gt=0)]
Fraction = Annotated[Number, Field(ge=0, le=1)]
PositiveFraction = Annotated[Number, Field(gt=0, le=1)]


def _unit(symbol: str) -> str:
    try:
        return normalize_unit(symbol)
    except UnitError as exc:
        raise refuse("unit.unknown", str(exc)) from None


Unit = Annotated[StrictText, AfterValidator(_unit)]


def _quantity(hint: str) -> AfterValidator:
    def check(q: float) -> float:
        if q < 0:
            raise refuse("quantity.negative", f"quantity must be ≥ 0; got {q:g}{hint}")
        return q

    return AfterValidator(check)


#: A carrier quantity: exports are positive quantities with ``use: "exported"``.
CarrierQuantity = Annotated[
    Number, _quantity(": give exported energy as a positive quantity with use 'exported'")
]
#: Any other activity quantity (carbonate, gas, recovered CO2).
Quantity = Annotated[Number, _quantity("")]


def activity_id(value: object) -> str | int:
    """A valid activity id (a non-empty string or an integer), else a ``input.type`` refusal."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise refuse("input.type", "id is required (string or integer)")
    return value


def _known(names: Mapping[str, object], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in names:
            raise refuse("input.choice", f"unknown {what} {value!r}; known: {', '.join(sorted(names))}")
        return value

    return AfterValidator(check)


def required_hint(key: str) -> str:
    """What a missing field should look like (appended to ``"<key> is required"``)."""
    return {
        "unit": " (a unit symbol such as 't', 'MWh', '万Nm3')",
        "id": " (string or integer)",
        "year": " (an integer 1990–2100)",
    }.get(key, "")


class Activity(BaseModel):
    """Fields every activity may carry."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str | int
    source: Any = None
    scope3_category: Annotated[int, Strict(), Field(ge=1, le=15)] | None = None
    iso14064_category: Any = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_type(cls, value: object) -> object:
        return activity_id(value)

    @field_validator("iso14064_category")
    @classmethod
    def _iso_of_scope3(cls, value: Any, info: ValidationInfo) -> Any:
        # Only a scope 3 item takes its ISO 14064-1 category from the request (otherwise ignored).
        if info.data.get("scope3_category") is None or value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not 3 <= value <= 6:
            raise refuse("input.range", f"iso14064_category of a scope 3 item must be 3–6; got {value!r}")
        return value


class CarrierActivity(Activity):
    """Energy of a carrier: fuel, electricity, heat (steam, hot water) or an energy-consuming medium."""

    carrier: Annotated[StrictText, _known(CARRIERS, "carrier")]
    quantity: CarrierQuantity
    unit: Unit
    use: str | None = Field(default=None, validate_default=True)
    ncv: Positive | None = None
    ncv_unit: StrictText | None = None
    carbon_content: NonNegative | None = None
    oxidation_rate: PositiveFraction | None = None
    instrument: Annotated[StrictText, one_of(INSTRUMENTS, label="instrument")] | None = None
    factor_tco2_per_mwh: NonNegative | None = Field(default=None, validate_default=True)
    pressure_mpa: Positive | None = None
    pressure_kind: Annotated[StrictText, one_of(("absolute", "gauge"), label="pressure_kind")] = "absolute"
    temperature_c: Number | None = None
    state: Annotated[StrictText, one_of(("saturated", "superheated"), label="state")] | None = None
    enthalpy_kj_per_kg: Positive | None = None
    factor_tco2_per_gj: NonNegative | None = None

    @field_validator("use", mode="before")
    @classmethod
    def _use_of_carrier(cls, value: Any, info: ValidationInfo) -> Any:
        carrier = info.data.get("carrier")
        if carrier is None:  # the carrier itself is invalid: reported there
            return value
        allowed = USES[CARRIERS[carrier].kind]
        if not value:
            return allowed[0]
        if value not in allowed:
            raise refuse(
                "input.choice", f"use of {carrier} must be one of {', '.join(allowed)}; got {value!r}"
            )
        return value

    @field_validator("factor_tco2_per_mwh")
    @classmethod
    def _supplier_factor(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None and info.data.get("instrument") == "supplier_specific":
            raise refuse(
                "input.required", "factor_tco2_per_mwh is required with instrument 'supplier_specific'"
            )
        return value

    @field_validator("ncv_unit")
    @classmethod
    def _ncv_unit(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if "/" not in value:
            raise refuse("input.format", f"ncv_unit must look like 'GJ/t' or 'GJ/10^4 Nm3'; got {value!r}")
        try:
            num, den = split_ratio(value)
            if dimension_of(num) != "energy":
                raise refuse("input.format", f"numerator of ncv_unit must be an energy unit; got {num!r}")
            unit = info.data.get("unit")
            if unit is not None:
                convert(1.0, unit, den)
        except UnitError as exc:
            raise refuse(exc.code, str(exc)) from None
        return value

    def ncv_gj_per_unit(self) -> float | None:
        """The measured NCV in GJ per ``unit`` (``ncv_unit`` defaults to ``GJ/<unit>``)."""
        if self.ncv is None:
            return None
        num, den = split_ratio(self.ncv_unit or f"GJ/{self.unit}")
        return self.ncv * convert(1.0, num, "GJ") * convert(1.0, self.unit, den)


class CarbonateActivity(Activity):
    """A carbonate calcined or used (E = M × purity × EF × F)."""

    process: StrictText
    quantity: Quantity
    unit: Unit
    purity: Fraction | None = None
    calcination_fraction: Fraction | None = None
    factor_tco2_per_t: NonNegative | None = None


class CarbonBalanceItem(BaseModel):
    """A carbon-bearing material entering or leaving (碳平衡法)."""

    model_config = ConfigDict(frozen=True)

    quantity_t: Annotated[Number, Field(ge=0)]
    carbon_fraction: Fraction


class ProcessMethodActivity(Activity):
    """An activity for a registered process method; the method reads its own keys."""

    process: StrictText


class CarbonBalanceActivity(ProcessMethodActivity):
    """Carbon balance: E = (Σ M_in × C_in − Σ M_out × C_out) × 44/12."""

    inputs: list[CarbonBalanceItem] = []
    outputs: list[CarbonBalanceItem] = []


class MassBalance(BaseModel):
    """Stocks and flows of a gas over the period, in the activity's ``unit``."""

    model_config = ConfigDict(frozen=True)

    inventory_start: NonNegative = 0.0
    inventory_end: NonNegative = 0.0
    purchased: NonNegative = 0.0
    disposed: NonNegative = 0.0
    capacity_retired: NonNegative = 0.0
    capacity_new: NonNegative = 0.0


class GasActivity(Activity):
    """A fugitive greenhouse gas, by emitted quantity or by mass balance."""

    gas: Annotated[StrictText, _known(GAS_ALIASES, "gas")]
    use: Annotated[StrictText, one_of(("fugitive",), label="use of a gas")] = "fugitive"
    unit: Unit
    quantity: Quantity | None = None
    mass_balance: MassBalance | None = None


class GasQuantityActivity(GasActivity):
    quantity: Quantity


class CaptureActivity(Activity):
    """CO2 recovered and deducted (GB/T 32150-2015 §6.6)."""

    capture: Annotated[StrictText, one_of(("co2",), label="capture")]
    quantity: Quantity
    unit: Unit


class CalcHeader(BaseModel):
    """The top-level fields besides the accounting options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    year: Annotated[int, Strict(), Field(ge=1990, le=2100)]
    region: StrictText = "CN"
    activities: list[Any]

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value != "CN" and value not in PROVINCES:
            raise refuse(
                "input.choice",
                f"region must be 'CN' or an ISO 3166-2:CN province code such as 'CN-JS'; got {value!r}",
            )
        return value


def activity_model(act: Mapping[str, Any]) -> type[Activity] | Problem:
    """The model an activity mapping is validated with, or the problem of its kind."""
    kinds = [k for k in KINDS if k in act]
    if len(kinds) != 1:
        return Problem(
            "",
            "an activity needs exactly one of 'carrier', 'process', 'gas' or 'capture'",
            "input.activity_kind",
        )
    kind = kinds[0]
    if kind == "carrier":
        return CarrierActivity
    if kind == "gas":
        return GasActivity if act.get("mass_balance") is not None else GasQuantityActivity
    if kind == "capture":
        return CaptureActivity
    name = act["process"]
    if not isinstance(name, str):
        return Problem("process", f"process must be a string; got {name!r}", "input.type")
    if name in CARBONATE_ALIASES:
        return CarbonateActivity
    if name == "carbon_balance":
        return CarbonBalanceActivity
    if name in PROCESS_METHODS:
        return ProcessMethodActivity
    known = sorted(set(CARBONATE_ALIASES) | set(PROCESS_METHODS))
    return Problem("process", f"unknown process {name!r}; known: {', '.join(known)}", "input.choice")
