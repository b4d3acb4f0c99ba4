"""Vocabulary values the console shows are translated, not raw keys (national_ets, per_delivery, CN-JS …)."""

from __future__ import annotations

import re
from typing import get_args
from unittest import mock

import pytest

from parkcarbon.services.enterprise.schemas import Frequency, Market
from parkcarbon.web import i18n
from parkcarbon.web.pages import enterprise_file

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("value", [*get_args(Market), *get_args(Frequency)])
def test_markets_and_frequencies_have_texts(value: str) -> None:
    with mock.patch.object(i18n, "language", return_value="zh-CN"):
        zh = i18n.te(value)
    with mock.patch.object(i18n, "language", return_value="en"):
        en = i18n.te(value)
    assert CJK.search(zh) and zh != value
    assert en != value and not CJK.search(en)


def test_province_code_is_shown_by_name() -> None:
    with mock.patch.object(enterprise_file, "language", return_value="zh-CN"):
        assert enterprise_file._province("CN-JS") == "江苏"  # ISO 3166-2:CN
    with mock.patch.object(enterprise_file, "language", return_value="en"):
        assert enterprise_file._province("CN-JS") == "Jiangsu"


def test_a_passed_deadline_reads_overdue_not_negative_days() -> None:
    from parkcarbon.web.pages.enterprise_mrv import deadline_text

    with mock.patch.object(i18n, "language", return_value="zh-CN"):
        assert deadline_text(-247) == "逾期 247 天"
        assert deadline_text(21) == "剩余天数 21"
    with mock.patch.object(i18n, "language", return_value="en"):
        assert deadline_text(-1) == "1 days overdue"
