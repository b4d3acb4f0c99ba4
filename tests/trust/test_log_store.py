"""The transparency log in the database (issue 19 §1): concurrent appends lose nothing and build the tree
RFC 9162 defines; proofs from the stored nodes verify with the core; the tables are append-only; the log
never signs a rewritten history.

The reference for every tree head and proof is :mod:`parkcarbon.core.tlog` over the same leaf bytes,
itself checked against the transparency-dev/merkle and C2SP CCTV vectors in ``tests/core/test_tlog.py``.
"""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from parkcarbon.core import note, tlog
from parkcarbon.services.trust import log
from parkcarbon.settings import Settings, load_settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import LogCheckpoint, LogHead, LogLeaf, LogNode
from tests.conftest import World

THREADS = 4
TRANSACTIONS = 15  # per thread; each appends 1–3 leaves


def _record(tag: str) -> log.LogRecord:
    return log.LogRecord(
        kind="test.append", entity="test", entity_id=tag, park_id=1, enterprise_id=None, fields={"tag": tag}
    )


def _stored(db: Database) -> tuple[list[bytes], int, bytes, dict[tuple[int, int], bytes]]:
    with db.read() as s:
        bodies = [bytes(b) for b in s.scalars(select(LogLeaf.body).order_by(LogLeaf.leaf_index))]
        indexes = list(s.scalars(select(LogLeaf.leaf_index).order_by(LogLeaf.leaf_index)))
        assert indexes == list(range(len(indexes)))
        head = s.get(LogHead, 1)
        assert head is not None
        nodes = {
            (lv, i): bytes(h)
            for lv, i, h in s.execute(select(LogNode.level, LogNode.node_index, LogNode.hash))
        }
        return bodies, head.size, bytes(head.root), nodes


def test_concurrent_appends_lose_nothing_and_build_the_rfc9162_tree(empty_engine: Engine) -> None:
    """Threads append in their own transactions (one of them rolls back): every committed leaf is there
    once, indexes are 0..n-1 without a gap, the head's root is core.tlog's root of the same leaf bytes and
    every stored node is the reference tree's node."""
    db = Database(empty_engine)
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        try:
            barrier.wait()
            for k in range(TRANSACTIONS):
                records = [_record(f"{t}-{k}-{j}") for j in range(1 + (t + k) % 3)]
                if t == 0 and k == 3:  # this transaction fails after its append: its leaves must vanish
                    try:
                        with db.transaction() as s:
                            log.append_many(s, [_record("rolled-back")])
                            raise RuntimeError("the record's own write failed")
                    except RuntimeError:
                        continue
                with db.transaction() as s:
                    log.append_many(s, records)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    expected = {
        f"{t}-{k}-{j}"
        for t in range(THREADS)
        for k in range(TRANSACTIONS)
        if not (t == 0 and k == 3)
        for j in range(1 + (t + k) % 3)
    }
    bodies, size, root, nodes = _stored(db)
    tags = [json.loads(b)["tag"] for b in bodies]
    assert sorted(tags) == sorted(expected) and len(tags) == len(set(tags)) == size
    reference = tlog.MemoryNodes(tlog.leaf_hash(b) for b in bodies)
    assert root == tlog.root(reference)
    want = {(lv, i): h for lv, level in enumerate(reference.levels) if lv for i, h in enumerate(level)}
    assert nodes == want
    # a checkpoint of the result opens with the derived key and names the same root
    settings = load_settings(
        env="test", secret_key="concurrency-secret-" + "x" * 32, database_url="sqlite://"
    )
    cp = log.checkpoint(db, settings)
    opened = note.open_checkpoint(cp.note, settings.log_origin, log.signer(settings).verifier())
    assert (opened.size, opened.root) == (size, root)


def test_appends_of_a_tree_grown_batch_by_batch_equal_the_reference(empty_engine: Engine) -> None:
    """Batches of every size 1..24 (crossing every power-of-two boundary up to 256 leaves): after each
    batch the head is the reference root of the leaves so far."""
    db = Database(empty_engine)
    reference = tlog.MemoryNodes()
    for batch in range(1, 25):
        with db.transaction() as s:
            log.append_many(s, [_record(f"b{batch}-{j}") for j in range(batch)])
        bodies, size, root, _ = _stored(db)
        for b in bodies[reference.size() :]:
            reference.append(b)
        assert (size, root) == (reference.size(), tlog.root(reference))
    assert reference.size() == 300


