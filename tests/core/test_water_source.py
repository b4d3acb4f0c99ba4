"""Issue 13: water's tce conversion has one cited source. GB/T 2589-2020 lists no coefficient for fresh
water (standards-facts 1.25: 0.2571 kgce/t is the GB/T 2589-2008 value; 0.0857 kgce/t was found in code
with no published origin), so no water row may cite the 2020 edition, and exactly one row cites a
published document: GB/T 2589-2008 Annex A, 0.2571 kgce/t."""

from __future__ import annotations

from parkcarbon.core.factors.library import library


def test_water_has_one_cited_source_and_it_is_not_the_2020_edition() -> None:
    rows = [f for f in library() if f.kind == "coal_equivalent" and f.subject == "water"]
    assert rows, "the library has no water coefficient"
    assert not [f for f in rows if f.source.startswith("GB/T 2589-2020")], [f.source for f in rows]
    cited = [f for f in rows if f.source.startswith("GB/T")]
    assert len(cited) == 1
    (water,) = cited
    assert water.source.startswith("GB/T 2589-2008") and water.edition == "2008"
    assert water.value == 0.2571 and water.unit == "kgce/t"  # standards-facts 1.25
    assert water.option == "water_coefficient=0.2571" and water.confidence == "L"
