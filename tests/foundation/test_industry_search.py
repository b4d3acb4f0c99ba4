"""Issue 13 §7: industry names beside GB/T 4754-2017 codes and organisation search by the industry's
Chinese or English name and by English names.

Expected names are transcribed from GB/T 4754-2017 国民经济行业分类 (with amendment No. 1, 2019): class 3130
钢压延加工 in division 31 黑色金属冶炼和压延加工业; class 3982 电子电路制造 in division 39 计算机、通信和其他
电子设备制造业; division 34 通用设备制造业 (no class of it is transcribed: a code in it shows the division).
The seeded park A has E01 (3130), E02 (1523, "Lvyuan Food & Beverage") and E03 (3982). On the old code
OrganisationPublic had no industry name and list_organisations no ``q``.
"""

from __future__ import annotations

from parkcarbon.core.codes import INDUSTRY_CLASSES, industry_names
from parkcarbon.demo.catalogue import NAMES
from parkcarbon.services.accounts import auth
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.registry import organisations
from parkcarbon.store.db import Database
from tests.conftest import World


def test_names_of_classes_and_divisions() -> None:
    assert industry_names("C3130") == ("钢压延加工", "Steel rolling")
    assert industry_names("3982")[0] == "电子电路制造"  # type: ignore[index]
    assert industry_names("C3412")[0] == "通用设备制造业"  # type: ignore[index]
    assert industry_names("C31")[0] == "黑色金属冶炼和压延加工业"  # type: ignore[index]
    assert industry_names("X9999") is None and industry_names(None) is None


def test_every_code_the_demo_uses_has_its_class_name() -> None:
    used = {code[1:] for sector in NAMES.values() for _zh, _en, code in sector}
    assert used <= set(INDUSTRY_CLASSES), used - set(INDUSTRY_CLASSES)


def _found(db: Database, world: World, q: str) -> set[str]:
    p = auth.authenticate(db, world.token("a", "park_analyst"))
    page = organisations.list_organisations(db, p, PageParams(limit=100), park_id=world.a.park_id, q=q)
    return {o.name for o in page.data}


def test_search_by_industry_name_in_either_language_and_by_english_name(db: Database, world: World) -> None:
    assert _found(db, world, "钢压延") == {"华东精密轧钢有限公司"}
    assert _found(db, world, "steel ROLLING") == {"华东精密轧钢有限公司"}
    assert _found(db, world, "电子设备制造") == {"星海电子科技有限公司"}  # the division's name
    assert _found(db, world, "Lvyuan") == {"绿源食品饮料有限公司"}
    assert _found(db, world, "100%") == set()  # LIKE wildcards are escaped
    p = auth.authenticate(db, world.token("a", "park_analyst"))
    e01 = next(
        o
        for o in organisations.list_organisations(db, p, PageParams(limit=100), park_id=world.a.park_id).data
        if o.industry_code == "3130"
    )
    assert (e01.industry_name, e01.industry_name_en) == ("钢压延加工", "Steel rolling")
