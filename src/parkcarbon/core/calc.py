"""The stateless calculation contract (``POST /api/v1/calc`` and ``parkcarbon calc``).

:func:`calculate` takes the JSON request (already parsed), validates it with the pydantic models of
:mod:`parkcarbon.core.calc_request` and :class:`AccountingOptions`, collects every problem into one
:class:`CalcInputError`, and returns a JSON-ready answer: one result per activity with its lineage, and
totals by scope, ISO 14064-1 category, GB/T 32150 category, carrier and source.

Energy (tce, GB/T 2589-2020) and emissions (tCO2e) are answered independently: when the library has no
default factor for one of them, the other is still computed, the missing figure is ``null`` and the
result's ``missing`` says why (code ``factor.missing``).  An activity is refused only when its input is
invalid or none of its figures can be computed.  The contract is documented in docs/accounting.md;
fields may be added, never renamed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from parkcarbon.core.calc_request import (
    Activity,
    CalcHeader,
    CaptureActivity,
    CarbonateActivity,
    CarbonBalanceActivity,
    CarrierActivity,
    GasActivity,
    ProcessMethodActivity,
    activity_id,
    activity_model,
    required_hint,
)
from parkcarbon.core.carriers import CARRIERS
from parkcarbon.core.emissions.fugitive import GAS_ALIASES, gwp, mass_balance_emission_t
from parkcarbon.core.emissions.heat_steam import heat_emission_factor, hot_water_heat_gj, steam_heat_gj
from parkcarbon.core.emissions.process import PROCESS_METHODS, carbon_balance_co2, carbonate_co2
from parkcarbon.core.emissions.purchased_electricity import ElectricityFactor, grid_factor, market_factor
from parkcarbon.core.emissions.stationary_combustion import combustion_coefficients
from parkcarbon.core.energy.comprehensive_energy import coal_equivalent_coefficient
from parkcarbon.core.errors import (
    AccountingError,
    ActivityValueError,
    AmbiguousFactorError,
    CalcInputError,
    MissingFactorError,
    UnitError,
    UnitMismatchError,
)
from parkcarbon.core.factors.library import library
from parkcarbon.core.inventory import SCOPE3_TO_ISO14064, aggregate
from parkcarbon.core.lineage import CalcWarning, FactorUse, Lineage
from parkcarbon.core.options import AccountingOptions, option_problems
from parkcarbon.core.units import convert, dimension_of
from parkcarbon.core.validation import problems

__all__ = ["calculate"]

T = TypeVar("T")
_Json = dict[str, Any]

#: Factor kind of a MissingFactorError → the activity field the caller can change.
_FIELD_FOR_KIND = {
    "ncv": "ncv",
    "carbon_content": "carbon_content",
    "oxidation_rate": "oxidation_rate",
    "coal_equivalent": "carrier",
    "coal_equivalent_equal": "carrier",
    "grid_ef": "carrier",
    "gwp": "gas",
    "carbonate_ef": "process",
    "co2_ef": "carrier",
    "ch4_ef": "carrier",
    "n2o_ef": "carrier",
}


class _Invalid(Exception):
    """One invalid field of an activity (collected, never escapes :func:`calculate`)."""

    def __init__(self, field: str, reason: str, code: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.code = code


@dataclass(frozen=True, slots=True)
class _Missing:
    """A figure (``tce`` or ``tco2e``) the library has no default factor for."""

    figure: str
    field: str
    reason: str
    code: str


class _Unanswerable(Exception):
    """None of the activity's figures could be computed: each missing factor becomes an error."""

    def __init__(self, missing: list[_Missing]) -> None:
        super().__init__("; ".join(m.reason for m in missing))
        self.missing = missing


def _error_field(exc: Exception) -> str:
    if isinstance(exc, ActivityValueError):
        return exc.field
    if isinstance(exc, UnitMismatchError | UnitError):
        return "unit"
    if isinstance(exc, MissingFactorError):
        return _FIELD_FOR_KIND.get(exc.kind, "carrier")
    return "carrier"


