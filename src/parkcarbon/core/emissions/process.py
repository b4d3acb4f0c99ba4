"""Industrial process emissions (工业生产过程排放).

* Carbonates: E = Σ M × purity × EF × F   (IPCC 2006 Vol. 3 Ch. 2 Eq. 2.14-style; GB/T 32151.x
  carbonate clauses; F = calcination fraction, 1 unless measured).
* Carbon balance: E = (Σ M_in × C_in − Σ M_out × C_out) × 44/12   (GB/T 32151.x carbon-balance method).

Sector formulas (steel, cement, aluminium, chemicals) plug in through :func:`register_process_method`:
a method takes the activity mapping and the options and returns a :class:`ProcessResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from parkcarbon.core.errors import AmbiguousFactorError, MissingFactorError
from parkcarbon.core.factors.library import library
from parkcarbon.core.lineage import CalcWarning, FactorUse, Lineage
from parkcarbon.core.options import AccountingOptions

__all__ = [
    "CARBONATE_ALIASES",
    "PROCESS_METHODS",
    "ProcessMethod",
    "ProcessResult",
    "carbon_balance_co2",
    "carbonate_co2",
    "carbonate_factor",
    "register_process_method",
]

CO2_PER_C = 44.0 / 12.0

#: Accepted names of carbonates → formula used in the library.
CARBONATE_ALIASES: dict[str, str] = {
    "CaCO3": "CaCO3",
    "calcite": "CaCO3",
    "limestone": "CaCO3",
    "MgCO3": "MgCO3",
    "magnesite": "MgCO3",
    "CaMg(CO3)2": "CaMg(CO3)2",
    "dolomite": "CaMg(CO3)2",
    "FeCO3": "FeCO3",
    "siderite": "FeCO3",
    "MnCO3": "MnCO3",
    "BaCO3": "BaCO3",
    "K2CO3": "K2CO3",
    "Li2CO3": "Li2CO3",
    "Na2CO3": "Na2CO3",
    "soda_ash": "Na2CO3",
    "NaHCO3": "NaHCO3",
}


@dataclass(frozen=True, slots=True)
class ProcessResult:
    """Outcome of a process-emission method [tCO2]."""

    tco2: float
    lineage: Lineage


ProcessMethod = Callable[[Mapping[str, Any], AccountingOptions], ProcessResult]
PROCESS_METHODS: dict[str, ProcessMethod] = {}


def register_process_method(name: str, method: ProcessMethod) -> None:
    """Register a sector process method under ``name`` (the activity's ``process`` value).

    The method receives the activity mapping (already validated for ``id``, ``quantity``, ``unit``)
    and the options; it returns a :class:`ProcessResult` whose lineage cites its clause.
    """
    if name in PROCESS_METHODS or name in CARBONATE_ALIASES:
        raise ValueError(f"process method {name!r} already registered")
    PROCESS_METHODS[name] = method


def carbonate_factor(carbonate: str, options: AccountingOptions) -> tuple[float, Lineage]:
    """Emission factor of a carbonate [tCO2/t] (IPCC 2006 Vol. 3 Table 2.1), honouring ``carbonate_basis``."""
    formula = CARBONATE_ALIASES.get(carbonate)
    if formula is None:
        raise MissingFactorError(
            "carbonate_ef", carbonate, {}, f"known: {', '.join(sorted(CARBONATE_ALIASES))}"
        )
    rows = library().find("carbonate_ef", formula)
    if not rows:
        raise MissingFactorError("carbonate_ef", formula)
    warns: tuple[CalcWarning, ...] = ()
    optioned = [r for r in rows if r.option]
    if optioned:
        value, defaulted = options.choice("carbonate_basis")
        if value is None:  # pragma: no cover - carbonate_basis has a default
            raise AmbiguousFactorError(
                "carbonate_ef", formula, "carbonate_basis", {r.option_value: str(r.value) for r in optioned}
            )
        row = next(r for r in optioned if r.option_value == value)
        if defaulted:
            other = ", ".join(f"{r.option_value} {r.value:g}" for r in optioned if r is not row)
            warns = (
                CalcWarning(
                    "choice.default",
                    f"carbonate_basis not given: {value!r} ({row.value:g} tCO2/t) applied; alternative: {other}",  # noqa: E501
                ),
            )
    else:
        row = rows[0]
    if row.confidence == "L":
        warns += (CalcWarning("factor.low_confidence", f"factor {row.id} has confidence L: {row.notes}"),)
    return row.value, Lineage((row.use(),), f"EF = {row.value:g} {row.unit}", row.citation, warns)


def carbonate_co2(
    mass_t: float,
    *,
    carbonate: str,
    purity: float = 1.0,
    calcination_fraction: float = 1.0,
    factor_tco2_per_t: float | None = None,
    options: AccountingOptions = AccountingOptions(),
) -> tuple[float, Lineage]:
    """CO2 from calcining a carbonate [tCO2]: E = M × purity × EF × F.

    Parameters
    ----------
    mass_t : float
        Mass of carbonate-bearing material consumed [t].
    carbonate : str
        Formula or alias (``"CaCO3"``, ``"dolomite"``, ``"Na2CO3"`` …).
    purity : float
        Mass fraction of the carbonate in the material (0–1).
    calcination_fraction : float
        Fraction calcined (0–1); 1 unless measured.
    factor_tco2_per_t : float, optional
        Emission factor prescribed by a sector standard (e.g. 0.44 for FGD limestone), replacing the
        table value.
    """
    if factor_tco2_per_t is not None:
        ef = factor_tco2_per_t
        lin = Lineage(
            (
                FactorUse(
                    "input:factor_tco2_per_t", ef, "tCO2/t", "caller-supplied carbonate factor", "measured"
                ),
            ),
            "",
            "",
        )
    else:
        ef, lin = carbonate_factor(carbonate, options)
    e = mass_t * purity * ef * calcination_fraction
    formula = f"E = M × purity × EF × F = {mass_t:g} t × {purity:g} × {ef:g} tCO2/t × {calcination_fraction:g} = {e:.6g} tCO2"  # noqa: E501
    clause = "IPCC 2006 Vol. 3 Ch. 2 (carbonate use, Table 2.1); GB/T 32151.x carbonate clauses"
    return e, Lineage(lin.factors, formula, clause, lin.warnings)


def carbon_balance_co2(
    inputs: Sequence[tuple[float, float]], outputs: Sequence[tuple[float, float]] = ()
) -> tuple[float, Lineage]:
    """CO2 by carbon balance [tCO2]: E = (Σ M_in × C_in − Σ M_out × C_out) × 44/12.

    Parameters
    ----------
    inputs, outputs : sequence of (mass_t, carbon_mass_fraction)
        Carbon-bearing materials entering and leaving (products, by-products, waste).
    """
    c_in = sum(m * c for m, c in inputs)
    c_out = sum(m * c for m, c in outputs)
    e = (c_in - c_out) * CO2_PER_C
    formula = (
        f"E = (ΣM_in·C_in − ΣM_out·C_out) × 44/12 = ({c_in:.6g} − {c_out:.6g}) tC × 44/12 = {e:.6g} tCO2"
    )
    return e, Lineage((), formula, "GB/T 32151.x carbon-balance method (碳平衡法)")


def _carbon_balance_method(activity: Mapping[str, Any], options: AccountingOptions) -> ProcessResult:
    def pairs(key: str) -> list[tuple[float, float]]:
        return [(float(x["quantity_t"]), float(x["carbon_fraction"])) for x in activity.get(key, [])]

    e, lin = carbon_balance_co2(pairs("inputs"), pairs("outputs"))
    return ProcessResult(e, lin)


PROCESS_METHODS["carbon_balance"] = _carbon_balance_method
