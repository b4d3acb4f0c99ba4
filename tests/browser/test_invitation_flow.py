"""Issue 12 §2 in the browser: the park admin invites on the invitations page, the code travels only by
mail (a real SMTP peer, aiosmtpd, receives it), the enterprise's admin accepts, and the invited person
opens the mailed link, sets a password and signs in as the enterprise's new member."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    SMALL_DEMO,
    console_page,
    free_port,
    login,
    serve_until_healthy,
    wait_for_console,
)
from tests.mailpeer import MailPeer, running_peer

INVITEE = "new.engineer@example.cn"
NEW_PASSWORD = "Fresh-Passw0rd-2026"
ENTERPRISE = "华东精密轧钢有限公司"  # E01, whose admin is enterprise.admin@demo.parkcarbon.cn


@pytest.fixture(scope="module")
def mail_peer() -> Iterator[MailPeer]:
    with running_peer() as peer:
        yield peer


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory, mail_peer: MailPeer) -> Iterator[str]:
    """``parkcarbon demo`` (small) whose outgoing mail goes to the test's SMTP peer."""
    workdir = tmp_path_factory.mktemp("demo-mail")
    port = free_port()
    env = {
        **os.environ,
        "PARKCARBON_ENV": "development",
        "PARKCARBON_SMTP_URL": mail_peer.url,
        "PARKCARBON_SMTP_FROM": "noreply@demo.parkcarbon.cn",
        "PARKCARBON_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PARKCARBON_WARNINGS_INTERVAL_SECONDS": "0",
    }
    env.pop("PARKCARBON_DATABASE_URL", None)
    command = [sys.executable, "-m", "parkcarbon.cli", "demo", *SMALL_DEMO, "--port", str(port)]
    with serve_until_healthy(command, cwd=workdir, env=env, port=port, log=workdir / "server.log") as base:
        yield base


def test_invite_mail_accept_redeem(
    page: Page, browser: Browser, mail_server: str, mail_peer: MailPeer, artifacts_dir: Path
) -> None:
    base = mail_server
    # 1. the park admin invites
    login(page, base, "park.admin@demo.parkcarbon.cn")
    page.goto(f"{base}/invitations")
    page.get_by_role("button", name="邀请成员").click()
    dialog = page.locator(".q-dialog")
    dialog.get_by_label("企业").click()
    page.get_by_role("option", name=ENTERPRISE).click()
    dialog.get_by_label("邮箱").fill(INVITEE)
    with page.expect_navigation():  # the page reloads with the new invitation
        dialog.get_by_role("button", name="保存").click()
    wait_for_console(page)
    row = page.locator(".q-card").filter(has_text=INVITEE)
    expect(row.get_by_text("待处理")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "invitations-park-admin.png"), full_page=True)
    # 2. the code is in the invitee's mail, and nowhere on the inviter's page
    code = mail_peer.code_for(INVITEE)
    assert code not in page.content()
    links = [w for w in MailPeer.body(mail_peer.wait_for(INVITEE)).split() if "/invitations/redeem?" in w]
    assert links and urlsplit(links[0]).netloc == urlsplit(base).netloc, links
    # 3. the enterprise's admin accepts it on its invitations page
    ent_context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    ent_page = console_page(ent_context)
    login(ent_page, base, "enterprise.admin@demo.parkcarbon.cn")
    ent_page.goto(f"{base}/invitations")
    entry = ent_page.locator(".q-row, .row").filter(has_text=INVITEE).last
    with ent_page.expect_navigation():
        entry.get_by_role("button", name="接受").click()
    wait_for_console(ent_page)
    expect(ent_page.get_by_text("企业已接受，待兑换")).to_be_visible()
    ent_context.close()
    # 4. the invitee opens the mailed link (not signed in): code and address are filled in
    guest_context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    guest = console_page(guest_context)
    guest.goto(links[0])
    expect(guest.get_by_label("邀请码")).to_have_value(code)
    expect(guest.get_by_label("邮箱")).to_have_value(INVITEE)
    guest.get_by_label("姓名").fill("新工程师")
    guest.get_by_label("密码").fill(NEW_PASSWORD)
    guest.get_by_role("button", name="加入企业").click()
    expect(guest.get_by_text("已加入企业，请登录。")).to_be_visible()
    guest.screenshot(path=str(artifacts_dir / "invitation-redeemed.png"), full_page=True)
    # the same code a second time is refused with its translated reason
    guest.goto(links[0])
    guest.get_by_label("密码").fill(NEW_PASSWORD)
    guest.get_by_role("button", name="加入企业").click()
    expect(guest.get_by_text("邀请码已被使用")).to_be_visible()
    # 5. the new member signs in and reaches the enterprise end
    login(guest, base, INVITEE, NEW_PASSWORD)
    expect(guest.get_by_text("企业应用端")).to_be_visible()
    guest_context.close()
