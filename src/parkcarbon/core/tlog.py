"""The transparency log's Merkle tree (透明日志), exactly as RFC 9162 §2.1 (Certificate Transparency 2.0).

* Leaf hash ``SHA-256(0x00 || leaf)``, interior node ``SHA-256(0x01 || left || right)``, the empty tree's
  hash ``SHA-256("")`` (§2.1.1).
* A tree of ``n > 1`` leaves splits at ``k``, the largest power of two smaller than ``n`` (§2.1.1) — not
  at the midpoint.
* Inclusion proofs are ``PATH(m, D[n])`` (§2.1.3.1) and their verification the algorithm of §2.1.3.2;
  consistency proofs are ``PROOF(m, D[n])`` (§2.1.4.1) and their verification the algorithm of §2.1.4.2.

Proofs are computed from the hashes of *complete* subtrees only (a subtree of ``2**level`` leaves whose
first leaf is a multiple of ``2**level``), read through :class:`Nodes`. An append completes one node per
level the new leaf closes, so a store keeps ``< 2 n`` hashes and a proof reads ``O(log² n)`` of them at
worst. :class:`MemoryNodes` is the in-memory store; the platform's database store implements the same
protocol.

Pure: no I/O, standard library only, so an outside verifier can use this module as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not verify, or parameters no proof can exist for; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def leaf_hash(leaf: bytes) -> bytes:
    """``MTH({d}) = SHA-256(0x00 || d)``."""
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """``k``: the largest power of two smaller than ``n`` (``n >= 2``)."""
    if n < 2:
        raise ValueError("a tree splits only from 2 leaves on")
    return 1 << ((n - 1).bit_length() - 1)


class Nodes(Protocol):
    """Hashes of complete subtrees: ``level`` 0 is the leaf hashes; ``(level, index)`` covers leaves
    ``[index * 2**level, (index + 1) * 2**level)``."""

    def size(self) -> int: ...

    def get(self, level: int, index: int) -> bytes: ...


class MemoryNodes:
    """An append-only in-memory tree of complete-subtree hashes."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append_hash(h)

    def size(self) -> int:
        return len(self.levels[0])

    def get(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def append(self, leaf: bytes) -> int:
        """Append a leaf (its bytes); return its index."""
        return self.append_hash(leaf_hash(leaf))

    def append_hash(self, h: bytes) -> int:
        """Append a leaf by its hash; complete every node it closes. Return the leaf's index."""
        if len(h) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, not {len(h)}")
        index = len(self.levels[0])
        for level, node in new_nodes(index, h, self.get):
            if level == len(self.levels):
                self.levels.append([])
            self.levels[level].append(node)
        return index


def new_nodes(index: int, h: bytes, get: Callable[[int, int], bytes]) -> list[tuple[int, bytes]]:
    """The complete-subtree hashes that appending leaf hash ``h`` at ``index`` creates, lowest first:
    the leaf itself, then one parent for every level at which the new node is a right child.
    ``get(level, index)`` reads the existing left siblings."""
    out = [(0, h)]
    level, i, node = 0, index, h
    while i & 1:
        node = node_hash(get(level, i - 1), node)
        level, i = level + 1, i >> 1
        out.append((level, node))
    return out


def subtree_hash(nodes: Nodes, start: int, end: int) -> bytes:
    """``MTH(D[start:end])`` of a subtree RFC 9162 builds: complete ones are read, the others split at
    :func:`split_point`."""
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return nodes.get(n.bit_length() - 1, start // n)
    k = split_point(n)
    return node_hash(subtree_hash(nodes, start, start + k), subtree_hash(nodes, start + k, end))


def root(nodes: Nodes, size: int | None = None) -> bytes:
    """The tree head ``MTH(D[0:size])`` (default: the whole tree)."""
    size = nodes.size() if size is None else size
    if not 0 <= size <= nodes.size():
        raise ProofError(f"tree size {size} is beyond the log's {nodes.size()} leaves")
    return subtree_hash(nodes, 0, size)


def inclusion_proof(nodes: Nodes, index: int, size: int) -> list[bytes]:
    """``PATH(index, D[0:size])`` (RFC 9162 §2.1.3.1), leaf-side first."""
    if not 0 <= index < size <= nodes.size():
        raise ProofError(f"no leaf {index} in a tree of {size} leaves (the log has {nodes.size()})")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split_point(end - start)
        if m < k:
            path.append(subtree_hash(nodes, start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(nodes, start, start + k))
            start, m = start + k, m - k
    path.reverse()
    return path


def consistency_proof(nodes: Nodes, old_size: int, new_size: int) -> list[bytes]:
    """``PROOF(old_size, D[0:new_size])`` (RFC 9162 §2.1.4.1)."""
    if not 0 <= old_size <= new_size <= nodes.size():
        raise ProofError(
            f"no consistency proof from size {old_size} to {new_size} (the log has {nodes.size()})"
        )
    out: list[bytes] = []

    def subproof(m: int, start: int, end: int, whole: bool) -> None:
        n = end - start
        if m == n:
            if not whole:
                out.append(subtree_hash(nodes, start, end))
            return
        k = split_point(n)
        if m <= k:
            subproof(m, start, start + k, whole)
            out.append(subtree_hash(nodes, start + k, end))
        else:
            subproof(m - k, start + k, end, False)
            out.append(subtree_hash(nodes, start, start + k))

    if 0 < old_size < new_size:
        subproof(old_size, 0, new_size, True)
    return out


def _check_hash(h: bytes, what: str) -> None:
    if len(h) != HASH_SIZE:
        raise ProofError(f"{what} has {len(h)} bytes, not {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root that ``path`` proves ``leaf`` (a leaf *hash*) at ``index`` into: RFC 9162 §2.1.3.2,
    steps 1–5. Raises :class:`ProofError` where the path cannot be a proof for (index, size)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of {size} leaves")
    _check_hash(leaf, "the leaf hash")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        _check_hash(p, "a proof hash")
        if sn == 0:
            raise ProofError("the inclusion path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion path is shorter than the tree is deep")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], expected: bytes) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` of the tree of ``size`` leaves with head
    ``expected``; :class:`ProofError` otherwise."""
    _check_hash(expected, "the root hash")
    if root_from_inclusion(index, size, leaf, path) != expected:
        raise ProofError("the inclusion path leads to a different root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` leaves with head ``old_root`` is a prefix of the tree of
    ``new_size`` leaves with head ``new_root`` (RFC 9162 §2.1.4.2); :class:`ProofError` otherwise."""
    for p in proof:
        _check_hash(p, "a proof hash")
    if old_size > new_size:
        raise ProofError(f"the old size {old_size} is larger than the new size {new_size} (a rollback)")
    if old_size == 0:
        # every tree extends the empty one, and no proof is needed (RFC 9162 §2.1.4 defines proofs for
        # 0 < m < n); the old head must still be the empty tree's
        if proof:
            raise ProofError("a consistency proof from the empty tree must be empty")
        if old_root != EMPTY_ROOT:
            raise ProofError("the head of an empty tree is SHA-256 of nothing")
        if new_size == 0 and new_root != EMPTY_ROOT:
            raise ProofError("two trees of the same size with different roots (a fork)")
        _check_hash(new_root, "the new root")
        return
    if old_size == new_size:
        if proof:
            raise ProofError("trees of equal size need an empty consistency proof")
        if old_root != new_root:
            raise ProofError("two trees of the same size with different roots (a fork)")
        return
    _check_hash(old_root, "the old root")
    _check_hash(new_root, "the new root")
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 2: a power of two — the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:  # step 6
        if sn == 0:
            raise ProofError("the consistency proof is longer than the trees are deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the trees are deep")
    if fr != old_root:
        raise ProofError("the consistency proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the new root")
