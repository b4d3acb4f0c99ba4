"""CO2 from stationary fuel combustion (化石燃料燃烧排放).

E = FC × NCV × CC × OF × 44/12  (GB/T 32150-2015 §6.2 formulas (2)–(4); GB/T 32151.x; IPCC 2006 Vol. 2
Eq. 2.1 with OF = 1).  Default parameters come from the selected standard edition or sector guideline;
measured NCV, carbon content or oxidation rate override the defaults one by one.

IPCC 2006 Tier 1 is available as an alternative (``combustion_method="ipcc2006_tier1"``): CO2 with
the Table 1.4 default EF and CH4 / N2O with Table 2.2 (energy industries) or 2.3 (manufacturing).

References
----------
.. [1] GB/T 32150-2015 工业企业温室气体排放核算和报告通则, SAC, 2015, §6.2 and Annex B.
.. [2] IPCC 2006 Guidelines for National Greenhouse Gas Inventories, Vol. 2, Ch. 1–2.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from parkcarbon.core.carriers import CARRIERS
from parkcarbon.core.errors import MissingFactorError
from parkcarbon.core.factors.library import Factor, library
from parkcarbon.core.lineage import ACTUAL_VOLUME_UNITS, GAS_VOLUME_WARNING, CalcWarning, FactorUse, Lineage
from parkcarbon.core.options import AccountingOptions
from parkcarbon.core.units import conversion_factor, dimension_of, normalize_unit, ratio_conversion

__all__ = [
    "CO2_PER_C",
    "CombustionCoefficients",
    "combustion_coefficients",
    "default_ncv",
    "stationary_combustion_co2",
]

#: Molecular-weight ratio CO2/C (44/12) used by all the methods here.
CO2_PER_C = 44.0 / 12.0

_CC_TO_TC_PER_GJ = {"tC/TJ": 1e-3, "kgC/GJ": 1e-3, "tC/GJ": 1.0}


def stationary_combustion_co2(
    fuel_consumed: float, *, ncv_gj_per_unit: float, carbon_content_tc_per_gj: float, oxidation_rate: float
) -> float:
    """CO2 from stationary fuel combustion [tCO2].

    E = FC × NCV × CC × OF × 44/12   (GB/T 32150-2015 §6.2, formulas (2)–(4); IPCC 2006 Vol. 2 Eq. 2.1)

    Parameters
    ----------
    fuel_consumed : float
        FC, fuel burnt [unit].
    ncv_gj_per_unit : float
        NCV, net calorific value [GJ/unit].
    carbon_content_tc_per_gj : float
        CC, carbon content per unit heat [tC/GJ] (tables print tC/TJ = 10⁻³ tC/GJ).
    oxidation_rate : float
        OF, carbon oxidation rate [fraction, 0–1].
    """
    return fuel_consumed * ncv_gj_per_unit * carbon_content_tc_per_gj * oxidation_rate * CO2_PER_C


@dataclass(frozen=True, slots=True)
class CombustionCoefficients:
    """Per-unit combustion emissions [t per activity unit] and their lineage."""

    tco2_per_unit: float
    tch4_per_unit: float
    tn2o_per_unit: float
    lineage: Lineage


def _parameter_set(options: AccountingOptions, year: int) -> str:
    return options.guideline or options.standard_for(year)


def _param(kind: str, carrier_id: str, set_id: str) -> Factor:
    rows = library().find(kind, carrier_id, set=set_id)
    if not rows:
        remedy = f"supply the measured value ({'ncv' if kind == 'ncv' else kind}) or choose another guideline"
        if set_id == "GB/T 32150-2025":
            remedy = (
                "the default fuel parameters of GB/T 32150-2025 are not transcribed in the library; "
                "choose guideline 'GB/T 32151.22-2024', standard 'GB/T 32150-2015', or supply measured values"
            )
        raise MissingFactorError(kind, carrier_id, {"set": set_id}, remedy)
    return rows[0]


@lru_cache(maxsize=1024)
def default_ncv(
    carrier_id: str, unit: str, *, year: int, options: AccountingOptions
) -> tuple[float, Lineage]:
    """Default NCV of a fuel in GJ per ``unit`` from the selected standard / guideline."""
    row = _param("ncv", carrier_id, _parameter_set(options, year))
    v = row.value * ratio_conversion(row.unit, "GJ", unit)
    return v, Lineage((row.use(),), f"NCV = {row.value:g} {row.unit}", row.citation)


@lru_cache(maxsize=8192)
def combustion_coefficients(
    carrier_id: str,
    unit: str,
    *,
    year: int,
    options: AccountingOptions = AccountingOptions(),
    ncv_gj_per_unit: float | None = None,
    carbon_content_tc_per_tj: float | None = None,
    oxidation_rate: float | None = None,
) -> CombustionCoefficients:
    """Emission coefficients of burning one ``unit`` of a fuel.

    Parameters
    ----------
    carrier_id : str
        A carrier of kind ``fuel``.
    unit : str
        Unit of the fuel quantity (t, kg, 10^4 Nm3, Nm3 …).
    year : int
        Reporting year (selects the GB/T 32150 edition when ``options.standard`` is None).
    options : AccountingOptions
        ``standard``, ``guideline``, ``combustion_method``, ``ipcc_sector``.
    ncv_gj_per_unit, carbon_content_tc_per_tj, oxidation_rate : float, optional
        Measured values overriding the defaults (NCV in GJ per ``unit``, CC in tC/TJ, OF as a
        fraction 0–1).

    Raises
    ------
    MissingFactorError
        A default parameter is absent from the selected set.
    UnitMismatchError
        ``unit`` has the wrong dimension (e.g. natural gas in t).
    """
    car = CARRIERS[carrier_id]
    if car.kind != "fuel":
        raise MissingFactorError("combustion parameters", carrier_id, {}, "only fuels are burnt")
    warns: list[CalcWarning] = []
    if normalize_unit(unit) in ACTUAL_VOLUME_UNITS and car.state == "gas":
        warns.append(GAS_VOLUME_WARNING)
    if options.combustion_method == "ipcc2006_tier1":
        return _ipcc_tier1(carrier_id, unit, options, ncv_gj_per_unit, tuple(warns))
    set_id = _parameter_set(options, year)
    uses: list[FactorUse] = []
    if ncv_gj_per_unit is None:
        f = _param("ncv", carrier_id, set_id)
        ncv = f.value * ratio_conversion(f.unit, "GJ", unit)
        uses.append(f.use())
        ncv_txt = f"{f.value:g} {f.unit}"
    else:
        ncv = ncv_gj_per_unit
        uses.append(FactorUse("input:ncv", ncv, f"GJ/{unit}", "measured net calorific value", "measured"))
        ncv_txt = f"{ncv:g} GJ/{unit} (measured)"
    if carbon_content_tc_per_tj is None:
        f = _param("carbon_content", carrier_id, set_id)
        cc = f.value * _CC_TO_TC_PER_GJ[f.unit]
        uses.append(f.use())
        cc_txt = f"{f.value:g} {f.unit}"
    else:
        cc = carbon_content_tc_per_tj * 1e-3
        uses.append(
            FactorUse(
                "input:carbon_content",
                carbon_content_tc_per_tj,
                "tC/TJ",
                "measured carbon content",
                "measured",
            )
        )
        cc_txt = f"{carbon_content_tc_per_tj:g} tC/TJ (measured)"
    if oxidation_rate is None:
        f = _param("oxidation_rate", carrier_id, set_id)
        of = f.value * conversion_factor(f.unit, "1")
        uses.append(f.use())
        of_txt = f"{f.value:g} {f.unit}"
    else:
        of = oxidation_rate
        uses.append(FactorUse("input:oxidation_rate", of, "1", "measured oxidation rate", "measured"))
        of_txt = f"{of:g} (measured)"
    for u in uses:
        if u.confidence == "L":
            warns.append(CalcWarning("factor.low_confidence", f"factor {u.id} has confidence L"))
    ef = ncv * cc * of * CO2_PER_C
    formula = f"E = FC × NCV × CC × OF × 44/12; NCV = {ncv_txt}, CC = {cc_txt}, OF = {of_txt} → {ef:.6g} tCO2/{unit}"  # noqa: E501
    clause = f"GB/T 32150 §6.2 formulas (2)–(4); defaults: {set_id}"
    return CombustionCoefficients(ef, 0.0, 0.0, Lineage(tuple(uses), formula, clause, tuple(warns)))


def _ipcc_tier1(
    carrier_id: str,
    unit: str,
    options: AccountingOptions,
    ncv_gj_per_unit: float | None,
    warns: tuple[CalcWarning, ...],
) -> CombustionCoefficients:
    lib = library()
    ef_row = lib.find("co2_ef", carrier_id, set="IPCC 2006")
    if not ef_row:
        raise MissingFactorError(
            "co2_ef",
            carrier_id,
            {"set": "IPCC 2006"},
            "no IPCC 2006 fuel category is mapped to this carrier; use a specific coal rank or the GB/T method",  # noqa: E501
        )
    uses: list[FactorUse] = []
    if ncv_gj_per_unit is None:
        if dimension_of(unit) != "mass":
            raise MissingFactorError(
                "ncv",
                carrier_id,
                {"set": "IPCC 2006", "unit": unit},
                "IPCC NCVs are per mass (TJ/Gg); give the quantity in t or supply the measured NCV per volume",  # noqa: E501
            )
        nrow = lib.one("ncv", carrier_id, set="IPCC 2006")
        ncv = nrow.value * ratio_conversion(nrow.unit, "GJ", unit)
        uses.append(nrow.use())
    else:
        ncv = ncv_gj_per_unit
        uses.append(FactorUse("input:ncv", ncv, f"GJ/{unit}", "measured net calorific value", "measured"))
    co2 = ef_row[0]
    uses.append(co2.use())
    tj_per_unit = ncv * 1e-3
    tco2 = tj_per_unit * co2.value * 1e-3  # kg/TJ → t/TJ
    sector = options.ipcc_sector
    ch4 = lib.find("ch4_ef", carrier_id, set="IPCC 2006", option=f"ipcc_sector={sector}")
    n2o = lib.find("n2o_ef", carrier_id, set="IPCC 2006", option=f"ipcc_sector={sector}")
    if not ch4 or not n2o:
        raise MissingFactorError(
            "ch4_ef" if not ch4 else "n2o_ef",
            carrier_id,
            {"set": "IPCC 2006", "ipcc_sector": sector},
            "this CH4/N2O default is not transcribed; use the GB/T method or another ipcc_sector",
        )
    uses += [ch4[0].use(), n2o[0].use()]
    tch4 = tj_per_unit * ch4[0].value * 1e-3
    tn2o = tj_per_unit * n2o[0].value * 1e-3
    formula = (
        f"E_gas = FC × NCV × EF_gas; NCV = {ncv:g} GJ/{unit}, EF_CO2 = {co2.value:g} kg/TJ, "
        f"EF_CH4 = {ch4[0].value:g} kg/TJ, EF_N2O = {n2o[0].value:g} kg/TJ"
    )
    clause = "IPCC 2006 Vol. 2 Ch. 2 Eq. 2.1 (Tier 1); Tables 1.2, 1.4, " + (
        "2.2" if sector == "energy_industries" else "2.3"
    )
    return CombustionCoefficients(tco2, tch4, tn2o, Lineage(tuple(uses), formula, clause, warns))
