"""Energy balance (能源平衡) of a park, area or enterprise over a period, and its Sankey diagram.

Sources → uses → losses and unmetered remainder, every flow in one unit (tce or GJ) through the
standard-coal coefficients of GB/T 2589-2020 (:func:`parkcarbon.core.energy.coal_equivalent_coefficient`;
electricity and heat on the equivalent value 当量值 unless the accounting options say otherwise).
1 tce = 29.3076 GJ (GB/T 2589-2020 §3).

The meter hierarchy (计量器具层级, GB 17167-2006 §4.2: 进出用能单位 → 次级用能单位 → 主要用能设备) is read
per carrier:

* A *boundary* meter (no parent in the scope) of purpose other than ``pv_generation`` / ``export`` is
  purchased supply (外购) of its carrier; a ``pv_generation`` meter anywhere is own generation (自发);
  an ``export`` meter is energy sent out (外送).
* The carrier's supply feeds a bus; the bus feeds the children of the boundary meters (the first-level
  sub-meters); each sub-meter feeds its own children.
* At the bus: remainder = purchased + generated − exported − Σ first-level sub-meters.
  At a sub-meter: remainder = its quantity − Σ its children. A remainder is line losses plus
  unmetered use (损耗及未计量); it is never split by guess.
* Metered share (计量覆盖率) = Σ leaf sub-meter use / (supply − exported): the part of the energy used
  whose destination a meter measured.

A negative remainder (children above their parent: meter error, a missing generation meter or a
period mismatch) is kept in the table with a ``balance.negative_remainder`` warning and left out of the
Sankey (whose links must be positive), so the diagram then does not close and says why.

Conversion (boilers, CHP, heat pumps) is not modelled yet: a boiler's gas and its steam appear as
two carriers, each balanced on its own.

References
----------
.. [1] GB/T 2589-2020 综合能耗计算通则, §3, §4, Annex A.
.. [2] GB 17167-2006 用能单位能源计量器具配备和管理通则, §4.2 (three levels of metering).
.. [3] GB/T 3484-2009 企业能量平衡通则, §4 (balance: supplied = effective use + losses).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from parkcarbon.core.carriers import CARRIERS
from parkcarbon.core.energy.comprehensive_energy import GJ_PER_TCE, coal_equivalent_coefficient
from parkcarbon.core.energy_system.errors import EnergyInputError, EnergySystemError
from parkcarbon.core.errors import AccountingError
from parkcarbon.core.lineage import CalcWarning, Lineage
from parkcarbon.core.options import AccountingOptions

__all__ = [
    "BalanceLine",
    "BalanceMeter",
    "CarrierBalance",
    "EnergyBalance",
    "EnergyUnit",
    "SankeyData",
    "SankeyLink",
    "SankeyNode",
    "energy_balance",
]

EnergyUnit = Literal["tce", "GJ"]

_GENERATION = "pv_generation"
_EXPORT = "export"


@dataclass(frozen=True, slots=True)
class BalanceMeter:
    """A meter's quantity over the period.

    Attributes
    ----------
    id : str
        Meter id (unique in the input).
    name : str
        Display name.
    carrier : str
        Carrier id (:data:`parkcarbon.core.CARRIERS`).
    unit : str
        Unit of ``quantity`` (``kWh``, ``m3``, ``GJ`` …).
    quantity : float
        Energy through the meter in the period [``unit``], CT/PT multiplier applied, ≥ 0.
    parent_id : str or None
        The meter upstream of it; ``None`` or an id outside the input makes it a boundary meter.
    purpose : str or None
        ``pv_generation`` (own generation), ``export`` (sent out) or any other use purpose.
    """

    id: str
    name: str
    carrier: str
    unit: str
    quantity: float
    parent_id: str | None = None
    purpose: str | None = None


@dataclass(frozen=True, slots=True)
class BalanceLine:
    """One line of the balance table.

    ``kind``: ``purchased`` | ``generated`` | ``exported`` | ``use`` (a leaf sub-meter) |
    ``intermediate`` (a sub-meter with children) | ``remainder`` (losses + unmetered below ``node``).
    """

    kind: str
    carrier: str
    node: str
    name: str
    quantity: float | None
    unit: str | None
    energy: float


@dataclass(frozen=True, slots=True)
class CarrierBalance:
    """Balance of one carrier [``EnergyBalance.unit``]."""

    carrier: str
    purchased: float
    generated: float
    exported: float
    metered_use: float
    remainder: float
    metered_share: float | None
    coefficient_tce_per_unit: dict[str, float]
    lineage: tuple[Lineage, ...]


@dataclass(frozen=True, slots=True)
class SankeyNode:
    name: str
    label_zh: str
    label_en: str
    kind: str


@dataclass(frozen=True, slots=True)
class SankeyLink:
    source: str
    target: str
    value: float


@dataclass(frozen=True, slots=True)
class SankeyData:
    """ECharts ``series[type='sankey']`` data: ``nodes`` → ``data``, ``links`` → ``links``."""

    nodes: tuple[SankeyNode, ...]
    links: tuple[SankeyLink, ...]

    def echarts(self, lang: str = "zh") -> dict[str, list[dict[str, object]]]:
        """Plain dicts for ``series.data`` / ``series.links``; labels in ``lang`` (``zh`` or ``en``)."""
        return {
            "data": [
                {"name": n.name, "label": {"formatter": n.label_zh if lang == "zh" else n.label_en}}
                for n in self.nodes
            ],
            "links": [{"source": k.source, "target": k.target, "value": k.value} for k in self.links],
        }


@dataclass(frozen=True)
class EnergyBalance:
    """Energy balance of a scope over a period.

    Attributes
    ----------
    unit : ``"tce"`` or ``"GJ"``
    supply : float
        Purchased + generated (all carriers).
    exported, metered_use, remainder : float
        supply = exported + metered_use + remainder (exact, by construction of the remainders).
    metered_share : float or None
        metered_use / (supply − exported); ``None`` when nothing was used.
    carriers : tuple of CarrierBalance
    lines : tuple of BalanceLine
        The table: every meter and every remainder.
    sankey : SankeyData
    warnings : tuple of CalcWarning
    """

    unit: EnergyUnit
    supply: float
    exported: float
    metered_use: float
    remainder: float
    metered_share: float | None
    carriers: tuple[CarrierBalance, ...]
    lines: tuple[BalanceLine, ...]
    sankey: SankeyData
    warnings: tuple[CalcWarning, ...] = field(default=())

    @property
    def closes(self) -> bool:
        """True if the Sankey's terminal flows add up to its sources (no negative remainder)."""
        return not any(w.code == "balance.negative_remainder" for w in self.warnings)


