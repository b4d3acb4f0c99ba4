"""Request body limits for every route of the served application (API and console).

Two layers, both configured by ``Settings.max_body_bytes``:

* :class:`DeclaredLengthLimit` answers ``413`` (problem+json) to a request whose ``Content-Length``
  exceeds the limit *before the application runs*, so nothing is buffered and no route, not even an
  unauthenticated one, sees it.
* Starlette's ``RequestBodyLimitMiddleware`` (installed inside it by ``create_app``) counts the
  bytes actually streamed, which catches chunked bodies and lying ``Content-Length`` headers; the
  ``413`` it raises reaches :mod:`parkcarbon.api.problems` like any other HTTP error.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from parkcarbon.services.errors import PROBLEM_BASE

__all__ = ["DeclaredLengthLimit", "too_large_reason"]


def too_large_reason(limit: int) -> str:
    return f"the request body is larger than {limit} bytes (PARKCARBON_MAX_BODY_BYTES); split it"


class DeclaredLengthLimit:
    """ASGI middleware: ``413`` for a declared ``Content-Length`` above ``max_bytes``; ``400`` for a
    ``Content-Length`` that is not a number."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is None:
            await self.app(scope, receive, send)
            return
        try:
            length = int(declared)
            if length < 0:
                raise ValueError(declared)
        except ValueError:
            await _problem(scope, send, 400, "Bad request", "Content-Length", "is not a byte count")
            return
        if length > self.max_bytes:
            await _problem(scope, send, 413, "Payload too large", "body", too_large_reason(self.max_bytes))
            return
        await self.app(scope, receive, send)


async def _problem(scope: Scope, send: Send, status: int, title: str, field: str, reason: str) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_BASE + title.lower().replace(" ", "-"),
            "title": title,
            "status": status,
            "detail": f"{field}: {reason}",
            "instance": scope.get("path"),
            "errors": [{"field": field, "reason": reason}],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
