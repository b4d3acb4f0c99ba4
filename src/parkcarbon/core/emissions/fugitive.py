"""Fugitive emissions of refrigerants and SF6 (逸散排放) by mass balance, and GWP weighting.

Mass balance (GHG Protocol HFC/PFC tool; IPCC 2006 Vol. 3 Ch. 7 §7.5.2.2 equipment-level approach):

    E = (I_start − I_end) + (P − S) + (C_retired − C_new)

with I the inventory in storage, P purchases / transfers in, S sales / disposals / recovery,
C the total charge of retired and new equipment.  CO2e = E × GWP (GWP100 of the chosen report).
"""

from __future__ import annotations

from functools import lru_cache

from parkcarbon.core.errors import AmbiguousFactorError, MissingFactorError
from parkcarbon.core.factors.library import library
from parkcarbon.core.lineage import CalcWarning, Lineage
from parkcarbon.core.options import AccountingOptions

__all__ = ["GAS_ALIASES", "gwp", "mass_balance_emission_t"]

GAS_ALIASES: dict[str, str] = {
    "CO2": "CO2",
    "CH4": "CH4",
    "N2O": "N2O",
    "SF6": "SF6",
    "NF3": "NF3",
    "CF4": "CF4",
    "C2F6": "C2F6",
    "HFC-134a": "HFC-134a",
    "R-134a": "HFC-134a",
    "R134a": "HFC-134a",
    "HFC-32": "HFC-32",
    "R-32": "HFC-32",
    "R32": "HFC-32",
    "HFC-125": "HFC-125",
    "R-125": "HFC-125",
    "HFC-143a": "HFC-143a",
    "R-143a": "HFC-143a",
    "HFC-23": "HFC-23",
    "R-23": "HFC-23",
    "R-410A": "R-410A",
    "R410A": "R-410A",
}


@lru_cache(maxsize=256)
def gwp(gas: str, options: AccountingOptions) -> tuple[float, Lineage]:
    """GWP100 of a gas or blend in the options' report (SAR/AR4/AR5/AR6).

    Blends (R-410A) are the mass-weighted sum of their components (GHG Protocol; ASHRAE 34).

    Raises
    ------
    MissingFactorError
        Gas unknown or absent from the chosen report (e.g. HFCs in SAR here).
    """
    name = GAS_ALIASES.get(gas)
    if name is None:
        raise MissingFactorError(
            "gwp", gas, {}, f"known gases: {', '.join(sorted(set(GAS_ALIASES.values())))}"
        )
    lib = library()
    set_id = f"GWP-{options.gwp}"
    comps = lib.find("blend_mass_fraction", name)
    if comps:
        total = 0.0
        lin = Lineage()
        parts = []
        for c in comps:
            comp = c.option_value
            g, glin = gwp(comp, options)
            total += c.value * g
            parts.append(f"{c.value:g} × {g:g} ({comp})")
            lin = lin.merged(Lineage((c.use(),), "", "", ())).merged(glin)
        return total, Lineage(
            lin.factors,
            f"GWP({name}) = " + " + ".join(parts) + f" = {total:g}",
            "GHG Protocol blend GWP (mass-weighted)",
            lin.warnings,
        )
    rows = lib.find("gwp", name, set=set_id)
    if not rows:
        raise MissingFactorError("gwp", name, {"gwp": options.gwp}, "choose another GWP set")
    warns: tuple[CalcWarning, ...] = ()
    if len(rows) > 1:
        value, defaulted = options.choice("ar6_methane")
        if value is None:  # pragma: no cover - ar6_methane has a default
            raise AmbiguousFactorError(
                "gwp", name, "ar6_methane", {r.option_value: str(r.value) for r in rows}
            )
        row = next(r for r in rows if r.option_value == value)
        if defaulted:
            other = ", ".join(f"{r.option_value} {r.value:g}" for r in rows if r is not row)
            warns = (
                CalcWarning(
                    "choice.default",
                    f"ar6_methane not given: {value!r} ({row.value:g}) applied; alternative: {other}",
                ),
            )
    else:
        row = rows[0]
    return row.value, Lineage(
        (row.use(),), f"GWP({name}) = {row.value:g} ({options.gwp})", row.citation, warns
    )


def mass_balance_emission_t(
    *,
    inventory_start_t: float = 0.0,
    inventory_end_t: float = 0.0,
    purchased_t: float = 0.0,
    disposed_t: float = 0.0,
    capacity_retired_t: float = 0.0,
    capacity_new_t: float = 0.0,
) -> float:
    """Gas emitted by mass balance [t]: E = (I_start − I_end) + (P − S) + (C_retired − C_new)."""
    return (
        (inventory_start_t - inventory_end_t)
        + (purchased_t - disposed_t)
        + (capacity_retired_t - capacity_new_t)
    )
