"""Errors of the intake machinery. Services translate them to their own errors (and so to HTTP)."""

from __future__ import annotations

__all__ = [
    "BatchTooLarge",
    "DecompressionBusy",
    "IntakeError",
    "MalformedBody",
    "UnsupportedMediaType",
]


class IntakeError(Exception):
    """Base of every error raised on purpose by :mod:`parkcarbon.ingest`.

    Parameters
    ----------
    detail
        What is wrong and what to do about it.
    field
        The request field concerned, if any.
    """

    def __init__(self, detail: str, *, field: str = "body") -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class MalformedBody(IntakeError):
    """The body as a whole cannot be read (not JSON, not CSV, no ``readings`` list, bad gzip)."""


class BatchTooLarge(IntakeError):
    """More rows (or bytes) than the configured limit; split the batch."""

    def __init__(self, detail: str, *, limit: int) -> None:
        super().__init__(detail)
        self.limit = limit


class UnsupportedMediaType(IntakeError):
    """A content type or encoding the intake does not read."""


class DecompressionBusy(IntakeError):
    """The process-wide budget of decompressed bytes is used up by other requests; retry shortly."""
