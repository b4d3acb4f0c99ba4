"""Quantities and units (计量单位) with dimension checks.

A small, fast registry of its own rather than pint: the accounting hot path converts millions of
meter readings, and the units used in Chinese energy and carbon accounting (``万Nm3``, ``tce``,
``kgce``, ``tCO2e``) are a closed set.  Each unit has a *dimension* and a factor to the dimension's
base unit; conversion between units of different dimension raises :class:`UnitMismatchError`
naming both units.

Dimensions and base units
-------------------------
========================  ==========  ===============================================================
dimension                 base        notes
========================  ==========  ===============================================================
``mass``                  kg
``volume``                m3          gas volumes are taken at normal conditions (0 °C, 101.325 kPa,
                                      GB/T 32150 §B); ``m3`` and ``Nm3`` are the same unit here and
                                      a gas activity given in ``m3`` carries a lineage warning.
``energy``                MJ          1 kWh = 3.6 MJ; 1 kcal = 4.1868 kJ (IT calorie)
``coal_equivalent``       kgce        标准煤; kept apart from ``energy`` on purpose: its conversion
                                      to joules is a convention (1 kgce = 29 307.6 kJ, GB/T 2589-2020
                                      §3.x), see :data:`KJ_PER_KGCE`.
``co2``                   kgCO2       mass of carbon dioxide
``co2e``                  kgCO2e      CO2-equivalent mass (GWP-weighted)
``currency``              CNY         元; ``万元`` = 10⁴ CNY (unit output value, 单位产值)
``dimensionless``         1
========================  ==========  ===============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parkcarbon.core.errors import UnitMismatchError, UnknownUnitError

__all__ = [
    "KJ_PER_KGCE",
    "UNITS",
    "Unit",
    "conversion_factor",
    "convert",
    "dimension_of",
    "normalize_unit",
    "parse_unit",
]

#: Lower heating value of 1 kgce [kJ/kgce]: 7 000 kcal × 4.1868 kJ/kcal (GB/T 2589-2020 §3, 标准煤).
KJ_PER_KGCE = 29_307.6


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit of measurement.

    Attributes
    ----------
    symbol : str
        Canonical symbol (``"10^4 Nm3"``, ``"tCO2e"``).
    dimension : str
        Physical dimension, see the module docstring.
    to_base : float
        Multiplier from this unit to the dimension's base unit.
    name_zh, name_en : str
        Names for display.
    """

    symbol: str
    dimension: str
    to_base: float
    name_zh: str
    name_en: str


_DEFS: tuple[tuple[str, str, float, str, str, tuple[str, ...]], ...] = (
    # symbol, dimension, to_base, zh, en, aliases
    ("g", "mass", 1e-3, "克", "gram", ()),
    ("kg", "mass", 1.0, "千克", "kilogram", ("公斤",)),
    ("t", "mass", 1e3, "吨", "tonne", ("tonne", "吨")),
    ("10^4 t", "mass", 1e7, "万吨", "10^4 tonnes", ("万t", "万吨", "1e4 t")),
    ("Gg", "mass", 1e6, "千吨", "gigagram", ("kt",)),
    ("L", "volume", 1e-3, "升", "litre", ("l",)),
    ("m3", "volume", 1.0, "立方米", "cubic metre", ("m³", "立方米")),
    ("Nm3", "volume", 1.0, "标准立方米", "normal cubic metre", ("Nm³", "nm3")),
    (
        "10^4 Nm3",
        "volume",
        1e4,
        "万标准立方米",
        "10^4 normal cubic metres",
        ("万Nm3", "万Nm³", "10^4Nm3", "1e4 Nm3", "10⁴ Nm3", "10⁴Nm3", "10^4 Nm³"),
    ),
    (
        "10^4 m3",
        "volume",
        1e4,
        "万立方米",
        "10^4 cubic metres",
        ("万m3", "万m³", "10^4m3", "1e4 m3", "万立方米"),
    ),
    ("10^8 m3", "volume", 1e8, "亿立方米", "10^8 cubic metres", ("亿m3", "亿m³")),
    ("J", "energy", 1e-6, "焦耳", "joule", ()),
    ("kJ", "energy", 1e-3, "千焦", "kilojoule", ()),
    ("MJ", "energy", 1.0, "兆焦", "megajoule", ()),
    ("GJ", "energy", 1e3, "吉焦", "gigajoule", ()),
    ("TJ", "energy", 1e6, "太焦", "terajoule", ()),
    ("Wh", "energy", 3.6e-3, "瓦时", "watt-hour", ()),
    ("kWh", "energy", 3.6, "千瓦时", "kilowatt-hour", ("kW·h", "kwh", "度")),
    ("MWh", "energy", 3.6e3, "兆瓦时", "megawatt-hour", ("MW·h", "mwh")),
    ("GWh", "energy", 3.6e6, "吉瓦时", "gigawatt-hour", ()),
    ("10^4 kWh", "energy", 3.6e4, "万千瓦时", "10^4 kWh", ("万kWh", "万千瓦时", "万度")),
    ("kcal", "energy", 4.1868e-3, "千卡", "kilocalorie (IT)", ()),
    ("Mcal", "energy", 4.1868, "兆卡", "megacalorie (IT)", ()),
    ("Gcal", "energy", 4.1868e3, "吉卡", "gigacalorie (IT)", ()),
    ("kgce", "coal_equivalent", 1.0, "千克标准煤", "kilogram of coal equivalent", ("kg标准煤", "kgce")),
    ("tce", "coal_equivalent", 1e3, "吨标准煤", "tonne of coal equivalent", ("t标准煤", "吨标准煤")),
    ("10^4 tce", "coal_equivalent", 1e7, "万吨标准煤", "10^4 tce", ("万tce", "万吨标准煤")),
    ("gCO2", "co2", 1e-3, "克二氧化碳", "gram CO2", ()),
    ("kgCO2", "co2", 1.0, "千克二氧化碳", "kilogram CO2", ()),
    ("tCO2", "co2", 1e3, "吨二氧化碳", "tonne CO2", ()),
    ("10^4 tCO2", "co2", 1e7, "万吨二氧化碳", "10^4 tonnes CO2", ("万tCO2",)),
    ("kgCO2e", "co2e", 1.0, "千克二氧化碳当量", "kilogram CO2e", ("kgCO2eq",)),
    ("tCO2e", "co2e", 1e3, "吨二氧化碳当量", "tonne CO2e", ("tCO2eq",)),
    ("10^4 tCO2e", "co2e", 1e7, "万吨二氧化碳当量", "10^4 tonnes CO2e", ("万tCO2e",)),
    ("CNY", "currency", 1.0, "元", "yuan", ("元", "yuan")),
    ("10^4 CNY", "currency", 1e4, "万元", "10^4 yuan", ("万元",)),
    ("1", "dimensionless", 1.0, "无量纲", "dimensionless", ("", "-")),
    ("%", "dimensionless", 1e-2, "百分比", "percent", ()),
)

