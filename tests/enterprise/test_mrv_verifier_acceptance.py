"""Issue 12 §2: a verifier is on an enterprise's MRV case only once the enterprise accepts it. The park
admin merely proposes; until the enterprise's admin accepts, the verifier sees nothing of the case or the
enterprise."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World, bearer
from tests.mailpeer import MailPeer

API = "/api/v1"
PASSWORD = "Fresh-Passw0rd-2026"


def _first_admin(client: TestClient, world: World, ent: int, peer: MailPeer) -> dict[str, str]:
    """A new enterprise's first admin, through an invitation and its one-time code (by mail)."""
    client.post(
        f"{API}/invitations",
        headers=bearer(world.token("a", "park_admin")),
        json={"enterprise_id": ent, "email": "chief@ent1.example.cn", "role": "enterprise_admin"},
    ).raise_for_status()
    r = client.post(
        f"{API}/invitations/redeem",
        json={
            "code": peer.code_for("chief@ent1.example.cn"),
            "email": "chief@ent1.example.cn",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 200, r.text
    token = client.post(f"{API}/auth/token", json={"email": "chief@ent1.example.cn", "password": PASSWORD})
    return bearer(token.json()["access_token"])


def test_park_proposed_verifier_sees_nothing_until_the_enterprise_accepts(
    client: TestClient, world: World, smtp_peer: MailPeer
) -> None:
    ent = world.a.enterprise_ids[1]
    ent_admin = _first_admin(client, world, ent, smtp_peer)
    park_admin = bearer(world.token("a", "park_admin"))
    verifier = bearer(world.token("a", "verifier"))
    r = client.post(
        f"{API}/mrv/cases",
        headers=park_admin,
        json={"enterprise_id": ent, "year": 2023, "verifier_organisation_id": world.a.verifier_id},
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["verifier_organisation_id"] == world.a.verifier_id and case["verifier_accepted_at"] is None

    def verifier_sees() -> tuple[bool, int, int]:
        listed = client.get(f"{API}/mrv/cases", headers=verifier).json()["data"]
        detail = client.get(f"{API}/mrv/cases/{case['id']}", headers=verifier).status_code
        file = client.get(f"{API}/enterprises/{ent}/file", headers=verifier).status_code
        return any(c["id"] == case["id"] for c in listed), detail, file

    listed, detail, file = verifier_sees()
    assert not listed and detail == 404 and file in {403, 404}
    # the park admin cannot accept its own proposal; the verifier cannot accept itself
    assert client.post(f"{API}/mrv/cases/{case['id']}/verifier/accept", headers=park_admin).status_code == 403
    assert client.post(f"{API}/mrv/cases/{case['id']}/verifier/accept", headers=verifier).status_code == 404
    # the enterprise's admin sees the proposal and accepts it
    seen = client.get(f"{API}/mrv/cases/{case['id']}", headers=ent_admin).json()
    assert seen["verifier_organisation_id"] == world.a.verifier_id and seen["verifier_accepted_at"] is None
    r = client.post(f"{API}/mrv/cases/{case['id']}/verifier/accept", headers=ent_admin)
    assert r.status_code == 200 and r.json()["verifier_accepted_at"] is not None, r.text
    assert verifier_sees() == (True, 200, 200)
    again = client.post(f"{API}/mrv/cases/{case['id']}/verifier/accept", headers=ent_admin)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "mrv.no_proposed_verifier"
    events = {e["action"] for e in client.get(f"{API}/audit-events", headers=ent_admin).json()["data"]}
    assert {"mrv.propose_verifier", "mrv.accept_verifier"} <= events


def test_park_admin_changing_the_verifier_is_again_only_a_proposal(
    client: TestClient, world: World, smtp_peer: MailPeer
) -> None:
    ent = world.a.enterprise_ids[1]
    ent_admin = _first_admin(client, world, ent, smtp_peer)
    park_admin = bearer(world.token("a", "park_admin"))
    verifier = bearer(world.token("a", "verifier"))
    # the enterprise names the verifier itself: accepted at once
    case = client.post(
        f"{API}/mrv/cases",
        headers=ent_admin,
        json={"enterprise_id": ent, "year": 2022, "verifier_organisation_id": world.a.verifier_id},
    ).json()
    assert case["verifier_accepted_at"] is not None
    assert client.get(f"{API}/mrv/cases/{case['id']}", headers=verifier).status_code == 200
    # the park admin re-names it: a proposal again, and the verifier loses sight of the case
    r = client.patch(
        f"{API}/mrv/cases/{case['id']}",
        headers=park_admin,
        json={"verifier_organisation_id": world.a.verifier_id},
    )
    assert r.status_code == 200 and r.json()["verifier_accepted_at"] is None
    assert client.get(f"{API}/mrv/cases/{case['id']}", headers=verifier).status_code == 404
    # declined: the case has no verifier again
    r = client.post(f"{API}/mrv/cases/{case['id']}/verifier/decline", headers=ent_admin)
    assert r.status_code == 200 and r.json()["verifier_organisation_id"] is None
