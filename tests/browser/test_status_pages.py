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