_SPACE_RE = re.compile(r"\s+")


def _key(symbol: str) -> str:
    s = symbol.strip().replace("³", "3").replace("⁴", "^4").replace("10^4", "10^4 ").replace("1e4", "10^4 ")
    s = s.replace("×", "").replace("*", "")
    return _SPACE_RE.sub("", s)


UNITS: dict[str, Unit] = {}
_LOOKUP: dict[str, Unit] = {}
for _sym, _dim, _f, _zh, _en, _aliases in _DEFS:
    _u = Unit(_sym, _dim, _f, _zh, _en)
    UNITS[_sym] = _u
    for _a in (_sym, *_aliases):
        _LOOKUP[_key(_a)] = _u


@lru_cache(maxsize=1024)
def parse_unit(symbol: str) -> Unit:
    """Return the :class:`Unit` for a symbol or alias (``"万Nm3"`` → ``10^4 Nm3``).

    Raises
    ------
    UnknownUnitError
        If the symbol is not registered.
    """
    if not isinstance(symbol, str):
        raise UnknownUnitError(repr(symbol))
    unit = _LOOKUP.get(_key(symbol))
    if unit is None:
        raise UnknownUnitError(symbol)
    return unit


def normalize_unit(symbol: str) -> str:
    """Canonical symbol of a unit (``"万m³"`` → ``"10^4 m3"``)."""
    return parse_unit(symbol).symbol


def dimension_of(symbol: str) -> str:
    """Dimension name of a unit symbol."""
    return parse_unit(symbol).dimension


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Multiplier ``k`` such that ``q [to_unit] = k × q [from_unit]``.

    Raises
    ------
    UnitMismatchError
        If the two units have different dimensions; the message names both units.
    UnknownUnitError
        If either symbol is unknown.
    """
    a = parse_unit(from_unit)
    b = parse_unit(to_unit)
    if a.dimension != b.dimension:
        raise UnitMismatchError(from_unit, to_unit, a.dimension, b.dimension)
    return a.to_base / b.to_base


def convert(quantity: float, from_unit: str, to_unit: str) -> float:
    """Convert a quantity between units of the same dimension.

    Parameters
    ----------
    quantity : float
        Amount in ``from_unit``.
    from_unit, to_unit : str
        Unit symbols or aliases, e.g. ``"万Nm3"``, ``"MWh"``, ``"tce"``.

    Returns
    -------
    float
        Amount in ``to_unit``.

    Raises
    ------
    UnitMismatchError
        Dimensions differ (e.g. ``t`` → ``m3``); the message names both units.

    Examples
    --------
    >>> convert(1.5, "万Nm3", "Nm3")
    15000.0
    """
    return float(quantity) * conversion_factor(from_unit, to_unit)


def split_ratio(unit: str) -> tuple[str, str]:
    """Split a compound unit ``"kgce/kg"`` into numerator and denominator symbols."""
    if "/" not in unit:
        raise UnknownUnitError(unit)
    num, den = unit.split("/", 1)
    return num.strip(), den.strip()


@lru_cache(maxsize=4096)
def ratio_conversion(value_unit: str, numerator_to: str, activity_unit: str) -> float:
    """Multiplier turning a ratio value in ``value_unit`` into ``numerator_to`` per ``activity_unit``.

    Example: a coefficient ``1.4571 kgce/kg`` applied to quantities in ``t`` and wanted in ``tce``:
    ``ratio_conversion("kgce/kg", "tce", "t") == 1.0`` so ``1.4571 × 1.0 tce/t``.

    Raises
    ------
    UnitMismatchError
        If the activity unit's dimension differs from the ratio's denominator (names both units).
    """
    num, den = split_ratio(value_unit)
    return conversion_factor(num, numerator_to) * conversion_factor(activity_unit, den)
