"""Schemas of the transparency log's API (透明日志): checkpoints, entries, consistency proofs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CheckpointPublic(BaseModel):
    """A signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note; docs/trust.md)."""

    origin: str = Field(description="the log's origin (first line of the checkpoint)")
    size: int = Field(description="tree size [leaves]")
    root: str = Field(description="base64 of the 32-byte RFC 9162 root hash")
    note: str = Field(description="the signed note, byte for byte as signed")
    key_name: str
    key_hash: str = Field(description="8 hex digits: the signing key's hash")
    verifier_key: str = Field(description="the log's current verifier key <name>+<hash>+<base64 key>")
    created_at: datetime


class ConsistencyPublic(BaseModel):
    """RFC 9162 §2.1.4 consistency proof between two tree sizes."""

    origin: str
    from_size: int
    to_size: int
    proof: list[str] = Field(description="base64 hashes, in the order of PROOF(from_size, D[to_size])")


class LogEntryPublic(BaseModel):
    """One leaf of the log and what it is about. ``leaf`` is the exact bytes hashed (RFC 8785 JSON)."""

    leaf_index: int
    park_id: int | None
    enterprise_id: int | None
    kind: str = Field(description="e.g. grant.create, grant.revoke, mrv.submit, mrv.verify")
    entity: str
    entity_id: str | None
    created_at: datetime
    leaf_hash: str = Field(description="hex of SHA-256(0x00 ‖ leaf)")
    leaf: str = Field(description="base64 of the leaf's bytes (canonical JSON)")
