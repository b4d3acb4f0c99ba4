"""Issue 13 §7: an unknown console path answers 404 with a way home; a page of the navigation outside the
role's items shows the 403 page (its reason and ways back), not the page's buttons."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_unknown_path_is_404_and_foreign_page_is_403(page: Page, demo_server: str) -> None:
    base = demo_server
    login(page, base, "enterprise.member@demo.parkcarbon.cn")
    response = page.goto(f"{base}/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_text("页面不存在")).to_be_visible()
    expect(page.get_by_role("button", name="返回首页")).to_be_visible()
    # /audit is in the navigation for admins only (layout.NAV): the member gets the 403 page
    page.goto(f"{base}/audit")
    expect(page.get_by_text("您的角色无权访问此页面")).to_be_visible()
    expect(page.get_by_role("button", name="返回首页")).to_be_visible()
    page.get_by_role("button", name="返回首页").click()
    page.wait_for_url(f"{base}/")


def test_the_old_cockpit_meter_route_leads_to_the_meter_page(page: Page, demo_server: str) -> None:
    """Issue 13 §7: ``/cockpit/meter/{id}`` was a second, thinner meter page; it now redirects to the
    meter page ``/meters/{id}`` (date range, readings, export), "back" leading to the cockpit."""
    base = demo_server
    login(page, base, "park.admin@demo.parkcarbon.cn")
    page.goto(f"{base}/cockpit")
    hrefs = [a.get_attribute("href") for a in page.locator("a[href^='/cockpit/enterprise/']").all()]
    meter_href = None
    for href in hrefs:
        page.goto(f"{base}{href}")
        links = page.locator("a[href^='/meters/']")
        if links.count():
            meter_href = links.first.get_attribute("href")
            break
    assert meter_href and meter_href.endswith("?back=cockpit"), meter_href
    meter_id = meter_href.split("/meters/")[1].split("?")[0]
    response = page.goto(f"{base}/cockpit/meter/{meter_id}")
    assert response is not None and response.status == 200
    assert page.url == f"{base}/meters/{meter_id}?back=cockpit"
    expect(page.get_by_text("条读数", exact=False)).to_be_visible()  # the real meter page


def test_the_regulator_reaches_no_meter_page_without_a_grant(page: Page, demo_server: str) -> None:
    """The regulator's cockpit drill-down lists an enterprise's meters (and links to their pages) only
    where the enterprise granted it meter data: the demo enterprises granted the park operator, not the
    regulator, so no enterprise page shows a meter link."""
    base = demo_server
    login(page, base, "regulator@demo.parkcarbon.cn")
    page.goto(f"{base}/cockpit")
    hrefs = [a.get_attribute("href") for a in page.locator("a[href^='/cockpit/enterprise/']").all()]
    assert hrefs
    for href in hrefs:
        page.goto(f"{base}{href}")
        expect(page.get_by_text("该企业未向您授权计量数据")).to_be_visible()
        assert page.locator("a[href^='/meters/']").count() == 0, href
