"""Service errors. The API turns each into RFC 9457 problem+json; the console shows its message."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://parkcarbon.org/problems/"


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 problem document (the API answers it; the CLI prints the same)."""
        return {
            "type": PROBLEM_BASE + self.title.lower().replace(" ", "-"),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "errors": self.errors,
        }


class Unauthorized(ServiceError):
    status = 401
    title = "Not authenticated"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"


class NotFound(ServiceError):
    """Also raised for another tenant's objects, so their existence is not revealed."""

    status = 404
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class InvalidInput(ServiceError):
    """Input that is well-formed but wrong; ``errors`` names each field and the reason."""

    status = 422
    title = "Invalid input"

    @classmethod
    def field(cls, field: str, reason: str) -> InvalidInput:
        return cls(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


class TooManyAttempts(ServiceError):
    status = 429
    title = "Too many failed attempts"


class PayloadTooLarge(ServiceError):
    status = 413
    title = "Payload too large"
