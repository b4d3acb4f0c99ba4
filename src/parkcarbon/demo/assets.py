"""Demo carbon assets (示例碳资产) for the demo enterprise: allowances, CCER, a green-power contract with the
GECs it carried, a GEC claim, an energy-use right, and a registry statement that differs from the ledger
in one line (the difference to find with the reconciliation).

Written through the ledger service's internal :func:`~parkcarbon.services.assets.ledger.record_unchecked`,
so every rule is checked as for a user's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from parkcarbon import sheets
from parkcarbon.services.assets.ledger import record_unchecked
from parkcarbon.services.assets.schemas import AssetTransactionCreate
from parkcarbon.services.errors import NotFound
from parkcarbon.services.principal import SYSTEM
from parkcarbon.store.db import Database
from parkcarbon.store.models import Organisation

__all__ = ["DemoAssets", "demo_registry_statement", "seed_assets_demo"]

CCER_LOT = {"instrument": "ccer", "project": "CCER-14-0001", "methodology": "CCER-14-001-V01"}
GEC_LOT = {"instrument": "gec", "project": "P-WIND-JS-01", "technology": "wind", "tradable": True}


@dataclass(frozen=True)
class DemoAssets:
    enterprise_id: int
    year: int
    transaction_ids: list[int]


def _transactions(year: int) -> list[dict[str, Any]]:
    nxt, block = year + 1, f"GEC-JSW01-{year}06"
    return [
        # 2025 allowances allocated; bought CCER for the offset (≤ 5 %)
        {"kind": "free_allocation", "value_date": f"{nxt}-01-15", "quantity": 24_000, "instrument": "cea",
         "vintage": year, "reference": f"{year}年度配额预分配"},
        {"kind": "purchase", "value_date": f"{nxt}-02-10", "quantity": 800, **CCER_LOT, "vintage": year - 1,
         "serials": [{"block": "CCER-14-0001-V", "start": 1, "end": 800}], "price_cny": 62.0,
         "counterparty": "全国温室气体自愿减排交易市场"},
        # a green-power contract for June: 1 200 MWh settled, carrying 1 200 GECs
        {"kind": "purchase", "value_date": f"{year}-07-10", "quantity": 1200, "instrument": "green_power",
         "contract": f"GP-{year}-001", "period": f"{year}-06", "price_cny": 395.0,
         "counterparty": "江苏电力交易中心"},
        {"kind": "purchase", "value_date": f"{year}-07-15", "quantity": 1200, **GEC_LOT,
         "production_month": f"{year}-06", "serials": [{"block": block, "start": 1, "end": 1200}],
         "price_cny": 0.0, "reference": f"GP-{year}-001 随绿电交易划转"},
        # 1 000 of them claimed for the year's market-based Scope 2
        {"kind": "claim", "value_date": f"{nxt}-01-20", "quantity": 1000, **GEC_LOT,
         "production_month": f"{year}-06", "serials": [{"block": block, "start": 1, "end": 1000}],
         "reference": f"{year}年度绿色电力消费声明"},
        # energy-use right of the year (用能权, Jiangsu pilot)
        {"kind": "free_allocation", "value_date": f"{year}-03-31", "quantity": 9000,
         "instrument": "energy_right", "region": "CN-JS", "vintage": year},
    ]  # fmt: skip


def seed_assets_demo(db: Database, *, enterprise_id: int, year: int, today: date | None = None) -> DemoAssets:
    """Record the demo transactions of ``year`` (dates up to early ``year + 1``; none after ``today``) for
    ``enterprise_id``."""
    ids = []
    with db.transaction() as s:
        org = s.get(Organisation, enterprise_id)
        if org is None:
            raise NotFound("enterprise not found")
        for body in sorted(_transactions(year), key=lambda b: b["value_date"]):
            if today is not None and date.fromisoformat(body["value_date"]) > today:
                continue
            ids.append(record_unchecked(s, SYSTEM, org, AssetTransactionCreate.model_validate(body)).id)
    return DemoAssets(enterprise_id=enterprise_id, year=year, transaction_ids=ids)


def demo_registry_statement(year: int) -> bytes:
    """The registry's statement of the demo holdings at 31 March of ``year + 1`` (CSV, Chinese headers).

    It differs from the ledger in one line, to be found by the reconciliation: the registry shows 790 t
    of CCER where the ledger holds 800 t.
    """
    rows: list[list[Any]] = [
        ["品种", "年度", "项目", "方法学", "技术类型", "生产年月", "可交易", "合同", "月份", "省份", "数量",
         "序列号段", "起始序号", "截止序号"],
        ["配额", year, "", "", "", "", "", "", "", "", 24_000, "", "", ""],
        ["ccer", year - 1, CCER_LOT["project"], CCER_LOT["methodology"], "", "", "", "", "", "", 790,
         "CCER-14-0001-V", 1, 790],
        ["绿证", "", GEC_LOT["project"], "", "wind", f"{year}-06", "是", "", "", "", 200,
         f"GEC-JSW01-{year}06", 1001, 1200],
        ["绿电", "", "", "", "", "", "", f"GP-{year}-001", f"{year}-06", "", 1200, "", "", ""],
        ["用能权", year, "", "", "", "", "", "", "", "CN-JS", 9000, "", "", ""],
    ]  # fmt: skip
    return sheets.write_csv(rows)
