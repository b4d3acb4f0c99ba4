"""The platform's transparency log in its database (透明日志, issue 19): appends, signed checkpoints,
proof bundles.

* :func:`append` / :func:`append_many` add leaves **inside the caller's transaction** (a hook in the
  service that writes the record), so a committed record always has its leaf and a rolled-back one
  has none. They first ``UPDATE log_head … RETURNING size``: on PostgreSQL that row lock queues the
  appends of concurrent transactions until the holder commits (READ COMMITTED re-reads the row, so the
  next one continues from the committed size); on SQLite the service transaction holds the database's
  write lock from its start (``BEGIN IMMEDIATE``). The new leaf and node hashes are computed with
  :func:`parkcarbon.core.tlog.new_nodes` from the tree's frontier (≤ log₂ n stored hashes read in one
  query) and written in bulk.
* :class:`DbNodes` serves :class:`parkcarbon.core.tlog.Nodes` from ``log_leaves`` (level 0) and
  ``log_nodes``; :func:`prefetched` runs a proof computation once against a recorder to learn which
  hashes it reads (the access pattern depends on sizes and indexes only), loads them in two queries,
  then runs it for real — O(log n) rows read per proof.
* :func:`checkpoint` signs the current head (C2SP checkpoint, Ed25519; :func:`signer`) after checking
  that the stored tree reproduces the head's root and is consistent with the last checkpoint signed:
  the log never signs a tree that rewrites what it signed before (:class:`LogInconsistent`).
* :func:`bundle` is the ``parkcarbon-proof/1`` bundle of one entry (``parkcarbon verify`` checks it
  offline); :func:`entries_of` lists an enterprise's entries as far as the reader may see them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import rfc8785
from sqlalchemy import ColumnElement, TextClause, bindparam, or_, select, text, update
from sqlalchemy.orm import Session

from parkcarbon.core import note, proofbundle, tlog
from parkcarbon.services import access
from parkcarbon.services.errors import Conflict, InvalidInput, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.trust.schemas import CheckpointPublic, ConsistencyPublic, LogEntryPublic
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import LogCheckpoint, LogHead, LogLeaf

__all__ = [
    "FORMAT_VERSION",
    "Appended",
    "DbNodes",
    "LogInconsistent",
    "LogRecord",
    "append",
    "append_many",
    "bundle",
    "canonical",
    "checkpoint",
    "consistency",
    "entries_of",
    "entry",
    "latest_checkpoint",
    "prefetched",
    "signer",
]

#: ``v`` of every leaf record (docs/trust.md, "Leaves")
FORMAT_VERSION = 1
#: HMAC message of the key derived from the app secret when ``log_signing_key`` is unset (docs/trust.md)
DERIVED_KEY_LABEL = b"parkcarbon transparency log signing key v1\n"
_T = TypeVar("_T")


class LogInconsistent(Conflict):
    """The stored tree does not reproduce its head, or is not an extension of the last signed checkpoint:
    the log refuses to sign (someone changed the log's tables beneath the platform)."""

    code = "log.inconsistent"


_SAFE_INT = 2**53 - 1  # RFC 8785 §3.2.2.3: integers beyond I-JSON's range are refused


def _plain(value: Any) -> bool:
    """Whether ``value`` holds no float, no integer beyond ±(2^53 - 1) and no key with a character above
    U+FFFF: then RFC 8785's output is Python's sorted, compact ``json.dumps`` (strings: the same escapes,
    RFC 8785 §3.2.2.2; keys: UTF-16 code-unit order equals code-point order within the BMP, §3.2.3)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INT <= value <= _SAFE_INT)
    if kind is dict:
        for k, v in value.items():
            if type(k) is not str or (not k.isascii() and max(k) > "\uffff") or not _plain(v):
                return False
        return True
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False  # floats (ECMAScript number formatting, §3.2.2.3) and anything else: the rfc8785 package


def _dumps(data: dict[str, Any], plain: bool) -> bytes:
    if plain:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return rfc8785.dumps(data)


def canonical(record: Mapping[str, Any]) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes of ``record``: the ``rfc8785`` package, or for records without
    floats the standard library's identical and ~20× faster output (``tests/trust/test_canonical.py``
    checks the two agree)."""
    data = dict(record)
    return _dumps(data, _plain(data))


@dataclass(frozen=True)
class LogRecord:
    """What a service logs: the record's fields (ids and hashes, never cost data) and what it is about."""

    kind: str  # e.g. ``grant.create``, ``mrv.verify``
    entity: str  # e.g. ``access_grant``, ``mrv_case``
    entity_id: str | None
    park_id: int | None
    enterprise_id: int | None
    fields: Mapping[str, Any]

    def body(self, logged_at: datetime | str) -> bytes:
        if isinstance(logged_at, datetime):
            logged_at = _stamp(logged_at)
        envelope = {
            "v": FORMAT_VERSION,
            "kind": self.kind,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "park_id": self.park_id,
            "enterprise_id": self.enterprise_id,
            "logged_at": logged_at,
            # 128 random bits: a neighbour's leaf hash in an inclusion path cannot be brute-forced back
            # to its record from guessable ids, scopes and times (docs/trust.md, "Leaves")
            "salt": secrets.token_hex(16),
        }
        fields = dict(self.fields)
        if not envelope.keys().isdisjoint(fields):
            raise ValueError(f"a log record's fields may not be named {sorted(envelope.keys() & fields)}")
        return _dumps(
            {**envelope, **fields}, _plain(fields) and _plain(self.park_id) and _plain(self.enterprise_id)
        )


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Appended:
    leaf_index: int
    leaf_hash: bytes


# ------------------------------------------------------------------------------------------ nodes


class DbNodes:
    """:class:`parkcarbon.core.tlog.Nodes` over the log's tables, as of a tree of ``size`` leaves,
    with a cache that :meth:`load` fills in bulk."""

    def __init__(self, s: Session, size: int) -> None:
        self.s = s
        self._size = size
        self.cache: dict[tuple[int, int], bytes] = {}
        self.reads = 0  # rows read from the database (for tests and benchmarks)

    def size(self) -> int:
        return self._size

    def get(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self.cache:
            self.load([key])
            if key not in self.cache:
                raise LogInconsistent(f"the log has no stored hash of subtree ({level}, {index})")
        return self.cache[key]

    def load(self, keys: Iterable[tuple[int, int]]) -> None:
        """Read the hashes of ``keys`` not cached yet, in one query for a proof: the leaves by primary key,
        ``UNION ALL`` the nodes with one ``level = … AND node_index IN (…)`` term per level, each a search
        of the primary key (a row-value IN over both columns would make SQLite scan the table). Plain SQL
        text: building the statement with the expression language costs more than running it."""
        wanted = {k for k in keys if k not in self.cache}
        leaves = sorted(i for level, i in wanted if level == 0)
        by_level: dict[int, list[int]] = {}
        for level, i in sorted(k for k in wanted if k[0] > 0):
            by_level.setdefault(level, []).append(i)
        levels = list(by_level.items())
        leaf_parts = list(_chunks(leaves, 500))
        level_parts = list(_chunks(levels, 16))
        for n in range(max(len(leaf_parts), len(level_parts))):
            part_leaves = leaf_parts[n] if n < len(leaf_parts) else []
            part_levels = level_parts[n] if n < len(level_parts) else []
            sql, params = _hashes_sql(part_leaves, part_levels)
            for row in self.s.execute(sql, params):
                self.cache[(int(row[0]), int(row[1]))] = bytes(row[2])
                self.reads += 1


@functools.cache
def _hashes_statement(leaves: bool, terms: int) -> TextClause:
    parts = ["SELECT 0 AS level, leaf_index AS i, leaf_hash AS h FROM log_leaves WHERE leaf_index IN :ix"]
    expanding = ["ix"] if leaves else []
    if not leaves:
        parts = []
    if terms:
        where = " OR ".join(f"(level = :l{k} AND node_index IN :i{k})" for k in range(terms))
        parts.append(f"SELECT level, node_index, hash FROM log_nodes WHERE {where}")
        expanding += [f"i{k}" for k in range(terms)]
    return text(" UNION ALL ".join(parts)).bindparams(
        *(bindparam(name, expanding=True) for name in expanding)
    )


def _hashes_sql(
    leaves: Sequence[int], levels: Sequence[tuple[int, list[int]]]
) -> tuple[TextClause, dict[str, Any]]:
    params: dict[str, Any] = {"ix": list(leaves)} if leaves else {}
    for k, (level, ixs) in enumerate(levels):
        params[f"l{k}"], params[f"i{k}"] = level, ixs
    return _hashes_statement(bool(leaves), len(levels)), params


def _chunks(items: Sequence[_T], n: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), n):
        yield items[start : start + n]


class _Recorder:
    """A stand-in :class:`~parkcarbon.core.tlog.Nodes` that notes which hashes a computation reads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self.keys: set[tuple[int, int]] = set()

    def size(self) -> int:
        return self._size

    def get(self, level: int, index: int) -> bytes:
        self.keys.add((level, index))
        return b"\x00" * tlog.HASH_SIZE


def prefetched(s: Session, size: int, compute: Callable[[tlog.Nodes], _T]) -> tuple[_T, DbNodes]:
    """``compute(nodes)`` over the stored tree of ``size`` leaves, its hashes read in bulk first."""
    recorder = _Recorder(size)
    compute(recorder)
    nodes = DbNodes(s, size)
    nodes.load(recorder.keys)
    return compute(nodes), nodes


def _frontier(size: int) -> list[tuple[int, int]]:
    """The complete subtrees that make up a tree of ``size`` leaves, largest first (RFC 9162 §2.1.1 splits
    at the largest power of two; these are the left siblings the next appends need)."""
    out, offset = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, offset >> level))
            offset += 1 << level
    return out


# ------------------------------------------------------------------------------------------ append


def append(s: Session, record: LogRecord) -> Appended:
    """Append one leaf in the caller's transaction."""
    return append_many(s, [record])[0]


def append_many(s: Session, records: Sequence[LogRecord], *, now: datetime | None = None) -> list[Appended]:
    """Append leaves in the caller's transaction, in order; see the module docstring for concurrency."""
    if not records:
        return []
    logged_at = now or datetime.now(UTC)
    stamp = _stamp(logged_at)
    bodies = [r.body(stamp) for r in records]
    # serialise on the head row: it stays locked until the caller's transaction ends
    new_size = s.execute(
        update(LogHead)
        .where(LogHead.id == 1)
        .values(size=LogHead.size + len(records))
        .returning(LogHead.size)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    start = new_size - len(records)
    nodes = DbNodes(s, new_size)
    nodes.load(_frontier(start))
    conn = s.connection()
    sqlite = conn.dialect.name == "sqlite"
    # the same value SQLAlchemy's UTCDateTime writes (naive UTC text on SQLite, timestamptz elsewhere)
    created = (
        logged_at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        if sqlite
        else logged_at
    )
    leaf_rows: list[tuple[Any, ...]] = []
    node_rows: list[tuple[int, int, bytes]] = []
    out: list[Appended] = []
    for offset, (record, body) in enumerate(zip(records, bodies, strict=True)):
        index = start + offset
        h = tlog.leaf_hash(body)
        for level, node in tlog.new_nodes(index, h, nodes.get):
            nodes.cache[(level, index >> level)] = node
            if level:
                node_rows.append((level, index >> level, node))
        leaf_rows.append(
            (index, h, body, record.park_id, record.enterprise_id, record.kind, record.entity,
             record.entity_id, created)
        )  # fmt: skip
        out.append(Appended(index, h))
    # the driver's executemany, without SQLAlchemy's per-row parameter processing (which costs more than
    # the hashing); the values are already in the columns' storage form
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        "INSERT INTO log_leaves (leaf_index, leaf_hash, body, park_id, enterprise_id, kind, entity, "
        f"entity_id, created_at) VALUES ({', '.join([mark] * 9)})",
        leaf_rows,
    )
    if node_rows:
        conn.exec_driver_sql(
            f"INSERT INTO log_nodes (level, node_index, hash) VALUES ({mark}, {mark}, {mark})", node_rows
        )
    head_root = tlog.root(nodes, new_size)
    s.execute(
        update(LogHead)
        .where(LogHead.id == 1)
        .values(root=head_root)
        .execution_options(synchronize_session=False)
    )
    return out


# ------------------------------------------------------------------------------------------ checkpoints


def signer(settings: Settings) -> note.Signer:
    """The log's signer: ``log_signing_key`` when set (its name must be ``log_origin``), else the key whose
    Ed25519 seed is ``HMAC-SHA256(secret_key, DERIVED_KEY_LABEL ‖ log_origin)`` (docs/trust.md)."""
    if settings.log_signing_key:
        key = note.Signer.parse(settings.log_signing_key)
        if key.name != settings.log_origin:
            raise InvalidInput.field(
                "log_signing_key",
                f"the key is named {key.name!r}, not the log's origin {settings.log_origin!r}",
            )
        return key
    seed = hmac.new(
        settings.secret_key.encode(), DERIVED_KEY_LABEL + settings.log_origin.encode(), hashlib.sha256
    ).digest()
    return note.Signer.from_seed(settings.log_origin, seed)


def _public(cp: LogCheckpoint, settings: Settings) -> CheckpointPublic:
    return CheckpointPublic(
        origin=settings.log_origin,
        size=cp.size,
        root=base64.b64encode(cp.root).decode(),
        note=cp.note,
        key_name=cp.key_name,
        key_hash=cp.key_hash,
        verifier_key=signer(settings).verifier().encode(),
        created_at=cp.created_at,
    )


def _latest(s: Session) -> LogCheckpoint | None:
    return s.scalar(select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1))


