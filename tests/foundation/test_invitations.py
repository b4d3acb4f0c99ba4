"""Issue 12 §2: the park cannot make itself the enterprise. Memberships of an enterprise come from its own
admins; the park (and platform) admin invites, the enterprise accepts, or a new enterprise's first admin
redeems a one-time code; the platform's break-glass is a separate, audited, notified act."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from parkcarbon.store.db import Database
from parkcarbon.store.models import Invitation, Membership
from tests.conftest import World, bearer
from tests.mailpeer import MailPeer

API = "/api/v1"
NEW_PASSWORD = "Fresh-Passw0rd-2026"


def _memberships(db: Database, org_id: int) -> set[tuple[int, str]]:
    with db.read() as s:
        return set(
            s.execute(select(Membership.user_id, Membership.role).where(Membership.organisation_id == org_id))
        )  # type: ignore[arg-type]


def test_park_admin_cannot_add_members_to_an_enterprise(
    client: TestClient, world: World, db: Database
) -> None:
    ent = world.a.enterprise_ids[0]
    park_admin = bearer(world.token("a", "park_admin"))
    me = world.a.user_ids["park_admin"]
    r = client.post(
        f"{API}/memberships",
        headers=park_admin,
        json={"user_id": me, "organisation_id": ent, "role": "enterprise_admin"},
    )
    assert r.status_code == 403 and r.json()["code"] == "membership.invite_instead", r.text
    # nor by creating a new user with a first membership of the enterprise
    r = client.post(
        f"{API}/users",
        headers=park_admin,
        json={"email": "mole@park.example.cn", "display_name": "mole", "password": NEW_PASSWORD,
              "organisation_id": ent, "role": "enterprise_admin"},
    )  # fmt: skip
    assert r.status_code == 403
    # the platform admin neither: its way in is the separate break-glass act
    root = bearer(world.token("-", "platform_admin"))
    r = client.post(
        f"{API}/memberships",
        headers=root,
        json={"user_id": me, "organisation_id": ent, "role": "enterprise_member"},
    )
    assert r.status_code == 403
    assert (me, "enterprise_admin") not in _memberships(db, ent) and (
        me,
        "enterprise_member",
    ) not in _memberships(db, ent)
    # nor remove the enterprise's members
    r = client.delete(f"{API}/memberships/{world.a.membership_ids['enterprise_member']}", headers=park_admin)
    assert r.status_code in {403, 404}
    # the enterprise's own admin still adds members
    r = client.post(
        f"{API}/memberships",
        headers=bearer(world.token("a", "enterprise_admin")),
        json={
            "user_id": world.a.user_ids["enterprise_member"],
            "organisation_id": ent,
            "role": "enterprise_admin",
        },
    )
    assert r.status_code == 201, r.text


def test_invitation_accepted_by_the_enterprise_admin(
    client: TestClient, world: World, db: Database, smtp_peer: MailPeer
) -> None:
    ent = world.a.enterprise_ids[0]
    park_admin = bearer(world.token("a", "park_admin"))
    invited = world.a.user_ids["provider"]  # an existing account of the park (a provider's engineer)
    r = client.post(
        f"{API}/invitations", headers=park_admin,
        json={"enterprise_id": ent, "email": world.a.users["provider"], "role": "enterprise_member"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    inv = r.json()
    code = smtp_peer.code_for(world.a.users["provider"])
    assert inv["status"] == "pending" and "code" not in inv and code not in r.text
    with db.read() as s:  # only the digest is stored
        stored = s.get(Invitation, inv["id"])
        assert stored is not None and code not in stored.code_hash and len(stored.code_hash) == 64
    assert (invited, "enterprise_member") not in _memberships(db, ent)
    # the inviter cannot accept its own invitation; another enterprise's admin does not even see it
    assert client.post(f"{API}/invitations/{inv['id']}/accept", headers=park_admin).status_code == 403
    b_admin = bearer(world.token("b", "enterprise_admin"))
    assert client.post(f"{API}/invitations/{inv['id']}/accept", headers=b_admin).status_code == 404
    # while the enterprise has an admin, the code alone does not let the person in
    r = client.post(
        f"{API}/invitations/redeem",
        json={"code": code, "email": world.a.users["provider"], "password": "Passw0rd-demo!"},
    )
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "invitation.awaiting_enterprise"
    ent_admin = bearer(world.token("a", "enterprise_admin"))
    pending = client.get(f"{API}/invitations", headers=ent_admin, params={"enterprise_id": ent}).json()
    assert [i["id"] for i in pending["data"]] == [inv["id"]]
    r = client.post(f"{API}/invitations/{inv['id']}/accept", headers=ent_admin)
    assert r.status_code == 200 and r.json()["status"] == "redeemed", r.text
    assert (invited, "enterprise_member") in _memberships(db, ent)
    assert client.post(f"{API}/invitations/{inv['id']}/accept", headers=ent_admin).status_code == 409
    audit = client.get(f"{API}/audit-events", headers=ent_admin).json()["data"]
    actions = {e["action"] for e in audit}
    assert {"invitation.create", "invitation.accept"} <= actions


def test_declined_invitation_gives_nothing(
    client: TestClient, world: World, db: Database, smtp_peer: MailPeer
) -> None:
    ent = world.a.enterprise_ids[0]
    r = client.post(
        f"{API}/invitations", headers=bearer(world.token("a", "park_admin")),
        json={"enterprise_id": ent, "email": world.a.users["financier"], "role": "enterprise_admin"},
    )  # fmt: skip
    inv = r.json()
    ent_admin = bearer(world.token("a", "enterprise_admin"))
    assert (
        client.post(f"{API}/invitations/{inv['id']}/decline", headers=ent_admin).json()["status"]
        == "declined"
    )
    r = client.post(
        f"{API}/invitations/redeem",
        json={
            "code": smtp_peer.code_for(world.a.users["financier"]),
            "email": world.a.users["financier"],
            "password": "x" * 12,
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "invitation.invalid_code"
    assert (world.a.user_ids["financier"], "enterprise_admin") not in _memberships(db, ent)


def test_first_admin_of_a_new_enterprise_redeems_the_code_once(
    client: TestClient, world: World, db: Database, smtp_peer: MailPeer
) -> None:
    new_ent = world.a.enterprise_ids[1]  # no admin yet
    r = client.post(
        f"{API}/invitations", headers=bearer(world.token("a", "park_admin")),
        json={"enterprise_id": new_ent, "email": "Boss@NewCo.example.cn", "role": "enterprise_admin"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    code = smtp_peer.code_for("boss@newco.example.cn")
    body = {
        "code": code,
        "email": "boss@newco.example.cn",
        "password": NEW_PASSWORD,
        "display_name": "新企业管理员",
    }
    wrong = client.post(f"{API}/invitations/redeem", json={**body, "code": code[:-2] + "zz"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "invitation.invalid_code"
    other_mail = client.post(f"{API}/invitations/redeem", json={**body, "email": "someone@else.example.cn"})
    assert other_mail.status_code == 422
    weak = client.post(f"{API}/invitations/redeem", json={**body, "password": "aaaaaaaaaaaa"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    ok = client.post(f"{API}/invitations/redeem", json=body)
    assert ok.status_code == 200 and ok.json()["status"] == "redeemed", ok.text
    again = client.post(f"{API}/invitations/redeem", json=body)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "invitation.used"
    token = client.post(
        f"{API}/auth/token", json={"email": "boss@newco.example.cn", "password": NEW_PASSWORD}
    )
    assert token.status_code == 201
    me = client.get(f"{API}/auth/me", headers=bearer(token.json()["access_token"])).json()
    assert {(m["organisation_id"], m["role"]) for m in me["memberships"]} == {(new_ent, "enterprise_admin")}


def test_expired_code_and_park_side_accounts_are_refused(
    client: TestClient, world: World, db: Database, smtp_peer: MailPeer
) -> None:
    new_ent = world.a.enterprise_ids[1]
    park_admin = bearer(world.token("a", "park_admin"))
    r = client.post(
        f"{API}/invitations", headers=park_admin,
        json={"enterprise_id": new_ent, "email": "late@newco.example.cn", "role": "enterprise_admin"},
    )  # fmt: skip
    inv = r.json()
    with db.transaction() as s:
        s.execute(
            update(Invitation)
            .where(Invitation.id == inv["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    r = client.post(
        f"{API}/invitations/redeem",
        json={
            "code": smtp_peer.code_for("late@newco.example.cn"),
            "email": "late@newco.example.cn",
            "password": NEW_PASSWORD,
        },
    )
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "invitation.expired"
    # the park admin cannot invite itself, nor have its analyst redeem into the enterprise
    me = client.post(
        f"{API}/invitations", headers=park_admin,
        json={"enterprise_id": new_ent, "email": world.a.users["park_admin"], "role": "enterprise_admin"},
    )  # fmt: skip
    assert me.status_code == 422 and me.json()["errors"][0]["code"] == "invitation.self"
    client.post(
        f"{API}/invitations", headers=park_admin,
        json={"enterprise_id": new_ent, "email": world.a.users["park_analyst"], "role": "enterprise_admin"},
    ).raise_for_status()  # fmt: skip
    analyst_code = smtp_peer.code_for(world.a.users["park_analyst"])
    r = client.post(
        f"{API}/invitations/redeem",
        json={"code": analyst_code, "email": world.a.users["park_analyst"], "password": "Passw0rd-demo!"},
    )
    assert r.status_code == 403 and r.json()["code"] == "invitation.park_side_account"
    assert all(role != "enterprise_admin" for _, role in _memberships(db, new_ent))
    # another park's admin does not see the enterprise
    r = client.post(
        f"{API}/invitations", headers=bearer(world.token("b", "park_admin")),
        json={"enterprise_id": new_ent, "email": "x@y.example.cn", "role": "enterprise_admin"},
    )  # fmt: skip
    assert r.status_code == 404


def test_break_glass_is_platform_admin_only_audited_and_notified(
    client: TestClient, world: World, db: Database
) -> None:
    ent = world.a.enterprise_ids[0]
    body = {"user_id": world.a.user_ids["verifier"], "organisation_id": ent, "role": "enterprise_member",
            "reason": "企业管理员离职，企业书面申请恢复访问 (ticket 4711)"}  # fmt: skip
    for role in ("park_admin", "enterprise_admin"):
        r = client.post(f"{API}/break-glass/memberships", headers=bearer(world.token("a", role)), json=body)
        assert r.status_code == 403, role
    root = bearer(world.token("-", "platform_admin"))
    no_reason = client.post(f"{API}/break-glass/memberships", headers=root, json={**body, "reason": ""})
    assert no_reason.status_code == 422
    r = client.post(f"{API}/break-glass/memberships", headers=root, json=body)
    assert r.status_code == 201, r.text
    assert (world.a.user_ids["verifier"], "enterprise_member") in _memberships(db, ent)
    ent_admin = bearer(world.token("a", "enterprise_admin"))
    events = client.get(f"{API}/audit-events", headers=ent_admin).json()["data"]
    glass = [e for e in events if e["action"] == "membership.break_glass"]
    assert len(glass) == 1 and "ticket 4711" in str(glass[0])
    notes = client.get(f"{API}/parks/{world.a.park_id}/notifications", headers=ent_admin).json()["data"]
    assert any(n["event"] == "break_glass" and "ticket 4711" in n["title_en"] for n in notes)


def test_park_admin_cannot_rename_or_deactivate_an_enterprise_account(
    client: TestClient, world: World
) -> None:
    """The park cannot lock an enterprise out of its own data (issue 12 §2): 200 on the old code."""
    target = world.a.user_ids["enterprise_admin"]
    park_admin = bearer(world.token("a", "park_admin"))
    r = client.patch(f"{API}/users/{target}", json={"is_active": False}, headers=park_admin)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "membership.invite_instead"
    r = client.patch(f"{API}/users/{target}", json={"display_name": "park was here"}, headers=park_admin)
    assert r.status_code == 403, r.text
    # the enterprise's own admin changes its member, and the enterprise's audit view shows it
    own = bearer(world.token("a", "enterprise_admin"))
    member = world.a.user_ids["enterprise_member"]
    r = client.patch(f"{API}/users/{member}", json={"display_name": "能源主管"}, headers=own)
    assert r.status_code == 200, r.text
    events = client.get(f"{API}/audit-events", params={"entity": "user"}, headers=own).json()["data"]
    assert any(e["action"] == "user.update" and str(e["entity_id"]) == str(member) for e in events)


def test_park_admin_cannot_create_users_or_members_in_service_organisations(
    client: TestClient, world: World, db: Database
) -> None:
    """Issue 12 hole 2: a park admin who could create a provider user would read its sealed bids.
    201 on the old code (park admins managed providers', verifiers' and financiers' members)."""
    park_admin = bearer(world.token("a", "park_admin"))
    me = world.a.user_ids["park_admin"]
    for org_id, role in (
        (world.a.provider_id, "provider"),
        (world.a.verifier_id, "verifier"),
        (world.a.financier_id, "financier"),
    ):
        r = client.post(
            f"{API}/memberships",
            headers=park_admin,
            json={"user_id": me, "organisation_id": org_id, "role": role},
        )
        assert r.status_code == 403, (role, r.text)
        r = client.post(
            f"{API}/users",
            headers=park_admin,
            json={"email": f"mole-{role}@park.example.cn", "display_name": "mole", "password": NEW_PASSWORD,
                  "organisation_id": org_id, "role": role},
        )  # fmt: skip
        assert r.status_code == 403, (role, r.text)
        assert (me, role) not in _memberships(db, org_id)
    # the platform's way in stays the separate, audited break-glass act
    root = bearer(world.token("-", "platform_admin"))
    body = {"user_id": me, "organisation_id": world.a.provider_id, "role": "provider",
            "reason": "服务商书面申请恢复管理员 (ticket 4712)"}  # fmt: skip
    r = client.post(f"{API}/break-glass/memberships", headers=root, json=body)
    assert r.status_code == 201, r.text
    assert (me, "provider") in _memberships(db, world.a.provider_id)
    with db.transaction() as s:  # leave the session's world as it was
        s.execute(delete(Membership).where(Membership.id == r.json()["id"]))
