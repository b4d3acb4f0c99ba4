"""The transparency log's Merkle tree against published RFC 6962 / RFC 9162 test vectors.

Two independent sources, both used as data only (fixtures under ``tests/core/vectors/``):

* ``transparency-dev/merkle`` (Google LLC, Apache License 2.0; snapshot of 2026-07-23, commit
  417fb0c3): ``testonly/constants.go`` — the eight reference leaves of Certificate Transparency, the
  tree head of every size 0–8 and the hashes of every complete subtree — and ``testdata/inclusion``,
  ``testdata/consistency`` (valid and mutated proofs, ``wantErr``), copied to
  ``vectors/transparency-dev-merkle/`` with its LICENSE.
* C2SP CCTV "Merkle tree test vectors" by Rasmus Dahlberg (``rgdd/CCTV``, branch ``merkle``, BSD
  2-Clause): ``merkle_tree.json`` (heads of trees ``[a]``, ``[a, b]``, …), ``inclusion-*.json``,
  ``consistency-*.json``, copied to ``vectors/cctv-merkle/`` with its LICENSE.

No expected value here comes from this code.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parkcarbon.core import tlog

VECTORS = Path(__file__).parent / "vectors"
TDEV = VECTORS / "transparency-dev-merkle"
CCTV = VECTORS / "cctv-merkle"

# transparency-dev/merkle testonly/constants.go: LeafInputs(), RootHashes(), NodeHashes()
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]


def b64(s: str) -> bytes:
    return base64.b64decode(s)


def ct_tree() -> tlog.MemoryNodes:
    tree = tlog.MemoryNodes()
    for leaf in CT_LEAVES:
        tree.append(leaf)
    return tree


def test_empty_tree_and_every_reference_head() -> None:
    tree = ct_tree()
    assert tlog.EMPTY_ROOT.hex() == CT_ROOTS[0]
    for size in range(len(CT_LEAVES) + 1):
        assert tlog.root(tree, size).hex() == CT_ROOTS[size], size


def test_every_complete_subtree_is_the_reference_node() -> None:
    tree = ct_tree()
    for level, row in enumerate(CT_NODES):
        assert [tree.get(level, i).hex() for i in range(len(row))] == row


def test_the_split_is_the_largest_power_of_two_not_the_midpoint() -> None:
    assert [tlog.split_point(n) for n in (2, 3, 4, 5, 6, 7, 8, 9, 1000)] == [1, 2, 2, 4, 4, 4, 4, 8, 512]
    # a midpoint split of 5 leaves (3 + 2) would give a different, non-interoperable head
    h = [tlog.leaf_hash(x) for x in CT_LEAVES[:5]]
    midpoint = tlog.node_hash(tlog.node_hash(tlog.node_hash(h[0], h[1]), h[2]), tlog.node_hash(h[3], h[4]))
    assert midpoint.hex() != CT_ROOTS[5]


def test_cctv_heads() -> None:
    cases = json.loads((CCTV / "merkle_tree.json").read_text())
    tree = tlog.MemoryNodes()
    for case in cases:
        assert tlog.leaf_hash(case["leaf_data"].encode()) == b64(case["leaf_hash"])
        tree.append_hash(b64(case["leaf_hash"]))
        assert tlog.root(tree) == b64(case["root_hash"]), case


def _tdev(kind: str) -> list[tuple[str, dict[str, object]]]:
    return [
        (str(p.relative_to(TDEV / kind)), json.loads(p.read_text()))
        for p in sorted((TDEV / kind).rglob("*.json"))
    ]


def _hashes(values: object) -> list[bytes]:
    assert isinstance(values, list)
    return [b64(v) for v in values]


@pytest.mark.parametrize(("name", "case"), _tdev("inclusion"), ids=lambda v: v if isinstance(v, str) else "")
def test_transparency_dev_inclusion_vectors(name: str, case: dict[str, object]) -> None:
    args = (
        int(case["leafIdx"]),
        int(case["treeSize"]),
        b64(str(case["leafHash"])),
        _hashes(case["proof"] or []),
    )  # type: ignore[call-overload]
    if case["wantErr"]:
        with pytest.raises(tlog.ProofError):
            tlog.verify_inclusion(*args, b64(str(case["root"])))
    else:
        tlog.verify_inclusion(*args, b64(str(case["root"])))


@pytest.mark.parametrize(
    ("name", "case"), _tdev("consistency"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_transparency_dev_consistency_vectors(name: str, case: dict[str, object]) -> None:
    args = (
        int(case["size1"]),  # type: ignore[call-overload]
        int(case["size2"]),  # type: ignore[call-overload]
        b64(str(case["root1"])),
        b64(str(case["root2"])),
        _hashes(case["proof"] or []),
    )
    if case["wantErr"]:
        with pytest.raises(tlog.ProofError):
            tlog.verify_consistency(*args)
    else:
        tlog.verify_consistency(*args)


def test_our_proofs_are_the_published_ones() -> None:
    """Generation, not only verification: our paths for the happy-path vectors equal theirs."""
    tree = ct_tree()
    for _, case in _tdev("inclusion"):
        if case["wantErr"] or int(case["treeSize"]) > len(CT_LEAVES):  # type: ignore[call-overload]
            continue
        got = tlog.inclusion_proof(tree, int(case["leafIdx"]), int(case["treeSize"]))  # type: ignore[call-overload]
        assert got == _hashes(case["proof"] or []), case["desc"]
    seen = 0
    for _, case in _tdev("consistency"):
        size1, size2 = int(case["size1"]), int(case["size2"])  # type: ignore[call-overload]
        if case["wantErr"] or not 0 < size1 < size2 <= len(CT_LEAVES):
            continue
        assert tlog.consistency_proof(tree, size1, size2) == _hashes(case["proof"] or []), case["desc"]
        seen += 1
    assert seen >= 4


@pytest.mark.parametrize("valid", [True, False])
def test_cctv_inclusion(valid: bool) -> None:
    cases = json.loads((CCTV / f"inclusion-{'valid' if valid else 'invalid'}.json").read_text())
    assert cases
    for case in cases:
        args = (
            case["leaf_index"],
            case["tree_size"],
            b64(case["leaf_hash"]),
            _hashes(case["inclusion_path"]),
        )
        if valid:
            tlog.verify_inclusion(*args, b64(case["root_hash"]))
        else:
            with pytest.raises(tlog.ProofError):
                tlog.verify_inclusion(*args, b64(case["root_hash"]))


@pytest.mark.parametrize("valid", [True, False])
def test_cctv_consistency(valid: bool) -> None:
    cases = json.loads((CCTV / f"consistency-{'valid' if valid else 'invalid'}.json").read_text())
    assert cases
    for case in cases:
        args = (case["old_size"], case["new_size"], b64(case["old_root"]), b64(case["new_root"]),
                _hashes(case["consistency_path"]))  # fmt: skip
        if valid:
            tlog.verify_consistency(*args)
        else:
            with pytest.raises(tlog.ProofError):
                tlog.verify_consistency(*args)


def test_the_inclusion_loop_off_by_one() -> None:
    """A verifier that stops its loop one step early, or never checks that the path was used up,
    accepts a proof with a hash appended or one too few; and a leaf index equal to the tree size (one
    past the last leaf) must be refused, not folded as if it were the last leaf."""
    tree = ct_tree()
    head = tlog.root(tree, 7)
    leaf = tlog.leaf_hash(CT_LEAVES[6])
    path = tlog.inclusion_proof(tree, 6, 7)
    tlog.verify_inclusion(6, 7, leaf, path, head)
    with pytest.raises(tlog.ProofError, match="longer"):
        tlog.verify_inclusion(6, 7, leaf, [*path, path[-1]], head)
    with pytest.raises(tlog.ProofError, match="shorter"):
        tlog.verify_inclusion(6, 7, leaf, path[:-1], head)
    with pytest.raises(tlog.ProofError, match="not in a tree"):
        tlog.verify_inclusion(7, 7, leaf, path, head)
    with pytest.raises(tlog.ProofError):  # a proof against a different size
        tlog.verify_inclusion(6, 8, leaf, path, tlog.root(tree, 8))


def test_rollback_and_fork_are_named() -> None:
    tree = ct_tree()
    with pytest.raises(tlog.ProofError, match="rollback"):
        tlog.verify_consistency(8, 7, tlog.root(tree, 8), tlog.root(tree, 7), [])
    with pytest.raises(tlog.ProofError, match="fork"):
        tlog.verify_consistency(7, 7, tlog.root(tree, 7), tlog.root(tree, 6), [])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_every_proof_of_a_larger_tree_verifies_and_a_flipped_bit_does_not(
    n: int, data: st.DataObject
) -> None:
    tree = tlog.MemoryNodes(tlog.leaf_hash(i.to_bytes(4, "big")) for i in range(n))
    head = tlog.root(tree)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    path = tlog.inclusion_proof(tree, i, n)
    tlog.verify_inclusion(i, n, tree.get(0, i), path, head)
    m = data.draw(st.integers(min_value=1, max_value=n))
    proof = tlog.consistency_proof(tree, m, n)
    tlog.verify_consistency(m, n, tlog.root(tree, m), head, proof)
    if path:
        j = data.draw(st.integers(min_value=0, max_value=len(path) - 1))
        bad = [*path]
        bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
        with pytest.raises(tlog.ProofError):
            tlog.verify_inclusion(i, n, tree.get(0, i), bad, head)
