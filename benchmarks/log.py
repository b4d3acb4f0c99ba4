"""The transparency log's Merkle core (issue 19 §9): append rate, proof times, bytes per leaf.

``python benchmarks/log.py [--leaves 10000000] [--batch 1000] [--proofs 2000]
[--db-leaves 100000] [--db-url URL] [--db-only]``

In memory (``core.tlog.MemoryNodes``): leaves of 120 bytes (the size of a canonical JSON reading
record) are appended in intake-sized batches; the reference in the same run is hashing the same leaves
with ``hashlib.sha256`` alone, so the ratio says what the tree costs on top of the leaf hash. Then
inclusion and consistency proofs at random indexes and sizes of the full tree, each one verified,
p50/p95.

In the database (``services.trust.log``, ``--db-leaves`` leaves, default an SQLite file in a temporary
directory; ``--db-url postgresql://…`` for PostgreSQL — a fresh database is created and dropped with the
test suite's helpers, so run it from the checkout root with ``PYTHONPATH=.``): leaf
records appended with ``append_many`` in one transaction per batch (head-row lock, frontier read, bulk
insert of leaves and nodes), then inclusion proofs from the stored nodes (``prefetched``: two indexed
queries) and consistency proofs, each verified. The reference in the same run is ``MemoryNodes`` over
the same leaf bytes; ratios are database ÷ memory throughput and memory ÷ database latency. Storage
is the database's bytes (file or relations) per leaf, leaf body included.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import shutil
import tempfile
import time

import numpy as np

from parkcarbon.core import tlog


def ms(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leaves", type=int, default=10_000_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--db-leaves", type=int, default=100_000)
    ap.add_argument("--db-url", default=None, help="default: an SQLite file in a temporary directory")
    ap.add_argument("--db-only", action="store_true", help="skip the in-memory run of --leaves")
    args = ap.parse_args()
    if not args.db_only:
        memory(args)
    if args.db_leaves:
        database(args)


def memory(args: argparse.Namespace) -> None:
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


def _storage_bytes(engine: object, url: str) -> int:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with engine.begin() as conn:  # type: ignore[attr-defined]
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return os.path.getsize(parsed.database or "")
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(
            conn.execute(
                text(
                    "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['log_leaves', 'log_nodes', "
                    "'log_head', 'log_checkpoints']::regclass[]) AS c"
                )
            ).scalar_one()
        )


def database(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from parkcarbon.services.trust import log
    from parkcarbon.settings import load_settings
    from parkcarbon.store.db import Database, make_engine
    from parkcarbon.store.migrate import upgrade
    from parkcarbon.store.models import LogLeaf

    rng = random.Random(7)
    tmp = tempfile.mkdtemp(prefix="pc-log-bench-")
    url, base = args.db_url, None
    if url is None:
        url = f"sqlite:///{tmp}/log.db"
    elif url.startswith("postgres"):
        from tests.conftest import fresh_postgres_database

        base, url = url, fresh_postgres_database(url, "bench")
    engine = make_engine(url)
    try:
        upgrade(engine)
        db = Database(engine)
        n, batch = args.db_leaves, args.batch

        def records(b: int) -> list[log.LogRecord]:
            # an intake-batch-like record: ids and a digest (the shape the hooks write)
            return [
                log.LogRecord(
                    kind="bench.batch",
                    entity="ingest_batch",
                    entity_id=str(b * batch + j),
                    park_id=1,
                    enterprise_id=1 + j % 40,
                    fields={"readings": 96, "sha256": f"{rng.getrandbits(256):064x}"},
                )
                for j in range(batch)
            ]

        t = time.perf_counter()
        for b in range(n // batch):
            with db.transaction() as s:
                log.append_many(s, records(b))
        db_rate = n / (time.perf_counter() - t)
        with db.read() as s:
            bodies = [bytes(x) for x in s.scalars(select(LogLeaf.body).order_by(LogLeaf.leaf_index))]
        t = time.perf_counter()
        ref = tlog.MemoryNodes()
        for body in bodies:
            ref.append(body)
        mem_rate = len(bodies) / (time.perf_counter() - t)
        settings = load_settings(env="test", secret_key="benchmark-" + "x" * 40, database_url=url)
        t = time.perf_counter()
        cp = log.checkpoint(db, settings)
        sign_ms = (time.perf_counter() - t) * 1000
        head = tlog.root(ref)
        if cp.size != len(bodies) or base64.b64decode(cp.root) != head:
            raise SystemExit("the database tree is not core's")
        db_inc, mem_inc, db_con, mem_con, reads = [], [], [], [], []
        with db.read() as s:
            for _ in range(args.proofs):
                i = rng.randrange(n)
                t = time.perf_counter()
                path, nodes = log.prefetched(s, n, lambda ns, i=i: tlog.inclusion_proof(ns, i, n))
                db_inc.append(time.perf_counter() - t)
                reads.append(nodes.reads)
                t = time.perf_counter()
                ref_path = tlog.inclusion_proof(ref, i, n)
                mem_inc.append(time.perf_counter() - t)
                if path != ref_path:
                    raise SystemExit(f"inclusion proof of {i} differs from the reference")
                tlog.verify_inclusion(i, n, tlog.leaf_hash(bodies[i]), path, head)
                m = rng.randrange(1, n)
                t = time.perf_counter()
                proof, _ = log.prefetched(s, n, lambda ns, m=m: tlog.consistency_proof(ns, m, n))
                db_con.append(time.perf_counter() - t)
                t = time.perf_counter()
                tlog.consistency_proof(ref, m, n)
                mem_con.append(time.perf_counter() - t)
                tlog.verify_consistency(m, n, tlog.root(ref, m), head, proof)
        stored = _storage_bytes(engine, url)
        leaf_bytes = sum(map(len, bodies)) / len(bodies)
        print(f"database {engine.dialect.name}: {n:,} leaves of {leaf_bytes:.0f} bytes in batches of {batch}")
        print(
            f"append {db_rate:,.0f} leaves/s; in-memory reference {mem_rate:,.0f}/s; "
            f"ratio {db_rate / mem_rate:.3f}"
        )
        print(
            f"inclusion proof p50 {ms(db_inc, 50):.3f} ms, p95 {ms(db_inc, 95):.3f} ms "
            f"({np.mean(reads):.1f} rows read); in memory p95 {ms(mem_inc, 95):.3f} ms; "
            f"ratio memory/database {ms(mem_inc, 95) / ms(db_inc, 95):.3f}"
        )
        print(
            f"consistency proof p50 {ms(db_con, 50):.3f} ms, p95 {ms(db_con, 95):.3f} ms; in memory p95 "
            f"{ms(mem_con, 95):.3f} ms; ratio memory/database {ms(mem_con, 95) / ms(db_con, 95):.3f}"
        )
        print(f"checkpoint (consistency guard + Ed25519 signature) {sign_ms:.1f} ms")
        print(f"storage {stored:,} bytes = {stored / n:.0f} bytes per leaf (leaf body, hashes, indexes)")
    finally:
        engine.dispose()
        if base is not None:
            from tests.conftest import drop_postgres_database

            drop_postgres_database(base, url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
