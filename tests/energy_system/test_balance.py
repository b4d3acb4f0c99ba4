"""Energy balance (能源平衡) of a hand-built meter hierarchy, computed by hand.

Coefficients (GB/T 2589-2020 Annex A, equivalent value): electricity 0.1229 kgce/kWh, heat
0.03412 tce/GJ, diesel 1.4571 kgce/kg; 1 tce = 29.3076 GJ (§3).

Hierarchy (quantities over the period):

    electricity  M0 main 10 000 kWh ── A workshop 6 000 ── A1 3 500, A2 2 000   (A remainder 500)
                                    └─ B office 4 800 (leaf)
                 PV  2 000 kWh (pv_generation, registered under M0)
                 X     500 kWh (export)
                 bus remainder = 10 000 + 2 000 − 500 − (6 000 + 4 800) = 700 kWh
    heat         H0 100 GJ ── H1 80 GJ                                    (bus remainder 20 GJ)
    diesel       D0 2 t, no sub-meter                                      (bus remainder 2 t)

In tce: electricity supply 12 000 × 1.229e-4 = 1.4748; exported 0.06145; leaf use
10 300 kWh = 1.26587; remainders 1 200 kWh = 0.14748. Heat 3.412 / 2.7296 / 0.6824.
Diesel 2.9142 / 0 / 2.9142. Totals: supply 7.801, exported 0.06145, metered 3.99547,
remainder 3.74408; metered share 3.99547 / 7.73955.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parkcarbon.core.energy_system import BalanceMeter, EnergyInputError, EnergySystemError, energy_balance
from parkcarbon.core.options import AccountingOptions

# Floating-point sums of a handful of products: 1e-9 relative is far above rounding (1e-15) and far
# below any wrong coefficient or wrong hierarchy rule (≥ 1e-4 relative).
REL = 1e-9


def hierarchy() -> list[BalanceMeter]:
    e = "electricity"
    return [
        BalanceMeter("M0", "总进线", e, "kWh", 10_000, purpose="main"),
        BalanceMeter("PV", "屋顶光伏", e, "kWh", 2_000, parent_id="M0", purpose="pv_generation"),
        BalanceMeter("X", "上网关口", e, "kWh", 500, purpose="export"),
        BalanceMeter("A", "车间", e, "kWh", 6_000, parent_id="M0", purpose="sub"),
        BalanceMeter("A1", "空压机", e, "kWh", 3_500, parent_id="A", purpose="process"),
        BalanceMeter("A2", "照明", e, "kWh", 2_000, parent_id="A", purpose="lighting"),
        BalanceMeter("B", "办公楼", e, "kWh", 4_800, parent_id="M0", purpose="sub"),
        BalanceMeter("H0", "蒸汽总表", "heat", "GJ", 100, purpose="main"),
        BalanceMeter("H1", "烘干线", "heat", "GJ", 80, parent_id="H0", purpose="process"),
        BalanceMeter("D0", "柴油", "diesel", "t", 2, purpose="main"),
    ]


def test_hand_computed_balance_in_tce() -> None:
    b = energy_balance(hierarchy(), unit="tce", year=2025)
    assert b.supply == pytest.approx(7.801, rel=REL)
    assert b.exported == pytest.approx(0.06145, rel=REL)
    assert b.metered_use == pytest.approx(3.99547, rel=REL)
    assert b.remainder == pytest.approx(3.74408, rel=REL)
    assert b.metered_share == pytest.approx(3.99547 / 7.73955, rel=REL)
    el = next(c for c in b.carriers if c.carrier == "electricity")
    assert (el.purchased, el.generated) == (pytest.approx(1.229), pytest.approx(0.2458))
    assert el.remainder == pytest.approx(0.14748, rel=REL)
    assert el.metered_share == pytest.approx(1.26587 / (1.4748 - 0.06145), rel=REL)
    rem = {ln.node: ln.energy for ln in b.lines if ln.kind == "remainder"}
    assert rem["remainder:meter:A"] == pytest.approx(500 * 1.229e-4, rel=REL)
    assert rem["remainder:bus:electricity"] == pytest.approx(700 * 1.229e-4, rel=REL)
    assert rem["remainder:bus:diesel"] == pytest.approx(2.9142, rel=REL)
    assert b.closes


def test_gj_is_tce_times_29_3076() -> None:
    t = energy_balance(hierarchy(), unit="tce", year=2025)
    g = energy_balance(hierarchy(), unit="GJ", year=2025)
    assert g.supply == pytest.approx(7.801 * 29.3076, rel=REL)
    assert g.metered_use == pytest.approx(t.metered_use * 29.3076, rel=REL)
    assert g.metered_share == pytest.approx(t.metered_share, rel=REL)


def test_sankey_closes_and_is_a_dag_of_positive_links() -> None:
    b = energy_balance(hierarchy(), unit="tce", year=2025)
    names = [n.name for n in b.sankey.nodes]
    assert len(names) == len(set(names))
    assert all(k.value > 0 for k in b.sankey.links)
    assert all(k.source in names and k.target in names for k in b.sankey.links)
    targets = {k.target for k in b.sankey.links}
    sources = {k.source for k in b.sankey.links}
    origin = sum(k.value for k in b.sankey.links if k.source not in targets)
    terminal = sum(k.value for k in b.sankey.links if k.target not in sources)
    assert origin == pytest.approx(7.801, rel=REL)
    assert terminal == pytest.approx(origin, rel=REL)  # sources = uses + losses + remainder + export
    ec = b.sankey.echarts("en")
    assert {d["name"] for d in ec["data"]} == set(names)
    assert any(d["label"]["formatter"] == "electricity: losses and unmetered" for d in ec["data"])


def test_children_above_parent_warns_and_the_sankey_does_not_close() -> None:
    ms = [
        BalanceMeter("M", "main", "electricity", "kWh", 100),
        BalanceMeter("C1", "c1", "electricity", "kWh", 70, parent_id="M"),
        BalanceMeter("C2", "c2", "electricity", "kWh", 50, parent_id="M"),
    ]
    b = energy_balance(ms, year=2025)
    assert not b.closes
    assert [w.code for w in b.warnings] == ["balance.negative_remainder"]
    assert b.remainder == pytest.approx(-20 * 1.229e-4, rel=REL)
    assert all(k.value > 0 for k in b.sankey.links)


def test_scope_boundary_meter_whose_parent_is_outside_is_purchased_supply() -> None:
    ms = [BalanceMeter("A", "workshop", "electricity", "kWh", 6_000, parent_id="outside-scope")]
    b = energy_balance(ms, year=2025)
    assert b.supply == pytest.approx(6_000 * 1.229e-4, rel=REL)
    assert b.metered_use == 0.0
    assert b.metered_share == 0.0


@pytest.mark.parametrize(
    ("meters", "code"),
    [
        ([BalanceMeter("a", "a", "electricity", "kWh", 1, parent_id="b"),
          BalanceMeter("b", "b", "electricity", "kWh", 1, parent_id="a")], "energy.hierarchy"),
        ([BalanceMeter("a", "a", "electricity", "kWh", 1),
          BalanceMeter("b", "b", "heat", "GJ", 1, parent_id="a")], "energy.hierarchy"),
        ([BalanceMeter("s", "steam", "steam", "t", 10)], "energy.unit"),
        ([BalanceMeter("w", "water", "water", "t", 10)], "energy.unit"),
    ],
)  # fmt: skip
def test_refusals_name_the_problem(meters: list[BalanceMeter], code: str) -> None:
    with pytest.raises(EnergySystemError) as exc:
        energy_balance(meters, year=2025)
    assert exc.value.code == code


def test_gas_with_a_chosen_source_uses_its_coefficient() -> None:
    # GB/T 2589-2020 Annex A: oil-field natural gas 1.3300 kgce/m3 (gas-field 1.2143 is the default).
    opts = AccountingOptions(natural_gas_source="oil_field")
    b = energy_balance([BalanceMeter("g", "gas", "natural_gas", "m3", 1_000)], year=2025, options=opts)
    assert b.supply == pytest.approx(1.33, rel=REL)


@pytest.mark.parametrize("q", [-1.0, float("nan")])
def test_bad_quantities_are_refused(q: float) -> None:
    with pytest.raises(EnergyInputError, match="quantity"):
        energy_balance([BalanceMeter("m", "m", "electricity", "kWh", q)], year=2025)


def test_duplicate_ids_and_bad_unit_are_refused() -> None:
    m = BalanceMeter("m", "m", "electricity", "kWh", 1)
    with pytest.raises(EnergyInputError, match="twice"):
        energy_balance([m, m], year=2025)
    with pytest.raises(EnergyInputError, match="unit"):
        energy_balance([m], year=2025, unit="MWh")  # type: ignore[arg-type]


@st.composite
def _trees(draw: st.DrawFn) -> list[BalanceMeter]:
    """A random electricity hierarchy: each meter's parent is an earlier meter or none."""
    n = draw(st.integers(1, 12))
    out: list[BalanceMeter] = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        purpose = draw(st.sampled_from([None, "sub", "pv_generation", "export"]))
        q = draw(st.floats(0, 1e6, allow_nan=False))
        out.append(BalanceMeter(f"m{i}", f"m{i}", "electricity", "kWh", q,
                                None if parent is None else f"m{parent}", purpose))  # fmt: skip
    return out


@given(_trees())
@settings(max_examples=150, deadline=None)
def test_supply_is_exported_plus_metered_plus_remainder(meters: list[BalanceMeter]) -> None:
    b = energy_balance(meters, year=2025)
    scale = max(1.0, b.supply)
    # an identity of sums of ≤ 12 terms: 1e-9 × scale is far above float rounding
    assert b.supply == pytest.approx(b.exported + b.metered_use + b.remainder, abs=1e-9 * scale)
    if b.closes:
        targets = {k.target for k in b.sankey.links}
        sources = {k.source for k in b.sankey.links}
        origin = sum(k.value for k in b.sankey.links if k.source not in targets)
        terminal = sum(k.value for k in b.sankey.links if k.target not in sources)
        assert terminal == pytest.approx(origin, abs=1e-9 * scale)
