"""Rules of carbon and energy-attribute instruments as versioned data (碳资产规则：版本化数据).

Every rule is a row of ``data/rules.csv``: an id, a version, the value, its unit, the document
(number and title), the article, the dates between which it is in force and a confidence (H / M / L,
as in ``docs/accounting.md``). A changed rule is a **new row** with a higher version; nothing is
overwritten. :meth:`RuleSet.get` picks the version in force on a date and every result of the ledger
and of the compliance calculation names the versions it used (:class:`RuleUse`).

Rules (ids):

* ``gec.mwh_per_certificate`` — 1 GEC (绿证) = 1 MWh (国能发新能规〔2024〕67号).
* ``gec.validity_months`` — 24 months from the production month inclusive (67号).
* ``gec.legacy_valid_until`` — power produced before 2024-01-01: valid until 2025-12-31 (67号).
* ``gec.max_trades`` — a tradable GEC is traded once (发改能源〔2023〕1044号).
* ``gec.max_claims`` — a GEC is claimed once, then cancelled (67号).
* ``ccer.offset_cap_fraction`` — CCER covers at most 5 % of a surrender obligation
  (生态环境部令第19号 第二十九条; 国务院令第775号).
* ``cea.borrowing_allowed`` / ``cea.banking_allowed`` — allocation plans (low confidence, see the CSV).
* ``ets.surrender_due_month_day`` — default surrender deadline in the following year.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

__all__ = ["Rule", "RuleError", "RuleSet", "RuleUse", "RuleValue", "default_rules"]

RuleValue = Decimal | bool | date | str
CONFIDENCE = ("H", "M", "L")
COLUMNS = (
    "id",
    "version",
    "value",
    "unit",
    "document",
    "article",
    "effective_from",
    "effective_to",
    "confidence",
    "notes",
)


class RuleError(LookupError):
    """No version of a rule is in force on the date asked, or the rule file is malformed."""


@dataclass(frozen=True, slots=True)
class RuleUse:
    """Which version of a rule a result used (stored with the result)."""

    id: str
    version: int


@dataclass(frozen=True, slots=True)
class Rule:
    """One version of one rule.

    Attributes
    ----------
    id, version : str, int
        ``(id, version)`` is unique; a higher version supersedes from its ``effective_from``.
    value : Decimal | bool | date | str
        The rule's value in ``unit``.
    document, article : str
        Source: document number and title, article or clause.
    effective_from, effective_to : date, date | None
        In force from / through (inclusive); ``None``: still in force.
    confidence : str
        ``H``, ``M`` or ``L``.
    """

    id: str
    version: int
    value: RuleValue
    unit: str
    document: str
    article: str
    effective_from: date
    effective_to: date | None
    confidence: str
    notes: str

    @property
    def use(self) -> RuleUse:
        return RuleUse(self.id, self.version)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


def _parse_value(raw: str, unit: str) -> RuleValue:
    if raw in {"true", "false"}:
        return raw == "true"
    if unit == "date":
        return date.fromisoformat(raw)
    try:
        return Decimal(raw)
    except ArithmeticError:
        return raw


class RuleSet:
    """A set of rule versions; :meth:`get` answers the version in force on a date."""

    def __init__(self, rules: list[Rule]) -> None:
        seen: set[tuple[str, int]] = set()
        by_id: dict[str, list[Rule]] = {}
        for rule in rules:
            if (rule.id, rule.version) in seen:
                raise RuleError(f"rule {rule.id} version {rule.version} is listed twice")
            if rule.confidence not in CONFIDENCE:
                raise RuleError(f"rule {rule.id} v{rule.version}: confidence must be one of H, M, L")
            seen.add((rule.id, rule.version))
            by_id.setdefault(rule.id, []).append(rule)
        for rid, versions in by_id.items():
            versions.sort(key=lambda r: r.version)
            for older, newer in itertools.pairwise(versions):
                if older.effective_to is None or older.effective_to >= newer.effective_from:
                    raise RuleError(f"rule {rid}: version {older.version} overlaps version {newer.version}")
        self._by_id = by_id

    @classmethod
    def from_csv(cls, text: str) -> RuleSet:
        lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        reader = csv.DictReader(io.StringIO("\n".join(lines)))
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise RuleError(f"rule file columns must be {', '.join(COLUMNS)}")
        rules = [
            Rule(
                id=row["id"],
                version=int(row["version"]),
                value=_parse_value(row["value"], row["unit"]),
                unit=row["unit"],
                document=row["document"],
                article=row["article"],
                effective_from=date.fromisoformat(row["effective_from"]),
                effective_to=date.fromisoformat(row["effective_to"]) if row["effective_to"] else None,
                confidence=row["confidence"],
                notes=row["notes"],
            )
            for row in reader
        ]
        return cls(rules)

    def all(self) -> list[Rule]:
        return [rule for versions in self._by_id.values() for rule in versions]

    def versions(self, rule_id: str) -> list[Rule]:
        if rule_id not in self._by_id:
            raise RuleError(f"unknown rule {rule_id!r}")
        return list(self._by_id[rule_id])

    def get(self, rule_id: str, on: date) -> Rule:
        """The version of ``rule_id`` in force on ``on`` (raises :class:`RuleError` if none is)."""
        for rule in self.versions(rule_id):
            if rule.in_force(on):
                return rule
        raise RuleError(f"no version of rule {rule_id!r} is in force on {on.isoformat()}")

    def decimal(self, rule_id: str, on: date) -> tuple[Decimal, RuleUse]:
        rule = self.get(rule_id, on)
        if not isinstance(rule.value, Decimal) or isinstance(rule.value, bool):
            raise RuleError(f"rule {rule_id!r} is not a number")
        return rule.value, rule.use

    def flag(self, rule_id: str, on: date) -> tuple[bool, RuleUse]:
        rule = self.get(rule_id, on)
        if not isinstance(rule.value, bool):
            raise RuleError(f"rule {rule_id!r} is not a boolean")
        return rule.value, rule.use

    def day(self, rule_id: str, on: date) -> tuple[date, RuleUse]:
        rule = self.get(rule_id, on)
        if not isinstance(rule.value, date):
            raise RuleError(f"rule {rule_id!r} is not a date")
        return rule.value, rule.use


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The packaged rule file (``parkcarbon/core/assets/data/rules.csv``)."""
    text = resources.files("parkcarbon.core.assets").joinpath("data/rules.csv").read_text("utf-8")
    return RuleSet.from_csv(text)
