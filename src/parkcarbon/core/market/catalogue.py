"""The two shelves of the marketplace (两个货架): energy services (能源服务) and carbon services (双碳服务).

The white paper (seed §3.1.1, 服务生态端 / 企业应用端) describes the platform's business model: the park
operator selects energy and carbon service products for the park ("能碳服务上架"), which form "能源服务 +
双碳服务的两个货架" from which enterprises order ("点菜"). The categories on each shelf are the services the
paper itself names in §3.3 (园区能源: 绿色电力替代, 提升能源利用效率, 数字化资产管理) and §3.4
(企业双碳数字化服务: 碳资产管理, 咨询认证, 绿色资产交易, 绿色金融); each row names the section it comes
from. ``cbam_report`` is not in the paper (it predates the EU CBAM transitional period); it is listed
because issue 15 names it and export enterprises ask for it.

Price models (计价方式) follow issue 15 §2: a fixed price (固定总价), a price per unit (按量计价), quotation
only (询价报价) and a share of measured savings (节能效益分享, GB/T 24915-2020 合同能源管理).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CATEGORIES",
    "CATEGORY_BY_ID",
    "PRICE_MODELS",
    "SHELVES",
    "Category",
    "PriceModel",
    "Shelf",
    "ShelfInfo",
    "UnknownCategory",
    "categories_on",
    "category",
]


class Shelf(StrEnum):
    """A shelf of the marketplace (货架)."""

    ENERGY = "energy"  # 能源服务
    CARBON = "carbon"  # 双碳服务


class PriceModel(StrEnum):
    """How a listing is priced (计价方式)."""

    FIXED = "fixed"  # 固定总价
    PER_UNIT = "per_unit"  # 按量计价 (per site, per meter, per product …)
    QUOTATION = "quotation"  # 询价报价 (no list price)
    SAVINGS_SHARE = "savings_share"  # 节能效益分享 (GB/T 24915-2020)


@dataclass(frozen=True, slots=True)
class ShelfInfo:
    shelf: Shelf
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Category:
    """A service category on a shelf; ``seed_ref`` is the section of the white paper that names it."""

    id: str
    shelf: Shelf
    name_zh: str
    name_en: str
    seed_ref: str


class UnknownCategory(ValueError):
    """The category id is not one of :data:`CATEGORIES`."""


SHELVES: tuple[ShelfInfo, ...] = (
    ShelfInfo(Shelf.ENERGY, "能源服务", "Energy services"),
    ShelfInfo(Shelf.CARBON, "双碳服务", "Carbon services"),
)

PRICE_MODELS: dict[PriceModel, tuple[str, str]] = {
    PriceModel.FIXED: ("固定总价", "Fixed price"),
    PriceModel.PER_UNIT: ("按量计价", "Price per unit"),
    PriceModel.QUOTATION: ("询价报价", "Quotation only"),
    PriceModel.SAVINGS_SHARE: ("节能效益分享", "Share of measured savings"),
}

CATEGORIES: tuple[Category, ...] = (
    # --- 能源服务 (seed §3.3 园区能源) ---------------------------------------------------------------
    Category("energy_audit", Shelf.ENERGY, "能源审计与能效诊断", "Energy audit and efficiency diagnosis",
             "§3.3.3 数字化精益改善（智能诊断）"),
    Category("energy_saving_retrofit", Shelf.ENERGY, "节能改造", "Energy-saving retrofit",
             "§3.3.3 硬件优化升级（锅炉、电机、泵、风机、压缩机、变频器、变压器）"),
    Category("waste_heat_recovery", Shelf.ENERGY, "余热余压回收利用", "Waste heat and pressure recovery",
             "§3.3.3 资源循环与能量梯次利用"),
    Category("pv_storage_epc", Shelf.ENERGY, "分布式光伏与储能建设", "Rooftop PV and storage EPC",
             "§3.3.2 绿色电力替代（新能源电站、储能设施建设）"),
    Category("power_quality", Shelf.ENERGY, "电能质量治理", "Power-quality treatment",
             "§3.3.4 精管理（故障跳闸分析、电能质量定性分析、容量分析）"),
    Category("energy_om", Shelf.ENERGY, "能源设施智慧运维", "Energy asset operation and maintenance",
             "§3.3.4 数字化资产管理（运营维护）"),
    Category("electricity_retail", Shelf.ENERGY, "售电与绿电交易代理", "Power retail, green power",
             "§3.4.3 售电服务、绿电交易、绿证交易"),
    # --- 双碳服务 (seed §3.4 企业双碳数字化服务) ----------------------------------------------------------
    Category("carbon_inventory", Shelf.CARBON, "企业碳盘查", "Corporate carbon inventory",
             "§3.4.1 企业碳盘查"),
    Category("carbon_verification", Shelf.CARBON, "碳排放核查与MRV", "Emissions verification and MRV",
             "§3.4.1 MRV 管理"),
    Category("carbon_neutral_planning", Shelf.CARBON, "碳中和规划咨询", "Carbon-neutrality planning",
             "§3.4.2 企业碳中和规划"),
    Category("product_footprint", Shelf.CARBON, "产品碳足迹", "Product carbon footprint",
             "§3.4.2 企业碳足迹、产品碳足迹"),
    Category("cbam_report", Shelf.CARBON, "CBAM 排放报告", "CBAM emissions report",
             "not in the paper; issue 15 §2"),
    Category("carbon_asset_management", Shelf.CARBON, "碳资产管理与履约", "Carbon assets and compliance",
             "§3.4.1 碳资产管理、碳履约管理；§3.4.3 碳交易"),
    Category("green_finance", Shelf.CARBON, "绿色金融咨询", "Green-finance advisory",
             "§3.4.3 绿色金融；§5.2.2 引入市场化的绿色金融服务"),
)  # fmt: skip

CATEGORY_BY_ID: dict[str, Category] = {c.id: c for c in CATEGORIES}


def category(category_id: str) -> Category:
    """The category ``category_id``; raises :class:`UnknownCategory` naming the valid ids."""
    try:
        return CATEGORY_BY_ID[category_id]
    except KeyError:
        raise UnknownCategory(
            f"unknown service category {category_id!r}; one of: {', '.join(CATEGORY_BY_ID)}"
        ) from None


def categories_on(shelf: Shelf) -> tuple[Category, ...]:
    return tuple(c for c in CATEGORIES if c.shelf == shelf)
