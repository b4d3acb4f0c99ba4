"""Purchased and exported electricity (购入/输出电力) emissions.

E = AD × EF, AD in MWh, EF in tCO2/MWh (GB/T 32150-2015 §6.4; GHG Protocol Scope 2 Guidance).

Location-based factors are the official MEE/NBS average factors (national, regional, provincial) of
the reporting year; the national ETS reporting series is kept separate (``ets_reporting``).  The
market-based method follows the Scope 2 Guidance hierarchy (Table 6.3): energy attribute
certificates (绿证) → direct contracts (绿电) → supplier-specific factor → residual mix → grid average.

Year rule (explicit): the factor of the reporting year; for a reporting year later than the latest
published year, the latest published factor is used and a ``factor.year_fallback`` warning recorded;
for an earlier year with no factor, :class:`MissingFactorError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from parkcarbon.core.errors import MissingFactorError
from parkcarbon.core.factors.library import Factor, library
from parkcarbon.core.lineage import CalcWarning, FactorUse, Lineage
from parkcarbon.core.options import AccountingOptions

__all__ = [
    "GRID_REGION_OF_PROVINCE",
    "INSTRUMENTS",
    "PROVINCES",
    "ElectricityFactor",
    "grid_factor",
    "market_factor",
]

#: ISO 3166-2:CN province-level codes accepted as ``region``.
PROVINCES = (
    "CN-BJ",
    "CN-TJ",
    "CN-HE",
    "CN-SX",
    "CN-NM",
    "CN-LN",
    "CN-JL",
    "CN-HL",
    "CN-SH",
    "CN-JS",
    "CN-ZJ",
    "CN-AH",
    "CN-FJ",
    "CN-JX",
    "CN-SD",
    "CN-HA",
    "CN-HB",
    "CN-HN",
    "CN-GD",
    "CN-GX",
    "CN-HI",
    "CN-CQ",
    "CN-SC",
    "CN-GZ",
    "CN-YN",
    "CN-XZ",
    "CN-SN",
    "CN-GS",
    "CN-QH",
    "CN-NX",
    "CN-XJ",
    "CN-TW",
    "CN-HK",
    "CN-MO",
)

#: Province → regional grid used for ``regional_average``.  Mapping by the regional grid companies
#: (华北: 京津冀晋鲁; 东北: 辽吉黑; 华东: 沪苏浙皖闽; 华中: 豫鄂湘赣; 西北: 陕甘青宁新;
#: 南方: 粤桂滇黔琼; 西南: 川渝藏).  Inner Mongolia is split (蒙西 → North, 蒙东 → Northeast) and
#: needs ``options.grid_region``.  Confidence M: confirm against the announcement's table note.
GRID_REGION_OF_PROVINCE: dict[str, str] = {
    "CN-BJ": "north",
    "CN-TJ": "north",
    "CN-HE": "north",
    "CN-SX": "north",
    "CN-SD": "north",
    "CN-LN": "northeast",
    "CN-JL": "northeast",
    "CN-HL": "northeast",
    "CN-SH": "east",
    "CN-JS": "east",
    "CN-ZJ": "east",
    "CN-AH": "east",
    "CN-FJ": "east",
    "CN-HA": "central",
    "CN-HB": "central",
    "CN-HN": "central",
    "CN-JX": "central",
    "CN-SN": "northwest",
    "CN-GS": "northwest",
    "CN-QH": "northwest",
    "CN-NX": "northwest",
    "CN-XJ": "northwest",
    "CN-GD": "south",
    "CN-GX": "south",
    "CN-YN": "south",
    "CN-GZ": "south",
    "CN-HI": "south",
    "CN-SC": "southwest",
    "CN-CQ": "southwest",
    "CN-XZ": "southwest",
}

#: Contractual instruments of the market-based method.
INSTRUMENTS = ("green_certificate", "green_power_contract", "supplier_specific", "residual_mix")


@dataclass(frozen=True, slots=True)
class ElectricityFactor:
    """An electricity emission factor [tCO2/MWh] with its lineage."""

    factor_tco2_per_mwh: float
    lineage: Lineage


def _by_year(
    rows: list[Factor], year: int, what: str, subject: str
) -> tuple[Factor, tuple[CalcWarning, ...]]:
    rows = sorted(rows, key=lambda r: r.data_year or 0)
    exact = [r for r in rows if r.data_year == year]
    if exact:
        return exact[0], ()
    earlier = [r for r in rows if (r.data_year or 0) < year]
    if not earlier:
        years = ", ".join(str(r.data_year) for r in rows) or "none"
        raise MissingFactorError(
            "grid_ef",
            subject,
            {"series": what, "year": year},
            f"published years in the library: {years}; a later year's factor is never used for an earlier year",  # noqa: E501
        )
    latest = earlier[-1]
    return latest, (
        CalcWarning(
            "factor.year_fallback",
            f"no {what} factor for {year}; the latest published year ({latest.data_year}) is used",
        ),
    )


@lru_cache(maxsize=1024)
def grid_factor(method: str, *, year: int, region: str, options: AccountingOptions) -> ElectricityFactor:
    """Location-based grid factor (电网排放因子) for a method, year and region.

    Parameters
    ----------
    method : str
        ``national_average``, ``regional_average``, ``provincial_average`` or ``ets_reporting``.
    year : int
        Reporting year.
    region : str
        ``CN`` or an ISO 3166-2:CN province code.
    options : AccountingOptions
        ``grid_region`` overrides the province → grid mapping.

    Raises
    ------
    MissingFactorError
        No factor for the series / region / year (never substituted by another region or series).
    """
    lib = library()
    if method in ("national_average", "ets_reporting"):
        rows = lib.find("grid_ef", "CN", option=f"series={method}")
        subject = "CN"
    elif method == "regional_average":
        grid = options.grid_region or GRID_REGION_OF_PROVINCE.get(region)
        if grid is None:
            remedy = (
                "Inner Mongolia is split between the North and Northeast grids; set grid_region"
                if region == "CN-NM"
                else "regional_average needs a province code in region (or grid_region)"
            )
            raise MissingFactorError("grid_ef", region, {"series": method}, remedy)
        rows = lib.find("grid_ef", grid, option=f"series={method}")
        subject = f"grid:{grid}"
    elif method == "provincial_average":
        if region not in PROVINCES:
            raise MissingFactorError(
                "grid_ef", region, {"series": method}, "provincial_average needs a province code in region"
            )
        rows = lib.find("grid_ef", region, option=f"series={method}")
        subject = region
    else:
        raise ValueError(f"unknown location-based method {method!r}")
    row, warns = _by_year(rows, year, method, subject)
    if row.confidence == "L":
        warns += (CalcWarning("factor.low_confidence", f"factor {row.id} has confidence L"),)
    v = row.value
    return ElectricityFactor(
        v,
        Lineage(
            (row.use(),), f"EF = {row.value:g} {row.unit} ({method}, {row.data_year})", row.citation, warns
        ),
    )


def market_factor(
    *,
    year: int,
    region: str,
    options: AccountingOptions,
    instrument: str | None = None,
    factor_tco2_per_mwh: float | None = None,
) -> ElectricityFactor:
    """Market-based factor following the GHG Protocol Scope 2 hierarchy (Scope 2 Guidance Table 6.3).

    Parameters
    ----------
    instrument : str or None
        ``green_certificate`` (绿证) or ``green_power_contract`` (绿电): EF = 0 for the covered
        quantity (GB/T 32151.34-2024 §5.2.6.1 / Annex D.1.1 treats qualifying green power as zero
        emission); ``supplier_specific`` or ``residual_mix``: ``factor_tco2_per_mwh`` must be given
        (a residual mix without a value falls back to the next level); ``None``: residual mix.
    factor_tco2_per_mwh : float, optional
        Supplier-specific or residual-mix factor.

    Raises
    ------
    MissingFactorError
        ``supplier_specific`` without a factor.
    """
    clause = "GHG Protocol Scope 2 Guidance (2015) §6.11 Table 6.3 (market-based hierarchy)"
    if instrument in ("green_certificate", "green_power_contract"):
        use = FactorUse(
            f"instrument:{instrument}",
            0.0,
            "tCO2/MWh",
            "contractual instrument (绿证/绿电), zero-emission attribute",
            "measured",
        )
        return ElectricityFactor(
            0.0,
            Lineage(
                (use,),
                "EF = 0 tCO2/MWh for electricity covered by the instrument",
                clause + "; GB/T 32151.34-2024 §5.2.6.1, D.1.1",
                (
                    CalcWarning(
                        "instrument.quality_criteria",
                        "instrument must meet the Scope 2 Quality Criteria (retired, same market, same period)",  # noqa: E501
                    ),
                ),
            ),
        )
    if instrument in ("supplier_specific", "residual_mix") and factor_tco2_per_mwh is not None:
        use = FactorUse(
            f"input:{instrument}",
            factor_tco2_per_mwh,
            "tCO2/MWh",
            f"caller-supplied {instrument} factor",
            "measured",
        )
        return ElectricityFactor(
            factor_tco2_per_mwh,
            Lineage((use,), f"EF = {factor_tco2_per_mwh:g} tCO2/MWh ({instrument})", clause),
        )
    if instrument == "supplier_specific":
        raise MissingFactorError(
            "supplier factor", "electricity", {"instrument": instrument}, "give factor_tco2_per_mwh"
        )
    if options.market_residual == "location":
        loc = grid_factor(options.location_electricity_factor, year=year, region=region, options=options)
        warn = CalcWarning(
            "market.no_residual_mix",
            "no residual mix used: grid average applied (Scope 2 Guidance, last level)",
        )
        return ElectricityFactor(
            loc.factor_tco2_per_mwh,
            Lineage(loc.lineage.factors, loc.lineage.formula, clause, (*loc.lineage.warnings, warn)),
        )
    rows = library().find("grid_ef", "CN", option="series=national_excl_market_nonfossil")
    row, warns = _by_year(rows, year, "national_excl_market_nonfossil", "CN")
    note = CalcWarning(
        "market.residual_proxy",
        "China publishes no residual mix; the MEE/NBS national factor excluding market-traded non-fossil electricity is used as its analogue",  # noqa: E501
    )
    return ElectricityFactor(
        row.value,
        Lineage(
            (row.use(),),
            f"EF = {row.value:g} {row.unit} (residual-mix analogue, {row.data_year})",
            clause + "; " + row.citation,
            (*warns, note),
        ),
    )
