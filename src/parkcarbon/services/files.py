"""Uploaded files shared by the ends: a usable file name, and a content type that agrees with the name's
extension and the file's leading bytes (evidence documents of an enterprise, qualifications of a provider).
A refused file raises :class:`InvalidInput` naming the field; nothing is stored by this module.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from parkcarbon.services.errors import InvalidInput

__all__ = ["ALLOWED_TYPES", "checked_content_type", "safe_file_name"]

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


def checked_content_type(filename: str, declared: str | None, content: bytes) -> str:
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


def safe_file_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if not name or name in {".", ".."} or any(ord(c) < 32 for c in name):
        raise InvalidInput.field("filename", "is not a usable file name")
    return name