def _attempt(figure: str, compute: Callable[[], T], missing: list[_Missing]) -> T | None:
    """``compute()``, or ``None`` with the reason recorded when a default factor is missing.

    A choice the caller must make (:class:`AmbiguousFactorError`) is not a missing default: it is
    raised and refuses the activity.
    """
    try:
        return compute()
    except AmbiguousFactorError:
        raise
    except MissingFactorError as exc:
        missing.append(_Missing(figure, _error_field(exc), str(exc), exc.code))
        return None


def _join(*parts: str | None) -> str:
    return "; ".join(p for p in parts if p)


def _merge(*lineages: Lineage | None) -> Lineage:
    out = Lineage()
    for lin in lineages:
        if lin is not None:
            out = out.merged(lin)
    return out


def _scope_fields(act: Activity, scope: int | None, iso: int | None) -> tuple[int | None, int | None]:
    cat = act.scope3_category
    if cat is None:
        return scope, iso
    return 3, act.iso14064_category if act.iso14064_category is not None else SCOPE3_TO_ISO14064[cat]


def _figures(
    act: Activity,
    *,
    tce: float | None,
    tco2: float | None,
    tco2e: float | None,
    scope: int | None,
    iso: int | None,
    category: str | None,
    lineage: Lineage,
    **extra: Any,
) -> _Json:
    if scope is not None:
        scope, iso = _scope_fields(act, scope, iso)
    return {
        "tce": tce,
        "tco2": tco2,
        "tco2e": tco2e,
        **extra,
        "scope": scope,
        "iso14064_category": iso,
        "gbt32150_category": category,
        "lineage": lineage,
    }


# ---------------------------------------------------------------------------------------- carriers


def _tce_side(
    a: CarrierActivity, unit: str, year: int, opts: AccountingOptions, missing: list[_Missing], **kw: Any
) -> tuple[float, Lineage] | None:
    return _attempt(
        "tce", lambda: coal_equivalent_coefficient(a.carrier, unit, year=year, options=opts, **kw), missing
    )


def _fuel(a: CarrierActivity, year: int, opts: AccountingOptions, missing: list[_Missing]) -> _Json:
    qty, unit, use = a.quantity, a.unit, str(a.use)
    sign = -1.0 if use == "exported" else 1.0
    ncv = a.ncv_gj_per_unit()
    kk = _tce_side(a, unit, year, opts, missing, ncv_gj_per_unit=ncv)
    tce = None if kk is None else sign * qty * kk[0]
    tce_txt = None if kk is None else f"tce = {qty:g} {unit} × {kk[0]:.6g} tce/{unit}"
    klin = None if kk is None else kk[1]
    if use != "combustion":  # feedstock or exported: energy only
        if kk is None:
            raise _Unanswerable(missing)
        lin = Lineage(kk[1].factors, _join(tce_txt, kk[1].formula), kk[1].clause, kk[1].warnings)
        cat = "exported_energy" if use == "exported" else None
        return _figures(a, tce=tce, tco2=0.0, tco2e=0.0, scope=None, iso=None, category=cat, lineage=lin)

    def emissions() -> tuple[float, float, _Json, Lineage]:
        c = combustion_coefficients(
            a.carrier,
            unit,
            year=year,
            options=opts,
            ncv_gj_per_unit=ncv,
            carbon_content_tc_per_tj=a.carbon_content,
            oxidation_rate=a.oxidation_rate,
        )
        tco2 = qty * c.tco2_per_unit
        if not (c.tch4_per_unit or c.tn2o_per_unit):
            return tco2, tco2, {}, c.lineage
        g1, l1 = gwp("CH4", opts)
        g2, l2 = gwp("N2O", opts)
        gases = {"ch4_t": qty * c.tch4_per_unit, "n2o_t": qty * c.tn2o_per_unit}
        return tco2, tco2 + gases["ch4_t"] * g1 + gases["n2o_t"] * g2, gases, _merge(c.lineage, l1, l2)

    em = _attempt("tco2e", emissions, missing)
    if kk is None and em is None:
        raise _Unanswerable(missing)
    lin = _merge(klin, None if em is None else em[3])
    tco2e_txt = None if em is None else f"tCO2e = {em[1]:.6g}"
    lin = Lineage(lin.factors, _join(tce_txt, lin.formula, tco2e_txt), lin.clause, lin.warnings)
    gases = {"ch4_t": None, "n2o_t": None} if em is None and opts.combustion_method != "standard" else {}
    return _figures(
        a,
        tce=tce,
        tco2=None if em is None else em[0],
        tco2e=None if em is None else em[1],
        **(gases if em is None else em[2]),
        scope=1,
        iso=1,
        category="fuel_combustion",
        lineage=lin,
    )


