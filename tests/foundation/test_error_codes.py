"""Errors carry stable codes (problem ``code`` and ``errors[].code``) and the console translates each code."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pytest
from fastapi.testclient import TestClient

from parkcarbon.core.errors import CALC_ERROR_CODES
from parkcarbon.services.errors import ERROR_CODES, Conflict, InvalidInput, NotFound
from parkcarbon.web import errors as web_errors
from tests.conftest import World, bearer

API = "/api/v1"
SRC = Path(__file__).resolve().parents[2] / "src" / "parkcarbon"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def test_every_code_has_a_text_in_both_languages() -> None:
    missing = sorted(set(ERROR_CODES) | set(CALC_ERROR_CODES) - set(web_errors.ERROR_TEXTS))
    missing = [c for c in missing if c not in web_errors.ERROR_TEXTS]
    assert missing == []
    for code, (zh, en) in web_errors.ERROR_TEXTS.items():
        assert CJK.search(zh), (code, zh)
        assert en and not CJK.search(en), (code, en)


def test_every_code_raised_in_the_source_is_registered() -> None:
    """A ``code="…"`` given to a service error, or a field error's ``"code": "…"``, is a registered code."""
    pattern = re.compile(r"""(?:\bcode=|"code": )"([a-z_]+(?:\.[a-z_]+)?)\"""")
    found: set[str] = set()
    for path in [*(SRC / "services").rglob("*.py"), SRC / "api" / "problems.py"]:
        for code in pattern.findall(path.read_text(encoding="utf-8")):
            found.add(code)
    # inventory warnings (data.*) are warnings with their own codes, not errors
    errors_found = {c for c in found if not c.startswith("data.")}
    assert errors_found, "the scan found no code at all: the pattern is wrong"
    assert errors_found - set(ERROR_CODES) - set(CALC_ERROR_CODES) == set()


def test_not_found_and_unauthenticated_carry_codes(client: TestClient, world: World) -> None:
    r = client.get(f"{API}/meters/99999999", headers=bearer(world.token("a", "park_admin")))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.get(f"{API}/meters/1")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    r = client.get(f"{API}/no-such-route")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"code": None}, "code", "input.required"),
        ({"multiplier": 0}, "multiplier", "input.range"),
        ({"kind": "sometimes"}, "kind", "input.choice"),
        ({"code": "bad code with spaces"}, "code", "input.format"),
        ({"multiplier": "many"}, "multiplier", "input.type"),
    ],
)
def test_validation_errors_carry_the_input_codes(
    client: TestClient, world: World, body: dict[str, object], field: str, code: str
) -> None:
    base = {"park_id": world.a.park_id, "code": "X-1", "name": "x", "carrier": "electricity", "unit": "kWh"}
    payload = {k: v for k, v in {**base, **body}.items() if v is not None}
    r = client.post(f"{API}/meters", headers=bearer(world.token("a", "park_admin")), json=payload)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_input"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
    ]


def test_engine_codes_reach_the_problem(client: TestClient, world: World) -> None:
    r = client.post(
        f"{API}/calc",
        headers=bearer(world.token("a", "park_admin")),
        json={"year": 2023, "activities": [{"id": "a", "carrier": "diesel", "quantity": -5, "unit": "t"}]},
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_input"
    assert [e["code"] for e in r.json()["errors"]] == ["quantity.negative"]


def _in(lang: str) -> mock._patch[object]:
    return mock.patch.object(web_errors, "language", return_value=lang)


def test_console_translates_codes_not_messages() -> None:
    exc = InvalidInput.field(
        "action", "the monitoring plan has no emission source; add sources first", code="mrv.no_sources"
    )
    with _in("zh-CN"):
        zh = web_errors.error_text(exc)
    with _in("en"):
        en = web_errors.error_text(exc)
    assert zh == "输入有误: 操作: 监测计划尚无排放源，请先添加排放源"
    assert not LATIN_WORD.search(zh)
    assert en == "Invalid input: Action: The monitoring plan has no emission source; add one first"
    with _in("zh-CN"):
        assert web_errors.error_text(NotFound("MRV case not found")) == "对象不存在或无权查看"
        dup = Conflict(
            "x exists", errors=[{"field": "code", "reason": "already used", "code": "value.duplicate"}]
        )
        assert web_errors.error_text(dup) == "与当前状态冲突: 编码: 该值已存在"


def test_console_translates_form_validation() -> None:
    from pydantic import BaseModel, Field, ValidationError

    class Form(BaseModel):
        quantity: float = Field(gt=0)

    with pytest.raises(ValidationError) as info:
        Form(quantity=-1)
    with _in("zh-CN"):
        assert web_errors.validation_text(list(info.value.errors())) == "数量: 超出允许范围"
