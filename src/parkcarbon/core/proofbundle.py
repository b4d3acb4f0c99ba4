"""Proof bundles and their offline verification (离线验证): what a bank, a verifier or a regulator checks
with nothing but the platform's public key.

A bundle (JSON, ``format: "parkcarbon-proof/1"``, specified in ``docs/trust.md``) carries

* ``checkpoint`` — a signed note (:mod:`parkcarbon.core.note`) of the log's tree size and root;
* ``entries`` — records as logged: ``leaf`` (base64 of the leaf's bytes, RFC 8785 canonical JSON),
  ``index`` and ``inclusion`` (the RFC 9162 path, base64 hashes);
* ``consistency`` — optional proofs ``{from_size, proof}`` from earlier tree sizes, so a verifier that
  trusted an older checkpoint can check that the log only grew since.

:func:`verify_bundle` checks the signature, the origin, every inclusion and — against the last
checkpoint the verifier trusted — consistency, and refuses a rollback (a smaller tree than one already
seen) and a fork (the same size with another root, or an older tree that is not a prefix). It returns the
new checkpoint to trust. Every refusal is a :class:`VerifyError` with its reason.

Depends on :mod:`parkcarbon.core.tlog`, :mod:`parkcarbon.core.note` and the standard library only.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from parkcarbon.core import note, tlog

FORMAT = "parkcarbon-proof/1"


class VerifyError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Trusted:
    """A checkpoint a verifier has checked before: the log only ever grows from it."""

    origin: str
    size: int
    root: bytes

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "size": self.size, "root": base64.b64encode(self.root).decode()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trusted:
        return cls(str(data["origin"]), int(data["size"]), base64.b64decode(data["root"]))


@dataclass(frozen=True)
class Entry:
    index: int
    leaf: bytes

    def record(self) -> Any:
        """The logged record (the leaf's canonical JSON), or the raw bytes where it is not JSON."""
        try:
            return json.loads(self.leaf)
        except ValueError:
            return self.leaf


@dataclass(frozen=True)
class Verified:
    checkpoint: note.Checkpoint
    entries: tuple[Entry, ...]
    #: the size of the previously trusted checkpoint this one was proven consistent with, if any
    consistent_with: int | None = None
    warnings: tuple[str, ...] = field(default=())

    def trusted(self) -> Trusted:
        return Trusted(self.checkpoint.origin, self.checkpoint.size, self.checkpoint.root)


def _hashes(values: Any, what: str) -> list[bytes]:
    if not isinstance(values, list):
        raise VerifyError(f"{what} is a list of base64 hashes")
    try:
        return [base64.b64decode(v, validate=True) for v in values]
    except (binascii.Error, TypeError, ValueError) as exc:
        raise VerifyError(f"{what} holds a value that is not base64") from exc


def verify_bundle(
    bundle: dict[str, Any], origin: str, keys: list[note.Verifier], trusted: Trusted | None = None
) -> Verified:
    """Check a bundle offline; see the module docstring. ``trusted`` is the verifier's last checkpoint."""
    if bundle.get("format") != FORMAT:
        raise VerifyError(f"not a {FORMAT} bundle")
    try:
        checkpoint = note.open_checkpoint(str(bundle.get("checkpoint", "")), origin, *keys)
    except note.NoteError as exc:
        raise VerifyError(f"checkpoint: {exc.reason}") from exc
    entries = []
    raw_entries = bundle.get("entries", [])
    if not isinstance(raw_entries, list):
        raise VerifyError("entries is a list")
    for n, item in enumerate(raw_entries):
        try:
            index, leaf = int(item["index"]), base64.b64decode(item["leaf"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise VerifyError(f"entry {n}: an entry has an index and a base64 leaf") from exc
        try:
            tlog.verify_inclusion(
                index, checkpoint.size, tlog.leaf_hash(leaf), _hashes(item.get("inclusion"), "inclusion"),
                checkpoint.root,
            )  # fmt: skip
        except tlog.ProofError as exc:
            raise VerifyError(f"entry {n} (leaf {index}): {exc.reason}") from exc
        entries.append(Entry(index, leaf))
    consistent_with = None
    if trusted is not None:
        if trusted.origin != origin:
            raise VerifyError(f"the trusted checkpoint is of log {trusted.origin!r}, not {origin!r}")
        if trusted.size > checkpoint.size:
            raise VerifyError(
                f"rollback: the bundle's tree has {checkpoint.size} leaves, fewer than the "
                f"{trusted.size} of a checkpoint already trusted"
            )
        proofs = {int(p["from_size"]): p.get("proof") for p in bundle.get("consistency", []) or []}
        if trusted.size == checkpoint.size:
            if trusted.root != checkpoint.root:
                raise VerifyError(f"fork: two checkpoints of size {trusted.size} with different roots")
        elif trusted.size not in proofs:
            raise VerifyError(
                f"the bundle carries no consistency proof from size {trusted.size}, the last one trusted"
            )
        else:
            try:
                tlog.verify_consistency(
                    trusted.size, checkpoint.size, trusted.root, checkpoint.root,
                    _hashes(proofs[trusted.size], "consistency"),
                )  # fmt: skip
            except tlog.ProofError as exc:
                raise VerifyError(
                    f"fork: the log is not an extension of the trusted tree ({exc.reason})"
                ) from exc
        consistent_with = trusted.size
    return Verified(checkpoint, tuple(entries), consistent_with)


def build_bundle(
    nodes: tlog.Nodes,
    signed_checkpoint: str,
    size: int,
    entries: dict[int, bytes],
    from_sizes: tuple[int, ...] = (),
) -> dict[str, Any]:
    """A bundle of ``entries`` (leaf index → leaf bytes) against the checkpoint of ``size`` leaves, with
    consistency proofs from each of ``from_sizes``."""

    def b64(h: bytes) -> str:
        return base64.b64encode(h).decode()

    return {
        "format": FORMAT,
        "checkpoint": signed_checkpoint,
        "entries": [
            {
                "index": i,
                "leaf": b64(leaf),
                "inclusion": [b64(h) for h in tlog.inclusion_proof(nodes, i, size)],
            }
            for i, leaf in sorted(entries.items())
        ],
        "consistency": [
            {"from_size": m, "proof": [b64(h) for h in tlog.consistency_proof(nodes, m, size)]}
            for m in from_sizes
        ],
    }