def _medium(a: CarrierActivity, year: int, opts: AccountingOptions) -> _Json:
    k, klin = coal_equivalent_coefficient(a.carrier, a.unit, year=year, options=opts)
    lin = Lineage(
        klin.factors,
        f"tce = {a.quantity:g} {a.unit} × {k:.6g} tce/{a.unit}; {klin.formula} (耗能工质: energy only)",
        klin.clause,
        klin.warnings,
    )
    return _figures(
        a, tce=a.quantity * k, tco2=0.0, tco2e=0.0, scope=None, iso=None, category=None, lineage=lin
    )


def _electricity_factors(
    a: CarrierActivity, year: int, region: str, opts: AccountingOptions
) -> tuple[ElectricityFactor, ElectricityFactor, ElectricityFactor | None]:
    """(primary, location-based, market-based or None) factors of an electricity activity."""
    market_primary = opts.electricity_factor == "market_based"
    loc_method = opts.location_electricity_factor if market_primary else opts.electricity_factor
    loc = grid_factor(loc_method, year=year, region=region, options=opts)
    mkt = None
    if market_primary or a.instrument is not None or a.use == "purchased":
        try:
            mkt = market_factor(
                year=year,
                region=region,
                options=opts,
                instrument=a.instrument,
                factor_tco2_per_mwh=a.factor_tco2_per_mwh,
            )
        except MissingFactorError:
            if market_primary or a.instrument is not None:
                raise
    return (mkt if market_primary and mkt is not None else loc), loc, mkt


def _electricity(
    a: CarrierActivity, year: int, region: str, opts: AccountingOptions, missing: list[_Missing]
) -> _Json:
    qty, unit, use = a.quantity, a.unit, str(a.use)
    sign = -1.0 if use == "exported" else 1.0
    mwh = convert(qty, unit, "MWh")
    kk = _tce_side(a, unit, year, opts, missing)
    ef = _attempt("tco2e", lambda: _electricity_factors(a, year, region, opts), missing)
    if kk is None and ef is None:
        raise _Unanswerable(missing)
    tce_txt = None if kk is None else f"tce = {qty:g} {unit} × {kk[0]:.6g} tce/{unit}"
    lin = _merge(None if kk is None else kk[1], None if ef is None else ef[0].lineage)
    warns, tco2, em_txt = lin.warnings, None, None
    extra: _Json = {}
    if ef is not None:
        primary, loc, mkt = ef
        tco2 = sign * mwh * primary.factor_tco2_per_mwh
        em_txt = (
            f"E = AD × EF = {mwh:g} MWh × {primary.factor_tco2_per_mwh:g} tCO2/MWh = {tco2:.6g} tCO2 "
            f"({primary.lineage.formula})"
        )
        if mkt is None and use == "purchased":
            warns += (
                CalcWarning(
                    "market.unavailable",
                    "market-based factor unavailable for this year; 2_market uses the location figure",
                ),
            )
        market = mkt if mkt is not None else loc
        extra = {
            "tco2e_location": mwh * loc.factor_tco2_per_mwh,
            "tco2e_market": mwh * market.factor_tco2_per_mwh,
        }
        if mkt is not None and mkt is not primary:
            extra["market_factors"] = [f.as_dict() for f in mkt.lineage.factors]
    elif use == "purchased":
        extra = {"tco2e_location": None, "tco2e_market": None}
    lin = Lineage(lin.factors, _join(tce_txt, em_txt), lin.clause, warns)
    tce = None if kk is None else sign * qty * kk[0]
    if use == "exported":
        return _figures(
            a, tce=tce, tco2=tco2, tco2e=tco2, scope=None, iso=None, category="exported_energy", lineage=lin
        )
    return _figures(
        a, tce=tce, tco2=tco2, tco2e=tco2, scope=2, iso=2, category="purchased_energy", lineage=lin, **extra
    )