def latest_checkpoint(db: Database, settings: Settings) -> CheckpointPublic | None:
    """The last checkpoint signed, without signing a new one (public)."""
    with db.read() as s:
        cp = _latest(s)
        return None if cp is None else _public(cp, settings)


def _sign_head(s: Session, settings: Settings) -> LogCheckpoint:
    """Sign the current head unless the last checkpoint has its size; refuse an inconsistent tree."""
    head = s.scalar(select(LogHead).where(LogHead.id == 1).with_for_update())
    if head is None:
        raise LogInconsistent("the log has no head row (is the database migrated?)")
    last = _latest(s)
    if last is not None and last.size == head.size:
        if bytes(last.root) != bytes(head.root):
            raise LogInconsistent(
                f"the head of size {head.size} differs from the checkpoint signed at that size"
            )
        return last
    if last is not None and last.size > head.size:
        raise LogInconsistent(f"the head's size {head.size} is below the last checkpoint's {last.size}")
    recomputed, _ = prefetched(s, head.size, lambda n: tlog.root(n, head.size))
    if recomputed != bytes(head.root):
        raise LogInconsistent("the stored tree does not reproduce the log head's root")
    if last is not None:
        proof, _ = prefetched(s, head.size, lambda n: tlog.consistency_proof(n, last.size, head.size))
        try:
            tlog.verify_consistency(last.size, head.size, bytes(last.root), recomputed, proof)
        except tlog.ProofError as exc:
            raise LogInconsistent(
                f"the tree is not an extension of the checkpoint of size {last.size}: {exc.reason}"
            ) from exc
    key = signer(settings)
    signed = note.sign_checkpoint(note.Checkpoint(settings.log_origin, head.size, recomputed), key)
    cp = LogCheckpoint(
        size=head.size, root=recomputed, note=signed, key_name=key.name, key_hash=key.hash.hex(),
        created_at=datetime.now(UTC),
    )  # fmt: skip
    s.add(cp)
    s.flush()
    return cp


