"""Offline verification of proof bundles: what a bank does with a bundle and the platform's public key.

Every refusal case of issue 19 §3 — a tampered leaf, a truncated path, a proof against a different
size, a rollback, a fork, a forged signature — is refused with its reason; the happy paths verify.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import pytest
import rfc8785
from typer.testing import CliRunner

from parkcarbon.cli import app
from parkcarbon.core import note, proofbundle, tlog

ORIGIN = "parkcarbon.example/log"


def _records(n: int, tamper: int | None = None) -> list[bytes]:
    out = []
    for i in range(n):
        tco2e = "1234.5678" if i != tamper else "1000.0000"
        out.append(rfc8785.dumps({"kind": "inventory.frozen", "enterprise": f"E{i:02d}", "tco2e": tco2e}))
    return out


class Log:
    def __init__(self, leaves: list[bytes], signer: note.Signer) -> None:
        self.leaves, self.signer = leaves, signer
        self.nodes = tlog.MemoryNodes()
        for leaf in leaves:
            self.nodes.append(leaf)

    def checkpoint(self, size: int) -> str:
        return note.sign_checkpoint(note.Checkpoint(ORIGIN, size, tlog.root(self.nodes, size)), self.signer)

    def bundle(
        self, size: int, indexes: tuple[int, ...], from_sizes: tuple[int, ...] = ()
    ) -> dict[str, object]:
        return proofbundle.build_bundle(
            self.nodes, self.checkpoint(size), size, {i: self.leaves[i] for i in indexes}, from_sizes
        )


@pytest.fixture(scope="module")
def signer() -> note.Signer:
    return note.Signer.generate(ORIGIN)


@pytest.fixture(scope="module")
def log(signer: note.Signer) -> Log:
    return Log(_records(13), signer)


def test_a_bundle_verifies_and_shows_its_records(log: Log, signer: note.Signer) -> None:
    out = proofbundle.verify_bundle(log.bundle(13, (0, 6, 12)), ORIGIN, [signer.verifier()])
    assert out.checkpoint.size == 13
    assert [e.record()["enterprise"] for e in out.entries] == ["E00", "E06", "E12"]


def test_the_log_grew_consistently_since_the_trusted_checkpoint(log: Log, signer: note.Signer) -> None:
    first = proofbundle.verify_bundle(log.bundle(5, (3,)), ORIGIN, [signer.verifier()])
    later = proofbundle.verify_bundle(
        log.bundle(13, (3,), from_sizes=(5,)), ORIGIN, [signer.verifier()], first.trusted()
    )
    assert later.consistent_with == 5


def _entry(bundle: dict[str, object]) -> dict[str, object]:
    entries = bundle["entries"]
    assert isinstance(entries, list)
    return entries[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("tampered leaf byte", "different root"),
        ("truncated path", "shorter"),
        ("proof against another size", "different root|shorter|longer"),
        ("wrong index", "different root|not in a tree"),
        ("altered checkpoint", "altered"),
        ("another log's key", "no signature by a trusted key"),
        ("other origin", "of log 'parkcarbon.example/log', not 'other.example/log'"),
    ],
)
def test_every_tampering_is_refused_with_its_reason(
    log: Log, signer: note.Signer, case: str, reason: str
) -> None:
    bundle = copy.deepcopy(log.bundle(13, (6,)))
    keys = [signer.verifier()]
    origin = ORIGIN
    entry = _entry(bundle)
    if case == "tampered leaf byte":
        leaf = bytearray(base64.b64decode(str(entry["leaf"])))
        leaf[-3] ^= 0x01
        entry["leaf"] = base64.b64encode(bytes(leaf)).decode()
    elif case == "truncated path":
        entry["inclusion"] = entry["inclusion"][:-1]  # type: ignore[index]
    elif case == "proof against another size":
        entry["inclusion"] = _entry(log.bundle(12, (6,)))["inclusion"]
    elif case == "wrong index":
        entry["index"] = 7
    elif case == "altered checkpoint":
        cp = str(bundle["checkpoint"]).split("\n")
        cp[1] = "14"
        bundle["checkpoint"] = "\n".join(cp)
    elif case == "another log's key":
        keys = [note.Signer.generate(ORIGIN).verifier()]
    elif case == "other origin":
        origin = "other.example/log"
    with pytest.raises(proofbundle.VerifyError, match=reason):
        proofbundle.verify_bundle(bundle, origin, keys)


def test_rollback_fork_and_a_missing_consistency_proof(log: Log, signer: note.Signer) -> None:
    keys = [signer.verifier()]
    trusted = proofbundle.verify_bundle(log.bundle(13, (1,)), ORIGIN, keys).trusted()
    with pytest.raises(proofbundle.VerifyError, match="rollback"):
        proofbundle.verify_bundle(log.bundle(9, (1,)), ORIGIN, keys, trusted)
    # the same key signs a rewritten history: record 3 changed, same size
    forked = Log(_records(13, tamper=3), signer)
    with pytest.raises(proofbundle.VerifyError, match="fork"):
        proofbundle.verify_bundle(forked.bundle(13, (1,)), ORIGIN, keys, trusted)
    bigger = Log(_records(14, tamper=3), signer)
    with pytest.raises(proofbundle.VerifyError, match="fork"):
        proofbundle.verify_bundle(bigger.bundle(14, (1,), from_sizes=(13,)), ORIGIN, keys, trusted)
    with pytest.raises(proofbundle.VerifyError, match="no consistency proof from size 13"):
        proofbundle.verify_bundle(bigger.bundle(14, (1,)), ORIGIN, keys, trusted)


def test_the_cli_verifies_offline_and_keeps_its_trusted_checkpoint(
    log: Log, signer: note.Signer, tmp_path: Path
) -> None:
    runner = CliRunner()
    key = signer.verifier().encode()
    state = tmp_path / "trusted.json"
    first = tmp_path / "b5.json"
    first.write_text(json.dumps(log.bundle(5, (2,))))
    r = runner.invoke(app, ["verify", str(first), "--key", key, "--state", str(state)])
    assert r.exit_code == 0, r.output
    assert "verified" in r.output and '"enterprise": "E02"' in r.output
    assert json.loads(state.read_text())["size"] == 5
    later = tmp_path / "b13.json"
    later.write_text(json.dumps(log.bundle(13, (2,), from_sizes=(5,))))
    r = runner.invoke(app, ["verify", str(later), "--key", key, "--state", str(state)])
    assert r.exit_code == 0 and "only grew since the trusted checkpoint of size 5" in r.output
    r = runner.invoke(app, ["verify", str(first), "--key", key, "--state", str(state)])
    assert r.exit_code == 1 and "rollback" in r.output
    assert json.loads(state.read_text())["size"] == 13  # a refused bundle changes nothing
