"""Evidence documents (凭证资料) of an enterprise, stored with their SHA-256.

Uploads are limited in size and type; a refused upload stores nothing. A document used as the
evidence of an override in a submitted (frozen) inventory cannot be deleted. Only members, grantees of
``documents`` and assigned verifiers read documents; park staff never do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.enterprise.schemas import DocumentPublic, DocumentUpload
from parkcarbon.services.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
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
#: Content types accepted as evidence, with the file name extensions that may carry them.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/csv": (".csv",),
    "text/plain": (".txt",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.ms-excel": (".xls",),
    "application/msword": (".doc",),
    "application/zip": (".zip",),
}
_BY_EXTENSION = {ext: ctype for ctype, exts in ALLOWED_TYPES.items() for ext in exts}
#: Leading bytes of binary formats; a file whose bytes contradict its declared type is refused.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/zip": (b"PK\x03\x04",),
}


@dataclass(frozen=True)
class DocumentContent:
    filename: str
    content_type: str
    sha256: str
    content: bytes


def _content_type(filename: str, declared: str | None, content: bytes) -> str:
    ext = PurePath(filename).suffix.lower()
    ctype = (
        (declared or "").split(";")[0].strip().lower()
        or _BY_EXTENSION.get(ext)
        or (mimetypes.guess_type(filename)[0] or "")
    )
    if ctype not in ALLOWED_TYPES:
        allowed = ", ".join(sorted({e for exts in ALLOWED_TYPES.values() for e in exts}))
        raise InvalidInput.field(
            "content_type", f"{ctype or 'unknown type'} is not accepted; allowed: {allowed}"
        )
    if ext not in ALLOWED_TYPES[ctype]:
        raise InvalidInput.field("filename", f"extension {ext or '(none)'} does not match {ctype}")
    magic = _MAGIC.get(ctype)
    if magic and not any(content.startswith(m) for m in magic):
        raise InvalidInput.field("content_base64", f"the content is not a {ctype} file")
    if ctype.startswith("text/"):
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput.field("content_base64", "text files must be UTF-8") from None
    return ctype


def _safe_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if not name or name in {".", ".."} or any(ord(c) < 32 for c in name):
        raise InvalidInput.field("filename", "is not a usable file name")
    return name


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
    name = _safe_name(filename)
    ctype = _content_type(name, content_type, content)
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