def _validate(meters: Sequence[BalanceMeter]) -> dict[str, BalanceMeter]:
    by_id: dict[str, BalanceMeter] = {}
    for m in meters:
        if m.id in by_id:
            raise EnergyInputError(f"meter id {m.id!r} appears twice", field="meters.id")
        if m.carrier not in CARRIERS:
            raise EnergyInputError(f"meter {m.id!r}: unknown carrier {m.carrier!r}", field="meters.carrier")
        if not (m.quantity >= 0):  # also refuses NaN
            raise EnergyInputError(
                f"meter {m.id!r}: quantity {m.quantity!r} must be a number ≥ 0", field="meters.quantity"
            )
        by_id[m.id] = m
    for m in meters:
        p = by_id.get(m.parent_id) if m.parent_id is not None else None
        if p is not None and p.carrier != m.carrier:
            raise EnergySystemError(
                f"meter {m.id!r} ({m.carrier}) has parent {p.id!r} of carrier {p.carrier}",
                field="meters.parent_id",
                code="energy.hierarchy",
            )
        seen = {m.id}
        while p is not None:
            if p.id in seen:
                raise EnergySystemError(
                    f"meter hierarchy has a cycle through {m.id!r}",
                    field="meters.parent_id",
                    code="energy.hierarchy",
                )
            seen.add(p.id)
            p = by_id.get(p.parent_id) if p.parent_id is not None else None
    return by_id


