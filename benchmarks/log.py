"""The transparency log's Merkle core (issue 19 §9): append rate, proof times, bytes per leaf.

``python benchmarks/log.py [--leaves 10000000] [--batch 1000] [--proofs 2000]``

In memory (``core.tlog.MemoryNodes``; the database store is not built yet): leaves of 120 bytes (the
size of a canonical JSON reading record) are appended in intake-sized batches; the reference in the
same run is hashing the same leaves with ``hashlib.sha256`` alone, so the ratio says what the tree
costs on top of the leaf hash. Then inclusion and consistency proofs at random indexes and sizes of the
full tree, each one verified, p50/p95.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time

import numpy as np

from parkcarbon.core import tlog


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leaves", type=int, default=10_000_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--proofs", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(42)
    sample = [rng.randbytes(120) for _ in range(args.batch)]

    t = time.perf_counter()
    for _ in range(args.leaves // args.batch):
        for leaf in sample:
            hashlib.sha256(b"\x00" + leaf).digest()
    hash_rate = args.leaves / (time.perf_counter() - t)

    tree = tlog.MemoryNodes()
    t = time.perf_counter()
    for b in range(args.leaves // args.batch):
        for leaf in sample:
            tree.append(leaf[:-4] + b.to_bytes(4, "big"))
    append_rate = args.leaves / (time.perf_counter() - t)
    n = tree.size()
    stored = sum(len(level) for level in tree.levels)

    head = tlog.root(tree)
    inc, con = [], []
    for _ in range(args.proofs):
        i = rng.randrange(n)
        t = time.perf_counter()
        path = tlog.inclusion_proof(tree, i, n)
        inc.append(time.perf_counter() - t)
        tlog.verify_inclusion(i, n, tree.get(0, i), path, head)
        m = rng.randrange(1, n)
        t = time.perf_counter()
        proof = tlog.consistency_proof(tree, m, n)
        con.append(time.perf_counter() - t)
        tlog.verify_consistency(m, n, tlog.root(tree, m), head, proof)

    def ms(xs: list[float], q: float) -> float:
        return float(np.percentile(xs, q)) * 1000

    print(f"leaves {n:,} in batches of {args.batch}")
    print(
        f"append {append_rate:,.0f} leaves/s; leaf hashing alone {hash_rate:,.0f}/s; "
        f"ratio {append_rate / hash_rate:.2f}"
    )
    print(
        f"inclusion proof p50 {ms(inc, 50):.3f} ms, p95 {ms(inc, 95):.3f} ms "
        f"({len(path)} hashes, {32 * len(path)} bytes)"
    )
    print(f"consistency proof p50 {ms(con, 50):.3f} ms, p95 {ms(con, 95):.3f} ms")
    print(
        f"stored hashes {stored:,} = {stored / n:.3f} per leaf, "
        f"{32 * stored / n:.1f} bytes per leaf (node hashes only)"
    )


if __name__ == "__main__":
    main()