def test_stored_node_proofs_verify_with_core_and_read_o_log_n_rows(empty_engine: Engine) -> None:
    db = Database(empty_engine)
    with db.transaction() as s:
        log.append_many(s, [_record(str(i)) for i in range(1000)])
    bodies, size, _, _ = _stored(db)
    reference = tlog.MemoryNodes(tlog.leaf_hash(b) for b in bodies)
    with db.read() as s:
        for n in (1, 2, 3, 7, 8, 9, 500, 511, 512, 513, 999, 1000):
            head = tlog.root(reference, n)
            for i in {0, n // 3, n // 2, n - 2, n - 1} - {-1}:
                path, nodes = log.prefetched(s, n, lambda ns, i=i, n=n: tlog.inclusion_proof(ns, i, n))
                tlog.verify_inclusion(i, n, tlog.leaf_hash(bodies[i]), path, head)
                assert path == tlog.inclusion_proof(reference, i, n)
                # the complete siblings and the frontier of n: at most two hashes per level
                assert nodes.reads <= 2 * n.bit_length(), (i, n, nodes.reads)
            for m in (0, 1, n // 2, n - 1, n):
                if 0 <= m <= n:
                    proof, nodes = log.prefetched(s, n, lambda ns, m=m, n=n: tlog.consistency_proof(ns, m, n))
                    tlog.verify_consistency(m, n, tlog.root(reference, m), head, proof)
                    assert nodes.reads <= 2 * n.bit_length() + 2
    assert size == 1000


def test_log_tables_refuse_update_and_delete(db: Database, world: World, settings: Settings) -> None:
    """The seeded grants left leaves (and so a node); a checkpoint adds a row: none can be changed."""
    log.checkpoint(db, settings)
    for table, where in (
        ("log_leaves", "leaf_index = 0"),
        ("log_nodes", "level = 1 AND node_index = 0"),
        ("log_checkpoints", "size > 0"),
    ):
        with db.read() as s:
            assert s.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}")), table
        column = {
            "log_leaves": "kind = 'tampered'",
            "log_nodes": "hash = hash",
            "log_checkpoints": "note = ''",
        }
        for statement in (
            f"UPDATE {table} SET {column[table]} WHERE {where}",
            f"DELETE FROM {table} WHERE {where}",
        ):
            with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
                s.execute(text(statement))
    for statement in ("DELETE FROM log_head", "UPDATE log_head SET size = size - 1"):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text(statement))


def _drop_node_triggers(s: object, dialect: str) -> None:
    if dialect == "postgresql":
        s.execute(text("DROP TRIGGER log_nodes_append_only ON log_nodes"))  # type: ignore[attr-defined]
    else:
        s.execute(text("DROP TRIGGER log_nodes_no_update"))  # type: ignore[attr-defined]


def test_checkpoint_refuses_a_head_the_stored_tree_does_not_reproduce(
    db: Database, world: World, settings: Settings
) -> None:
    with db.transaction() as s:
        log.append(s, _record("x"))
        s.execute(text("UPDATE log_head SET root = :r"), {"r": b"\x07" * 32})
    with pytest.raises(log.LogInconsistent, match="does not reproduce"):
        log.checkpoint(db, settings)


def test_checkpoint_never_signs_a_rewritten_history(db: Database, world: World, settings: Settings) -> None:
    """Someone with SQL access drops a trigger, rewrites an old node and sets the head to the root of the
    rewritten tree: the tree is self-consistent, but not an extension of the checkpoint already signed —
    the log refuses to sign and no checkpoint of the new size appears."""
    signed = log.checkpoint(db, settings)
    with db.transaction() as s:
        log.append_many(s, [_record(f"after-{i}") for i in range(signed.size + 5)])
    with db.transaction() as s:
        _drop_node_triggers(s, db.dialect)
        size = s.scalar(select(LogHead.size))
        assert size is not None and signed.size < 1 << (size.bit_length() - 1) <= size
        # the largest complete subtree of the new tree holds the whole signed tree
        level = size.bit_length() - 1
        done = s.execute(
            text("UPDATE log_nodes SET hash = :h WHERE level = :lv AND node_index = 0"),
            {"h": b"\x09" * 32, "lv": level},
        )
        assert done.rowcount == 1
        forged, _ = log.prefetched(s, size, lambda ns: tlog.root(ns, size))
        s.execute(text("UPDATE log_head SET root = :r"), {"r": forged})
    with pytest.raises(log.LogInconsistent, match="not an extension"):
        log.checkpoint(db, settings)
    with db.read() as s:
        assert (
            s.scalar(select(LogCheckpoint.size).order_by(LogCheckpoint.size.desc()).limit(1)) == signed.size
        )


def test_the_signing_key_comes_from_settings_or_is_derived_from_the_secret(settings: Settings) -> None:
    derived = log.signer(settings)
    assert derived.verifier().encode() == log.signer(settings).verifier().encode()  # deterministic
    other = load_settings(env="test", secret_key="another-secret-" + "y" * 32, database_url="sqlite://")
    assert log.signer(other).verifier().encode() != derived.verifier().encode()
    key = note.Signer.generate(settings.log_origin)
    configured = settings.model_copy(update={"log_signing_key": key.encode()})
    assert log.signer(configured).verifier().encode() == key.verifier().encode()
    wrong = settings.model_copy(update={"log_signing_key": note.Signer.generate("other.origin").encode()})
    with pytest.raises(Exception, match="origin"):
        log.signer(wrong)