def checkpoint(db: Database, settings: Settings) -> CheckpointPublic:
    """The checkpoint of the current tree: the last one if the log has not grown since, else a new one
    signed now (after the consistency guard). Public."""
    with db.read() as s:
        head_size = s.scalar(select(LogHead.size).where(LogHead.id == 1))
        last = _latest(s)
        if last is not None and last.size == head_size:
            return _public(last, settings)
    with db.transaction() as s:
        return _public(_sign_head(s, settings), settings)


def consistency(
    db: Database, settings: Settings, from_size: int, to_size: int | None = None
) -> ConsistencyPublic:
    """The RFC 9162 consistency proof from ``from_size`` to ``to_size`` (default: the last checkpoint's
    size) — hashes only, public."""
    with db.read() as s:
        head_size = s.scalar(select(LogHead.size).where(LogHead.id == 1)) or 0
        if to_size is None:
            last = _latest(s)
            if last is None:
                raise NotFound("the log has signed no checkpoint yet", code="log.no_checkpoint")
            to_size = last.size
        if not 0 <= from_size <= to_size <= head_size:
            raise InvalidInput.field(
                "from_size",
                f"a consistency proof needs 0 ≤ from_size ≤ to_size ≤ {head_size} (the log's size)",
                code="log.size_out_of_range",
            )
        proof, _ = prefetched(s, to_size, lambda n: tlog.consistency_proof(n, from_size, to_size))
    return ConsistencyPublic(
        origin=settings.log_origin, from_size=from_size, to_size=to_size,
        proof=[base64.b64encode(h).decode() for h in proof],
    )  # fmt: skip


