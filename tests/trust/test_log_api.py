"""The transparency log fed by the services and served under /api/v1/log (issue 19 §1–3).

* hooks: a grant's creation and revocation and every MRV step append a leaf in the service's own
  transaction; leaves carry ids and SHA-256 digests (recomputed here from the inventory's published
  figures with ``rfc8785`` and ``hashlib``), never a cost field;
* access, per route: the enterprise reads its entries, the park and other organisations only as far as
  grants allow, the case's verifier its case's entries, another park nothing; checkpoints and consistency
  proofs are public;
* a bundle downloaded through the API verifies with ``parkcarbon verify`` and fails once one byte of its
  leaf is changed; a later bundle proves that the log only grew (the ``--state`` file).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from parkcarbon.cli import app as cli_app
from parkcarbon.core import note, proofbundle, tlog
from parkcarbon.services import access
from parkcarbon.services.enterprise import inventory, mrv
from parkcarbon.services.enterprise.demo import DemoEnterprise
from parkcarbon.services.enterprise.schemas import CaseAct, InventoryCreate, ReviewCreate
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.registry import grants
from parkcarbon.services.registry.schemas import GrantCreate
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.vocab import GrantScope
from tests.conftest import World, bearer
from tests.enterprise.conftest import TODAY, YEAR, Who

API = "/api/v1/log"
OPINION = "经核查，排放报告数据真实、准确。"


def _records(client: TestClient, token: str, enterprise_id: int) -> list[dict[str, Any]]:
    r = client.get(
        f"{API}/entries", params={"enterprise_id": enterprise_id, "limit": 1000}, headers=bearer(token)
    )
    assert r.status_code == 200, r.text
    out = []
    for e in r.json()["data"]:
        record = json.loads(base64.b64decode(e["leaf"]))
        assert (record["kind"], record["enterprise_id"]) == (e["kind"], e["enterprise_id"])
        out.append({**record, "leaf_index": e["leaf_index"]})
    return out


def _cost_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k in value if k in access.COST_FIELDS] + [
            x for v in value.values() for x in _cost_keys(v)
        ]
    if isinstance(value, list):
        return [x for v in value for x in _cost_keys(v)]
    return []


@pytest.fixture
def verified(db: Database, demo: DemoEnterprise, who: Who) -> dict[str, Any]:
    """The demo case driven to verified (plan, reviews, report, a submitted inventory, review, verify)."""
    admin, verifier = who("enterprise_admin"), who("verifier")

    def step(p: Any, action: str, **kw: Any) -> None:
        mrv.act(db, p, demo.case_id, CaseAct(action=action, **kw), today=TODAY)

    step(admin, "approve_plan")
    mrv.review_months(db, admin, demo.case_id, ReviewCreate(), today=TODAY)
    step(admin, "start_report")
    inv = inventory.create_inventory(db, admin, demo.enterprise_id, InventoryCreate(year=YEAR))
    inv = inventory.submit_inventory(db, admin, inv.id)
    step(admin, "submit", inventory_id=inv.id)
    step(verifier, "start_review")
    step(verifier, "verify", note=OPINION)
    return {"inventory": inv, "case_id": demo.case_id, "enterprise_id": demo.enterprise_id}


def test_mrv_steps_are_logged_with_the_digest_of_the_inventory_figures(
    client: TestClient, world: World, verified: dict[str, Any]
) -> None:
    inv = verified["inventory"]
    records = _records(client, world.token("a", "enterprise_admin"), verified["enterprise_id"])
    steps = [r for r in records if r["entity"] == "mrv_case" and r["case_id"] == verified["case_id"]]
    assert [r["kind"] for r in steps] == [
        "mrv.approve_plan", "mrv.start_report", "mrv.submit", "mrv.start_review", "mrv.verify",
    ]  # fmt: skip
    # the digest, recomputed from the inventory as the API publishes it (docs/trust.md, "Leaves")
    figures = {
        "inventory_id": inv.id, "year": inv.year, "version": inv.version, "total_tco2e": inv.total_tco2e,
        "total_tce": inv.total_tce,
        "lines": [
            {"activity_id": ln.activity_id, "category": ln.category, "carrier": ln.carrier, "unit": ln.unit,
             "quantity": ln.quantity, "tce": ln.tce, "tco2e": ln.tco2e}
            for ln in sorted(inv.lines, key=lambda ln: ln.position)
        ],
    }  # fmt: skip
    assert inv.lines and inv.total_tco2e
    digest = hashlib.sha256(rfc8785.dumps(figures)).hexdigest()
    submit, verify = steps[2], steps[4]
    assert submit["inventory_id"] == verify["inventory_id"] == inv.id
    assert submit["inventory_figures_sha256"] == verify["inventory_figures_sha256"] == digest
    assert (steps[0]["inventory_figures_sha256"], steps[0]["inventory_id"]) == (None, None)
    assert verify["opinion_sha256"] == hashlib.sha256(OPINION.encode()).hexdigest()
    assert verify["status"] == "verified" and verify["verifier_organisation_id"] == world.a.verifier_id
    assert all(_cost_keys(r) == [] for r in records)


def test_grants_are_logged_on_creation_and_revocation(db: Database, world: World, client: TestClient) -> None:
    ent = world.a.enterprise_ids[1]
    g = grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(enterprise_id=ent, grantee_organisation_id=world.a.financier_id, scope="inventory"),
    )
    grants.revoke_grant(db, SYSTEM, g.id)
    grants.revoke_grant(db, SYSTEM, g.id)  # already revoked: no second leaf
    records = [r for r in _records(client, world.token("-", "platform_admin"), ent) if r["grant_id"] == g.id]
    assert [r["kind"] for r in records] == ["grant.create", "grant.revoke"]
    assert records[0]["revoked_at"] is None and records[1]["revoked_at"] is not None
    assert {r["scope"] for r in records} == {"inventory"} and records[0]["leaf_index"] < records[1][
        "leaf_index"
    ]
    assert (
        records[0]["grantee_organisation_id"] == world.a.financier_id
        and records[0]["park_id"] == world.a.park_id
    )


# --- access, per route ----------------------------------------------------------------------------------


def _kinds(client: TestClient, token: str, enterprise_id: int) -> set[str]:
    return {r["kind"].split(".")[0] for r in _records(client, token, enterprise_id)}


def test_who_reads_which_entries(
    db: Database, client: TestClient, world: World, verified: dict[str, Any]
) -> None:
    ent = verified["enterprise_id"]
    tok = world.token
    assert _kinds(client, tok("a", "enterprise_admin"), ent) == {"grant", "mrv"}
    assert _kinds(client, tok("a", "enterprise_member"), ent) == {"grant", "mrv"}
    # the case's accepted verifier: its case's steps only
    seen = _records(client, tok("a", "verifier"), ent)
    assert seen and {(r["entity"], r["entity_id"]) for r in seen} == {("mrv_case", str(verified["case_id"]))}
    # the park operator holds the seeded meter-data grant: that grant's entry, no MRV step
    seen = _records(client, tok("a", "park_admin"), ent)
    assert {(r["kind"], r["grant_id"]) for r in seen} == {("grant.create", world.a.grant_id)}
    for role in ("regulator", "financier", "provider"):
        assert _records(client, tok("a", role), ent) == [], role
    # park B sees nothing of park A (an empty listing, not found on each entry)
    assert _records(client, tok("b", "enterprise_admin"), ent) == []
    mrv_leaf = next(
        r for r in _records(client, tok("a", "enterprise_admin"), ent) if r["kind"] == "mrv.verify"
    )
    index = mrv_leaf["leaf_index"]
    for role, status in [
        ("enterprise_admin", 200), ("verifier", 200), ("park_admin", 403), ("regulator", 403),
        ("financier", 403),
    ]:  # fmt: skip
        for suffix in ("", "/bundle"):
            r = client.get(f"{API}/entries/{index}{suffix}", headers=bearer(tok("a", role)))
            assert r.status_code == status, (role, suffix, r.text)
            if status == 403:
                assert r.json()["code"] == "log.not_shared"
    for role in ("enterprise_admin", "park_admin", "verifier", "platform_admin"):
        park = "-" if role == "platform_admin" else "b"
        for suffix in ("", "/bundle"):
            r = client.get(f"{API}/entries/{index}{suffix}", headers=bearer(tok(park, role)))
            want = 200 if role == "platform_admin" else 404
            assert r.status_code == want, (role, suffix, r.text)
    r = client.get(f"{API}/entries/{index}", headers=bearer(world.a.api_key))
    assert r.status_code == 403
    assert client.get(f"{API}/entries/{index}").status_code == 401
    assert (
        client.get(f"{API}/entries/99999999", headers=bearer(tok("a", "enterprise_admin"))).status_code == 404
    )
    # an inventory grant opens the MRV steps to the grantee (the financier), and only while it lasts
    g = grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(enterprise_id=ent, grantee_organisation_id=world.a.financier_id, scope="inventory"),
    )
    assert _kinds(client, tok("a", "financier"), ent) == {"mrv", "grant"}
    assert client.get(f"{API}/entries/{index}", headers=bearer(tok("a", "financier"))).status_code == 200
    grants.revoke_grant(db, SYSTEM, g.id)
    assert _kinds(client, tok("a", "financier"), ent) == {"grant"}  # its own grant's entries stay visible
    assert client.get(f"{API}/entries/{index}", headers=bearer(tok("a", "financier"))).status_code == 403
    assert access.LOG_KIND_SCOPES["mrv"] == GrantScope.INVENTORY


def test_checkpoint_and_consistency_are_public(client: TestClient, world: World, settings: Settings) -> None:
    r = client.get(f"{API}/checkpoint")
    assert r.status_code == 200, r.text
    cp = r.json()
    verifier = note.Verifier.parse(cp["verifier_key"])
    opened = note.open_checkpoint(cp["note"], settings.log_origin, verifier)
    assert opened.size == cp["size"] >= 2 and base64.b64encode(opened.root).decode() == cp["root"]
    assert client.get(f"{API}/checkpoint").json()["note"] == cp["note"]  # nothing new: the same checkpoint
    r = client.get(f"{API}/consistency", params={"from_size": 1})
    assert r.status_code == 200 and r.json()["to_size"] == cp["size"]
    r = client.get(f"{API}/consistency", params={"from_size": cp["size"] + 1})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    assert r.json()["errors"][0]["code"] == "log.size_out_of_range"
    assert r.headers["content-type"].startswith("application/problem+json")


# --- offline verification of a downloaded bundle --------------------------------------------------------


def _verify(tmp_path: Path, bundle: dict[str, Any], key: str, state: Path | None = None) -> Any:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    args = ["verify", str(path), "--key", key]
    if state is not None:
        args += ["--state", str(state)]
    return CliRunner().invoke(cli_app, args)


def test_a_bundle_from_the_api_verifies_offline_and_fails_on_one_changed_byte(
    db: Database, client: TestClient, world: World, verified: dict[str, Any], tmp_path: Path
) -> None:
    token = world.token("a", "enterprise_admin")
    entry = next(r for r in _records(client, token, verified["enterprise_id"]) if r["kind"] == "mrv.verify")
    key = client.get(f"{API}/checkpoint").json()["verifier_key"]
    r = client.get(f"{API}/entries/{entry['leaf_index']}/bundle", headers=bearer(token))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    bundle = r.json()
    state = tmp_path / "trusted.json"
    ok = _verify(tmp_path, bundle, key, state)
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output and "mrv.verify" in ok.output
    first = proofbundle.Trusted.from_json(json.loads(state.read_text()))

    # one byte of the leaf changed (a digit of the figures' digest): refused with the reason
    leaf = bytearray(base64.b64decode(bundle["entries"][0]["leaf"]))
    at = leaf.index(entry["inventory_figures_sha256"].encode())
    leaf[at] = ord("0") if leaf[at] != ord("0") else ord("1")
    tampered = {
        **bundle,
        "entries": [{**bundle["entries"][0], "leaf": base64.b64encode(bytes(leaf)).decode()}],
    }
    bad = _verify(tmp_path, tampered, key, state)
    assert bad.exit_code == 1 and "NOT VERIFIED" in bad.output and "different root" in bad.output
    assert proofbundle.Trusted.from_json(json.loads(state.read_text())) == first  # state unchanged

    # the log grows; a later bundle proves consistency with the checkpoint the verifier kept
    grants.create_grant(
        db,
        SYSTEM,
        GrantCreate(
            enterprise_id=verified["enterprise_id"],
            grantee_organisation_id=world.a.financier_id,
            scope="documents",
        ),
    )
    r = client.get(
        f"{API}/entries/{entry['leaf_index']}/bundle", params={"from_size": first.size}, headers=bearer(token)
    )
    later = r.json()
    assert (
        note.Checkpoint.parse(note.open_note(later["checkpoint"], note.Verifier.parse(key)).text).size
        > first.size
    )
    # without the consistency proof the kept state refuses the newer bundle
    missing = _verify(tmp_path, {**later, "consistency": []}, key, state)
    assert missing.exit_code == 1 and "no consistency proof" in missing.output
    grown = _verify(tmp_path, later, key, state)
    assert grown.exit_code == 0 and f"grew since the trusted checkpoint of size {first.size}" in grown.output


def test_bundle_inclusion_equals_the_reference_tree(
    client: TestClient, world: World, verified: dict[str, Any]
) -> None:
    """The bundle's path is RFC 9162's PATH over all leaves the platform admin can list (every leaf)."""
    token = world.token("-", "platform_admin")
    leaves: dict[int, bytes] = {}
    for ent in {*world.a.enterprise_ids, *world.b.enterprise_ids}:
        r = client.get(f"{API}/entries", params={"enterprise_id": ent, "limit": 1000}, headers=bearer(token))
        leaves.update({e["leaf_index"]: base64.b64decode(e["leaf"]) for e in r.json()["data"]})
    index = max(leaves)
    bundle = client.get(f"{API}/entries/{index}/bundle", headers=bearer(token)).json()
    size = note.Checkpoint.parse(bundle["checkpoint"].split("\n\n")[0] + "\n").size
    assert sorted(leaves) == list(range(size))  # every leaf belongs to an enterprise of the two parks
    reference = tlog.MemoryNodes(tlog.leaf_hash(leaves[i]) for i in range(size))
    path = [base64.b64decode(h) for h in bundle["entries"][0]["inclusion"]]
    assert path == tlog.inclusion_proof(reference, index, size)
    assert note.Checkpoint.parse(bundle["checkpoint"].split("\n\n")[0] + "\n").root == tlog.root(reference)
