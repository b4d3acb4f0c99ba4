"""Register-map profiles: published addresses, decoding, read planning, validation errors."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from pymodbus.client.mixin import ModbusClientMixin

from parkcarbon.edge.errors import ProfileError
from parkcarbon.edge.profiles import (
    Dlt645Point,
    ModbusPoint,
    builtin_profiles,
    decode_bcd,
    decode_registers,
    load_profile,
    parse_profile,
    plan_modbus_blocks,
)
from parkcarbon.edge.units import UnitError, conversion_factor, shortest_float32, tidy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "gateway"


def test_builtin_profiles_load() -> None:
    assert builtin_profiles() == ["dlt645_2007_energy", "eastron_sdm630", "generic_modbus_example"]
    for name in builtin_profiles():
        p = load_profile(name)
        assert p.points
        assert p.sources, f"{name} must cite its sources"


# Transcribed from the Eastron SDM630-Modbus V2 manual, input-register table (register 3xxxx,
# "Modbus Protocol Start Address Hex"), cross-checked with the SDM72D-M manual V1.5 p.14.
SDM630_PUBLISHED = {
    "l1_voltage": (30001, 0x0000, "V"),
    "l1_current": (30007, 0x0006, "A"),
    "l1_power": (30013, 0x000C, "W"),
    "total_system_power": (30053, 0x0034, "W"),
    "total_system_power_factor": (30063, 0x003E, "1"),
    "frequency": (30071, 0x0046, "Hz"),
    "import_active_energy": (30073, 0x0048, "kWh"),
    "export_active_energy": (30075, 0x004A, "kWh"),
    "total_active_energy": (30343, 0x0156, "kWh"),
}


@pytest.mark.parametrize("point", sorted(SDM630_PUBLISHED))
def test_sdm630_profile_matches_manual(point: str) -> None:
    register, address, unit = SDM630_PUBLISHED[point]
    p = load_profile("eastron_sdm630").points[point]
    assert isinstance(p, ModbusPoint)
    assert (p.table, p.address, p.data_type, p.word_order, p.unit) == (
        "input",
        address,
        "float32",
        "big",
        unit,
    )
    assert register - 30001 == address  # the manual's two columns agree with each other


def test_dlt645_profile_agrees_with_dlt645_package_tables() -> None:
    from dlt645.model.data.data_handler import get_data_item

    profile = load_profile("dlt645_2007_energy")
    for point in profile.points.values():
        assert isinstance(point, Dlt645Point)
        item = get_data_item(point.di)
        assert item is not None, f"DI {point.di_hex} unknown to dlt645"
        assert item.data_format == point.data_format, point.name
        if item.unit.strip() and point.unit != "1":  # the package lists PF as 'kW' (a typo upstream)
            assert item.unit.strip() == point.unit, point.name


def test_decode_float32_both_word_orders() -> None:
    regs_big = ModbusClientMixin.convert_to_registers(12345.685, ModbusClientMixin.DATATYPE.FLOAT32)
    big = ModbusPoint(
        name="e",
        unit="kWh",
        kind="register",
        report_unit="kWh",
        scale=1.0,
        offset=0.0,
        ratio="none",
        description="",
        address=0,
        data_type="float32",
        word_order="big",
    )
    little = ModbusPoint(**{**vars(big), "word_order": "little"})
    assert decode_registers(big, regs_big) == 12345.685  # shortest float32 decimal, no noise
    assert decode_registers(little, list(reversed(regs_big))) == 12345.685
    assert decode_registers(big, list(reversed(regs_big))) != 12345.685


def test_decode_integers_with_scale() -> None:
    base = {
        "name": "x",
        "unit": "kWh",
        "kind": "register",
        "report_unit": "kWh",
        "offset": 0.0,
        "ratio": "none",
        "description": "",
        "address": 0,
    }
    u32 = ModbusPoint(**base, scale=0.01, data_type="uint32")  # type: ignore[arg-type]
    assert decode_registers(u32, [0x0001, 0x2345]) == pytest.approx(0x12345 * 0.01, abs=0)
    assert decode_registers(u32, [0x0001, 0x2345]) == 745.65
    i16 = ModbusPoint(**base, scale=1.0, data_type="int16")  # type: ignore[arg-type]
    assert decode_registers(i16, [0xFFFE]) == -2.0
    with pytest.raises(ValueError, match="needs 2 registers"):
        decode_registers(u32, [1])


# Worked frames from "DLT645-2007 规约 电表 报文解析" V1.1 (2012), reproduced at
# https://hwhale.com/article/138066 — data field after removing 33H, DI then value (low byte first).
@pytest.mark.parametrize(
    ("di", "fmt", "value_bytes", "expected"),
    [
        ("00010000", "XXXXXX.XX", "26 00 00 00", 0.26),  # (当前)正向有功总电能 0.26 kWh
        ("00020000", "XXXXXX.XX", "26 01 00 00", 1.26),  # (当前)反向有功总电能 1.26 kWh
        ("00030000", "XXXXXX.XX", "26 00 01 00", 100.26),  # 组合无功1 100.26 kvarh
        ("02010100", "XXX.X", "01 10", 100.1),  # A相电压 100.1 V
    ],
)
def test_decode_bcd_published_examples(di: str, fmt: str, value_bytes: str, expected: float) -> None:
    point = Dlt645Point(
        name="p",
        unit="kWh",
        kind="register",
        report_unit="kWh",
        scale=1.0,
        offset=0.0,
        ratio="none",
        description="",
        di=int(di, 16),
        data_format=fmt,
    )
    assert decode_bcd(point, bytes.fromhex(value_bytes)) == expected


def test_decode_bcd_rejects_non_bcd_and_short_fields() -> None:
    point = load_profile("dlt645_2007_energy").points["forward_active_energy"]
    assert isinstance(point, Dlt645Point)
    with pytest.raises(ValueError, match="not BCD"):
        decode_bcd(point, bytes.fromhex("1A 00 00 00"))
    with pytest.raises(ValueError, match="expected 4 data bytes"):
        decode_bcd(point, b"\x01")


def test_sdm630_read_plan_respects_device_limit() -> None:
    p = load_profile("eastron_sdm630")
    points = [pt for pt in p.points.values() if isinstance(pt, ModbusPoint)]
    blocks = plan_modbus_blocks(points, max_registers=p.max_registers_per_request, max_gap=p.max_gap)
    covered = {pt.name for b in blocks for pt in b.points}
    assert covered == set(p.points)
    for b in blocks:
        assert b.count <= 60
        for pt in b.points:
            assert b.start <= pt.address
            assert pt.address + pt.register_count <= b.start + b.count
    # 0x0000…0x0011, 0x0034…0x004F, 0x0156…0x0159: three reads
    assert [(b.start, b.count) for b in blocks] == [(0x0000, 0x12), (0x0034, 0x1C), (0x0156, 4)]


def test_units() -> None:
    assert conversion_factor("Wh", "kWh") == 0.001
    assert conversion_factor("MWh", "kWh") == 1000.0
    assert conversion_factor("W", "kW") == 0.001
    with pytest.raises(UnitError, match="cannot convert"):
        conversion_factor("kWh", "kW")
    with pytest.raises(UnitError, match="unknown unit"):
        conversion_factor("kWhh", "kWh")
    assert shortest_float32(struct.unpack(">f", struct.pack(">f", 0.1))[0]) == 0.1
    assert tidy(12345 * 0.01) == 123.45


def _profile(points: dict, **head: object) -> dict:
    return {"profile": {"name": "t", "protocol": "modbus", **head}, "points": points}


@pytest.mark.parametrize(
    ("doc", "key", "reason"),
    [
        (
            _profile(
                {"e": {"address": 0, "type": "float32", "unit": "kWh", "kind": "register", "adress": 1}}
            ),
            "points.e.adress",
            "unknown key",
        ),
        (
            _profile({"e": {"address": "0x10", "type": "float32", "unit": "kWh", "kind": "register"}}),
            "points.e.address",
            "must be int",
        ),
        (
            _profile({"e": {"address": 0, "type": "float16", "unit": "kWh", "kind": "register"}}),
            "points.e.type",
            "must be one of",
        ),
        (
            _profile({"e": {"address": 0, "type": "float32", "unit": "kwh", "kind": "register"}}),
            "points.e.unit",
            "unknown unit",
        ),
        (
            _profile(
                {
                    "e": {
                        "address": 0,
                        "type": "float32",
                        "unit": "Wh",
                        "report_unit": "kW",
                        "kind": "register",
                    }
                }
            ),
            "points.e.report_unit",
            "cannot convert",
        ),
        (
            _profile({"e": {"address": 0, "type": "float32", "unit": "kWh", "kind": "counter"}}),
            "points.e.kind",
            "must be one of",
        ),
        (
            _profile({"e": {"address": 0, "type": "float32", "unit": "kWh", "kind": "register", "scale": 0}}),
            "points.e.scale",
            "non-zero",
        ),
        (
            _profile({}, max_registers_per_request=200),
            "profile.max_registers_per_request",
            "between 1 and 125",
        ),
        (
            {
                "profile": {"name": "t", "protocol": "dlt645"},
                "points": {"e": {"di": "0001000", "format": "XXXXXX.XX", "unit": "kWh", "kind": "register"}},
            },
            "points.e.di",
            "4 bytes in hex",
        ),
        (
            {
                "profile": {"name": "t", "protocol": "dlt645"},
                "points": {"e": {"di": "00010000", "format": "XX.XX.X", "unit": "kWh", "kind": "register"}},
            },
            "points.e.format",
            "XXXXXX.XX",
        ),
    ],
)
def test_profile_errors_name_the_key(doc: dict, key: str, reason: str) -> None:
    with pytest.raises(ProfileError) as err:
        parse_profile(doc, origin="test.toml")
    assert err.value.key == key
    assert reason in err.value.reason
    assert str(err.value).startswith("test.toml: ")


def test_user_profile_by_path_and_unknown_builtin() -> None:
    p = load_profile("profiles/acme_pm100.toml", base_dir=EXAMPLES)
    assert p.name == "acme_pm100"
    assert p.points["active_energy"].scale == 0.01
    with pytest.raises(ProfileError, match="unknown built-in profile 'sdm630'"):
        load_profile("sdm630")
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile("nope/missing.toml", base_dir=EXAMPLES)
