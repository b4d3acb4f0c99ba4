"""Energy carriers (能源品种) and energy-consuming media (耗能工质).

The vocabulary every other module uses.  Ids are canonical English snake_case; the Chinese names
follow the wording of GB/T 2589-2020 Annex A and GB/T 32150-2015 Annex B where those documents
name the carrier.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from parkcarbon.core.errors import UnitError
from parkcarbon.core.units import convert

__all__ = [
    "AUXILIARY_UNITS",
    "CARRIERS",
    "Carrier",
    "CarrierKind",
    "PhysicalState",
    "carrier",
    "carrier_label",
    "measures_consumption",
]

PhysicalState = Literal["solid", "liquid", "gas", "electricity", "heat"]
CarrierKind = Literal["fuel", "electricity", "heat", "medium"]


@dataclass(frozen=True, slots=True)
class Carrier:
    """An energy carrier.

    Attributes
    ----------
    id : str
        Canonical id (``"natural_gas"``).
    name_zh, name_en : str
        Display names.
    state : str
        Physical state: ``solid``, ``liquid``, ``gas``, ``electricity`` or ``heat``.
    default_unit : str
        Unit in which statistics and the default factors are usually expressed.
    kind : str
        ``fuel`` (combustible: fossil fuels and by-product gases), ``electricity``, ``heat``
        (heat, steam, hot water) or ``medium`` (耗能工质: water, compressed air, O2, N2).
    """

    id: str
    name_zh: str
    name_en: str
    state: PhysicalState
    default_unit: str
    kind: CarrierKind


_ROWS: tuple[tuple[str, str, str, PhysicalState, str, CarrierKind], ...] = (
    ("raw_coal", "原煤", "raw coal", "solid", "t", "fuel"),
    ("bituminous_coal", "烟煤", "bituminous coal", "solid", "t", "fuel"),
    ("anthracite", "无烟煤", "anthracite", "solid", "t", "fuel"),
    ("lignite", "褐煤", "lignite", "solid", "t", "fuel"),
    ("washed_coal", "洗精煤", "washed (cleaned) coal", "solid", "t", "fuel"),
    ("other_washed_coal", "其他洗煤", "other washed coal (middlings, slime)", "solid", "t", "fuel"),
    ("briquette", "型煤", "briquette", "solid", "t", "fuel"),
    ("coke", "焦炭", "coke", "solid", "t", "fuel"),
    ("petroleum_coke", "石油焦", "petroleum coke", "solid", "t", "fuel"),
    ("coal_tar", "煤焦油", "coal tar", "liquid", "t", "fuel"),
    ("crude_benzol", "粗苯", "crude benzol", "liquid", "t", "fuel"),
    ("crude_oil", "原油", "crude oil", "liquid", "t", "fuel"),
    ("fuel_oil", "燃料油", "fuel oil", "liquid", "t", "fuel"),
    ("gasoline", "汽油", "gasoline", "liquid", "t", "fuel"),
    ("kerosene", "煤油", "kerosene", "liquid", "t", "fuel"),
    ("diesel", "柴油", "diesel oil", "liquid", "t", "fuel"),
    ("naphtha", "石脑油", "naphtha", "liquid", "t", "fuel"),
    ("lpg", "液化石油气", "liquefied petroleum gas", "liquid", "t", "fuel"),
    ("lng", "液化天然气", "liquefied natural gas", "liquid", "t", "fuel"),
    ("refinery_gas", "炼厂干气", "refinery (dry) gas", "gas", "t", "fuel"),
    ("natural_gas", "天然气", "natural gas", "gas", "10^4 Nm3", "fuel"),
    ("coke_oven_gas", "焦炉煤气", "coke-oven gas", "gas", "10^4 Nm3", "fuel"),
    ("blast_furnace_gas", "高炉煤气", "blast-furnace gas", "gas", "10^4 Nm3", "fuel"),
    ("converter_gas", "转炉煤气", "converter (BOF) gas", "gas", "10^4 Nm3", "fuel"),
    ("electricity", "电力", "electricity", "electricity", "MWh", "electricity"),
    ("heat", "热力", "heat", "heat", "GJ", "heat"),
    ("steam", "蒸汽", "steam", "heat", "t", "heat"),
    ("hot_water", "热水", "hot water", "heat", "t", "heat"),
    ("water", "新水", "fresh (tap) water", "liquid", "t", "medium"),
    ("compressed_air", "压缩空气", "compressed air", "gas", "m3", "medium"),
    ("oxygen", "氧气", "oxygen", "gas", "m3", "medium"),
    ("nitrogen", "氮气", "nitrogen", "gas", "m3", "medium"),
)

CARRIERS: MappingProxyType[str, Carrier] = MappingProxyType({r[0]: Carrier(*r) for r in _ROWS})
"""All carriers by id (read-only mapping)."""


def carrier(carrier_id: str) -> Carrier:
    """Return the carrier with this id.

    Raises
    ------
    KeyError
        If the id is unknown; the message lists the valid ids.
    """
    try:
        return CARRIERS[carrier_id]
    except (KeyError, TypeError):
        raise KeyError(f"unknown carrier {carrier_id!r}; known: {', '.join(sorted(CARRIERS))}") from None


#: Units of auxiliary measurements a meter may record beside consumption: reactive energy (无功电量),
#: power, voltage, current, frequency, power factor (unit "1" or "PF"), temperature, pressure and flow
#: rates. Readings in these units are stored and used by diagnostics, never summed as consumption.
AUXILIARY_UNITS: frozenset[str] = frozenset(
    {"kvarh", "kW", "kvar", "kVA", "V", "A", "Hz", "1", "PF", "%", "°C", "MPa", "m3/h", "Nm3/h", "t/h"}
)


def measures_consumption(carrier_id: str, unit: str) -> bool:
    """True if a meter of ``carrier_id`` reading in ``unit`` measures consumption of that carrier.

    Raises
    ------
    KeyError
        Unknown carrier.
    UnitError
        ``unit`` is neither convertible to the carrier's unit nor an auxiliary unit; the message says
        which units would be accepted.
    """
    found = carrier(carrier_id)
    if unit in AUXILIARY_UNITS:
        return False
    try:
        convert(1.0, unit, found.default_unit)
    except UnitError as exc:
        raise UnitError(
            f"{exc}; a {found.id} meter reads in units of {found.default_unit} "
            f"(or an auxiliary unit: {', '.join(sorted(AUXILIARY_UNITS))})"
        ) from None
    return True


def carrier_label(carrier_id: str, language: str = "zh-CN") -> str:
    """The carrier's name in ``language`` (``"en"`` → English, else Chinese; 天然气 / Natural gas), the
    id itself for a carrier the table does not hold."""
    known = CARRIERS.get(carrier_id)
    if known is None:
        return carrier_id
    name = known.name_en if language == "en" else known.name_zh
    return name[:1].upper() + name[1:] if language == "en" else name
