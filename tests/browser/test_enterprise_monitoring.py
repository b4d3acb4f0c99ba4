"""The enterprise end's carbon monitoring page (碳监测) in headless Chromium, on the small demo park: the
figures the page shows are the API's ``GET /enterprises/{id}/monitoring`` for the same enterprise (E01)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, login

pytestmark = pytest.mark.browser

API = "/api/v1"
EMAIL = "enterprise.admin@demo.parkcarbon.cn"
#: the zh-CN and English wording of each projection method (the task's wording, not the page's code)
METHOD_ZH = {"plan": "按生产计划", "seasonal": "按上年季节分布", "linear": "按日历线性"}
METHOD_EN = {
    "plan": "from the production plan",
    "seasonal": "by last year's seasonal profile",
    "linear": "linear in days",
}


def _api_monitoring(base: str) -> dict[str, Any]:
    """The monitoring of the enterprise admin's enterprise, fetched with a bearer token."""
    with httpx.Client(base_url=base, timeout=30) as client:
        made = client.post(f"{API}/auth/token", json={"email": EMAIL, "password": DEMO_PASSWORD})
        assert made.status_code == 201, made.text
        headers = {"Authorization": f"Bearer {made.json()['access_token']}"}
        me = client.get(f"{API}/auth/me", headers=headers)
        assert me.status_code == 200, me.text
        enterprises = {
            m["organisation_id"] for m in me.json()["memberships"] if m["role"] == "enterprise_admin"
        }
        assert len(enterprises) == 1, me.json()
        found = client.get(f"{API}/enterprises/{enterprises.pop()}/monitoring", headers=headers)
        assert found.status_code == 200, found.text
        body: dict[str, Any] = found.json()
        return body


def _number(text: str) -> float:
    return float(text.strip().replace(",", ""))


def _between(shown: float, first: float, second: float, half_step: float) -> bool:
    """The live feed keeps ingesting: the page's figure lies between the API's before and after it (within
    the page's rounding)."""
    return min(first, second) - half_step <= shown <= max(first, second) + half_step


def test_monitoring_page_matches_the_api(page: Page, demo_server: str, artifacts_dir: Path) -> None:
    login(page, demo_server, EMAIL)
    before = _api_monitoring(demo_server)
    page.get_by_text("碳监测", exact=True).first.click()
    page.wait_for_url(f"{demo_server}/enterprise/monitoring")

    def kpi(label: str) -> str:
        card = page.locator(".pc-card").filter(has=page.get_by_text(label, exact=True))
        expect(card).to_have_count(1)
        return card.locator(".pc-kpi-value").inner_text()

    ytd_text = kpi("年初至今排放 tCO2e")
    target_text = kpi("年度目标 tCO2e")
    projected_text = kpi("全年预计排放")
    projection = page.locator(".text-body2").filter(has_text="全年预计排放")
    expect(projection).to_have_count(1)
    projection_text = projection.inner_text()
    expect(page.locator("canvas").first).to_be_visible()  # the ECharts cumulative-vs-path chart
    after = _api_monitoring(demo_server)

    # the demo sets E01 a carbon target for the current year; the target does not move with the feed
    assert before["target_tco2e"] is not None and after["target_tco2e"] == before["target_tco2e"]
    assert _number(target_text) == round(before["target_tco2e"])
    assert before["ytd_tco2e"] > 0
    assert _between(_number(ytd_text), before["ytd_tco2e"], after["ytd_tco2e"], 0.05), (
        ytd_text,
        before["ytd_tco2e"],
        after["ytd_tco2e"],
    )
    # the projection, with the method it was made by: 全年预计排放 1,074 tCO2e（按上年季节分布）
    method = after["projection_method"]
    assert method == before["projection_method"] and method in METHOD_ZH, method
    assert before["projected_tco2e"] is not None and after["projected_tco2e"] is not None
    assert _between(_number(projected_text), before["projected_tco2e"], after["projected_tco2e"], 0.5)
    assert projection_text.startswith("全年预计排放 ") and projection_text.endswith(
        f"tCO2e（{METHOD_ZH[method]}）"
    )
    shown = projection_text.removeprefix("全年预计排放 ").split(" tCO2e")[0]
    assert shown == projected_text, (shown, projected_text)
    page.screenshot(path=str(artifacts_dir / "console-enterprise-monitoring.png"), full_page=True)

    # the same line in English
    page.locator(".q-select").filter(has_text="中文").click()
    page.get_by_role("option", name="English").click()
    english = page.locator(".text-body2").filter(has_text="Projected for the year:")
    expect(english).to_have_count(1)
    expect(english).to_contain_text(f"tCO2e ({METHOD_EN[method]})")
