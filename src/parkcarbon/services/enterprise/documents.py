"""Evidence documents (凭证资料) of an enterprise, stored with their SHA-256.

Uploads are limited in size and type; a refused upload stores nothing. A document used as the
evidence of an override in a submitted (frozen) inventory cannot be deleted. Only members, grantees of
``documents`` and assigned verifiers read documents; park staff never do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.enterprise.schemas import DocumentPublic, DocumentUpload
from parkcarbon.services.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from parkcarbon.services.files import ALLOWED_TYPES, checked_content_type, safe_file_name
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import archive
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    EnterpriseDocument,
    EnterpriseDocumentBlob,
    GrantScope,
)

__all__ = [
    "ALLOWED_TYPES",
    "MAX_DOCUMENT_BYTES",
    "DocumentContent",
    "delete_document",
    "get_document",
    "list_documents",
    "read_content",
    "store_document",
    "upload_document",
]

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
@dataclass(frozen=True)
class DocumentContent:
    filename: str
    content_type: str
    sha256: str
    content: bytes


def store_document(
    s: Session,
    p: Principal,
    *,
    park_id: int,
    enterprise_id: int,
    filename: str,
    content: bytes,
    content_type: str | None,
    kind: str,
    description: str | None,
) -> EnterpriseDocument:
    """Validate and store a document inside the caller's transaction (used by upload and by reports)."""
    if not content:
        raise InvalidInput.field("content_base64", "the file is empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge(
            f"the file has {len(content)} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes",
            errors=[{"field": "content_base64", "reason": f"larger than {MAX_DOCUMENT_BYTES} bytes"}],
        )
    name = safe_file_name(filename)
    ctype = checked_content_type(name, content_type, content)
    doc = EnterpriseDocument(
        park_id=park_id,
        enterprise_id=enterprise_id,
        filename=name,
        content_type=ctype,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        kind=kind,
        description=description,
        uploaded_by=p.label,
        uploaded_by_user_id=p.user_id,
    )
    s.add(doc)
    s.flush()
    s.add(EnterpriseDocumentBlob(document_id=doc.id, park_id=park_id, content=content))
    audit.record(
        s,
        p,
        "document.upload",
        entity="document",
        entity_id=doc.id,
        park_id=park_id,
        enterprise_id=enterprise_id,
        after={"id": doc.id, "kind": kind, "sha256": doc.sha256, "size_bytes": doc.size_bytes},
    )
    return doc


def upload_document(db: Database, p: Principal, enterprise_id: int, data: DocumentUpload) -> DocumentPublic:
    """Store an evidence file (members of the enterprise); its SHA-256 is computed and kept."""
    try:
        content = base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput.field("content_base64", "is not valid base64") from None
    with db.transaction() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_write(p, org)
        doc = store_document(
            s,
            p,
            park_id=org.park_id,
            enterprise_id=org.id,
            filename=data.filename,
            content=content,
            content_type=data.content_type,
            kind=data.kind,
            description=data.description,
        )
        return DocumentPublic.model_validate(doc)


def list_documents(db: Database, p: Principal, enterprise_id: int, page: PageParams) -> Page[DocumentPublic]:
    with db.read() as s:
        org = access.enterprise_of(s, p, enterprise_id)
        access.require_enterprise_read(s, p, org, GrantScope.DOCUMENTS)
        query = (
            select(EnterpriseDocument)
            .where(EnterpriseDocument.enterprise_id == org.id, EnterpriseDocument.archived_at.is_(None))
            .order_by(EnterpriseDocument.id.desc())
        )
        rows, total = paginate(s, query, page)
        return Page(data=[DocumentPublic.model_validate(r) for r in rows], count=total, **page.model_dump())


def _get(s: Session, p: Principal, document_id: int) -> EnterpriseDocument:
    doc = s.get(EnterpriseDocument, document_id)
    if doc is None or doc.archived_at is not None:
        raise NotFound("document not found")
    org = access.enterprise_of(s, p, doc.enterprise_id)
    access.require_enterprise_read(s, p, org, GrantScope.DOCUMENTS)
    return doc


def get_document(db: Database, p: Principal, document_id: int) -> DocumentPublic:
    with db.read() as s:
        return DocumentPublic.model_validate(_get(s, p, document_id))


def read_content(db: Database, p: Principal, document_id: int) -> DocumentContent:
    """The stored bytes; their SHA-256 is checked against the recorded one before they are served."""
    with db.read() as s:
        doc = _get(s, p, document_id)
        blob = s.get(EnterpriseDocumentBlob, doc.id)
        if blob is None:
            raise NotFound("document content not found")
        digest = hashlib.sha256(blob.content).hexdigest()
        if digest != doc.sha256:
            raise Conflict(f"the stored content of document {doc.id} does not match its SHA-256")
        return DocumentContent(doc.filename, doc.content_type, doc.sha256, bytes(blob.content))


def delete_document(db: Database, p: Principal, document_id: int) -> None:
    """Archive a document (enterprise admin): it leaves lists and gets, its bytes and hash stay."""
    with db.transaction() as s:
        doc = _get(s, p, document_id)
        org = access.enterprise_of(s, p, doc.enterprise_id)
        access.require_enterprise_admin(p, org, "delete documents")
        archive.archive(
            s,
            p,
            doc,
            entity="document",
            entity_id=doc.id,
            park_id=doc.park_id,
            enterprise_id=doc.enterprise_id,
            before={"id": doc.id, "kind": doc.kind, "sha256": doc.sha256},
        )


def restore_document(db: Database, p: Principal, document_id: int) -> DocumentPublic:
    """Bring an archived document back (platform admin)."""
    with db.transaction() as s:
        doc = s.get(EnterpriseDocument, document_id)
        access.require_platform_admin(p)
        if doc is None:
            raise NotFound("document not found")
        archive.restore(
            s,
            p,
            doc,
            entity="document",
            entity_id=document_id,
            park_id=doc.park_id,
            enterprise_id=doc.enterprise_id,
        )
        return DocumentPublic.model_validate(doc)
