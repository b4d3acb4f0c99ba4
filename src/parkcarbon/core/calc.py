"""The stateless calculation contract (``POST /api/v1/calc`` and ``parkcarbon calc``).

:func:`calculate` takes the JSON request (already parsed), validates every field, collects all errors
into one :class:`CalcInputError`, and returns a JSON-ready answer: one result per activity with its
lineage, and totals by scope, ISO 14064-1 category, GB/T 32150 category, carrier and source.
The contract is documented in docs/accounting.md; fields may be added, never renamed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from parkcarbon.core.carriers import CARRIERS
from parkcarbon.core.coefficients import USES
from parkcarbon.core.emissions.fugitive import GAS_ALIASES, gwp, mass_balance_emission_t
from parkcarbon.core.emissions.heat_steam import heat_emission_factor, hot_water_heat_gj, steam_heat_gj
from parkcarbon.core.emissions.process import CARBONATE_ALIASES, PROCESS_METHODS, carbonate_co2
from parkcarbon.core.emissions.purchased_electricity import INSTRUMENTS, PROVINCES, grid_factor, market_factor
from parkcarbon.core.emissions.stationary_combustion import combustion_coefficients
from parkcarbon.core.energy.comprehensive_energy import coal_equivalent_coefficient
from parkcarbon.core.errors import (
    AccountingError,
    AmbiguousFactorError,
    CalcInputError,
    MissingFactorError,
    UnitError,
    UnitMismatchError,
)
from parkcarbon.core.factors.library import library
from parkcarbon.core.inventory import SCOPE3_TO_ISO14064, aggregate
from parkcarbon.core.lineage import CalcWarning, FactorUse, Lineage
from parkcarbon.core.options import AccountingOptions
from parkcarbon.core.units import convert, dimension_of, normalize_unit, split_ratio

__all__ = ["calculate"]

_KINDS = ("carrier", "process", "gas", "capture")
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
    "supplier factor": "factor_tco2_per_mwh",
}


class _Invalid(Exception):
    """One invalid field of an activity (collected, never escapes :func:`calculate`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _number(
    act: Mapping[str, Any],
    key: str,
    *,
    required: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> float | None:
    if key not in act or act[key] is None:
        if required:
            raise _Invalid(key, f"{key} is required")
        return None
    v = act[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _Invalid(key, f"{key} must be a finite number; got {v!r}")
    x = float(v)
    if lo is not None and (x < lo or (lo_open and x == lo)):
        raise _Invalid(key, f"{key} must be {'>' if lo_open else '≥'} {lo:g}; got {x:g}")
    if hi is not None and x > hi:
        raise _Invalid(key, f"{key} must be ≤ {hi:g}; got {x:g}")
    return x


def _unit(act: Mapping[str, Any], key: str = "unit") -> str:
    u = act.get(key)
    if not isinstance(u, str):
        raise _Invalid(key, f"{key} is required (a unit symbol such as 't', 'MWh', '万Nm3')")
    try:
        return normalize_unit(u)
    except UnitError as exc:
        raise _Invalid(key, str(exc)) from None


def _ncv_per_unit(act: Mapping[str, Any], unit: str) -> float | None:
    ncv = _number(act, "ncv", lo=0.0, lo_open=True)
    if ncv is None:
        return None
    ncv_unit = act.get("ncv_unit", f"GJ/{unit}")
    if not isinstance(ncv_unit, str) or "/" not in ncv_unit:
        raise _Invalid("ncv_unit", f"ncv_unit must look like 'GJ/t' or 'GJ/10^4 Nm3'; got {ncv_unit!r}")
    try:
        num, den = split_ratio(ncv_unit)
        if dimension_of(num) != "energy":
            raise _Invalid("ncv_unit", f"numerator of ncv_unit must be an energy unit; got {num!r}")
        return ncv * convert(1.0, num, "GJ") * convert(1.0, unit, den)
    except UnitError as exc:
        raise _Invalid("ncv_unit", str(exc)) from None


def _result(act: Mapping[str, Any], kind: str, **kw: Any) -> dict[str, Any]:
    lin: Lineage = kw.pop("lineage")
    out: dict[str, Any] = {"id": act["id"], kind: act[kind]}
    out.update(kw)
    out["factors"] = [f.as_dict() for f in lin.factors]
    out["formula"] = lin.formula
    out["clause"] = lin.clause
    out["warnings"] = [w.as_dict() for w in lin.warnings]
    if act.get("source") is not None:
        out["source"] = str(act["source"])
    out["inputs"] = {k: v for k, v in act.items() if k != "id"}
    return out


def _scope_fields(
    act: Mapping[str, Any], scope: int | None, iso: int | None
) -> tuple[int | None, int | None]:
    cat = act.get("scope3_category")
    if cat is None:
        return scope, iso
    if isinstance(cat, bool) or not isinstance(cat, int) or not 1 <= cat <= 15:
        raise _Invalid("scope3_category", f"scope3_category must be an integer 1–15; got {cat!r}")
    iso_given = act.get("iso14064_category")
    if iso_given is not None:
        if isinstance(iso_given, bool) or not isinstance(iso_given, int) or not 3 <= iso_given <= 6:
            raise _Invalid(
                "iso14064_category", f"iso14064_category of a scope 3 item must be 3–6; got {iso_given!r}"
            )
        return 3, iso_given
    return 3, SCOPE3_TO_ISO14064[cat]


def _carrier_activity(
    act: Mapping[str, Any], year: int, region: str, opts: AccountingOptions
) -> dict[str, Any]:
    cid = act["carrier"]
    if not isinstance(cid, str) or cid not in CARRIERS:
        raise _Invalid("carrier", f"unknown carrier {cid!r}; known: {', '.join(sorted(CARRIERS))}")
    car = CARRIERS[cid]
    qty = _number(act, "quantity", required=True)
    assert qty is not None
    unit = _unit(act)
    allowed = USES[car.kind]
    use = act.get("use") or allowed[0]
    if use not in allowed:
        raise _Invalid("use", f"use of {cid} must be one of {', '.join(allowed)}; got {use!r}")
    sign = -1.0 if use == "exported" else 1.0
    res: dict[str, Any] = {"quantity": qty, "unit": unit, "use": use}

    if car.kind == "fuel":
        ncv = _ncv_per_unit(act, unit)
        cc = _number(act, "carbon_content", lo=0.0)
        of = _number(act, "oxidation_rate", lo=0.0, hi=1.0, lo_open=True)
        k, klin = coal_equivalent_coefficient(cid, unit, year=year, options=opts, ncv_gj_per_unit=ncv)
        tce = sign * qty * k
        if use != "combustion":
            cat = "exported_energy" if use == "exported" else None
            lin = Lineage(
                klin.factors,
                f"tce = {qty:g} {unit} × {k:.6g} tce/{unit}; {klin.formula}",
                klin.clause,
                klin.warnings,
            )
            return {
                **res,
                "tce": tce,
                "tco2": 0.0,
                "tco2e": 0.0,
                "scope": None,
                "iso14064_category": None,
                "gbt32150_category": cat,
                "lineage": lin,
            }
        c = combustion_coefficients(
            cid,
            unit,
            year=year,
            options=opts,
            ncv_gj_per_unit=ncv,
            carbon_content_tc_per_tj=cc,
            oxidation_rate=of,
        )
        lin = klin.merged(c.lineage)
        tco2 = qty * c.tco2_per_unit
        tco2e = tco2
        extra: dict[str, Any] = {}
        if c.tch4_per_unit or c.tn2o_per_unit:
            g1, l1 = gwp("CH4", opts)
            g2, l2 = gwp("N2O", opts)
            lin = lin.merged(l1).merged(l2)
            extra = {"ch4_t": qty * c.tch4_per_unit, "n2o_t": qty * c.tn2o_per_unit}
            tco2e += extra["ch4_t"] * g1 + extra["n2o_t"] * g2
        lin = Lineage(
            lin.factors,
            f"tce = {qty:g} {unit} × {k:.6g} tce/{unit}; {lin.formula}; tCO2e = {tco2e:.6g}",
            lin.clause,
            lin.warnings,
        )
        scope, iso = _scope_fields(act, 1, 1)
        return {
            **res,
            "tce": tce,
            "tco2": tco2,
            "tco2e": tco2e,
            **extra,
            "scope": scope,
            "iso14064_category": iso,
            "gbt32150_category": "fuel_combustion",
            "lineage": lin,
        }

    if car.kind == "medium":
        k, klin = coal_equivalent_coefficient(cid, unit, year=year, options=opts)
        lin = Lineage(
            klin.factors,
            f"tce = {qty:g} {unit} × {k:.6g} tce/{unit}; {klin.formula} (耗能工质: energy only)",
            klin.clause,
            klin.warnings,
        )
        return {
            **res,
            "tce": qty * k,
            "tco2": 0.0,
            "tco2e": 0.0,
            "scope": None,
            "iso14064_category": None,
            "gbt32150_category": None,
            "lineage": lin,
        }

    if car.kind == "electricity":
        instrument = act.get("instrument")
        if instrument is not None and instrument not in INSTRUMENTS:
            raise _Invalid(
                "instrument", f"instrument must be one of {', '.join(INSTRUMENTS)}; got {instrument!r}"
            )
        sup = _number(act, "factor_tco2_per_mwh", lo=0.0)
        mwh = convert(qty, unit, "MWh")
        k, klin = coal_equivalent_coefficient(cid, unit, year=year, options=opts)
        market_primary = opts.electricity_factor == "market_based"
        loc_method = opts.location_electricity_factor if market_primary else opts.electricity_factor
        loc = grid_factor(loc_method, year=year, region=region, options=opts)
        mkt = None
        if market_primary or instrument is not None or use == "purchased":
            try:
                mkt = market_factor(
                    year=year, region=region, options=opts, instrument=instrument, factor_tco2_per_mwh=sup
                )
            except MissingFactorError:
                if market_primary or instrument is not None:
                    raise
        primary = mkt if market_primary and mkt is not None else loc
        tco2 = sign * mwh * primary.factor_tco2_per_mwh
        lin = klin.merged(primary.lineage)
        warns = lin.warnings
        if mkt is None and use == "purchased":
            warns += (
                CalcWarning(
                    "market.unavailable",
                    "market-based factor unavailable for this year; 2_market uses the location figure",
                ),
            )
        formula = (
            f"tce = {qty:g} {unit} × {k:.6g} tce/{unit}; E = AD × EF = {mwh:g} MWh × "
            f"{primary.factor_tco2_per_mwh:g} tCO2/MWh = {tco2:.6g} tCO2 ({primary.lineage.formula})"
        )
        lin = Lineage(lin.factors, formula, lin.clause, warns)
        if use == "exported":
            return {
                **res,
                "tce": sign * qty * k,
                "tco2": tco2,
                "tco2e": tco2,
                "scope": None,
                "iso14064_category": None,
                "gbt32150_category": "exported_energy",
                "lineage": lin,
            }
        scope, iso = _scope_fields(act, 2, 2)
        out = {
            **res,
            "tce": qty * k,
            "tco2": tco2,
            "tco2e": tco2,
            "scope": scope,
            "iso14064_category": iso,
            "gbt32150_category": "purchased_energy",
            "lineage": lin,
            "tco2e_location": mwh * loc.factor_tco2_per_mwh,
            "tco2e_market": mwh * (mkt.factor_tco2_per_mwh if mkt is not None else loc.factor_tco2_per_mwh),
        }
        if mkt is not None and mkt is not primary:
            out["market_factors"] = [f.as_dict() for f in mkt.lineage.factors]
        return out

    # heat, steam, hot water
    if dimension_of(unit) == "energy":
        gj = convert(qty, unit, "GJ")
        hlin = Lineage((), f"AD = {qty:g} {unit} = {gj:.6g} GJ", "")
    elif dimension_of(unit) == "mass" and cid in ("steam", "hot_water"):
        mass_t = convert(qty, unit, "t")
        if cid == "steam":
            p = _number(act, "pressure_mpa", lo=0.0, lo_open=True)
            t = _number(act, "temperature_c")
            h = _number(act, "enthalpy_kj_per_kg", lo=0.0, lo_open=True)
            state = act.get("state", "saturated" if t is None else "superheated")
            pk = act.get("pressure_kind", "absolute")
            if pk not in ("absolute", "gauge"):
                raise _Invalid("pressure_kind", f"pressure_kind must be 'absolute' or 'gauge'; got {pk!r}")
            if h is None and p is None:
                raise _Invalid(
                    "pressure_mpa",
                    "steam by mass needs pressure_mpa (absolute unless pressure_kind='gauge') or enthalpy_kj_per_kg",  # noqa: E501
                )
            try:
                gj, hlin = steam_heat_gj(
                    mass_t,
                    pressure_mpa=p,
                    temperature_c=t,
                    state=str(state),
                    enthalpy_kj_per_kg=h,
                    pressure_kind=str(pk),
                )
            except AccountingError as exc:
                raise _Invalid("temperature_c" if "°C" in str(exc) else "pressure_mpa", str(exc)) from None
        else:
            t = _number(act, "temperature_c", required=True)
            assert t is not None
            gj, hlin = hot_water_heat_gj(mass_t, temperature_c=t)
    else:
        raise _Invalid(
            "unit",
            f"{cid} must be given in an energy unit (GJ, MWh …)"
            + (" or a mass unit with pressure/temperature" if cid in ("steam", "hot_water") else "")
            + f"; got {unit!r}",
        )
    sup_heat = _number(act, "factor_tco2_per_gj", lo=0.0)
    if sup_heat is not None:
        ef = sup_heat
        elin = Lineage(
            (
                FactorUse(
                    "input:factor_tco2_per_gj", ef, "tCO2/GJ", "supplier-specific heat factor", "measured"
                ),
            ),
            f"EF = {ef:g} tCO2/GJ",
            "supplier factor",
        )
    else:
        ef, elin = heat_emission_factor(year=year, options=opts)
    k, klin = coal_equivalent_coefficient(cid, "GJ", year=year, options=opts)
    tce = sign * gj * k
    tco2 = sign * gj * ef
    lin = hlin.merged(klin).merged(elin)
    lin = Lineage(
        lin.factors,
        f"{hlin.formula}; tce = {gj:.6g} GJ × {k:g} tce/GJ; E = AD × EF = {gj:.6g} GJ × {ef:g} tCO2/GJ = {tco2:.6g} tCO2",  # noqa: E501
        lin.clause,
        lin.warnings,
    )
    res["heat_gj"] = sign * gj
    if use == "exported":
        return {
            **res,
            "tce": tce,
            "tco2": tco2,
            "tco2e": tco2,
            "scope": None,
            "iso14064_category": None,
            "gbt32150_category": "exported_energy",
            "lineage": lin,
        }
    scope, iso = _scope_fields(act, 2, 2)
    return {
        **res,
        "tce": tce,
        "tco2": tco2,
        "tco2e": tco2,
        "scope": scope,
        "iso14064_category": iso,
        "gbt32150_category": "purchased_energy",
        "lineage": lin,
        "tco2e_location": tco2,
        "tco2e_market": tco2,
    }


def _mass_t(act: Mapping[str, Any], qty: float, unit: str, allow_co2: bool = False) -> float:
    dim = dimension_of(unit)
    if dim == "mass":
        return convert(qty, unit, "t")
    if allow_co2 and dim == "co2":
        return convert(qty, unit, "tCO2")
    raise _Invalid("unit", f"unit must be a mass unit (t, kg){' or tCO2' if allow_co2 else ''}; got {unit!r}")


def _process_activity(act: Mapping[str, Any], opts: AccountingOptions) -> dict[str, Any]:
    name = act["process"]
    if not isinstance(name, str):
        raise _Invalid("process", f"process must be a string; got {name!r}")
    if name in CARBONATE_ALIASES:
        qty = _number(act, "quantity", required=True, lo=0.0)
        assert qty is not None
        unit = _unit(act)
        m = _mass_t(act, qty, unit)
        purity = _number(act, "purity", lo=0.0, hi=1.0)
        frac = _number(act, "calcination_fraction", lo=0.0, hi=1.0)
        ef = _number(act, "factor_tco2_per_t", lo=0.0)
        e, lin = carbonate_co2(
            m,
            carbonate=name,
            purity=1.0 if purity is None else purity,
            calcination_fraction=1.0 if frac is None else frac,
            factor_tco2_per_t=ef,
            options=opts,
        )
        if purity is None:
            lin = Lineage(
                lin.factors,
                lin.formula,
                lin.clause,
                (
                    *lin.warnings,
                    CalcWarning("input.purity_default", "purity not given: 1.0 (pure carbonate) assumed"),
                ),
            )
        res: dict[str, Any] = {"quantity": qty, "unit": unit}
    elif name in PROCESS_METHODS:
        try:
            pr = PROCESS_METHODS[name](act, opts)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, AccountingError):
                raise
            raise _Invalid("process", f"invalid input for process method {name!r}: {exc}") from None
        e, lin = pr.tco2, pr.lineage
        res = {}
    else:
        known = sorted(set(CARBONATE_ALIASES) | set(PROCESS_METHODS))
        raise _Invalid("process", f"unknown process {name!r}; known: {', '.join(known)}")
    scope, iso = _scope_fields(act, 1, 1)
    return {
        **res,
        "tce": 0.0,
        "tco2": e,
        "tco2e": e,
        "scope": scope,
        "iso14064_category": iso,
        "gbt32150_category": "process",
        "lineage": lin,
    }


_MB_KEYS = ("inventory_start", "inventory_end", "purchased", "disposed", "capacity_retired", "capacity_new")


def _gas_activity(act: Mapping[str, Any], opts: AccountingOptions) -> dict[str, Any]:
    gas = act["gas"]
    if not isinstance(gas, str) or gas not in GAS_ALIASES:
        raise _Invalid("gas", f"unknown gas {gas!r}; known: {', '.join(sorted(GAS_ALIASES))}")
    use = act.get("use", "fugitive")
    if use != "fugitive":
        raise _Invalid("use", f"use of a gas must be 'fugitive'; got {use!r}")
    unit = _unit(act)
    mb = act.get("mass_balance")
    if mb is not None:
        if not isinstance(mb, Mapping):
            raise _Invalid("mass_balance", "mass_balance must be an object")
        vals = {}
        for k in _MB_KEYS:
            v = _number(mb, k, lo=0.0)
            vals[k] = 0.0 if v is None else _mass_t(act, v, unit)
        m = mass_balance_emission_t(
            inventory_start_t=vals["inventory_start"],
            inventory_end_t=vals["inventory_end"],
            purchased_t=vals["purchased"],
            disposed_t=vals["disposed"],
            capacity_retired_t=vals["capacity_retired"],
            capacity_new_t=vals["capacity_new"],
        )
        mb_txt = "E = (I_start − I_end) + (P − S) + (C_retired − C_new) = " + f"{m:.6g} t; "
        qty = None
    else:
        qty = _number(act, "quantity", required=True, lo=0.0)
        assert qty is not None
        m = _mass_t(act, qty, unit)
        mb_txt = ""
    g, glin = gwp(gas, opts)
    tco2e = m * g
    name = GAS_ALIASES[gas]
    lin = Lineage(
        glin.factors,
        f"{mb_txt}CO2e = m × GWP = {m:.6g} t × {g:g} = {tco2e:.6g} tCO2e ({glin.formula})",
        "GHG Protocol / IPCC 2006 Vol. 3 Ch. 7 mass balance; " + glin.clause,
        glin.warnings,
    )
    scope, iso = _scope_fields(act, 1, 1)
    return {
        "quantity": qty,
        "unit": unit,
        "use": use,
        "gas_t": m,
        "tce": 0.0,
        "tco2": m if name == "CO2" else 0.0,
        "tco2e": tco2e,
        "scope": scope,
        "iso14064_category": iso,
        "gbt32150_category": "fugitive",
        "lineage": lin,
    }


def _capture_activity(act: Mapping[str, Any]) -> dict[str, Any]:
    if act["capture"] != "co2":
        raise _Invalid("capture", f"capture must be 'co2'; got {act['capture']!r}")
    qty = _number(act, "quantity", required=True, lo=0.0)
    assert qty is not None
    unit = _unit(act)
    m = _mass_t(act, qty, unit, allow_co2=True)
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
        "quantity": qty,
        "unit": unit,
        "tce": 0.0,
        "tco2": -m,
        "tco2e": -m,
        "scope": 1,
        "iso14064_category": 1,
        "gbt32150_category": "co2_recovery",
        "lineage": lin,
    }


def _options(payload: Mapping[str, Any], errors: list[dict[str, Any]]) -> AccountingOptions | None:
    names = AccountingOptions.field_names()
    kw = {k: payload[k] for k in names if k in payload and payload[k] is not None}
    if kw.get("gwp") is None:
        kw.pop("gwp", None)
    if "electricity_factor" in payload and payload["electricity_factor"] is None:
        kw.pop("electricity_factor", None)
    problems = AccountingOptions.validate(kw)
    for field, reason in problems:
        errors.append({"activity": None, "field": field, "reason": reason})
    if problems:
        return None
    return AccountingOptions(**kw)


def _error_field(exc: Exception) -> str:
    if isinstance(exc, AmbiguousFactorError):
        return exc.choice
    if isinstance(exc, UnitMismatchError | UnitError):
        return "unit"
    if isinstance(exc, MissingFactorError):
        return _FIELD_FOR_KIND.get(exc.kind, "carrier")
    return "carrier"


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
        ``warnings`` …), ``totals`` (``tce``, ``tco2e``, ``by_scope`` …) and the resolved options.

    Raises
    ------
    CalcInputError
        Every invalid field of the request, each naming the activity and the dotted field.
    """
    if not isinstance(payload, Mapping):
        raise CalcInputError([{"activity": None, "field": "", "reason": "the request must be a JSON object"}])
    errors: list[dict[str, Any]] = []
    year = payload.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        errors.append(
            {"activity": None, "field": "year", "reason": f"year must be an integer 1990–2100; got {year!r}"}
        )
        year = None
    region = payload.get("region", "CN")
    if region != "CN" and region not in PROVINCES:
        errors.append(
            {
                "activity": None,
                "field": "region",
                "reason": f"region must be 'CN' or an ISO 3166-2:CN province code such as 'CN-JS'; got {region!r}",  # noqa: E501
            }
        )
    opts = _options(payload, errors)
    acts = payload.get("activities")
    if not isinstance(acts, list):
        errors.append({"activity": None, "field": "activities", "reason": "activities must be a list"})
        acts = []
    if errors and (year is None or opts is None):
        # Activity checks would only repeat the top-level problem.
        raise CalcInputError(errors)
    if year is None or opts is None:  # pragma: no cover - unreachable, raised above
        raise CalcInputError(errors)
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, act in enumerate(acts):
        where = f"activities[{i}]"
        if not isinstance(act, Mapping):
            errors.append({"activity": None, "field": where, "reason": "each activity must be an object"})
            continue
        act_id = act.get("id")
        if isinstance(act_id, bool) or not isinstance(act_id, str | int) or act_id == "":
            errors.append(
                {"activity": None, "field": f"{where}.id", "reason": "id is required (string or integer)"}
            )
            continue
        if str(act_id) in seen:
            errors.append(
                {"activity": act_id, "field": f"{where}.id", "reason": f"duplicate activity id {act_id!r}"}
            )
            continue
        seen.add(str(act_id))
        kinds = [k for k in _KINDS if k in act]
        if len(kinds) != 1:
            errors.append(
                {
                    "activity": act_id,
                    "field": where,
                    "reason": "an activity needs exactly one of 'carrier', 'process', 'gas' or 'capture'",
                }
            )
            continue
        kind = kinds[0]
        try:
            if kind == "carrier":
                r = _carrier_activity(act, year, str(region), opts)
            elif kind == "process":
                r = _process_activity(act, opts)
            elif kind == "gas":
                r = _gas_activity(act, opts)
            else:
                r = _capture_activity(act)
            results.append(_result(act, kind, **r))
        except _Invalid as exc:
            errors.append({"activity": act_id, "field": f"{where}.{exc.field}", "reason": exc.reason})
        except AmbiguousFactorError as exc:
            errors.append({"activity": act_id, "field": exc.choice, "reason": str(exc)})
        except (AccountingError, UnitError) as exc:
            errors.append({"activity": act_id, "field": f"{where}.{_error_field(exc)}", "reason": str(exc)})
    if errors:
        raise CalcInputError(errors)
    return {
        "standard": opts.standard_for(year),
        "guideline": opts.guideline,
        "gwp": opts.gwp,
        "year": year,
        "region": region,
        "electricity_factor": opts.electricity_factor,
        "options": {k: getattr(opts, k) for k in AccountingOptions.field_names()},
        "factor_library_version": library().version,
        "results": results,
        "totals": aggregate(results),
    }
