"""Issue 12 §2: an invitation's one-time code reaches only the invited address, by e-mail through a real
SMTP peer (aiosmtpd). The inviter's answer, the invitations listing and the audit log never hold it, so a
park admin cannot redeem the invitation it made; the invitee redeems with the mailed code. The
break-glass act mails the enterprise's admins."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parkcarbon.services.mail import Mailer, Message
from parkcarbon.settings import Settings, SettingsError, load_settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import Invitation, Membership
from tests.conftest import World, bearer
from tests.mailpeer import MailPeer, free_port

API = "/api/v1"
NEW_PASSWORD = "Fresh-Passw0rd-2026"
INVITEE = "first.admin@newco.example.cn"


def _invite(client: TestClient, token: str, enterprise: int, email: str, role: str = "enterprise_admin"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{API}/invitations",
        headers=bearer(token),
        json={"enterprise_id": enterprise, "email": email, "role": role},
    )


def test_the_code_goes_only_to_the_invitee(
    client: TestClient, world: World, db: Database, smtp_peer: MailPeer
) -> None:
    new_ent = world.a.enterprise_ids[1]  # no admin yet: the code alone lets its holder in
    park_admin = world.token("a", "park_admin")
    r = _invite(client, park_admin, new_ent, INVITEE)
    assert r.status_code == 201, r.text
    inv = r.json()
    assert set(inv) >= {"id", "status"} and inv["status"] == "pending" and "code" not in inv
    # exactly one mail, to the invitee, from the configured sender, with the link and the code
    assert len(smtp_peer.messages) == 1
    mail = smtp_peer.wait_for(INVITEE)
    assert str(mail["From"]) == "noreply@parkcarbon.test" and str(mail["To"]) == INVITEE
    assert smtp_peer.to(world.a.users["park_admin"]) == []
    body = MailPeer.body(mail)
    code = smtp_peer.code_for(INVITEE)
    links = [w for w in body.split() if w.startswith("https://console.parkcarbon.test/invitations/redeem?")]
    assert len(set(links)) == 1, body  # the same link in the Chinese and the English part
    query = parse_qs(urlsplit(links[0]).query)
    assert query == {"code": [code], "email": [INVITEE]}
    # the inviter never sees it: not in its answer, the listing, nor any audit view
    assert code not in r.text
    listing = client.get(f"{API}/invitations", headers=bearer(park_admin))
    assert (
        listing.status_code == 200
        and code not in listing.text
        and inv["id"] in [i["id"] for i in listing.json()["data"]]
    )
    for viewer in (park_admin, world.token("-", "platform_admin")):
        events = client.get(f"{API}/audit-events", headers=bearer(viewer), params={"limit": 500})
        assert events.status_code == 200 and code not in events.text
        assert "invitation.create" in {e["action"] for e in events.json()["data"]}
    with db.read() as s:
        stored = s.get(Invitation, inv["id"])
        assert stored is not None and code not in stored.code_hash
    # the park admin cannot redeem with its own account (and has no code anyway); the code with another
    # address is not valid; the invitee redeems once
    for email in (world.a.users["park_admin"], "someone.else@newco.example.cn"):
        wrong = client.post(
            f"{API}/invitations/redeem", json={"code": code, "email": email, "password": NEW_PASSWORD}
        )
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "invitation.invalid_code"
    ok = client.post(
        f"{API}/invitations/redeem", json={"code": code, "email": INVITEE, "password": NEW_PASSWORD}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "redeemed", ok.text
    with db.read() as s:
        members = set(
            s.execute(
                select(Membership.user_id, Membership.role).where(Membership.organisation_id == new_ent)
            )
        )
    assert len(members) == 1 and next(iter(members))[1] == "enterprise_admin"
    assert world.a.user_ids["park_admin"] not in {uid for uid, _ in members}


def test_without_a_mail_server_no_invitation_is_made(
    client: TestClient,
    world: World,
    db: Database,
    runtime,
    settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    runtime.settings = settings.model_copy(update={"smtp_url": None})
    try:
        with db.read() as s:
            before = s.scalar(select(func.count()).select_from(Invitation))
        r = _invite(client, world.token("a", "park_admin"), world.a.enterprise_ids[1], INVITEE)
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "mail.not_configured" and "PARKCARBON_SMTP_URL" in r.json()["detail"]
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Invitation)) == before
    finally:
        runtime.settings = settings


def test_a_refused_mail_leaves_the_invitation_undelivered(
    client: TestClient, world: World, smtp_peer: MailPeer
) -> None:
    smtp_peer.refuse.add(INVITEE)
    park_admin = world.token("a", "park_admin")
    r = _invite(client, park_admin, world.a.enterprise_ids[1], INVITEE)
    assert r.status_code == 502, r.text
    assert r.json()["code"] == "mail.send_failed" and "pci_" not in r.text
    listing = client.get(f"{API}/invitations", headers=bearer(park_admin)).json()["data"]
    assert [i["status"] for i in listing if i["email"] == INVITEE] == ["undelivered"]
    events = client.get(f"{API}/audit-events", headers=bearer(park_admin), params={"entity": "invitation"})
    assert "invitation.undelivered" in {e["action"] for e in events.json()["data"]}
    assert smtp_peer.messages == []


def test_starttls_is_not_silently_skipped(smtp_peer: MailPeer) -> None:
    """With STARTTLS asked for, a server that does not offer it gets nothing in plaintext."""
    mailer = Mailer(url=smtp_peer.url, sender="noreply@parkcarbon.test", starttls=True)
    from parkcarbon.services.mail import MailFailed

    with pytest.raises(MailFailed):
        mailer.send(Message(to=INVITEE, subject="s", text="secret pci_abcdefghijklmnopqrstuvwxyz"))
    assert smtp_peer.messages == []


def test_an_unreachable_server_is_a_502_problem() -> None:
    from parkcarbon.services.mail import MailFailed

    mailer = Mailer(url=f"smtp://127.0.0.1:{free_port()}", sender="noreply@parkcarbon.test", timeout_s=5)
    with pytest.raises(MailFailed) as caught:
        mailer.send(Message(to=INVITEE, subject="s", text="t"))
    assert caught.value.status == 502 and caught.value.code == "mail.send_failed"


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"smtp_url": "smtp://mail.example.cn:587"}, "PARKCARBON_SMTP_FROM"),
        ({"smtp_url": "http://mail.example.cn", "smtp_from": "a@b.cn"}, "smtp://"),
        ({"smtp_url": "smtp://mail.example.cn:port", "smtp_from": "a@b.cn"}, "port"),
        ({"public_url": "console.example.cn"}, "scheme://"),
    ],
)
def test_mail_settings_are_checked(overrides: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        load_settings(env="development", **overrides)


def test_revoke(client: TestClient, world: World, smtp_peer: MailPeer) -> None:
    """The inviting side withdraws an invitation; its code stops working. Who else may not."""
    new_ent = world.a.enterprise_ids[1]
    inv = _invite(client, world.token("a", "park_admin"), new_ent, INVITEE).json()
    code = smtp_peer.code_for(INVITEE)
    path = f"{API}/invitations/{inv['id']}/revoke"
    # anonymous 401; another park's admin, another enterprise's admin, members, a verifier not assigned
    # to anything of the enterprise, the park's analyst and regulator: the invitation does not exist
    assert client.post(path).status_code == 401
    outsiders = [("b", "park_admin"), ("a", "enterprise_admin"), ("a", "enterprise_member"),
                 ("a", "verifier"), ("a", "park_analyst"), ("a", "regulator"), ("a", "provider")]  # fmt: skip
    for park, role in outsiders:
        r = client.post(path, headers=bearer(world.token(park, role)))
        assert r.status_code in {403, 404}, (park, role, r.text)
        # nor do they list it (the enterprise's admin and the park's admin do)
        listed = client.get(f"{API}/invitations", headers=bearer(world.token(park, role)))
        assert listed.status_code in {200, 403}, listed.text
        if listed.status_code == 200:
            assert inv["id"] not in [i["id"] for i in listed.json()["data"]], (park, role)
    r = client.post(path, headers=bearer(world.token("a", "park_admin")))
    assert r.status_code == 200 and r.json()["status"] == "revoked", r.text
    again = client.post(path, headers=bearer(world.token("a", "park_admin")))
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "state.not_allowed"
    redeem = client.post(
        f"{API}/invitations/redeem", json={"code": code, "email": INVITEE, "password": NEW_PASSWORD}
    )
    assert redeem.status_code == 409 and redeem.json()["errors"][0]["code"] == "invitation.revoked"
    events = client.get(
        f"{API}/audit-events", headers=bearer(world.token("a", "park_admin")), params={"entity": "invitation"}
    ).json()["data"]
    assert "invitation.revoke" in {e["action"] for e in events}


def test_enterprise_admin_revokes_an_invitation_into_its_own_enterprise(
    client: TestClient, world: World, smtp_peer: MailPeer
) -> None:
    ent = world.a.enterprise_ids[0]
    inv = _invite(
        client, world.token("a", "park_admin"), ent, "new.member@ent.example.cn", "enterprise_member"
    )
    assert inv.status_code == 201, inv.text
    r = client.post(
        f"{API}/invitations/{inv.json()['id']}/revoke", headers=bearer(world.token("a", "enterprise_admin"))
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked", r.text


def test_break_glass_mails_the_enterprise_admins(
    client: TestClient, world: World, smtp_peer: MailPeer
) -> None:
    ent = world.a.enterprise_ids[0]
    body = {"user_id": world.a.user_ids["financier"], "organisation_id": ent, "role": "enterprise_member",
            "reason": "企业管理员离职，企业书面申请恢复访问 (ticket 5150)"}  # fmt: skip
    r = client.post(
        f"{API}/break-glass/memberships", headers=bearer(world.token("-", "platform_admin")), json=body
    )
    assert r.status_code == 201, r.text
    admin_mail = smtp_peer.wait_for(world.a.users["enterprise_admin"])
    text = MailPeer.body(admin_mail)
    assert "ticket 5150" in text and world.a.users["financier"] in text and "membership.break_glass" in text
    # nobody else is mailed (the member, the park admin)
    assert {str(m["To"]) for m in smtp_peer.messages} == {world.a.users["enterprise_admin"]}
    own = bearer(world.token("a", "enterprise_admin"))
    events = client.get(f"{API}/audit-events", headers=own, params={"entity": "membership"}).json()["data"]
    notified = [e for e in events if e["action"] == "membership.break_glass_notified"]
    assert len(notified) == 1 and notified[0]["after"]["mail"] == "sent", notified
    assert notified[0]["after"]["mailed"] == 1 and notified[0]["after"]["failed"] == 0


def test_break_glass_without_mail_is_recorded_as_such(
    client: TestClient,
    world: World,
    runtime,
    settings: Settings,
    smtp_peer: MailPeer,  # type: ignore[no-untyped-def]
) -> None:
    runtime.settings = settings.model_copy(update={"smtp_url": None})
    try:
        ent = world.a.enterprise_ids[0]
        body = {"user_id": world.a.user_ids["financier"], "organisation_id": ent, "role": "enterprise_member",
                "reason": "企业书面申请恢复访问 (ticket 5151)"}  # fmt: skip
        root = bearer(world.token("-", "platform_admin"))
        assert client.post(f"{API}/break-glass/memberships", headers=root, json=body).status_code == 201
    finally:
        runtime.settings = settings
    own = bearer(world.token("a", "enterprise_admin"))
    events = client.get(f"{API}/audit-events", headers=own, params={"entity": "membership"}).json()["data"]
    notified = [e for e in events if e["action"] == "membership.break_glass_notified"]
    assert len(notified) == 1 and notified[0]["after"]["mail"] == "not_configured"
    assert smtp_peer.messages == []
