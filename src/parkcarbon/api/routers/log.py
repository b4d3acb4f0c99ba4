"""The transparency log (透明日志): checkpoints and consistency proofs (public), entries and their proof
bundles (as far as the access module allows)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from parkcarbon.api.deps import PageDep, PrincipalDep, RuntimeDep
from parkcarbon.services.pagination import Page
from parkcarbon.services.trust import log
from parkcarbon.services.trust.schemas import CheckpointPublic, ConsistencyPublic, LogEntryPublic

router = APIRouter(prefix="/log", tags=["log"])

Size = Annotated[int, Query(ge=0, le=2**62, description="tree size [leaves]")]
LeafIndex = Annotated[int, Path(ge=0, le=2**62, description="leaf index in the log")]


@router.get("/checkpoint", response_model=CheckpointPublic)
def read_log_checkpoint(runtime: RuntimeDep) -> CheckpointPublic:
    """The log's latest signed checkpoint (no authentication): signed now if the log grew since the last."""
    return log.checkpoint(runtime.db, runtime.settings)


@router.get("/consistency", response_model=ConsistencyPublic)
def read_log_consistency(
    runtime: RuntimeDep, from_size: Size, to_size: Size | None = None
) -> ConsistencyPublic:
    """RFC 9162 consistency proof from ``from_size`` to ``to_size`` (default: the latest checkpoint's size);
    no authentication."""
    return log.consistency(runtime.db, runtime.settings, from_size, to_size)


@router.get("/entries", response_model=Page[LogEntryPublic])
def list_log_entries(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    enterprise_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Page[LogEntryPublic]:
    """The enterprise's log entries the caller may read."""
    return log.entries_of(runtime.db, principal, enterprise_id, page)


@router.get("/entries/{leaf_index}", response_model=LogEntryPublic)
def read_log_entry(runtime: RuntimeDep, principal: PrincipalDep, leaf_index: LeafIndex) -> LogEntryPublic:
    return log.entry(runtime.db, principal, leaf_index)


@router.get(
    "/entries/{leaf_index}/bundle",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "a parkcarbon-proof/1 bundle"}},
)
def download_log_bundle(
    runtime: RuntimeDep, principal: PrincipalDep, leaf_index: LeafIndex, from_size: Size | None = None
) -> Response:
    """The entry's proof bundle (``parkcarbon verify BUNDLE --key …`` checks it offline); ``from_size``
    adds a consistency proof from the checkpoint size the reader trusted before."""
    data = log.bundle(runtime.db, runtime.settings, principal, leaf_index, from_size=from_size)
    return Response(
        json.dumps(data, indent=1).encode(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="parkcarbon-log-{leaf_index}.json"'},
    )
