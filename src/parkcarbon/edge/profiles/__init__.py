"""Register-map profiles (点表): what to read from a meter and how to decode it.

A profile is a TOML file. The gateway ships three:

``eastron_sdm630``
    Eastron SDM630-Modbus (V2) three-phase meter, input registers, IEEE-754 float32.
``dlt645_2007_energy``
    DL/T 645-2007 multi-function meter: energy registers and instantaneous variables.
``generic_modbus_example``
    An annotated example of the generic format for any other Modbus meter.

Users write their own profile in the same format and name it by path in ``gateway.toml``.
The format is documented in ``docs/gateway.md``; :func:`load_profile` validates every key and
names the offending one in its error.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from parkcarbon.edge.errors import ProfileError
from parkcarbon.edge.units import UnitError, conversion_factor, dimension_of, shortest_float32, tidy

__all__ = [
    "Dlt645Point",
    "ModbusBlock",
    "ModbusPoint",
    "Point",
    "Profile",
    "builtin_profiles",
    "decode_bcd",
    "decode_registers",
    "load_profile",
    "parse_profile",
    "plan_modbus_blocks",
]

Kind = Literal["register", "interval", "instant"]
Ratio = Literal["none", "ct", "pt", "ct*pt"]
ModbusTable = Literal["input", "holding"]

KINDS: Final = ("register", "interval", "instant")
RATIOS: Final = ("none", "ct", "pt", "ct*pt")
MODBUS_TABLES: Final = ("input", "holding")
# data type -> number of 16-bit registers
MODBUS_TYPES: Final[dict[str, int]] = {
    "int16": 1,
    "uint16": 1,
    "int32": 2,
    "uint32": 2,
    "int64": 4,
    "uint64": 4,
    "float32": 2,
    "float64": 4,
}
_MODBUS_MAX_REGISTERS: Final = 125  # Modbus Application Protocol V1.1b3 §6.4: quantity 1..125


@dataclass(frozen=True)
class _PointBase:
    name: str
    unit: str
    kind: Kind
    report_unit: str
    scale: float
    offset: float
    ratio: Ratio
    description: str

    @property
    def unit_factor(self) -> float:
        """Factor from the device unit to the reported unit (``0.001`` for W → kW)."""
        return conversion_factor(self.unit, self.report_unit)


@dataclass(frozen=True)
class ModbusPoint(_PointBase):
    """One Modbus quantity: ``value = (raw × scale + offset)`` in ``unit``."""

    table: ModbusTable = "input"
    address: int = 0
    data_type: str = "float32"
    word_order: Literal["big", "little"] = "big"

    @property
    def register_count(self) -> int:
        """Number of 16-bit registers the point occupies."""
        return MODBUS_TYPES[self.data_type]


@dataclass(frozen=True)
class Dlt645Point(_PointBase):
    """One DL/T 645-2007 data item: 4-byte data identifier and BCD data format."""

    di: int = 0
    data_format: str = "XXXXXX.XX"

    @property
    def di_hex(self) -> str:
        """Data identifier as written in the standard, DI3 first (``"00010000"``)."""
        return f"{self.di:08X}"

    @property
    def byte_length(self) -> int:
        """Length of the BCD value in the response data field [bytes]."""
        digits = sum(ch == "X" for ch in self.data_format)
        return (digits + 1) // 2


Point = ModbusPoint | Dlt645Point


@dataclass(frozen=True)
class Profile:
    """A validated register map.

    Attributes
    ----------
    name
        Profile id (``eastron_sdm630``).
    protocol
        ``"modbus"`` or ``"dlt645"``.
    points
        Point name → point, in file order.
    max_registers_per_request
        Upper bound on one Modbus read (the device's limit, ≤ 125).
    max_gap
        Largest run of unused registers a single Modbus read may span.
    """

    name: str
    protocol: Literal["modbus", "dlt645"]
    title: str
    manufacturer: str
    model: str
    sources: tuple[str, ...]
    points: Mapping[str, Point]
    max_registers_per_request: int = 60
    max_gap: int = 8
    origin: str = field(default="", compare=False)


# ---------------------------------------------------------------------------- parsing


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with the gateway."""
    root = resources.files(__package__)
    return sorted(p.name.removesuffix(".toml") for p in root.iterdir() if p.name.endswith(".toml"))


def load_profile(ref: str, *, base_dir: Path | None = None) -> Profile:
    """Load a built-in profile by name or a user profile by path.

    Parameters
    ----------
    ref
        A built-in name (``"eastron_sdm630"``) or a path to a ``.toml`` file; relative paths are
        resolved against ``base_dir`` (the directory of ``gateway.toml``).
    base_dir
        Directory for relative paths.

    Raises
    ------
    ProfileError
        If the profile does not exist or is invalid; the message names the key.
    """
    if ref.endswith(".toml") or "/" in ref or "\\" in ref:
        path = Path(ref)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise ProfileError("profile", f"profile file {str(path)!r} does not exist")
        text = path.read_text(encoding="utf-8")
        origin = str(path)
    else:
        resource = resources.files(__package__) / f"{ref}.toml"
        if not resource.is_file():
            raise ProfileError(
                "profile",
                f"unknown built-in profile {ref!r}; built-in profiles: {', '.join(builtin_profiles())}"
                " (or give a path to your own .toml profile)",
            )
        text = resource.read_text(encoding="utf-8")
        origin = f"builtin:{ref}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError("profile", f"not valid TOML: {exc}", source=origin) from exc
    return parse_profile(data, origin=origin)


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: str, origin: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ProfileError(
            f"{where}.{unknown[0]}",
            f"unknown key; allowed keys: {', '.join(allowed)}",
            source=origin,
        )


def _get(
    table: Mapping[str, Any],
    key: str,
    typ: type | tuple[type, ...],
    where: str,
    origin: str,
    default: Any = ...,
) -> Any:
    if key not in table:
        if default is ...:
            raise ProfileError(f"{where}.{key}", "is required", source=origin)
        return default
    value = table[key]
    # bool is an int subclass; never accept it where a number is meant
    if isinstance(value, bool) and bool not in (typ if isinstance(typ, tuple) else (typ,)):
        raise ProfileError(f"{where}.{key}", f"must be {_type_name(typ)}, got a boolean", source=origin)
    if not isinstance(value, typ):
        raise ProfileError(
            f"{where}.{key}", f"must be {_type_name(typ)}, got {type(value).__name__}", source=origin
        )
    return value


def _type_name(typ: type | tuple[type, ...]) -> str:
    if isinstance(typ, tuple):
        return " or ".join(t.__name__ for t in typ)
    return typ.__name__


def _choice(value: str, choices: Sequence[str], key: str, origin: str) -> Any:
    if value not in choices:
        raise ProfileError(key, f"must be one of {', '.join(choices)}; got {value!r}", source=origin)
    return value


_COMMON_POINT_KEYS: Final = ("unit", "kind", "report_unit", "scale", "offset", "ratio", "description")
_MODBUS_POINT_KEYS: Final = (*_COMMON_POINT_KEYS, "table", "address", "type", "word_order")
_DLT645_POINT_KEYS: Final = (*_COMMON_POINT_KEYS, "di", "format")


def _common(raw: Mapping[str, Any], where: str, origin: str) -> dict[str, Any]:
    unit = _get(raw, "unit", str, where, origin)
    report_unit = _get(raw, "report_unit", str, where, origin, unit)
    try:
        dimension_of(unit)
    except UnitError as exc:
        raise ProfileError(f"{where}.unit", str(exc), source=origin) from None
    try:
        conversion_factor(unit, report_unit)
    except UnitError as exc:
        raise ProfileError(f"{where}.report_unit", str(exc), source=origin) from None
    scale = float(_get(raw, "scale", (int, float), where, origin, 1.0))
    offset = float(_get(raw, "offset", (int, float), where, origin, 0.0))
    if not math.isfinite(scale) or scale == 0:
        raise ProfileError(f"{where}.scale", "must be a finite, non-zero number", source=origin)
    if not math.isfinite(offset):
        raise ProfileError(f"{where}.offset", "must be finite", source=origin)
    kind = _choice(_get(raw, "kind", str, where, origin), KINDS, f"{where}.kind", origin)
    ratio = _choice(_get(raw, "ratio", str, where, origin, "none"), RATIOS, f"{where}.ratio", origin)
    return {
        "unit": unit,
        "report_unit": report_unit,
        "scale": scale,
        "offset": offset,
        "kind": kind,
        "ratio": ratio,
        "description": _get(raw, "description", str, where, origin, ""),
    }


def _validate_bcd_format(fmt: str, key: str, origin: str) -> str:
    body = fmt.replace(".", "")
    if not body or set(body) != {"X"} or fmt.count(".") > 1 or fmt.startswith(".") or fmt.endswith("."):
        raise ProfileError(
            key, f"must look like 'XXXXXX.XX' (BCD digits X, one optional '.'), got {fmt!r}", source=origin
        )
    return fmt


def parse_profile(data: Mapping[str, Any], *, origin: str = "<profile>") -> Profile:
    """Validate a parsed profile TOML document and build a :class:`Profile`.

    Raises
    ------
    ProfileError
        Naming the first offending key.
    """
    _check_keys(data, ("profile", "points"), "<root>", origin)
    head = _get(data, "profile", dict, "<root>", origin)
    _check_keys(
        head,
        (
            "name",
            "protocol",
            "title",
            "manufacturer",
            "model",
            "sources",
            "word_order",
            "max_registers_per_request",
            "max_gap",
        ),
        "profile",
        origin,
    )
    name = _get(head, "name", str, "profile", origin)
    protocol = _choice(
        _get(head, "protocol", str, "profile", origin), ("modbus", "dlt645"), "profile.protocol", origin
    )
    sources = _get(head, "sources", list, "profile", origin, [])
    if not all(isinstance(s, str) for s in sources):
        raise ProfileError("profile.sources", "must be a list of strings", source=origin)
    word_order = _choice(
        _get(head, "word_order", str, "profile", origin, "big"),
        ("big", "little"),
        "profile.word_order",
        origin,
    )
    max_regs = _get(head, "max_registers_per_request", int, "profile", origin, 60)
    if not 1 <= max_regs <= _MODBUS_MAX_REGISTERS:
        raise ProfileError(
            "profile.max_registers_per_request",
            f"must be between 1 and {_MODBUS_MAX_REGISTERS}",
            source=origin,
        )
    max_gap = _get(head, "max_gap", int, "profile", origin, 8)
    if max_gap < 0:
        raise ProfileError("profile.max_gap", "must be ≥ 0", source=origin)

    raw_points = _get(data, "points", dict, "<root>", origin)
    if not raw_points:
        raise ProfileError("points", "a profile needs at least one point", source=origin)
    points: dict[str, Point] = {}
    for pname, raw in raw_points.items():
        where = f"points.{pname}"
        if not isinstance(raw, dict):
            raise ProfileError(where, "must be a table", source=origin)
        _check_keys(raw, _MODBUS_POINT_KEYS if protocol == "modbus" else _DLT645_POINT_KEYS, where, origin)
        common = _common(raw, where, origin)
        if protocol == "modbus":
            table = _choice(
                _get(raw, "table", str, where, origin, "input"), MODBUS_TABLES, f"{where}.table", origin
            )
            address = _get(raw, "address", int, where, origin)
            dtype = _choice(
                _get(raw, "type", str, where, origin), tuple(MODBUS_TYPES), f"{where}.type", origin
            )
            if not 0 <= address <= 0xFFFF - MODBUS_TYPES[dtype] + 1:
                raise ProfileError(
                    f"{where}.address", "must be a 0-based register address 0..65535", source=origin
                )
            if MODBUS_TYPES[dtype] > max_regs:
                raise ProfileError(f"{where}.type", "is wider than max_registers_per_request", source=origin)
            wo = _choice(
                _get(raw, "word_order", str, where, origin, word_order),
                ("big", "little"),
                f"{where}.word_order",
                origin,
            )
            points[pname] = ModbusPoint(
                name=pname, table=table, address=address, data_type=dtype, word_order=wo, **common
            )
        else:
            di_text = _get(raw, "di", str, where, origin)
            compact = di_text.replace(" ", "")
            if len(compact) != 8 or any(c not in "0123456789abcdefABCDEF" for c in compact):
                raise ProfileError(
                    f"{where}.di",
                    f"must be 4 bytes in hex, DI3 first, e.g. '00010000'; got {di_text!r}",
                    source=origin,
                )
            fmt = _validate_bcd_format(_get(raw, "format", str, where, origin), f"{where}.format", origin)
            points[pname] = Dlt645Point(name=pname, di=int(compact, 16), data_format=fmt, **common)
    return Profile(
        name=name,
        protocol=protocol,
        title=_get(head, "title", str, "profile", origin, name),
        manufacturer=_get(head, "manufacturer", str, "profile", origin, ""),
        model=_get(head, "model", str, "profile", origin, ""),
        sources=tuple(sources),
        points=points,
        max_registers_per_request=max_regs,
        max_gap=max_gap,
        origin=origin,
    )


# ---------------------------------------------------------------------------- decoding


def decode_registers(point: ModbusPoint, registers: Sequence[int]) -> float:
    """Decode the raw registers of one point into ``raw × scale + offset`` [point.unit].

    Uses pymodbus' own converter (``convert_from_registers``); Modbus is big-endian within a
    register, ``word_order`` says which register holds the most significant word. A float32
    is taken as the shortest decimal that round-trips it (12345.685, not 12345.6845703125).

    Raises
    ------
    ValueError
        If the register count does not match the data type.
    """
    from pymodbus.client.mixin import ModbusClientMixin

    if len(registers) != point.register_count:
        raise ValueError(
            f"point {point.name!r} ({point.data_type}) needs {point.register_count} registers, "
            f"got {len(registers)}"
        )
    dtype = ModbusClientMixin.DATATYPE[point.data_type.upper()]
    raw = ModbusClientMixin.convert_from_registers(list(registers), dtype, word_order=point.word_order)
    if not isinstance(raw, int | float):
        raise ValueError(f"point {point.name!r}: unexpected decoded value {raw!r}")
    value = shortest_float32(float(raw)) if point.data_type == "float32" else float(raw)
    return tidy(value * point.scale + point.offset)


def decode_bcd(point: Dlt645Point, data: bytes) -> float:
    """Decode the BCD value of a DL/T 645 read response (data field after the 4 DI bytes).

    The data field arrives least significant byte first, with the 0x33 offset already removed
    by the frame decoder; the sign, where a format allows one, is the top bit of the most
    significant byte (DL/T 645-2007 §5 data formats). Decoding uses the dlt645 package's
    ``bcd_to_float``.

    Raises
    ------
    ValueError
        If the field is too short or not valid BCD.
    """
    from dlt645.common.transform import bcd_to_float

    need = point.byte_length
    if len(data) < need:
        raise ValueError(f"DI {point.di_hex}: expected {need} data bytes, got {len(data)}")
    field_bytes = bytes(data[:need])
    magnitude = bytes(field_bytes[:-1]) + bytes([field_bytes[-1] & 0x7F])
    for byte in magnitude:
        if (byte >> 4) > 9 or (byte & 0x0F) > 9:
            raise ValueError(f"DI {point.di_hex}: not BCD: {field_bytes.hex(' ')}")
    raw = float(bcd_to_float(field_bytes, point.data_format, "little"))
    return tidy(raw * point.scale + point.offset)


# ---------------------------------------------------------------------------- read planning


@dataclass(frozen=True)
class ModbusBlock:
    """One contiguous Modbus read covering several points."""

    table: ModbusTable
    start: int
    count: int
    points: tuple[ModbusPoint, ...]

    def slice_for(self, point: ModbusPoint, registers: Sequence[int]) -> list[int]:
        """The registers of ``point`` within this block's response."""
        i = point.address - self.start
        return list(registers[i : i + point.register_count])


def plan_modbus_blocks(
    points: Sequence[ModbusPoint], *, max_registers: int, max_gap: int
) -> list[ModbusBlock]:
    """Group points into as few reads as the device's limits allow.

    Points of one table are sorted by address and merged while the merged read stays within
    ``max_registers`` and skips at most ``max_gap`` unused registers.
    """
    blocks: list[ModbusBlock] = []
    for table in MODBUS_TABLES:
        chosen = sorted((p for p in points if p.table == table), key=lambda p: p.address)
        current: list[ModbusPoint] = []
        start = end = 0
        for p in chosen:
            p_end = p.address + p.register_count
            if current and p.address - end <= max_gap and max(end, p_end) - start <= max_registers:
                current.append(p)
                end = max(end, p_end)
                continue
            if current:
                blocks.append(ModbusBlock(table, start, end - start, tuple(current)))
            current, start, end = [p], p.address, p_end
        if current:
            blocks.append(ModbusBlock(table, start, end - start, tuple(current)))
    return blocks
