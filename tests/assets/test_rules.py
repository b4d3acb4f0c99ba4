"""The rule file: every row cited, versions never overlap, and lookups pick the version in force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from parkcarbon.core.assets.rules import RuleError, RuleSet, default_rules

HEADER = "id,version,value,unit,document,article,effective_from,effective_to,confidence,notes\n"


def test_every_rule_is_cited_with_a_confidence() -> None:
    rules = default_rules().all()
    assert len(rules) >= 10
    for rule in rules:
        assert rule.document.strip(), rule.id
        assert rule.confidence in {"H", "M", "L"}, rule.id
        assert rule.notes.strip(), rule.id  # what was seen, or that it was not verified


def test_published_values() -> None:
    """Values as the documents state them (see data/rules.csv for the sources)."""
    rules = default_rules()
    # 国能发新能规〔2024〕67号: 1 GEC = 1 000 kWh; valid 2 years from the production month inclusive
    assert rules.get("gec.mwh_per_certificate", date(2025, 1, 1)).value == Decimal(1)
    assert rules.get("gec.validity_months", date(2025, 1, 1)).value == Decimal(24)
    assert rules.get("gec.legacy_valid_until", date(2025, 1, 1)).value == date(2025, 12, 31)
    # 生态环境部令第19号 第二十九条: CCER ≤ 5 % of the allowances due
    cap = rules.get("ccer.offset_cap_fraction", date(2022, 6, 30))
    assert cap.value == Decimal("0.05")
    assert "第二十九条" in cap.article
    assert cap.confidence == "H"


def test_a_changed_rule_is_a_new_version() -> None:
    rules = default_rules()
    before = rules.get("ccer.offset_cap_fraction", date(2024, 4, 30))
    after = rules.get("ccer.offset_cap_fraction", date(2024, 5, 1))  # 暂行条例 in force
    assert (before.version, after.version) == (1, 2)
    assert "775" in after.document
    assert rules.get("cea.borrowing_allowed", date(2023, 6, 1)).value is True
    assert rules.get("cea.borrowing_allowed", date(2025, 6, 1)).value is False


def test_no_version_in_force_is_an_error() -> None:
    with pytest.raises(RuleError):
        default_rules().get("gec.validity_months", date(2020, 1, 1))
    with pytest.raises(RuleError):
        default_rules().get("no.such.rule", date(2025, 1, 1))


def test_overlapping_versions_are_refused() -> None:
    text = HEADER + "a,1,1,x,doc,,2020-01-01,,H,n\na,2,2,x,doc,,2021-01-01,,H,n\n"
    with pytest.raises(RuleError, match="overlaps"):
        RuleSet.from_csv(text)


def test_a_duplicate_version_and_a_bad_confidence_are_refused() -> None:
    with pytest.raises(RuleError, match="twice"):
        RuleSet.from_csv(HEADER + "a,1,1,x,doc,,2020-01-01,2020-12-31,H,n\na,1,2,x,doc,,2021-01-01,,H,n\n")
    with pytest.raises(RuleError, match="confidence"):
        RuleSet.from_csv(HEADER + "a,1,1,x,doc,,2020-01-01,,X,n\n")