def _heat_gj(a: CarrierActivity) -> tuple[float, Lineage]:
    """Heat [GJ] of a heat, steam or hot-water activity (by energy, or by mass with its state)."""
    cid, qty, unit = a.carrier, a.quantity, a.unit
    if dimension_of(unit) == "energy":
        gj = convert(qty, unit, "GJ")
        return gj, Lineage((), f"AD = {qty:g} {unit} = {gj:.6g} GJ", "")
    if dimension_of(unit) != "mass" or cid not in ("steam", "hot_water"):
        raise _Invalid(
            "unit",
            f"{cid} must be given in an energy unit (GJ, MWh …)"
            + (" or a mass unit with pressure/temperature" if cid in ("steam", "hot_water") else "")
            + f"; got {unit!r}",
            "unit.mismatch",
        )
    mass_t = convert(qty, unit, "t")
    if cid == "steam":
        return steam_heat_gj(
            mass_t,
            pressure_mpa=a.pressure_mpa,
            temperature_c=a.temperature_c,
            state=a.state or ("saturated" if a.temperature_c is None else "superheated"),
            enthalpy_kj_per_kg=a.enthalpy_kj_per_kg,
            pressure_kind=a.pressure_kind,
        )
    if a.temperature_c is None:
        raise _Invalid(
            "temperature_c", "temperature_c is required for hot water given by mass", "input.required"
        )
    return hot_water_heat_gj(mass_t, temperature_c=a.temperature_c)


def _heat(a: CarrierActivity, year: int, opts: AccountingOptions, missing: list[_Missing]) -> _Json:
    use = str(a.use)
    sign = -1.0 if use == "exported" else 1.0
    gj, hlin = _heat_gj(a)

    def factor() -> tuple[float, Lineage]:
        if a.factor_tco2_per_gj is None:
            return heat_emission_factor(year=year, options=opts)
        ef = a.factor_tco2_per_gj
        use_ = FactorUse(
            "input:factor_tco2_per_gj", ef, "tCO2/GJ", "supplier-specific heat factor", "measured"
        )
        return ef, Lineage((use_,), f"EF = {ef:g} tCO2/GJ", "supplier factor")

    kk = _tce_side(a, "GJ", year, opts, missing)
    ef = _attempt("tco2e", factor, missing)
    if kk is None and ef is None:
        raise _Unanswerable(missing)
    tce = None if kk is None else sign * gj * kk[0]
    tco2 = None if ef is None else sign * gj * ef[0]
    lin = _merge(hlin, None if kk is None else kk[1], None if ef is None else ef[1])
    formula = _join(
        hlin.formula,
        None if kk is None else f"tce = {gj:.6g} GJ × {kk[0]:g} tce/GJ",
        None if ef is None else f"E = AD × EF = {gj:.6g} GJ × {ef[0]:g} tCO2/GJ = {tco2:.6g} tCO2",
    )
    lin = Lineage(lin.factors, formula, lin.clause, lin.warnings)
    if use == "exported":
        return _figures(
            a,
            tce=tce,
            tco2=tco2,
            tco2e=tco2,
            heat_gj=sign * gj,
            scope=None,
            iso=None,
            category="exported_energy",
            lineage=lin,
        )
    return _figures(
        a,
        tce=tce,
        tco2=tco2,
        tco2e=tco2,
        heat_gj=gj,
        scope=2,
        iso=2,
        category="purchased_energy",
        lineage=lin,
        tco2e_location=tco2,
        tco2e_market=tco2,
    )


