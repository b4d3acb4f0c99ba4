"""Unified social credit code (GB 32100-2015) and GB/T 4754-2017 industry codes."""

from __future__ import annotations

import pytest

from parkcarbon.core.codes import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_WEIGHTS,
    credit_code_error,
    industry_division,
    industry_error,
)
from tests.reference._load import rows

PUBLISHED = [r["code"] for r in rows("gb32100_credit_codes/valid_codes.csv")]


def test_alphabet_and_weights_are_those_of_the_standard() -> None:
    # GB 32100-2015 §5: 31 characters (no I, O, Z, S, V);
    # weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    assert len(CREDIT_CODE_ALPHABET) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_ALPHABET)
    assert CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert credit_code_error(code) is None


@pytest.mark.parametrize("code", PUBLISHED)
def test_any_changed_check_character_is_refused(code: str) -> None:
    for c in CREDIT_CODE_ALPHABET:
        if c != code[-1]:
            reason = credit_code_error(code[:-1] + c)
            assert reason is not None and "check character" in reason


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100YO3", "alphabet"),
        ("X1350100M000100Y43", "registration authority"),
        ("9135A100M000100Y43", "administrative division"),
    ],
)
def test_malformed_codes_name_the_reason(code: str, reason: str) -> None:
    assert reason in (credit_code_error(code) or "")


@pytest.mark.parametrize(
    ("code", "division"),
    [
        ("C3130", "黑色金属冶炼和压延加工业"),
        ("3130", "黑色金属冶炼和压延加工业"),
        ("D44", "电力、热力生产和供应业"),
        ("1523", "酒、饮料和精制茶制造业"),
        ("A01", "农业"),
        ("T97", "国际组织"),
    ],
)
def test_industry_divisions(code: str, division: str) -> None:
    assert industry_error(code) is None
    found = industry_division(code)
    assert found is not None and found[2] == division


@pytest.mark.parametrize(
    ("code", "reason"), [("D3130", "section C"), ("9900", "does not exist"), ("C31X", "GB/T")]
)
def test_bad_industry_codes(code: str, reason: str) -> None:
    assert reason in (industry_error(code) or "")
