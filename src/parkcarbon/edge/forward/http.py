"""HTTPS transport to the platform's batch API (httpx).

``POST {base_url}/api/v1/readings`` with ``Authorization: Bearer <api key>``, the contract JSON
as body and ``Idempotency-Key: <batch_id>``.

Verdicts
--------
* 2xx → delivered. If the body carries a per-row rejection report (see below) those rows are
  dead-lettered and the rest counted as accepted.
* 400, 409, 422 with a per-row report → the listed rows are dead-lettered with the platform's
  reason, the others were accepted (the platform keeps every accepted row).
* 400, 422 without a per-row report → the whole batch is dead-lettered with the response text
  (the platform refused the batch as such; it stays inspectable and can be re-queued).
* 413 → split the batch and retry smaller.
* 401, 403 → retry with backoff: a key problem is not the readings' fault; nothing is dropped.
* 408, 425, 429, 5xx, network errors, timeouts → retry with backoff (``Retry-After`` honoured).
* any other 4xx → retry with backoff, reason recorded.

Per-row rejection report: a JSON object with a list under ``rejected`` (preferred) or
``errors``; each item gives the row by ``index`` (or ``row``, or a FastAPI-style ``loc`` such as
``["body", "readings", 3, "value"]``) and the reason by ``reason`` (or ``detail``, ``msg``,
``message``, ``title``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from parkcarbon import __version__
from parkcarbon.edge.config import HttpConfig
from parkcarbon.edge.forward import Delivery

__all__ = ["HttpTransport", "parse_rejections"]

log = logging.getLogger(__name__)

_RETRYABLE_4XX = {401, 403, 408, 425, 429}
_REPORT_KEYS = ("rejected", "errors", "invalid")
_INDEX_KEYS = ("index", "row")
_REASON_KEYS = ("reason", "detail", "msg", "message", "title")


def parse_rejections(body: Any, count: int) -> dict[int, str] | None:
    """Row position → reason from a platform response body, or ``None`` if there is no report.

    Items whose row cannot be identified or lies outside ``0 … count−1`` are ignored.
    """
    if not isinstance(body, dict):
        return None
    items = next((body[k] for k in _REPORT_KEYS if isinstance(body.get(k), list)), None)
    if items is None:
        return None
    out: dict[int, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        index = next((item[k] for k in _INDEX_KEYS if isinstance(item.get(k), int)), None)
        if index is None and isinstance(item.get("loc"), list):
            loc = item["loc"]
            if "readings" in loc:
                after = loc[loc.index("readings") + 1 :]
                index = next((x for x in after if isinstance(x, int)), None)
        if index is None or isinstance(index, bool) or not 0 <= index < count:
            continue
        reason = next((str(item[k]) for k in _REASON_KEYS if item.get(k)), "rejected by platform")
        field = item.get("field")
        if isinstance(field, str) and field and field not in reason:
            reason = f"{field}: {reason}"
        out[index] = f"{out[index]}; {reason}" if index in out else reason
    return out


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _excerpt(response: httpx.Response, limit: int = 300) -> str:
    text = response.text.strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


class HttpTransport:
    """Posts batches to ``{base_url}/api/v1/readings``.

    Parameters
    ----------
    config
        ``[forward.http]`` settings.
    transport
        An :class:`httpx.BaseTransport` to use instead of the network (``httpx.MockTransport``
        in unit tests).
    """

    def __init__(self, config: HttpConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        verify: bool | str = config.ca_file if config.ca_file else config.verify_tls
        self.client = httpx.Client(
            base_url=config.base_url,
            timeout=config.timeout_s,
            verify=verify,
            transport=transport,
            headers={
                "Authorization": f"Bearer {config.api_key}",
                "User-Agent": f"parkcarbon-edge/{__version__}",
            },
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def deliver(self, batch_id: str, payload: bytes, count: int) -> Delivery:
        """POST one batch and map the response to a verdict (see module docstring)."""
        try:
            response = self.client.post(
                "/api/v1/readings",
                content=payload,
                headers={"Content-Type": "application/json", "Idempotency-Key": batch_id},
            )
        except httpx.HTTPError as exc:
            return Delivery(
                "retry",
                reason=f"POST {self.config.base_url}/api/v1/readings failed: {type(exc).__name__}: {exc}",
            )
        status = response.status_code
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
        report = parse_rejections(body, count)
        if 200 <= status < 300:
            if report:
                return Delivery(
                    "rejected",
                    rejected=report,
                    http_status=status,
                    reason=f"HTTP {status}: {len(report)} of {count} rows rejected",
                )
            return Delivery("delivered", http_status=status)
        if status == 413:
            return Delivery("split", http_status=status, reason=f"HTTP 413 for {count} readings")
        if status in (400, 409, 422) and report:
            return Delivery(
                "rejected",
                rejected=report,
                http_status=status,
                reason=f"HTTP {status}: {len(report)} of {count} rows rejected",
            )
        if status in (400, 422):
            reason = f"HTTP {status}: batch refused: {_excerpt(response)}"
            return Delivery(
                "rejected", rejected=dict.fromkeys(range(count), reason), http_status=status, reason=reason
            )
        hint = " — check api_key / api_key_env" if status in (401, 403) else ""
        return Delivery(
            "retry",
            http_status=status,
            retry_after_s=_retry_after(response),
            reason=f"HTTP {status}{hint}: {_excerpt(response)}",
        )