def _carrier(
    a: CarrierActivity, year: int, region: str, opts: AccountingOptions, missing: list[_Missing]
) -> _Json:
    kind = CARRIERS[a.carrier].kind
    base = {"quantity": a.quantity, "unit": a.unit, "use": a.use}
    if kind == "fuel":
        return {**base, **_fuel(a, year, opts, missing)}
    if kind == "medium":
        return {**base, **_medium(a, year, opts)}
    if kind == "electricity":
        return {**base, **_electricity(a, year, region, opts, missing)}
    return {**base, **_heat(a, year, opts, missing)}


# ------------------------------------------------------------------------ process, gas, capture


def _mass_t(qty: float, unit: str, allow_co2: bool = False) -> float:
    dim = dimension_of(unit)
    if dim == "mass":
        return convert(qty, unit, "t")
    if allow_co2 and dim == "co2":
        return convert(qty, unit, "tCO2")
    raise _Invalid(
        "unit",
        f"unit must be a mass unit (t, kg){' or tCO2' if allow_co2 else ''}; got {unit!r}",
        "unit.mismatch",
    )


def _process(a: Activity, raw: Mapping[str, Any], opts: AccountingOptions) -> _Json:
    res: _Json = {}
    if isinstance(a, CarbonateActivity):
        e, lin = carbonate_co2(
            _mass_t(a.quantity, a.unit),
            carbonate=a.process,
            purity=1.0 if a.purity is None else a.purity,
            calcination_fraction=1.0 if a.calcination_fraction is None else a.calcination_fraction,
            factor_tco2_per_t=a.factor_tco2_per_t,
            options=opts,
        )
        if a.purity is None:
            warn = CalcWarning("input.purity_default", "purity not given: 1.0 (pure carbonate) assumed")
            lin = Lineage(lin.factors, lin.formula, lin.clause, (*lin.warnings, warn))
        res = {"quantity": a.quantity, "unit": a.unit}
    elif isinstance(a, CarbonBalanceActivity):
        e, lin = carbon_balance_co2(
            [(x.quantity_t, x.carbon_fraction) for x in a.inputs],
            [(x.quantity_t, x.carbon_fraction) for x in a.outputs],
        )
    elif isinstance(a, ProcessMethodActivity):
        try:
            pr = PROCESS_METHODS[a.process](raw, opts)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, AccountingError):
                raise
            raise _Invalid(
                "process", f"invalid input for process method {a.process!r}: {exc}", "process.invalid"
            ) from None
        e, lin = pr.tco2, pr.lineage
    else:  # pragma: no cover - activity_model returns one of the classes above
        raise TypeError(f"not a process activity: {type(a).__name__}")
    return {**res, **_figures(a, tce=0.0, tco2=e, tco2e=e, scope=1, iso=1, category="process", lineage=lin)}


