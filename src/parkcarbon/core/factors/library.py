"""Loading and indexing of the packaged factor files."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from parkcarbon.core.errors import MissingFactorError
from parkcarbon.core.lineage import FactorUse

__all__ = ["Factor", "FactorLibrary", "FactorSet", "library", "read_data_csv"]

FACTOR_FILES = (
    "gbt2589_2020.csv",
    "fuel_parameters.csv",
    "ipcc2006_energy.csv",
    "grid_electricity.csv",
    "heat.csv",
    "carbonates.csv",
    "gwp.csv",
)
REQUIRED_COLUMNS = (
    "id",
    "set",
    "kind",
    "subject",
    "option",
    "name_zh",
    "name_en",
    "value",
    "unit",
    "source",
    "clause",
    "edition",
    "region",
    "data_year",
    "valid_from",
    "valid_to",
    "confidence",
    "notes",
)
CONFIDENCE_LEVELS = ("H", "M", "L")


@dataclass(frozen=True, slots=True)
class Factor:
    """One row of the factor library.

    Attributes
    ----------
    id : str
        Unique, stable id (``"gbt2589-2020.coal_equivalent.diesel"``).
    set : str
        Factor set (see ``sets.csv``), e.g. ``"GB/T 32150-2015"``, ``"MEE-NBS-2023"``.
    kind : str
        What the value is: ``coal_equivalent``, ``ncv``, ``carbon_content``, ``oxidation_rate``,
        ``grid_ef``, ``heat_ef``, ``carbonate_ef``, ``gwp`` …
    subject : str
        Carrier id, gas, carbonate formula or region the value applies to.
    option : str
        ``"choice=value"`` where the library holds alternatives (``natural_gas_source=oil_field``),
        else ``""``.
    value : float
        Value in ``unit`` exactly as printed in the source.
    unit : str
        Unit of ``value`` (``kgce/kg``, ``GJ/t``, ``tC/TJ``, ``%``, ``tCO2/MWh`` …).
    source, clause, edition : str
        Document number and title, table or clause, edition.
    region : str
        ``CN``, ``GLOBAL``, ``grid:<region>`` or an ISO 3166-2:CN code.
    data_year : int or None
        Year the value describes (grid factors), else ``None``.
    valid_from, valid_to : str
        ISO dates of applicability ("" = open).
    confidence : str
        ``H``, ``M`` or ``L`` as defined in docs/accounting.md.
    notes : str
        Disagreements, provenance remarks.
    """

    id: str
    set: str
    kind: str
    subject: str
    option: str
    name_zh: str
    name_en: str
    value: float
    unit: str
    source: str
    clause: str
    edition: str
    region: str
    data_year: int | None
    valid_from: str
    valid_to: str
    confidence: str
    notes: str

    @property
    def citation(self) -> str:
        """``"<source>, <clause>"``."""
        return f"{self.source}, {self.clause}" if self.clause and self.clause != "—" else self.source

    def use(self, *, value: float | None = None, unit: str | None = None) -> FactorUse:
        """This factor as a lineage entry (optionally with a converted value and unit)."""
        return FactorUse(
            id=self.id,
            value=self.value if value is None else value,
            unit=self.unit if unit is None else unit,
            source=self.citation,
            confidence=self.confidence,
        )

    @property
    def option_value(self) -> str:
        """Right-hand side of ``option`` (``"oil_field"``), or ``""``."""
        return self.option.split("=", 1)[1] if "=" in self.option else ""

    @property
    def option_name(self) -> str:
        """Left-hand side of ``option`` (``"natural_gas_source"``), or ``""``."""
        return self.option.split("=", 1)[0] if "=" in self.option else ""


@dataclass(frozen=True, slots=True)
class FactorSet:
    """A row of ``sets.csv``: one coherent source of factors."""

    set: str
    title: str
    document: str
    edition: str
    status: str
    files: str


def read_data_csv(name: str) -> list[dict[str, str]]:
    """Rows of a packaged data file (``core/factors/data/<name>``); lines starting with ``#`` are comments."""
    text = resources.files("parkcarbon.core.factors").joinpath("data", name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def _data_bytes(name: str) -> bytes:
    return resources.files("parkcarbon.core.factors").joinpath("data", name).read_bytes()


class FactorLibrary:
    """All packaged factors, indexed by ``(kind, subject)`` and by id.

    Use the module-level :func:`library` to get the shared, cached instance.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, Factor] = {}
        self._index: dict[tuple[str, str], list[Factor]] = defaultdict(list)
        sha = hashlib.sha256()
        for name in FACTOR_FILES:
            sha.update(_data_bytes(name))
            for raw in read_data_csv(name):
                missing = [c for c in REQUIRED_COLUMNS if c not in raw]
                if missing:
                    raise ValueError(f"factor file {name} lacks columns {missing}")
                year = raw["data_year"].strip()
                fac = Factor(
                    id=raw["id"],
                    set=raw["set"],
                    kind=raw["kind"],
                    subject=raw["subject"],
                    option=raw["option"],
                    name_zh=raw["name_zh"],
                    name_en=raw["name_en"],
                    value=float(raw["value"]),
                    unit=raw["unit"],
                    source=raw["source"],
                    clause=raw["clause"],
                    edition=raw["edition"],
                    region=raw["region"],
                    data_year=int(year) if year else None,
                    valid_from=raw["valid_from"],
                    valid_to=raw["valid_to"],
                    confidence=raw["confidence"],
                    notes=raw["notes"],
                )
                if fac.id in self._by_id:
                    raise ValueError(f"duplicate factor id {fac.id!r} in {name}")
                self._by_id[fac.id] = fac
                self._index[(fac.kind, fac.subject)].append(fac)
        self.sets: dict[str, FactorSet] = {
            r["set"]: FactorSet(r["set"], r["title"], r["document"], r["edition"], r["status"], r["files"])
            for r in read_data_csv("sets.csv")
        }
        self.version: str = sha.hexdigest()[:12]
        """Content hash of the factor files: changes whenever any row changes."""

    def __iter__(self) -> Iterator[Factor]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, factor_id: str) -> Factor:
        """Factor by id; :class:`MissingFactorError` if absent."""
        try:
            return self._by_id[factor_id]
        except KeyError:
            raise MissingFactorError("factor", factor_id) from None

    def find(
        self,
        kind: str,
        subject: str,
        *,
        set: str | None = None,
        option: str | None = None,
        region: str | None = None,
        data_year: int | None = None,
    ) -> list[Factor]:
        """Rows matching every given criterion (``None`` = any).

        ``option`` matches the whole ``choice=value`` string, or ``""`` for rows without option.
        """
        out = []
        for f in self._index.get((kind, subject), ()):
            if set is not None and f.set != set:
                continue
            if option is not None and f.option != option:
                continue
            if region is not None and f.region != region:
                continue
            if data_year is not None and f.data_year != data_year:
                continue
            out.append(f)
        return out

    def one(self, kind: str, subject: str, *, remedy: str = "", **criteria: str | int | None) -> Factor:
        """Exactly one row matching the criteria.

        Raises
        ------
        MissingFactorError
            No row matches; the message names kind, subject and criteria.
        ValueError
            Several rows match (a data error: selection must be unambiguous).
        """
        rows = self.find(kind, subject, **criteria)  # type: ignore[arg-type]
        if not rows:
            raise MissingFactorError(kind, subject, dict(criteria), remedy)
        if len(rows) > 1:
            raise ValueError(
                f"ambiguous factor selection {kind}/{subject} {criteria}: {[r.id for r in rows]}"
            )
        return rows[0]


@lru_cache(maxsize=1)
def library() -> FactorLibrary:
    """The shared factor library (loaded on first use)."""
    return FactorLibrary()
