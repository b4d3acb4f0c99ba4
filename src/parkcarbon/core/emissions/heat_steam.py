"""Purchased / exported heat, steam and hot water (热力、蒸汽、热水).

Heat quantities in GJ:

* steam:      AD = M × (h − 83.74) × 10⁻³   [GJ; M in t, h in kJ/kg, 83.74 kJ/kg = water at 20 °C]
* hot water:  AD = M × (T − 20) × 4.1868 × 10⁻³   [GJ; M in t, T in °C]

(GB/T 32151.x sector parts, purchased-heat clauses; the same formulas appear in the NDRC guidelines.)
Emissions E = AD × EF with EF the default 0.11 tCO2/GJ (GB/T 32150-2025 §7.5.6–7.5.7; NDRC guidelines
for the 2015 edition) or a supplier factor.

Steam enthalpy comes from a measured value or from the packaged IAPWS-IF97 tables (absolute pressure),
interpolated linearly: saturated vapour in pressure; superheated vapour bilinearly in pressure and
degree of superheat (T − Tsat), which keeps states just above saturation inside the table.  Maximum
deviation from IAPWS-IF97 inside the table: < 0.5 kJ/kg (checked in tests/reference/iapws_if97).
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from parkcarbon.core.errors import ActivityValueError
from parkcarbon.core.factors.library import library
from parkcarbon.core.lineage import FactorUse, Lineage
from parkcarbon.core.options import AccountingOptions

__all__ = [
    "ATMOSPHERIC_PRESSURE_MPA",
    "FEEDWATER_ENTHALPY_KJ_PER_KG",
    "HOT_WATER_REFERENCE_C",
    "WATER_SPECIFIC_HEAT_KJ_PER_KG_K",
    "SteamStateError",
    "heat_emission_factor",
    "hot_water_heat_gj",
    "interpolate",
    "saturated_steam_enthalpy_kj_per_kg",
    "saturation_temperature_c",
    "saturation_tolerance_c",
    "steam_heat_gj",
    "superheated_steam_enthalpy_kj_per_kg",
]

#: Enthalpy of the reference water at 20 °C [kJ/kg] subtracted from steam enthalpy (GB/T 32151.x).
FEEDWATER_ENTHALPY_KJ_PER_KG = 83.74
#: Specific heat of water used for hot water [kJ/(kg·K)] (GB/T 32151.x; 1 kcal = 4.1868 kJ).
WATER_SPECIFIC_HEAT_KJ_PER_KG_K = 4.1868
#: Reference temperature of hot-water heat [°C].
HOT_WATER_REFERENCE_C = 20.0
#: Standard atmosphere [MPa], added to gauge pressures.
ATMOSPHERIC_PRESSURE_MPA = 0.101325

_STEAM_CLAUSE = "GB/T 32151.x purchased-heat clause: AD = M × (h − 83.74) × 10⁻³; enthalpy IAPWS-IF97 table"


class SteamStateError(ActivityValueError):
    """Steam state outside the packaged tables or inconsistent (e.g. 'superheated' below saturation).

    ``field`` names the activity field to correct (``pressure_mpa`` unless said otherwise).
    """

    def __init__(self, message: str, *, field: str = "pressure_mpa", code: str = "steam.state") -> None:
        super().__init__(message, field=field, code=code)


def saturation_tolerance_c(saturation_temperature_c: float) -> float:
    """Accepted difference [°C] between a measured temperature and the saturation temperature.

    The tolerance of an IEC 60751 class B platinum resistance thermometer, ±(0.30 + 0.005·|t|) °C
    (IEC 60751:2008 Table 1, kept in the 2022 edition; ±1.2 °C at 180 °C): a saturated-steam reading
    within it is consistent.  An assumption of this engine, not a clause of the accounting standards.
    """
    return 0.30 + 0.005 * abs(saturation_temperature_c)


def interpolate(x: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    """Piecewise-linear interpolation y(x) on ascending ``xs``.

    Raises
    ------
    SteamStateError
        If ``x`` is outside ``[xs[0], xs[-1]]`` (no extrapolation).
    """
    if not xs[0] <= x <= xs[-1]:
        raise SteamStateError(f"{x:g} outside the table range [{xs[0]:g}, {xs[-1]:g}]")
    i = bisect.bisect_right(xs, x) - 1
    if i >= len(xs) - 1:
        return float(ys[-1])
    x0, x1 = xs[i], xs[i + 1]
    return float(ys[i] + (ys[i + 1] - ys[i]) * (x - x0) / (x1 - x0))


def _read(name: str) -> list[list[float]]:
    text = resources.files("parkcarbon.core.factors").joinpath("data", name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(lines[1:])))
    return [[float(c) for c in row] for row in reader]


@dataclass(frozen=True)
class _Tables:
    sat_p: tuple[float, ...]
    sat_t: tuple[float, ...]
    sat_h: tuple[float, ...]
    sup_p: tuple[float, ...]
    sup_rows: dict[float, tuple[tuple[float, ...], tuple[float, ...], float]]  # p → (dT, h, Tsat)


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    sat = _read("steam_saturated.csv")
    sup = _read("steam_superheated.csv")
    sat_p = tuple(r[0] for r in sat)
    sat_t = tuple(r[1] for r in sat)
    sat_h = tuple(r[2] for r in sat)
    grouped: dict[float, list[tuple[float, float]]] = {}
    for p, t, h in sup:
        grouped.setdefault(p, []).append((t, h))
    rows: dict[float, tuple[tuple[float, ...], tuple[float, ...], float]] = {}
    for p, pts in grouped.items():
        # The saturated state of the row's own pressure anchors ΔT = 0.
        if p not in sat_p:
            raise ValueError(f"superheated row pressure {p} missing from the saturated table")
        j = sat_p.index(p)
        tsat, hsat = sat_t[j], sat_h[j]
        d = (0.0, *(t - tsat for t, _ in pts))
        hs = (hsat, *(h for _, h in pts))
        rows[p] = (d, hs, tsat)
    return _Tables(sat_p, sat_t, sat_h, tuple(sorted(rows)), rows)


def saturated_steam_enthalpy_kj_per_kg(pressure_mpa: float) -> float:
    """Specific enthalpy of saturated vapour [kJ/kg] at an absolute pressure [MPa] (饱和蒸汽焓)."""
    t = _tables()
    try:
        return interpolate(pressure_mpa, t.sat_p, t.sat_h)
    except SteamStateError as exc:
        raise SteamStateError(f"saturated steam pressure {pressure_mpa:g} MPa (absolute): {exc}") from None


def saturation_temperature_c(pressure_mpa: float) -> float:
    """Saturation temperature [°C] at an absolute pressure [MPa]."""
    t = _tables()
    return interpolate(pressure_mpa, t.sat_p, t.sat_t)


def superheated_steam_enthalpy_kj_per_kg(pressure_mpa: float, temperature_c: float) -> float:
    """Specific enthalpy of superheated steam [kJ/kg] (过热蒸汽焓) at absolute pressure [MPa], T [°C].

    Raises
    ------
    SteamStateError
        Outside 0.1–10 MPa / up to 600 °C, or not above the saturation temperature.
    """
    t = _tables()
    ps = t.sup_p
    if not ps[0] <= pressure_mpa <= ps[-1]:
        raise SteamStateError(
            f"superheated steam pressure {pressure_mpa:g} MPa outside the table range [{ps[0]:g}, {ps[-1]:g}] MPa (absolute)"  # noqa: E501
        )
    i = min(bisect.bisect_right(ps, pressure_mpa) - 1, len(ps) - 2)
    p0, p1 = ps[i], ps[i + 1]
    d0, h0s, ts0 = t.sup_rows[p0]
    d1, h1s, ts1 = t.sup_rows[p1]
    w = (pressure_mpa - p0) / (p1 - p0)
    tsat = ts0 + (ts1 - ts0) * w
    dt = temperature_c - tsat
    if dt < 0:
        raise SteamStateError(
            f"{temperature_c:g} °C is below the saturation temperature {tsat:.1f} °C at {pressure_mpa:g} MPa: not superheated",  # noqa: E501
            field="temperature_c",
        )
    try:
        h0 = interpolate(dt, d0, h0s)
        h1 = interpolate(dt, d1, h1s)
    except SteamStateError:
        raise SteamStateError(
            f"superheated steam {pressure_mpa:g} MPa / {temperature_c:g} °C outside the table (≤ 600 °C)",
            field="temperature_c",
        ) from None
    return h0 + (h1 - h0) * w


def steam_heat_gj(
    mass_t: float,
    *,
    pressure_mpa: float | None = None,
    temperature_c: float | None = None,
    state: str = "saturated",
    enthalpy_kj_per_kg: float | None = None,
    pressure_kind: str = "absolute",
) -> tuple[float, Lineage]:
    """Heat carried by steam [GJ]: AD = M × (h − 83.74) × 10⁻³.

    Parameters
    ----------
    mass_t : float
        Steam mass [t].
    pressure_mpa : float, optional
        Steam pressure [MPa]; absolute unless ``pressure_kind="gauge"`` (then 0.101325 MPa is added).
    temperature_c : float, optional
        Steam temperature [°C]; required for superheated steam.
    state : {"saturated", "superheated"}
    enthalpy_kj_per_kg : float, optional
        Measured specific enthalpy; replaces the table lookup.

    Returns
    -------
    (float, Lineage)

    Raises
    ------
    SteamStateError
        Missing or inconsistent state parameters: no pressure (nor enthalpy); ``"saturated"`` with a
        temperature outside :func:`saturation_tolerance_c` of the saturation temperature (superheated
        or condensed steam); an enthalpy not above the 83.74 kJ/kg of the feedwater; a state outside
        the tables.
    """
    if state not in ("saturated", "superheated"):
        raise SteamStateError(f"state must be 'saturated' or 'superheated', got {state!r}", field="state")
    if pressure_kind not in ("absolute", "gauge"):
        raise SteamStateError(
            f"pressure_kind must be 'absolute' or 'gauge'; got {pressure_kind!r}", field="pressure_kind"
        )
    p_abs = None
    if pressure_mpa is not None:
        p_abs = pressure_mpa + (ATMOSPHERIC_PRESSURE_MPA if pressure_kind == "gauge" else 0.0)
        if state == "saturated" and temperature_c is not None:
            tsat = saturation_temperature_c(p_abs)
            if abs(temperature_c - tsat) > saturation_tolerance_c(tsat):
                what = "superheated" if temperature_c > tsat else "below saturation (condensate)"
                raise SteamStateError(
                    f"saturated steam at {p_abs:g} MPa(a) is at {tsat:.1f} °C; "
                    f"temperature_c {temperature_c:g} °C is {what}: give state 'superheated' for "
                    "superheated steam, or leave temperature_c out (check pressure_kind if the pressure "
                    "is a gauge reading)",
                    field="temperature_c",
                    code="steam.saturated_with_temperature",
                )
    if enthalpy_kj_per_kg is not None:
        h = enthalpy_kj_per_kg
        if not h > FEEDWATER_ENTHALPY_KJ_PER_KG:
            raise SteamStateError(
                f"enthalpy_kj_per_kg {h:g} kJ/kg is not above the {FEEDWATER_ENTHALPY_KJ_PER_KG} kJ/kg "
                "of the 20 °C feedwater: such steam carries no heat",
                field="enthalpy_kj_per_kg",
                code="steam.enthalpy_below_feedwater",
            )
        use = FactorUse("input:enthalpy", h, "kJ/kg", "measured steam enthalpy", "measured")
        src = "measured"
    else:
        if p_abs is None:
            raise SteamStateError(
                "steam by mass needs pressure_mpa (absolute unless pressure_kind='gauge') "
                "or enthalpy_kj_per_kg",
                code="input.required",
            )
        if state == "saturated":
            h = saturated_steam_enthalpy_kj_per_kg(p_abs)
            src = f"saturated vapour at {p_abs:g} MPa(a)"
        else:
            if temperature_c is None:
                raise SteamStateError(
                    "superheated steam needs temperature_c", field="temperature_c", code="input.required"
                )
            h = superheated_steam_enthalpy_kj_per_kg(p_abs, temperature_c)
            src = f"superheated steam at {p_abs:g} MPa(a), {temperature_c:g} °C"
        use = FactorUse(
            "table:iapws-if97.steam",
            round(h, 3),
            "kJ/kg",
            f"IAPWS-IF97 steam table, {src}, linear interpolation",
            "H",
        )
    gj = mass_t * (h - FEEDWATER_ENTHALPY_KJ_PER_KG) * 1e-3
    formula = f"AD = M × (h − 83.74) × 10⁻³ = {mass_t:g} t × ({h:.2f} − 83.74) kJ/kg × 10⁻³ = {gj:.6g} GJ"
    return gj, Lineage((use,), formula, _STEAM_CLAUSE)


def hot_water_heat_gj(mass_t: float, *, temperature_c: float) -> tuple[float, Lineage]:
    """Heat carried by hot water [GJ]: AD = M × (T − 20) × 4.1868 × 10⁻³ (GB/T 32151.x).

    Parameters
    ----------
    mass_t : float
        Hot-water mass [t].
    temperature_c : float
        Hot-water temperature [°C].

    Raises
    ------
    ActivityValueError
        ``temperature_c`` below the 20 °C reference (code ``hot_water.below_reference``): such water
        carries no heat on this basis; a negative heat is never returned.
    """
    if not temperature_c >= HOT_WATER_REFERENCE_C:
        raise ActivityValueError(
            f"hot water at {temperature_c:g} °C is below the {HOT_WATER_REFERENCE_C:g} °C reference "
            "temperature of the heat formula (AD = M × (T − 20) × 4.1868 × 10⁻³): give the supply "
            "temperature, or the heat in GJ",
            field="temperature_c",
            code="hot_water.below_reference",
        )
    gj = mass_t * (temperature_c - HOT_WATER_REFERENCE_C) * WATER_SPECIFIC_HEAT_KJ_PER_KG_K * 1e-3
    formula = f"AD = M × (T − 20) × 4.1868 × 10⁻³ = {mass_t:g} t × ({temperature_c:g} − 20) °C × 4.1868 × 10⁻³ = {gj:.6g} GJ"  # noqa: E501
    return gj, Lineage((), formula, "GB/T 32151.x purchased-heat clause (hot water)")


@lru_cache(maxsize=64)
def heat_emission_factor(*, year: int, options: AccountingOptions) -> tuple[float, Lineage]:
    """Emission factor of purchased / exported heat [tCO2/GJ].

    The supplier factor ``options.heat_factor_tco2_per_gj`` if given, else the default 0.11 tCO2/GJ of
    the applicable edition (GB/T 32150-2025 §7.5.6–7.5.7; for GB/T 32150-2015 the NDRC guideline value).
    """
    if options.heat_factor_tco2_per_gj is not None:
        v = options.heat_factor_tco2_per_gj
        return v, Lineage(
            (
                FactorUse(
                    "input:heat_factor_tco2_per_gj", v, "tCO2/GJ", "supplier-specific heat factor", "measured"
                ),
            ),
            f"EF = {v:g} tCO2/GJ",
            "supplier factor",
        )
    std = options.standard_for(year)
    set_id = "GB/T 32150-2025" if std == "GB/T 32150-2025" else "NDRC-2015-industry"
    row = library().one("heat_ef", "heat", set=set_id)
    return row.value, Lineage((row.use(),), f"EF = {row.value:g} {row.unit}", row.citation)