def _gas(a: GasActivity, opts: AccountingOptions) -> _Json:
    unit = a.unit
    mb = a.mass_balance
    if mb is not None:
        m = mass_balance_emission_t(
            inventory_start_t=_mass_t(mb.inventory_start, unit),
            inventory_end_t=_mass_t(mb.inventory_end, unit),
            purchased_t=_mass_t(mb.purchased, unit),
            disposed_t=_mass_t(mb.disposed, unit),
            capacity_retired_t=_mass_t(mb.capacity_retired, unit),
            capacity_new_t=_mass_t(mb.capacity_new, unit),
        )
        mb_txt = "E = (I_start − I_end) + (P − S) + (C_retired − C_new) = " + f"{m:.6g} t; "
        qty = None
    else:
        qty = a.quantity
        m = _mass_t(float(qty or 0.0), unit)
        mb_txt = ""
    g, glin = gwp(a.gas, opts)
    tco2e = m * g
    lin = Lineage(
        glin.factors,
        f"{mb_txt}CO2e = m × GWP = {m:.6g} t × {g:g} = {tco2e:.6g} tCO2e ({glin.formula})",
        "GHG Protocol / IPCC 2006 Vol. 3 Ch. 7 mass balance; " + glin.clause,
        glin.warnings,
    )
    co2 = m if GAS_ALIASES[a.gas] == "CO2" else 0.0
    return {
        "quantity": qty,
        "unit": unit,
        "use": a.use,
        "gas_t": m,
        **_figures(a, tce=0.0, tco2=co2, tco2e=tco2e, scope=1, iso=1, category="fugitive", lineage=lin),
    }


def _capture(a: CaptureActivity) -> _Json:
    m = _mass_t(a.quantity, a.unit, allow_co2=True)
    lin = Lineage(
        (),
        f"R = {m:.6g} tCO2 recovered, deducted: E = −R",
        "GB/T 32150-2015 §6.6 (CO2 回收利用量 deducted from the enterprise total)",
        (
            CalcWarning(
                "capture.evidence",
                "recovered CO2 is deducted only with metered evidence of capture and use or storage",
            ),
        ),
    )
    return {
        "quantity": a.quantity,
        "unit": a.unit,
        "tce": 0.0,
        "tco2": -m,
        "tco2e": -m,
        "scope": 1,
        "iso14064_category": 1,
        "gbt32150_category": "co2_recovery",
        "lineage": lin,
    }


# ----------------------------------------------------------------------------------------- request


def _answer(
    a: Activity, raw: Mapping[str, Any], where: str, year: int, region: str, opts: AccountingOptions
) -> _Json:
    """The JSON result of one validated activity."""
    missing: list[_Missing] = []
    if isinstance(a, CarrierActivity):
        kind, figures = "carrier", _carrier(a, year, region, opts, missing)
    elif isinstance(a, GasActivity):
        kind, figures = "gas", _gas(a, opts)
    elif isinstance(a, CaptureActivity):
        kind, figures = "capture", _capture(a)
    else:
        kind, figures = "process", _process(a, raw, opts)
    lin: Lineage = figures.pop("lineage")
    out: _Json = {"id": a.id, kind: raw[kind], **figures}
    out["factors"] = [f.as_dict() for f in lin.factors]
    out["formula"] = lin.formula
    out["clause"] = lin.clause
    out["warnings"] = [w.as_dict() for w in lin.warnings]
    out["missing"] = [
        {"figure": m.figure, "field": f"{where}.{m.field}", "reason": m.reason, "code": m.code}
        for m in missing
    ]
    if raw.get("source") is not None:
        out["source"] = str(raw["source"])
    out["inputs"] = {k: v for k, v in raw.items() if k != "id"}
    return out


def _error(activity: str | int | None, field: str, reason: str, code: str) -> _Json:
    return {"activity": activity, "field": field, "reason": reason, "code": code}


def _activity_errors(exc: Exception, act_id: str | int, where: str) -> list[_Json]:
    """The contract's errors of an activity the engine refused."""
    if isinstance(exc, _Invalid):
        return [_error(act_id, f"{where}.{exc.field}", exc.reason, exc.code)]
    if isinstance(exc, _Unanswerable):
        return [_error(act_id, f"{where}.{m.field}", m.reason, m.code) for m in exc.missing]
    if isinstance(exc, AmbiguousFactorError):
        return [_error(act_id, exc.choice, str(exc), exc.code)]
    code = exc.code if isinstance(exc, AccountingError) else "input.invalid"
    return [_error(act_id, f"{where}.{_error_field(exc)}", str(exc), code)]


