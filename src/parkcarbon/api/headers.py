"""Security headers on every answer of the served application (API and console).

``X-Content-Type-Options: nosniff`` (no MIME sniffing of downloads), ``X-Frame-Options: DENY`` and the
CSP directive ``frame-ancestors 'none'`` (no framing, so no click-jacking), ``Referrer-Policy:
strict-origin-when-cross-origin`` (no paths or query strings to other sites) and, in production only,
``Strict-Transport-Security`` (browsers keep to HTTPS for a year). A header a route set itself is kept.

HTML pages (the console, the API docs) get a full script/style policy instead (:class:`HtmlPolicy`,
:func:`html_policy`): scripts only from this origin or inline with the page's nonce. NiceGUI writes the
page's state and its Vue/Quasar set-up as inline ``<script>`` blocks (different on every page, so no
hash can name them) and has no nonce option; the middleware adds a fresh nonce to every ``<script`` tag
of the HTML the application itself rendered (NiceGUI escapes ``<`` in element data, so user text cannot
open a tag). ``'unsafe-eval'`` stays because Vue's in-browser template compiler — NiceGUI's components
are templates compiled at run time — and ``ui.run_javascript`` build functions from strings; styles need
``'unsafe-inline'`` (Quasar and ECharts set ``style`` attributes, NiceGUI adds ``<style>`` elements).
"""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HSTS", "SECURITY_HEADERS", "HtmlPolicy", "SecurityHeaders", "html_policy"]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": "frame-ancestors 'none'",
}
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` (and :data:`HSTS` when ``hsts``)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = {**SECURITY_HEADERS, **({"Strict-Transport-Security": HSTS} if hsts else {})}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def html_policy(nonce: str) -> str:
    """The Content-Security-Policy of an HTML page whose inline scripts carry ``nonce``."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)
#: Larger HTML answers pass unchanged (and keep the plain ``frame-ancestors`` policy): none of ours is.
MAX_HTML_BYTES = 8 * 1024 * 1024


class HtmlPolicy:
    """ASGI middleware: an uncompressed ``text/html`` answer without a CSP of its own gets a nonce on
    every ``<script`` tag and :func:`html_policy` as its Content-Security-Policy.

    Installed inside compression (NiceGUI's gzip) so that it sees the page as rendered; an answer that is
    already encoded or already carries a policy passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "HEAD":  # HEAD: no body to rewrite
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def send_rewritten(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if (
                    not headers.get("content-type", "").startswith("text/html")
                    or "content-encoding" in headers
                    or "content-security-policy" in headers
                ):
                    passing = True
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if sum(len(c) for c in chunks) > MAX_HTML_BYTES:
                passing = True
                await send(start)
                await send({**message, "body": b"".join(chunks)})
                return
            if message.get("more_body", False):
                return
            nonce = secrets.token_urlsafe(18)
            body = _SCRIPT_TAG.sub(b'<script nonce="' + nonce.encode() + b'"', b"".join(chunks))
            headers = MutableHeaders(scope=start)
            headers["Content-Security-Policy"] = html_policy(nonce)
            if "content-length" in headers:
                headers["Content-Length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, send_rewritten)