def energy_balance(
    meters: Iterable[BalanceMeter],
    *,
    unit: EnergyUnit = "tce",
    year: int,
    options: AccountingOptions = AccountingOptions(),
) -> EnergyBalance:
    """Energy balance of the meters of a scope over a period (能源平衡表 and Sankey).

    Parameters
    ----------
    meters : iterable of BalanceMeter
        Every meter of the scope with its quantity over the period.
    unit : ``"tce"`` or ``"GJ"``
        Unit of every flow.  GJ = tce × 29.3076 (GB/T 2589-2020 §3).
    year : int
        Reporting year (for year-specific coefficients).
    options : AccountingOptions
        Value basis and choice points (e.g. ``natural_gas_source``).

    Raises
    ------
    EnergyInputError
        Duplicate ids, unknown carriers, negative or NaN quantities.
    EnergySystemError
        ``energy.hierarchy``: cycle, or a parent of another carrier; ``energy.unit``: a quantity
        without a coefficient (steam by mass, ambiguous gas source …) — the message says what to give.
    """
    if unit not in ("tce", "GJ"):
        raise EnergyInputError(f"unit must be 'tce' or 'GJ', not {unit!r}", field="unit")
    ms = list(meters)
    by_id = _validate(ms)
    scale = 1.0 if unit == "tce" else GJ_PER_TCE
    children: dict[str, list[BalanceMeter]] = defaultdict(list)
    for m in ms:
        if m.parent_id is not None and m.parent_id in by_id:
            children[m.parent_id].append(m)

    coeffs: dict[tuple[str, str], tuple[float, Lineage]] = {}

    def energy(m: BalanceMeter) -> float:
        key = (m.carrier, m.unit)
        if key not in coeffs:
            try:
                coeffs[key] = coal_equivalent_coefficient(m.carrier, m.unit, year=year, options=options)
            except AccountingError as exc:
                raise EnergySystemError(
                    f"meter {m.id!r} ({m.carrier} in {m.unit}): {exc}",
                    field="meters.unit",
                    code="energy.unit",
                ) from exc
        return m.quantity * coeffs[key][0] * scale

    lines: list[BalanceLine] = []
    nodes: dict[str, SankeyNode] = {}
    links: list[SankeyLink] = []
    warnings: list[CalcWarning] = []
    carrier_results: list[CarrierBalance] = []

    def add_node(name: str, zh: str, en: str, kind: str) -> None:
        nodes.setdefault(name, SankeyNode(name, zh, en, kind))

    def link(src: str, dst: str, value: float) -> None:
        if value > 0:
            links.append(SankeyLink(src, dst, value))

    def line(kind: str, m: BalanceMeter | None, carrier: str, node: str, name: str, value: float) -> None:
        lines.append(
            BalanceLine(kind, carrier, node, name, m.quantity if m else None, m.unit if m else None, value)
        )

    for carrier_id in sorted({m.carrier for m in ms}):
        car = CARRIERS[carrier_id]
        cms = [m for m in ms if m.carrier == carrier_id]
        boundary = [m for m in cms if m.parent_id is None or m.parent_id not in by_id]
        gen = [m for m in cms if m.purpose == _GENERATION]
        exp = [m for m in cms if m.purpose == _EXPORT]
        purchased = [m for m in boundary if m.purpose not in (_GENERATION, _EXPORT)]
        bus = f"bus:{carrier_id}"
        add_node(bus, car.name_zh, car.name_en, "carrier")
        p_sum = g_sum = x_sum = 0.0
        for m in purchased:
            e = energy(m)
            p_sum += e
            node = f"meter:{m.id}"
            add_node(node, f"{m.name}（外购）", f"{m.name} (purchased)", "purchased")
            link(node, bus, e)
            line("purchased", m, carrier_id, node, m.name, e)
        for m in gen:
            e = energy(m)
            g_sum += e
            node = f"meter:{m.id}"
            add_node(node, f"{m.name}（自发）", f"{m.name} (own generation)", "generated")
            link(node, bus, e)
            line("generated", m, carrier_id, node, m.name, e)
        for m in exp:
            e = energy(m)
            x_sum += e
            node = f"meter:{m.id}"
            add_node(node, f"{m.name}（外送）", f"{m.name} (exported)", "exported")
            link(bus, node, e)
            line("exported", m, carrier_id, node, m.name, e)

        metered = 0.0
        remainder_sum = 0.0

        def descend(
            parent_node: str,
            parent_name: tuple[str, str],
            parent_energy: float,
            kids: list[BalanceMeter],
            bus: str = bus,
            carrier_id: str = carrier_id,
        ) -> None:
            nonlocal metered, remainder_sum
            kids = [k for k in kids if k.purpose not in (_GENERATION, _EXPORT)]
            if not kids and parent_node != bus:
                return
            kid_sum = 0.0
            for k in kids:
                e = energy(k)
                kid_sum += e
                node = f"meter:{k.id}"
                grand = children.get(k.id, [])
                has_kids = any(g.purpose not in (_GENERATION, _EXPORT) for g in grand)
                add_node(node, k.name, k.name, "intermediate" if has_kids else "use")
                link(parent_node, node, e)
                line("intermediate" if has_kids else "use", k, carrier_id, node, k.name, e)
                if has_kids:
                    descend(node, (k.name, k.name), e, grand, bus, carrier_id)
                else:
                    metered += e
            rest = parent_energy - kid_sum
            remainder_sum += rest
            rnode = f"remainder:{parent_node}"
            add_node(
                rnode,
                f"{parent_name[0]}：损耗及未计量",
                f"{parent_name[1]}: losses and unmetered",
                "remainder",
            )
            line("remainder", None, carrier_id, rnode, f"{parent_name[1]}: losses and unmetered", rest)
            if rest < -1e-9 * max(abs(parent_energy), 1.0):
                warnings.append(
                    CalcWarning(
                        "balance.negative_remainder",
                        f"{carrier_id}: the sub-meters below {parent_name[1]} sum to {kid_sum:.6g} {unit}, "
                        f"more than its {parent_energy:.6g} {unit} (meter error, a missing generation "
                        "meter or a period mismatch); left out of the Sankey",
                    )
                )
            else:
                link(parent_node, rnode, rest)

        first_level = [k for b in boundary for k in children.get(b.id, [])]
        descend(bus, (car.name_zh, car.name_en), p_sum + g_sum - x_sum, first_level)
        used = p_sum + g_sum - x_sum
        coeff = {u: c for (cid, u), (c, _) in coeffs.items() if cid == carrier_id}
        lin = tuple(lg for (cid, _), (_, lg) in coeffs.items() if cid == carrier_id)
        for lg in lin:
            warnings.extend(lg.warnings)
        carrier_results.append(
            CarrierBalance(
                carrier=carrier_id,
                purchased=p_sum,
                generated=g_sum,
                exported=x_sum,
                metered_use=metered,
                remainder=remainder_sum,
                metered_share=(metered / used) if used > 0 else None,
                coefficient_tce_per_unit=coeff,
                lineage=lin,
            )
        )

    supply = sum(c.purchased + c.generated for c in carrier_results)
    exported = sum(c.exported for c in carrier_results)
    metered = sum(c.metered_use for c in carrier_results)
    remainder = sum(c.remainder for c in carrier_results)
    used = supply - exported
    return EnergyBalance(
        unit=unit,
        supply=supply,
        exported=exported,
        metered_use=metered,
        remainder=remainder,
        metered_share=(metered / used) if used > 0 else None,
        carriers=tuple(carrier_results),
        lines=tuple(lines),
        sankey=SankeyData(tuple(nodes.values()), tuple(links)),
        warnings=tuple(dict.fromkeys(warnings)),
    )
