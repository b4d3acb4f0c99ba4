"""The demo park's catalogue (企业与计量器具目录): enterprises, their loads and their meters.

Six sectors in a fixed rotation — steel rolling and finishing, food and beverage, electronics
assembly, chemicals, logistics warehouses, office buildings — so that even a small park (``E01`` …
``E05``) has one of each production kind. Names, industry codes (GB/T 4754-2017) and sector are fixed
per position; the size of each enterprise and a few equipment options (rooftop PV, EV chargers,
Saturday shifts) are drawn from the seed.

A **load** (负荷) is one consumer with a carrier and a shape (:mod:`.model`): a rolling mill, a
cleanroom's air handling, a cold store, a gas-fired boiler. A **meter** measures one load, a set of
loads, or — the main incomer of a carrier (``MAIN``) — all the enterprise's loads of that carrier plus
unmetered losses, minus the rooftop PV that is consumed on site. Sub-meters name their parent.

Units: electricity kWh (reactive energy kvarh, active power kW), natural gas Nm3, purchased steam as
heat in GJ (carrier ``heat``: steam heat meters, 蒸汽热量表, integrate flow × enthalpy, so tce and
tCO2e follow linearly; steam in tonnes would need its pressure and temperature, GB/T 32151.x, and the
registry's steam carrier reads in tonnes), water t. Diesel and
coal are not metered: they arrive as activity records (deliveries) — see :mod:`.generator`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from parkcarbon.demo.profiles import stream_key, uniform

__all__ = [
    "PARK_CODE_PREFIX",
    "SECTORS",
    "EnterpriseSpec",
    "LoadSpec",
    "MeterSpec",
    "ProductSpec",
    "build_catalogue",
]


@dataclass(frozen=True)
class LoadSpec:
    """One consumer.

    ``kind`` and its parameters (rates in the carrier's unit per hour: kW, Nm3/h, GJ/h, t/h):

    * ``process`` — ``base + (peak − base) × activity``;
    * ``compressor`` — like process, with a high idle share (compressed air leaks);
    * ``flat`` — ``base`` around the clock (pumps, data rooms), ±1 %/K with temperature;
    * ``hvac`` — ``base + occupancy × (cool × (T − 24 °C)⁺ + heat × (12 °C − T)⁺)`` (``always``: around
      the clock, e.g. cleanrooms and cooling towers);
    * ``lighting`` — occupancy × peak, more when dark; ``streetlight`` — on when dark;
    * ``cold`` — refrigeration, ``base + cool × (T − 5 °C)⁺``, around the clock;
    * ``canteen`` — meal peaks on working days;
    * ``ev_work`` (workplace chargers, morning), ``ev_fleet`` (vans and forklifts, evening and night),
      ``ev_public`` (public station, evening peak);
    * ``pv`` — rooftop PV of ``peak`` kWp.
    """

    carrier: str
    kind: str
    base: float = 0.0
    peak: float = 0.0
    cool: float = 0.0
    heat: float = 0.0
    always: bool = False
    sigma: float = 0.04


@dataclass(frozen=True)
class MeterSpec:
    """A meter of the catalogue.

    ``loads`` names the loads it measures; a ``MAIN`` meter measures every load of its carrier (plus
    unmetered losses, minus PV consumed on site). ``reactive_of`` / ``power_of`` name the meter whose
    active energy a reactive-energy (kvarh) or active-power (kW, instant) meter accompanies.
    ``interval_s`` is the reading interval (15 min; water 1 h; live power 15 s and no history).
    """

    code: str
    name: str
    carrier: str
    unit: str
    purpose: str | None
    kind: str = "register"
    parent: str | None = None
    loads: tuple[str, ...] = ()
    main: bool = False
    multiplier: float = 1.0
    interval_s: int = 900
    reactive_of: str | None = None
    power_of: str | None = None
    rated_capacity_per_hour: float | None = None
    register_max: float | None = None
    register_start: float = 0.0

    @property
    def live_only(self) -> bool:
        """Instant telemetry that the live feed sends and the history does not hold."""
        return self.kind == "instant"


@dataclass(frozen=True)
class ProductSpec:
    """A product and its specific energy use [tce per unit], which turns production energy into output."""

    name: str
    code: str
    unit: str
    tce_per_unit: float
    #: The national energy-quota standard it is graded against (``core/factors/data/energy_quotas.csv``)
    quota_key: str | None = None


@dataclass(frozen=True)
class EnterpriseSpec:
    """One enterprise of the catalogue (or, with ``index`` 0, the park's own facilities)."""

    index: int
    code: str
    name: str
    name_en: str
    industry_code: str
    sector: str
    schedule: str
    area: int
    scale: float
    loads: dict[str, LoadSpec]
    meters: tuple[MeterSpec, ...]
    saturday: bool = False
    power_factor: float = 0.95
    products: tuple[ProductSpec, ...] = ()
    diesel_t_per_month: float = 0.0
    coal_t_per_month: float = 0.0
    coal_ncv_gj_per_t: float = 0.0
    intensity_tce_per_10k_cny: float = 0.1
    value_added_share: float = 0.25
    maintenance_doy: int = 0
    planted: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_park(self) -> bool:
        return self.index == 0


#: Anomalies planted in the data, by enterprise position (see :mod:`.generator` for what each means).
PLANTED: dict[int, frozenset[str]] = {
    1: frozenset({"low_power_factor", "register_wrap"}),
    2: frozenset({"gateway_outage"}),
    3: frozenset({"base_load", "water_gap"}),
    4: frozenset({"overshoot"}),
    5: frozenset({"offline_meter"}),
}

#: Code prefix of the park's own meters (street lighting, sewage works, administration, public EV).
PARK_CODE_PREFIX = "PK"

#: Areas of the park, in creation order: (name, English name).
AREAS: tuple[tuple[str, str], ...] = (
    ("北区·重工业片区", "North heavy-industry zone"),
    ("南区·轻工与研发片区", "South light-industry & R&D zone"),
    ("西区·化工片区", "West chemical zone"),
    ("东区·物流片区", "East logistics zone"),
    ("综合服务区", "Service centre"),
)

#: Sector rotation and the area each sector sits in.
SECTORS: tuple[str, ...] = ("steel", "food", "electronics", "chemicals", "logistics", "office")
_SECTOR_AREA = {"steel": 0, "food": 1, "electronics": 1, "chemicals": 2, "logistics": 3, "office": 1}
_SCHEDULE = {
    "steel": "shift3",
    "food": "shift2",
    "electronics": "day",
    "chemicals": "shift3",
    "logistics": "logistics",
    "office": "office",
}

#: (name, English name, GB/T 4754-2017 code) per sector, in order of appearance.
NAMES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "steel": (
        ("华东精密轧钢有限公司", "East China Precision Rolling Co., Ltd.", "C3130"),
        ("苏南特钢精整有限公司", "Sunan Special Steel Finishing Co., Ltd.", "C3130"),
        ("金晟热处理科技有限公司", "Jinsheng Heat Treatment Technology Co., Ltd.", "C3360"),
        ("恒通冷轧板带有限公司", "Hengtong Cold-Rolled Strip Co., Ltd.", "C3130"),
        ("宏远精密钢管有限公司", "Hongyuan Precision Steel Tube Co., Ltd.", "C3130"),
        ("德隆紧固件有限公司", "Delong Fasteners Co., Ltd.", "C3482"),
        ("锡澄金属制品有限公司", "Xicheng Metal Products Co., Ltd.", "C3399"),
    ),
    "food": (
        ("绿源食品饮料有限公司", "Lvyuan Food & Beverage Co., Ltd.", "C1523"),
        ("稻香园食品有限公司", "Daoxiangyuan Foods Co., Ltd.", "C1431"),
        ("清泉乳业有限公司", "Qingquan Dairy Co., Ltd.", "C1441"),
        ("金穗烘焙食品有限公司", "Jinsui Bakery Co., Ltd.", "C1411"),
        # a brewery (啤酒制造, C1513): graded against GB 32047-2025 (see _QUOTA_PRODUCTS)
        ("江南酿造有限公司", "Jiangnan Brewing Co., Ltd.", "C1513"),
        ("太湖水产冷冻食品有限公司", "Taihu Frozen Aquatic Foods Co., Ltd.", "C1361"),
        ("苏味调味品有限公司", "Suwei Condiments Co., Ltd.", "C1469"),
    ),
    "electronics": (
        ("星海电子科技有限公司", "Xinghai Electronics Co., Ltd.", "C3982"),
        ("博微半导体封测有限公司", "Bowei Semiconductor Packaging & Test Co., Ltd.", "C3973"),
        ("联创精密电子有限公司", "Lianchuang Precision Electronics Co., Ltd.", "C3989"),
        ("启明光电科技有限公司", "Qiming Optoelectronics Co., Ltd.", "C3976"),
        ("智联通信设备有限公司", "Zhilian Communication Equipment Co., Ltd.", "C3922"),
        ("瑞芯传感技术有限公司", "Ruixin Sensing Technology Co., Ltd.", "C3983"),
        ("天宇计算机配件有限公司", "Tianyu Computer Components Co., Ltd.", "C3912"),
    ),
    "chemicals": (
        # makes formaldehyde (有机化学原料, C2614): graded against GB 46029-2025 (see _QUOTA_PRODUCTS)
        ("苏和精细化工有限公司", "Suhe Fine Chemicals Co., Ltd.", "C2614"),
        ("江海新材料科技有限公司", "Jianghai New Materials Technology Co., Ltd.", "C2651"),
        ("东方涂料有限公司", "Dongfang Coatings Co., Ltd.", "C2641"),
        ("锦程助剂有限公司", "Jincheng Additives Co., Ltd.", "C2661"),
        ("润泽医药中间体有限公司", "Runze Pharmaceutical Intermediates Co., Ltd.", "C2710"),
        ("碧源水处理剂有限公司", "Biyuan Water Treatment Chemicals Co., Ltd.", "C2662"),
        ("恒信有机硅材料有限公司", "Hengxin Organosilicon Materials Co., Ltd.", "C2614"),
    ),
    "logistics": (
        ("顺达物流仓储有限公司", "Shunda Logistics & Warehousing Co., Ltd.", "G5920"),
        ("冷链通冷链物流有限公司", "Lengliantong Cold Chain Logistics Co., Ltd.", "G5930"),
        ("园通供应链管理有限公司", "Yuantong Supply Chain Management Co., Ltd.", "G5920"),
        ("鲜达冷藏物流有限公司", "Xianda Refrigerated Logistics Co., Ltd.", "G5930"),
        ("长江国际货运仓储有限公司", "Changjiang International Freight & Storage Co., Ltd.", "G5920"),
        ("恒运化工品仓储有限公司", "Hengyun Chemical Storage Co., Ltd.", "G5942"),
    ),
    "office": (
        ("园区科创中心运营有限公司", "Park Innovation Centre Operations Co., Ltd.", "K7040"),
        ("智谷软件有限公司", "Zhigu Software Co., Ltd.", "I6513"),
        ("绿碳能源科技服务有限公司", "Lvtan Energy Technology Services Co., Ltd.", "M7514"),
        ("数联信息技术有限公司", "Shulian Information Technology Co., Ltd.", "I6560"),
        ("创新设计研究院有限公司", "Innovation Design Institute Co., Ltd.", "M7320"),
        ("江南企业总部管理有限公司", "Jiangnan Corporate Headquarters Co., Ltd.", "L7211"),
    ),
}

#: Maximum number of enterprises the catalogue names.
MAX_ENTERPRISES = sum(len(v) for v in NAMES.values())

# Size ranges (scale of the sector template) by sector; the first enterprise of steel and chemicals are
# the park's key energy-consuming units (重点用能单位, > 10 000 tce/a) and have a fixed scale of 1.
_SCALE = {
    "steel": (0.10, 0.22),
    "food": (0.45, 1.0),
    "electronics": (0.45, 1.0),
    "chemicals": (0.22, 0.5),
    "logistics": (0.5, 1.0),
    "office": (0.4, 1.0),
}

# Energy intensity [tce per 10k CNY output value] and value-added share by sector (orders of magnitude of
# Jiangsu statistics: ferrous rolling ~0.5, chemicals ~0.3, food ~0.08, electronics ~0.03).
_ECONOMICS = {
    "steel": (0.55, 0.17),
    "food": (0.08, 0.27),
    "electronics": (0.035, 0.21),
    "chemicals": (0.32, 0.23),
    "logistics": (0.06, 0.35),
    "office": (0.02, 0.5),
}

_PRODUCTS = {
    "steel": ("轧制钢材", "STEEL", "t", 0.058),
    "food": ("饮料及食品", "FOOD", "t", 0.045),
    "electronics": ("电子组件", "PCBA", "千件", 0.012),
    "chemicals": ("化工产品", "CHEM", "t", 0.42),
}

#: Products of the demo that a national energy-quota standard (单位产品能源消耗限额) covers, by enterprise
#: position: (name, code suffix, unit, tce per unit, quota_key). The grades are those of
#: ``energy_quotas.csv`` (confidence M: one secondary transcription of each standard's table). The
#: specific energy puts E04's formaldehyde (silver process) at 690 kgce/t, grade 2 of GB 46029-2025
#: (≤ 700), and E26's beer at 31 kgce/kL, grade 2 of GB 32047-2025 (≤ 35). The other products — rolled
#: steel, beverages and foods other than beer, electronic assemblies, the other chemicals — have no
#: national quota standard in the library (GB 21256-2025 covers the crude-steel processes sintering to
#: EAF, not rolling): benchmarking ranks them among their peers only.
_QUOTA_PRODUCTS: dict[int, tuple[str, str, str, float, str]] = {
    4: ("甲醛（银法）", "HCHO", "t", 0.690, "gb46029-2025.formaldehyde_silver"),
    26: ("啤酒", "BEER", "kL", 0.031, "gb32047-2025.beer"),
}


def _el(
    code: str, name: str, loads: tuple[str, ...], peak_kw: float, *, parent: str = "EL-MAIN"
) -> MeterSpec:
    """An electricity sub-meter; a current transformer (multiplier) above ~50 kW, as wired in practice."""
    mult = 1.0 if peak_kw < 50 else 80.0 if peak_kw < 250 else 300.0 if peak_kw < 1000 else 600.0
    return MeterSpec(code, name, "electricity", "kWh", "sub", parent=parent, loads=loads, multiplier=mult)


def _sector_template(
    sector: str, s: float, variant: dict[str, bool]
) -> tuple[dict[str, LoadSpec], list[MeterSpec]]:
    """Loads and meters of one enterprise of ``sector`` at scale ``s`` (codes without the prefix)."""
    L = LoadSpec  # noqa: N806 (reads like the table it is)
    loads: dict[str, LoadSpec] = {}
    meters: list[MeterSpec] = []
    if sector == "steel":
        loads = {
            "mill": L("electricity", "process", 700 * s, 3600 * s, sigma=0.12),
            "fans": L("electricity", "process", 250 * s, 450 * s),
            "comp": L("electricity", "compressor", 200 * s, 420 * s),
            "pumps": L("electricity", "flat", 300 * s),
            "hvac": L("electricity", "hvac", 20 * s, cool=18 * s, heat=8 * s),
            "light": L("electricity", "lighting", peak=120 * s),
            "furnace": L("natural_gas", "process", 300 * s, 1300 * s, sigma=0.06),
            "water": L("water", "process", 5 * s, 15 * s),
        }
        meters = [
            _el("EL-MILL", "轧机主传动", ("mill",), 3600 * s),
            _el("EL-FURN", "加热炉助燃风机", ("fans",), 450 * s),
            _el("EL-COMP", "空压站", ("comp",), 420 * s),
            _el("EL-AUX", "循环水泵及通风空调", ("pumps", "hvac"), 400 * s),
            _el("EL-LIGHT", "车间及办公照明", ("light",), 120 * s),
            MeterSpec(
                "NG-FURN",
                "加热炉天然气",
                "natural_gas",
                "Nm3",
                "process",
                parent="NG-MAIN",
                loads=("furnace",),
            ),
        ]
    elif sector == "chemicals":
        loads = {
            "proc": L("electricity", "process", 900 * s, 1500 * s),
            "pumps": L("electricity", "flat", 450 * s),
            "comp": L("electricity", "compressor", 150 * s, 260 * s),
            "cooling": L("electricity", "hvac", 80 * s, cool=25 * s, always=True),
            "hvac": L("electricity", "hvac", 10 * s, cool=6 * s, heat=3 * s),
            "light": L("electricity", "lighting", peak=60 * s),
            "steam_proc": L("heat", "process", 10 * s, 22 * s, sigma=0.05),
            "steam_trace": L("heat", "hvac", 0.5 * s, heat=0.6 * s, always=True),
            "rto": L("natural_gas", "flat", 60 * s),
            "water": L("water", "process", 20 * s, 45 * s),
        }
        meters = [
            _el("EL-PROC", "反应及工艺装置", ("proc",), 1500 * s),
            _el("EL-PUMP", "物料及循环水泵", ("pumps",), 450 * s),
            _el("EL-COMP", "空压及制氮", ("comp",), 260 * s),
            _el("EL-COOL", "循环冷却塔", ("cooling",), 400 * s),
            _el("EL-LIGHT", "照明及控制室空调", ("light", "hvac"), 200 * s),
            MeterSpec("ST-MAIN", "外购蒸汽热量总表", "heat", "GJ", "main", kind="interval", main=True),
            MeterSpec(
                "ST-PROC",
                "工艺装置蒸汽热量",
                "heat",
                "GJ",
                "process",
                kind="interval",
                parent="ST-MAIN",
                loads=("steam_proc",),
            ),
        ]
    elif sector == "food":
        loads = {
            "line": L("electricity", "process", 60 * s, 650 * s, sigma=0.06),
            "cold": L("electricity", "cold", 150 * s, cool=12 * s),
            "comp": L("electricity", "compressor", 30 * s, 160 * s),
            "hvac": L("electricity", "hvac", 15 * s, cool=10 * s, heat=5 * s),
            "light": L("electricity", "lighting", peak=60 * s),
            "boiler": L("natural_gas", "process", 25 * s, 260 * s, heat=8 * s),
            "canteen": L("natural_gas", "canteen", peak=25 * s),
            "water": L("water", "process", 3 * s, 30 * s),
        }
        meters = [
            _el("EL-LINE", "生产及灌装线", ("line",), 650 * s),
            _el("EL-COLD", "冷库及制冷机组", ("cold",), 400 * s),
            _el("EL-COMP", "空压机", ("comp",), 160 * s),
            _el("EL-LIGHT", "照明及办公空调", ("light", "hvac"), 200 * s),
            MeterSpec(
                "NG-BLR1",
                "1号燃气蒸汽锅炉",
                "natural_gas",
                "Nm3",
                "process",
                parent="NG-MAIN",
                loads=("boiler",),
            ),
            MeterSpec(
                "NG-CANT", "食堂天然气", "natural_gas", "Nm3", "other", parent="NG-MAIN", loads=("canteen",)
            ),
        ]
    elif sector == "electronics":
        loads = {
            "smt": L("electricity", "process", 40 * s, 700 * s),
            "clean": L("electricity", "hvac", 220 * s, cool=25 * s, heat=10 * s, always=True),
            "comp": L("electricity", "compressor", 25 * s, 180 * s),
            "hvac": L("electricity", "hvac", 10 * s, cool=14 * s, heat=6 * s),
            "light": L("electricity", "lighting", peak=80 * s),
            "canteen": L("natural_gas", "canteen", peak=30 * s),
            "water": L("water", "process", 1 * s, 12 * s),
        }
        meters = [
            _el("EL-SMT", "贴片及组装线", ("smt",), 700 * s),
            _el("EL-CLEAN", "洁净室空调", ("clean",), 800 * s),
            _el("EL-COMP", "空压机", ("comp",), 180 * s),
            MeterSpec(
                "EL-HVAC",
                "办公空调",
                "electricity",
                "kWh",
                "hvac",
                parent="EL-MAIN",
                loads=("hvac",),
                multiplier=80.0,
            ),
            MeterSpec(
                "EL-LIGHT",
                "照明",
                "electricity",
                "kWh",
                "lighting",
                parent="EL-MAIN",
                loads=("light",),
                multiplier=80.0,
            ),
        ]
    elif sector == "logistics":
        cold = variant.get("cold", False)
        loads = {
            "light": L("electricity", "lighting", peak=150 * s),
            "fork": L("electricity", "ev_fleet", peak=120 * s),
            "hvac": L("electricity", "hvac", 5 * s, cool=4 * s, heat=2 * s),
            "water": L("water", "process", 0.3 * s, 2 * s),
        }
        if cold:
            loads["cold"] = L("electricity", "cold", 350 * s, cool=20 * s)
        meters = [
            MeterSpec(
                "EL-LIGHT",
                "库区照明",
                "electricity",
                "kWh",
                "lighting",
                parent="EL-MAIN",
                loads=("light",),
                multiplier=80.0,
            ),
            _el("EL-FORK", "叉车充电间", ("fork",), 120 * s),
        ]
        if cold:
            meters.append(_el("EL-COLD", "冷库制冷机组", ("cold",), 800 * s))
    elif sector == "office":
        loads = {
            "hvac": L("electricity", "hvac", 15 * s, cool=40 * s, heat=20 * s),
            "light": L("electricity", "lighting", peak=90 * s),
            "plug": L("electricity", "process", 15 * s, 120 * s),
            "lift": L("electricity", "process", 5 * s, 40 * s, sigma=0.15),
            "dc": L("electricity", "flat", 60 * s),
            "canteen": L("natural_gas", "canteen", peak=15 * s),
            "water": L("water", "process", 0.5 * s, 6 * s),
        }
        meters = [
            MeterSpec(
                "EL-HVAC",
                "中央空调",
                "electricity",
                "kWh",
                "hvac",
                parent="EL-MAIN",
                loads=("hvac",),
                multiplier=300.0,
            ),
            MeterSpec(
                "EL-LIGHT",
                "照明",
                "electricity",
                "kWh",
                "lighting",
                parent="EL-MAIN",
                loads=("light",),
                multiplier=80.0,
            ),
            _el("EL-PLUG", "插座及办公设备", ("plug",), 120 * s),
            _el("EL-LIFT", "电梯", ("lift",), 40 * s),
            _el("EL-DC", "机房", ("dc",), 70 * s),
        ]
    else:  # pragma: no cover - the rotation names only the sectors above
        raise ValueError(f"unknown sector {sector!r}")
    return loads, meters


def _park_facilities(seed: int) -> EnterpriseSpec:
    """The park's own facilities (enterprise ``None``): each is a separate supply with its own meter."""
    L = LoadSpec  # noqa: N806 (reads like the table it is)
    loads = {
        "streetlight": L("electricity", "streetlight", peak=180.0),
        "wwtp": L("electricity", "flat", 420.0, sigma=0.06),
        "admin_hvac": L("electricity", "hvac", 10.0, cool=22.0, heat=12.0),
        "admin_light": L("electricity", "lighting", peak=45.0),
        "admin_plug": L("electricity", "process", 10.0, 70.0),
        "ev_public": L("electricity", "ev_public", peak=600.0),
        "pv": L("electricity", "pv", peak=300.0),
    }
    p = PARK_CODE_PREFIX
    meters = (
        MeterSpec(
            f"{p}-EL-LIGHT",
            "园区道路照明",
            "electricity",
            "kWh",
            "lighting",
            loads=("streetlight",),
            multiplier=80.0,
        ),
        MeterSpec(
            f"{p}-EL-WWTP",
            "园区污水处理厂",
            "electricity",
            "kWh",
            "process",
            loads=("wwtp",),
            multiplier=300.0,
            rated_capacity_per_hour=900.0,
        ),
        MeterSpec(
            f"{p}-EL-ADMIN",
            "管委会综合楼总表",
            "electricity",
            "kWh",
            "main",
            loads=("admin_hvac", "admin_light", "admin_plug"),
            main=True,
            multiplier=80.0,
        ),
        MeterSpec(
            f"{p}-EL-PV",
            "综合楼屋顶光伏",
            "electricity",
            "kWh",
            "pv_generation",
            loads=("pv",),
            multiplier=80.0,
        ),
        MeterSpec(
            f"{p}-EL-EVSTA",
            "园区公共充电站",
            "electricity",
            "kWh",
            "ev_charging",
            loads=("ev_public",),
            multiplier=300.0,
        ),
        MeterSpec(
            f"{p}-SUB-KW",
            "110kV变电站总有功功率",
            "electricity",
            "kW",
            "other",
            kind="instant",
            power_of="*",
            interval_s=15,
        ),
    )
    return EnterpriseSpec(
        index=0,
        code=p,
        name="园区公共设施",
        name_en="Park facilities",
        industry_code="N7810",
        sector="park",
        schedule="office",
        area=4,
        scale=1.0,
        loads=loads,
        meters=meters,
        maintenance_doy=int(uniform(stream_key(seed, "park", "maint"), np.asarray([0]))[0] * 300) + 30,
    )


def _enterprise(seed: int, index: int) -> EnterpriseSpec:
    """The catalogue's enterprise number ``index`` (1-based), with seed-dependent size and options."""
    sector = SECTORS[(index - 1) % len(SECTORS)]
    nth = (index - 1) // len(SECTORS)
    name, name_en, industry = NAMES[sector][nth]
    code = f"E{index:02d}"

    def draw(what: str) -> float:
        return float(uniform(stream_key(seed, code, what), np.asarray([0], dtype=np.int64))[0])

    lo, hi = _SCALE[sector]
    scale = 1.0 if index in (1, 4) else round(lo + (hi - lo) * draw("scale"), 3)
    variant = {"cold": industry == "G5930"}
    loads, meters = _sector_template(sector, scale, variant)
    # options: rooftop PV on most factories and all warehouses; EV chargers on offices, electronics,
    # logistics (vans); a Saturday shift at some two-shift and day-shift plants
    pv_kwp = 0.0
    if sector in ("logistics",) or (
        sector in ("steel", "food", "electronics", "office") and draw("pv") < 0.7
    ):
        pv_kwp = round(
            {"steel": 1000, "food": 400, "electronics": 600, "logistics": 2000, "office": 250}[sector]
            * scale
            * (0.6 + 0.8 * draw("pv_size")),
            -1,
        )
        if index == 1:
            pv_kwp = 1000.0
    if pv_kwp > 0:
        loads["pv"] = LoadSpec("electricity", "pv", peak=pv_kwp)
        meters.append(
            MeterSpec(
                "EL-PV",
                "屋顶分布式光伏",
                "electricity",
                "kWh",
                "pv_generation",
                loads=("pv",),
                multiplier=1.0 if pv_kwp < 50 else 80.0 if pv_kwp < 250 else 300.0,
            )
        )
    if sector == "logistics" or (sector in ("electronics", "office") and draw("ev") < 0.75):
        kind = "ev_fleet" if sector == "logistics" else "ev_work"
        ev_kw = (400 if sector == "logistics" else 120) * scale
        loads["ev"] = LoadSpec("electricity", kind, peak=ev_kw)
        meters.append(
            _el("EL-EV", "电动汽车充电桩" if sector != "logistics" else "物流车充电站", ("ev",), ev_kw)
        )
        meters[-1] = MeterSpec(**{**meters[-1].__dict__, "purpose": "ev_charging"})
    el_loads = [k for k, v in loads.items() if v.carrier == "electricity" and v.kind != "pv"]
    peak_el = sum(max(v.peak, v.base) + 30 * (v.cool + v.heat) for k, v in loads.items() if k in el_loads)
    mv = peak_el > 1500  # a 10 kV supply with voltage and current transformers
    main_mult = (4000.0 if peak_el > 5000 else 2000.0) if mv else (400.0 if peak_el > 400 else 200.0)
    # register start values: a meter's register has run for years before the demo
    start = 1000.0 + 60_000.0 * draw("register")
    head = [
        MeterSpec(
            "EL-MAIN",
            "10kV总进线" if mv else "低压总进线",
            "electricity",
            "kWh",
            "main",
            main=True,
            multiplier=main_mult,
            rated_capacity_per_hour=round(peak_el * 1.6, -1),
            register_start=start,
        ),
    ]
    if sector in ("steel", "chemicals", "electronics"):
        head.append(
            MeterSpec(
                "EL-MAIN-Q",
                "总进线无功电量",
                "electricity",
                "kvarh",
                "other",
                parent="EL-MAIN",
                reactive_of="EL-MAIN",
                multiplier=main_mult,
                register_start=start * 0.4,
            )
        )
    head.append(
        MeterSpec(
            "EL-MAIN-KW",
            "总进线有功功率",
            "electricity",
            "kW",
            "other",
            kind="instant",
            parent="EL-MAIN",
            power_of="EL-MAIN",
            interval_s=15,
        )
    )
    if any(v.carrier == "natural_gas" for v in loads.values()):
        head.append(
            MeterSpec(
                "NG-MAIN",
                "天然气总表",
                "natural_gas",
                "Nm3",
                "main",
                main=True,
                register_start=5000.0 + 90_000.0 * draw("gas"),
            )
        )
    # E01's water register has six digits and wraps during the history (the generator places the wrap)
    water_max = 999_999.9 if index == 1 else None
    water_start = 500.0 + 9000.0 * draw("water")
    head.append(
        MeterSpec(
            "WT-MAIN",
            "新水总表",
            "water",
            "t",
            "main",
            main=True,
            interval_s=3600,
            register_max=water_max,
            register_start=water_start,
        )
    )
    prefixed = tuple(
        MeterSpec(
            **{
                **m.__dict__,
                "code": f"{code}-{m.code}",
                "parent": None if m.parent is None else f"{code}-{m.parent}",
                "reactive_of": None if m.reactive_of is None else f"{code}-{m.reactive_of}",
                "power_of": None if m.power_of is None else f"{code}-{m.power_of}",
                "register_start": m.register_start or round(100.0 + 20_000.0 * draw(m.code), 2),
            }
        )
        for m in (*head, *meters)
    )
    intensity, va = _ECONOMICS[sector]
    product = _PRODUCTS.get(sector)
    products = (ProductSpec(product[0], f"{code}-{product[1]}", product[2], product[3]),) if product else ()
    if index in _QUOTA_PRODUCTS:
        q_name, q_code, q_unit, q_tce, q_key = _QUOTA_PRODUCTS[index]
        products = (ProductSpec(q_name, f"{code}-{q_code}", q_unit, q_tce, quota_key=q_key),)
    diesel = {"steel": 12.0, "chemicals": 4.0, "logistics": 22.0, "food": 3.0}.get(sector, 0.0) * scale
    return EnterpriseSpec(
        index=index,
        code=code,
        name=name,
        name_en=name_en,
        industry_code=industry,
        sector=sector,
        schedule=_SCHEDULE[sector],
        area=_SECTOR_AREA[sector],
        scale=scale,
        loads=loads,
        meters=prefixed,
        saturday=sector in ("food", "electronics") and draw("saturday") < 0.5,
        power_factor=0.82 if index == 1 else round(0.94 + 0.03 * draw("pf"), 3),
        products=products,
        diesel_t_per_month=round(diesel, 2),
        coal_t_per_month=520.0 if index == 4 else 0.0,
        coal_ncv_gj_per_t=21.8 if index == 4 else 0.0,
        intensity_tce_per_10k_cny=intensity * (0.8 + 0.4 * draw("intensity")),
        value_added_share=va,
        maintenance_doy=30 + int(300 * draw("maintenance")),
        planted=PLANTED.get(index, frozenset()),
    )


def build_catalogue(seed: int, enterprises: int) -> list[EnterpriseSpec]:
    """The park's facilities (index 0) and ``enterprises`` enterprises, deterministic for ``seed``."""
    if not 1 <= enterprises <= MAX_ENTERPRISES:
        raise ValueError(f"the demo catalogue names 1 to {MAX_ENTERPRISES} enterprises; got {enterprises}")
    return [_park_facilities(seed), *(_enterprise(seed, i) for i in range(1, enterprises + 1))]