def _header(
    payload: Mapping[str, Any], errors: list[_Json]
) -> tuple[CalcHeader | None, AccountingOptions | None]:
    header = None
    try:
        header = CalcHeader.model_validate(payload)
    except ValidationError as exc:
        errors += [_error(None, p.field, p.reason, p.code) for p in problems(exc, hints=required_hint)]
    names = AccountingOptions.field_names()
    kw = {k: payload[k] for k in names if payload.get(k) is not None}
    found = option_problems(kw)
    errors += [_error(None, p.field, p.reason, p.code) for p in found]
    return header, None if found else AccountingOptions(**kw)


def calculate(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Calculate energy (tce) and emissions (tCO2e) of a list of activities.

    Parameters
    ----------
    payload : mapping
        The request of the JSON contract (docs/accounting.md): ``year`` (required), ``region``
        (``"CN"`` or ISO 3166-2:CN), ``standard``, ``guideline``, ``gwp``, ``electricity_factor``,
        any other :class:`AccountingOptions` field, and ``activities``.

    Returns
    -------
    dict
        ``results`` (one per activity: ``id``, ``tce``, ``tco2``, ``tco2e``, ``scope``,
        ``iso14064_category``, ``gbt32150_category``, ``factors``, ``formula``, ``clause``,
        ``warnings``, ``missing`` …), ``totals`` (``tce``, ``tco2e``, ``by_scope`` …, ``missing``)
        and the resolved options.  A figure without a default factor is ``None``, explained in the
        result's ``missing``; a total over such a figure is ``None`` too.

    Raises
    ------
    CalcInputError
        Every invalid field of the request, each naming the activity, the dotted field and a stable
        code; also every activity none of whose figures can be computed.
    """
    if not isinstance(payload, Mapping):
        raise CalcInputError([_error(None, "", "the request must be a JSON object", "input.request")])
    errors: list[_Json] = []
    header, opts = _header(payload, errors)
    if header is None or opts is None:
        # Activity checks would only repeat the top-level problem.
        raise CalcInputError(errors)
    results: list[_Json] = []
    seen: set[str] = set()
    for i, raw in enumerate(header.activities):
        where = f"activities[{i}]"
        if not isinstance(raw, Mapping):
            errors.append(_error(None, where, "each activity must be an object", "input.type"))
            continue
        try:
            act_id = activity_id(raw.get("id"))
        except PydanticCustomError as exc:
            code = "input.required" if raw.get("id") is None else "input.type"
            errors.append(_error(None, f"{where}.id", str(exc), code))
            continue
        if str(act_id) in seen:
            errors.append(
                _error(act_id, f"{where}.id", f"duplicate activity id {act_id!r}", "input.duplicate_id")
            )
            continue
        seen.add(str(act_id))
        model = activity_model(raw)
        if not isinstance(model, type):
            errors.append(_error(act_id, f"{where}.{model.field}".rstrip("."), model.reason, model.code))
            continue
        try:
            act = model.model_validate(raw)
        except ValidationError as exc:
            found = problems(exc, prefix=where, hints=required_hint)
            errors += [_error(act_id, p.field, p.reason, p.code) for p in found]
            continue
        try:
            results.append(_answer(act, raw, where, header.year, header.region, opts))
        except (_Invalid, _Unanswerable, AccountingError) as exc:
            errors += _activity_errors(exc, act_id, where)
    if errors:
        raise CalcInputError(errors)
    year = header.year
    return {
        "standard": opts.standard_for(year),
        "guideline": opts.guideline,
        "gwp": opts.gwp,
        "year": year,
        "region": header.region,
        "electricity_factor": opts.electricity_factor,
        "options": {k: getattr(opts, k) for k in AccountingOptions.field_names()},
        "factor_library_version": library().version,
        "results": results,
        "totals": aggregate(results),
    }