# ------------------------------------------------------------------------------------------ entries


def _entry_public(leaf: LogLeaf) -> LogEntryPublic:
    return LogEntryPublic(
        leaf_index=leaf.leaf_index, park_id=leaf.park_id, enterprise_id=leaf.enterprise_id, kind=leaf.kind,
        entity=leaf.entity, entity_id=leaf.entity_id, created_at=leaf.created_at,
        leaf_hash=bytes(leaf.leaf_hash).hex(), leaf=base64.b64encode(bytes(leaf.body)).decode(),
    )  # fmt: skip


def _leaf(s: Session, p: Principal, leaf_index: int) -> LogLeaf:
    access.require_user(p)
    leaf = s.get(LogLeaf, leaf_index)
    if leaf is None:
        raise NotFound("log entry not found")
    access.require_log_entry(s, p, leaf)
    return leaf


def entry(db: Database, p: Principal, leaf_index: int) -> LogEntryPublic:
    with db.read() as s:
        return _entry_public(_leaf(s, p, leaf_index))


def entries_of(db: Database, p: Principal, enterprise_id: int, page: PageParams) -> Page[LogEntryPublic]:
    """The enterprise's log entries that ``p`` may read (:func:`parkcarbon.services.access.log_reach`),
    oldest first."""
    with db.read() as s:
        try:
            org = access.enterprise_of(s, p, enterprise_id)
        except NotFound:  # a listing: another tenant's enterprise has no entries the caller may read
            return Page(data=[], count=0, **page.model_dump())
        reach = access.log_reach(s, p, org.park_id, org.id)
        query = select(LogLeaf).where(LogLeaf.enterprise_id == org.id).order_by(LogLeaf.leaf_index)
        if not reach.everything:
            kinds = sorted(reach.kinds)
            clauses: list[ColumnElement[bool]] = [LogLeaf.kind.like(f"{k}.%") for k in kinds]
            if reach.case_ids:
                clauses.append((LogLeaf.entity == "mrv_case") & LogLeaf.entity_id.in_(sorted(reach.case_ids)))
            if reach.grant_ids:
                clauses.append(
                    (LogLeaf.entity == "access_grant") & LogLeaf.entity_id.in_(sorted(reach.grant_ids))
                )
            if not clauses:
                return Page(data=[], count=0, **page.model_dump())
            query = query.where(or_(*clauses))
        rows, total = paginate(s, query, page)
        return Page(data=[_entry_public(r) for r in rows], count=total, **page.model_dump())


