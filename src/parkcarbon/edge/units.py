"""Unit conversion for meter points (计量单位换算).

The gateway converts only within one dimension and only between the decimal multiples a meter
or the platform uses (``Wh → kWh``, ``W → kW``, ``var → kvar`` …). Anything else is a
configuration error: the gateway never guesses a conversion.

Dimensionless quantities (power factor, 功率因数) use the UCUM unit ``"1"``.
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = [
    "DIMENSIONLESS",
    "UnitError",
    "conversion_factor",
    "dimension_of",
    "known_units",
    "shortest_float32",
    "tidy",
]

DIMENSIONLESS: Final = "1"

# unit -> (dimension, factor to the dimension's reference unit)
_UNITS: Final[dict[str, tuple[str, float]]] = {
    # active energy, reference kWh
    "Wh": ("active_energy", 1e-3),
    "kWh": ("active_energy", 1.0),
    "MWh": ("active_energy", 1e3),
    "GWh": ("active_energy", 1e6),
    # reactive energy, reference kvarh
    "varh": ("reactive_energy", 1e-3),
    "kvarh": ("reactive_energy", 1.0),
    "Mvarh": ("reactive_energy", 1e3),
    # apparent energy, reference kVAh
    "VAh": ("apparent_energy", 1e-3),
    "kVAh": ("apparent_energy", 1.0),
    "MVAh": ("apparent_energy", 1e3),
    # active power, reference kW
    "W": ("active_power", 1e-3),
    "kW": ("active_power", 1.0),
    "MW": ("active_power", 1e3),
    # reactive power, reference kvar
    "var": ("reactive_power", 1e-3),
    "kvar": ("reactive_power", 1.0),
    "Mvar": ("reactive_power", 1e3),
    # apparent power, reference kVA
    "VA": ("apparent_power", 1e-3),
    "kVA": ("apparent_power", 1.0),
    "MVA": ("apparent_power", 1e3),
    # voltage, reference V
    "mV": ("voltage", 1e-3),
    "V": ("voltage", 1.0),
    "kV": ("voltage", 1e3),
    # current, reference A
    "mA": ("current", 1e-3),
    "A": ("current", 1.0),
    "kA": ("current", 1e3),
    # frequency
    "Hz": ("frequency", 1.0),
    # dimensionless (power factor)
    DIMENSIONLESS: ("dimensionless", 1.0),
    "%": ("dimensionless", 1e-2),
    # angle
    "deg": ("angle", 1.0),
    # volume of water / gas, heat, mass (pulse and flow meters described by generic profiles)
    "L": ("volume", 1e-3),
    "m3": ("volume", 1.0),
    "Nm3": ("normal_volume", 1.0),
    "kg": ("mass", 1e-3),
    "t": ("mass", 1.0),
    "kJ": ("heat", 1e-6),
    "MJ": ("heat", 1e-3),
    "GJ": ("heat", 1.0),
    "degC": ("temperature", 1.0),
}


class UnitError(ValueError):
    """A unit is unknown or two units are not convertible."""


def known_units() -> tuple[str, ...]:
    """All unit symbols the gateway understands, in table order."""
    return tuple(_UNITS)


def dimension_of(unit: str) -> str:
    """Dimension name of ``unit`` (``"active_energy"`` for ``"kWh"``).

    Raises
    ------
    UnitError
        If the unit is unknown.
    """
    try:
        return _UNITS[unit][0]
    except KeyError:
        raise UnitError(f"unknown unit {unit!r}; known units: {', '.join(_UNITS)}") from None


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Multiplicative factor converting a value in ``from_unit`` to ``to_unit``.

    ``value_to = value_from × factor``; e.g. ``conversion_factor("Wh", "kWh") == 0.001``.

    Raises
    ------
    UnitError
        If either unit is unknown or the dimensions differ.
    """
    dim_from, f_from = _UNITS.get(from_unit, (None, 0.0))
    dim_to, f_to = _UNITS.get(to_unit, (None, 0.0))
    if dim_from is None:
        dimension_of(from_unit)
    if dim_to is None:
        dimension_of(to_unit)
    if dim_from != dim_to:
        raise UnitError(f"cannot convert {from_unit!r} ({dim_from}) to {to_unit!r} ({dim_to})")
    return f_from / f_to


def shortest_float32(x: float) -> float:
    """The shortest decimal that reads back as the same IEEE-754 float32.

    A float32 register holding 12345.685 decodes to 12345.6845703125 in double precision; the
    extra digits are representation noise, not measurement. This returns 12345.685 (the value
    the meter's own display shows), losing nothing the float32 carried.
    """
    if x != x or x in (float("inf"), float("-inf")):
        return x
    packed = struct.pack(">f", x)
    for digits in range(6, 10):
        candidate = float(f"{x:.{digits}g}")
        if struct.pack(">f", candidate) == packed:
            return candidate
    return x


def tidy(x: float, significant: int = 15) -> float:
    """Remove binary noise of scaling (``12345 × 0.01 = 123.45000000000002`` → ``123.45``).

    Rounds to ``significant`` significant digits (15: below double precision's 15.9, far above
    any meter's resolution).
    """
    if x != x or x in (float("inf"), float("-inf")) or x == 0:
        return x
    return float(f"{x:.{significant}g}")