def bundle(
    db: Database, settings: Settings, p: Principal, leaf_index: int, *, from_size: int | None = None
) -> dict[str, Any]:
    """The ``parkcarbon-proof/1`` bundle of one entry against the checkpoint of the current tree, with a
    consistency proof from ``from_size`` (the size of the checkpoint the reader trusted before)."""
    with db.read() as s:
        _leaf(s, p, leaf_index)
    checkpoint(db, settings)  # the current tree's (signed now only if the log grew since the last one)
    with db.read() as s:
        leaf = _leaf(s, p, leaf_index)
        cp = _latest(s)
        if cp is None:  # pragma: no cover - checkpoint() above signed one
            raise NotFound("the log has signed no checkpoint yet", code="log.no_checkpoint")
        if from_size is not None and not 0 <= from_size <= cp.size:
            raise InvalidInput.field(
                "from_size",
                f"must be between 0 and the checkpoint's size {cp.size}",
                code="log.size_out_of_range",
            )
        from_sizes = () if from_size is None or from_size == cp.size else (from_size,)
        body = bytes(leaf.body)
        size, signed = cp.size, cp.note
        out, _ = prefetched(
            s, size, lambda n: proofbundle.build_bundle(n, signed, size, {leaf_index: body}, from_sizes)
        )
        return out
